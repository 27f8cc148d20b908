"""outbox messages: the shared outbox row's `traceparent`, the trace of the request that wrote a message

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07

Expand-only: a nullable column. The release before writes no trace (its messages are delivered in traces of
their own), and messages written before this release carry none.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("traceparent", sa.String(length=55), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_column("traceparent")
