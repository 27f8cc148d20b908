"""reports: the sequence of the last case event from Footprints applied to each report

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06

Additive: a nullable column, empty for every existing report (the next event with a sequence is applied).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.add_column(sa.Column("case_event_sequence", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_column("case_event_sequence")
