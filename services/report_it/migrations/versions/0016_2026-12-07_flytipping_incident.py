"""flytipping incident: the Defra fields an officer records for a fly-tipping report

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07

Additive: one new table, one row per report at most.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import deal_shared.db

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = deal_shared.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "flytipping_incident",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("report_id", sa.Uuid(), nullable=False),
        sa.Column("land_type", sa.String(length=64), nullable=False),
        sa.Column("waste_type", sa.String(length=64), nullable=False),
        sa.Column("size", sa.String(length=64), nullable=False),
        sa.Column("cost_band", sa.String(length=64), nullable=False),
        sa.Column("enforcement_action", sa.String(length=64), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_by_name", sa.String(length=200), nullable=True),
        sa.Column("recorded_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["report.id"], name=op.f("fk_flytipping_incident_report_id_report")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flytipping_incident")),
        sa.UniqueConstraint("report_id", name=op.f("uq_flytipping_incident_report_id")),
    )


def downgrade() -> None:
    op.drop_table("flytipping_incident")
