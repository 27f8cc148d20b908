"""outbox messages: the shared outbox row's `failed_at`, when a message was given up

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07

Expand-only: a nullable column. The release before gives messages up by their state alone (it leaves `failed_at`
empty), which this release reads as given up as well. Messages given up before this release keep no time.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import deal_shared.db

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("failed_at", deal_shared.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_column("failed_at")
