"""outbox events: the shared outbox row (a state, as Report IT's outbox has), found by (state, next_attempt_at)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07

Expand-only, so the release before runs on this schema: `state` is NOT NULL with a server default of 'pending',
and the events that release marks delivered or given up (by their timestamps alone) are still not sent again,
because the deliverer asks the timestamps too (`deal_shared.outbox.unsent`). `last_error` widens from 1,000
characters to text, which the release before writes as before. The old index on (delivered_at, next_attempt_at)
gives way to one on (state, next_attempt_at).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("state", sa.String(length=16), nullable=False, server_default="pending"))
        batch_op.alter_column("last_error", existing_type=sa.String(length=1000), type_=sa.Text())
        batch_op.drop_index("ix_outbox_event_pending")
        batch_op.create_index("ix_outbox_event_due", ["state", "next_attempt_at"], unique=False)
    op.execute("UPDATE outbox_event SET state = 'delivered' WHERE delivered_at IS NOT NULL")
    op.execute("UPDATE outbox_event SET state = 'failed' WHERE failed_at IS NOT NULL AND delivered_at IS NULL")


def downgrade() -> None:
    with op.batch_alter_table("outbox_event", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_event_due")
        batch_op.create_index("ix_outbox_event_pending", ["delivered_at", "next_attempt_at"], unique=False)
        batch_op.alter_column("last_error", existing_type=sa.Text(), type_=sa.String(length=1000))
        batch_op.drop_column("state")
