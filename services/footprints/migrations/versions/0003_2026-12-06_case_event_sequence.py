"""cases: Footprints' own version of each case, carried in every event it sends about it

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06

Additive: a NOT NULL column with a server default of 0, so the previous release (which does not write it) still
inserts cases. Its events carry no sequence and are applied as before.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("case_record", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sequence", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("case_record", schema=None) as batch_op:
        batch_op.drop_column("sequence")
