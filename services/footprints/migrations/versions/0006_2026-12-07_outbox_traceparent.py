"""outbox events: the shared outbox row's `traceparent`, the trace of the request that wrote an event

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07

Expand-only: a nullable column. The release before writes no trace (its events are delivered in traces of their
own), and events written before this release carry none.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("traceparent", sa.String(length=55), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox_event", schema=None) as batch_op:
        batch_op.drop_column("traceparent")
