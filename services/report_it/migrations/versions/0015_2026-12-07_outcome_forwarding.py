"""outcomes: forwarding counters (reports recategorised or moved between footprints, and the time it added)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07

Additive columns on outcome_month. The rollups are derived data: they are emptied and the watermark reset, so the
next refresh recomputes every report with its forwarding (as after `report-it rebuild-outcomes`).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTERS = ("forwarded", "recategorised", "moved_footprint", "forwards", "forward_tenths")


def upgrade() -> None:
    with op.batch_alter_table("outcome_month") as batch:
        for name in COUNTERS:
            batch.add_column(sa.Column(name, sa.Integer(), server_default="0", nullable=False))
    for table in ("outcome_month", "outcome_fix_time", "outcome_report_fact", "outcome_pending"):
        op.execute(sa.text(f"DELETE FROM {table}"))
    op.execute(sa.text("UPDATE outcome_watermark SET read_to = NULL"))


def downgrade() -> None:
    with op.batch_alter_table("outcome_month") as batch:
        for name in COUNTERS:
            batch.drop_column(name)
