"""subscription confirmation: double opt-in for e-mail updates

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23

A subscription now waits for its address's owner to follow the link in a confirmation e-mail before any update is
sent to it. The link's secret is kept only as a hash. Subscriptions made before this change are treated as
confirmed, so nobody loses the e-mails they asked for.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import deal_shared.db

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("subscription", schema=None) as batch_op:
        batch_op.add_column(sa.Column("confirmed_at", deal_shared.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("confirmation_token_hash", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("confirmation_sent_at", deal_shared.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_subscription_confirmation_token_hash"), ["confirmation_token_hash"], unique=True
        )
        batch_op.create_index(batch_op.f("ix_subscription_email"), ["email"], unique=False)
    op.execute("UPDATE subscription SET confirmed_at = created_at WHERE confirmed_at IS NULL")


def downgrade() -> None:
    # Pending subscriptions were never confirmed by their address's owner: they must not start getting e-mails.
    op.execute("DELETE FROM subscription WHERE confirmed_at IS NULL")
    with op.batch_alter_table("subscription", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subscription_email"))
        batch_op.drop_index(batch_op.f("ix_subscription_confirmation_token_hash"))
        batch_op.drop_column("confirmation_sent_at")
        batch_op.drop_column("confirmation_token_hash")
        batch_op.drop_column("confirmed_at")
