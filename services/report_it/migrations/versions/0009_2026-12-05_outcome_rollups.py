"""outcomes: monthly rollups of the Deal's report measures, each report's last contribution, the refresher's
watermark and queue, and ward populations

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05

Additive: new tables only. The rollups fill on the first refresh (every existing report is read once).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import deal_shared.db

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outcome_fix_time",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("footprint_code", sa.String(length=32), nullable=False),
        sa.Column("ward_code", sa.String(length=32), nullable=False),
        sa.Column("category_code", sa.String(length=64), nullable=False),
        sa.Column("tenths", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("reports", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint(
            "month", "footprint_code", "ward_code", "category_code", "tenths", name=op.f("pk_outcome_fix_time")
        ),
    )
    op.create_table(
        "outcome_month",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("footprint_code", sa.String(length=32), nullable=False),
        sa.Column("ward_code", sa.String(length=32), nullable=False),
        sa.Column("category_code", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("reported", sa.Integer(), server_default="0", nullable=False),
        sa.Column("fixed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("fixed_first_time", sa.Integer(), server_default="0", nullable=False),
        sa.Column("with_target", sa.Integer(), server_default="0", nullable=False),
        sa.Column("within_target", sa.Integer(), server_default="0", nullable=False),
        sa.Column("resolutions", sa.Integer(), server_default="0", nullable=False),
        sa.Column("reopens", sa.Integer(), server_default="0", nullable=False),
        sa.Column("not_council_responsibility", sa.Integer(), server_default="0", nullable=False),
        sa.Column("duplicates", sa.Integer(), server_default="0", nullable=False),
        sa.Column("backlog_delta", sa.Integer(), server_default="0", nullable=False),
        sa.Column("overdue_delta", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint(
            "month", "footprint_code", "ward_code", "category_code", "channel", name=op.f("pk_outcome_month")
        ),
    )
    op.create_table(
        "outcome_pending",
        sa.Column("report_id", sa.Uuid(), nullable=False),
        sa.Column("queued_at", deal_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("report_id", name=op.f("pk_outcome_pending")),
    )
    op.create_table(
        "outcome_report_fact",
        sa.Column("report_id", sa.Uuid(), nullable=False),
        sa.Column("contribution", JSON, nullable=False),
        sa.Column("seen_updated_at", deal_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("report_id", name=op.f("pk_outcome_report_fact")),
    )
    op.create_table(
        "outcome_watermark",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("read_to", deal_shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("refreshed_at", deal_shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome_watermark")),
    )
    op.create_table(
        "ward_population",
        sa.Column("ward_code", sa.String(length=32), nullable=False),
        sa.Column("ward_name", sa.String(length=120), nullable=False),
        sa.Column("footprint_code", sa.String(length=32), nullable=False),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("illustrative", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("ward_code", name=op.f("pk_ward_population")),
    )


def downgrade() -> None:
    op.drop_table("ward_population")
    op.drop_table("outcome_watermark")
    op.drop_table("outcome_report_fact")
    op.drop_table("outcome_pending")
    op.drop_table("outcome_month")
    op.drop_table("outcome_fix_time")
