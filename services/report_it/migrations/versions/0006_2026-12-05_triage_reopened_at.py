"""triage: when a report came back into the triage queue after being fixed or closed

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05

Additive: a nullable column, empty for every existing report (none of them is waiting for triage as reopened).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import deal_shared.db

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reopened_at", deal_shared.db.UTCDateTime(timezone=True), nullable=True))
    # The triage queue reads new reports (status) and reopened ones (this column), oldest first.
    op.create_index("ix_report_triage", "report", ["status", "created_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_report_triage", table_name="report")
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_column("reopened_at")
