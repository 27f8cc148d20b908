"""nearby: the lookup index carries longitude too

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23

"Already reported nearby?" narrows by category, status and a latitude band. With longitude in the index as well,
the database discards rows outside the bounding box while it reads the index, instead of fetching every row in the
band (thousands of them, at a million reports) only to throw most away.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_index("ix_report_nearby")
        batch_op.create_index("ix_report_nearby", ["category_code", "status", "lat", "lon"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_index("ix_report_nearby")
        batch_op.create_index("ix_report_nearby", ["category_code", "status", "lat"], unique=False)
