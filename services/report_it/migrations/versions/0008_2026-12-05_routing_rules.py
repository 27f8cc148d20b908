"""routing rules: what happens to a new report on submission, audited; when each report was routed

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05

Additive: two new tables and two nullable report columns. Reports made before this revision count as routed
already, so a rule added later never reaches back to them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import deal_shared.db

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
WHEN = deal_shared.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "routing_rule",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("category_code", sa.String(length=64), nullable=True),
        sa.Column("footprint_code", sa.String(length=32), nullable=True),
        sa.Column("ward_code", sa.String(length=32), nullable=True),
        sa.Column("answers", JSON, nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("priority", sa.String(length=16), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_rule")),
    )
    op.create_index(op.f("ix_routing_rule_position"), "routing_rule", ["position"], unique=False)
    op.create_table(
        "routing_rule_audit",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("rule_id", sa.Uuid(), nullable=False),
        sa.Column("at", WHEN, nullable=False),
        sa.Column("actor_subject", sa.String(length=200), nullable=False),
        sa.Column("actor_name", sa.String(length=200), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("before", JSON, nullable=True),
        sa.Column("after", JSON, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_rule_audit")),
    )
    op.create_index("ix_routing_rule_audit_at", "routing_rule_audit", ["at"], unique=False)
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.add_column(sa.Column("routed_at", WHEN, nullable=True))
        batch_op.add_column(sa.Column("routing_rule_id", sa.Uuid(), nullable=True))
    op.execute("UPDATE report SET routed_at = created_at")


def downgrade() -> None:
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_column("routing_rule_id")
        batch_op.drop_column("routed_at")
    op.drop_index("ix_routing_rule_audit_at", table_name="routing_rule_audit")
    op.drop_table("routing_rule_audit")
    op.drop_index(op.f("ix_routing_rule_position"), table_name="routing_rule")
    op.drop_table("routing_rule")
