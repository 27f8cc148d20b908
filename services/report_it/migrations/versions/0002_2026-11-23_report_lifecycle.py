"""report lifecycle: updates, subscriptions, templates, notifications and webhooks

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import deal_shared.db

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("report_id", sa.Uuid(), nullable=True),
        sa.Column(
            "payload", sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"), nullable=False
        ),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", deal_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", deal_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", deal_shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_message")),
    )
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_message_due", ["state", "next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_message_report_id"), ["report_id"], unique=False)

    op.create_table(
        "webhook",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("secret", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column(
            "categories", sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"), nullable=False
        ),
        sa.Column("bbox", sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("created_at", deal_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook")),
    )
    op.create_table(
        "response_template",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("category_code", sa.String(length=64), nullable=True),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", deal_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", deal_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_code"], ["category.code"], name=op.f("fk_response_template_category_code_category")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_response_template")),
    )
    with op.batch_alter_table("response_template", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_response_template_category_code"), ["category_code"], unique=False)

    op.create_table(
        "subscription",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("report_id", sa.Uuid(), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("created_at", deal_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["report.id"], name=op.f("fk_subscription_report_id_report")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscription")),
        sa.UniqueConstraint("report_id", "email", name=op.f("uq_subscription_report_id")),
    )
    with op.batch_alter_table("subscription", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_subscription_report_id"), ["report_id"], unique=False)

    op.create_table(
        "report_update",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("report_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", deal_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("actor_subject", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("actor_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("actor_department", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("status_from", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("status_to", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("public_text", sa.Text(), nullable=True),
        sa.Column("internal_note", sa.Text(), nullable=True),
        sa.Column(
            "changes", sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"), nullable=False
        ),
        sa.Column("photo_id", sa.Uuid(), nullable=True),
        sa.Column("template_id", sa.Uuid(), nullable=True),
        sa.Column("event_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.ForeignKeyConstraint(["photo_id"], ["photo.id"], name=op.f("fk_report_update_photo_id_photo")),
        sa.ForeignKeyConstraint(["report_id"], ["report.id"], name=op.f("fk_report_update_report_id_report")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_update")),
        sa.UniqueConstraint("event_id", name=op.f("uq_report_update_event_id")),
    )
    with op.batch_alter_table("report_update", schema=None) as batch_op:
        batch_op.create_index("ix_report_update_report", ["report_id", "created_at"], unique=False)

    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.add_column(sa.Column("acknowledged_at", deal_shared.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("fixed_at", deal_shared.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("closed_at", deal_shared.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("duplicate_of_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("footprint_code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.add_column(sa.Column("ward_code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.add_column(sa.Column("case_version", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("anonymised_at", deal_shared.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_report_duplicate_of_id"), ["duplicate_of_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_report_duplicate_of_id_report"), "report", ["duplicate_of_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_report_duplicate_of_id_report"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_report_duplicate_of_id"))
        batch_op.drop_column("anonymised_at")
        batch_op.drop_column("case_version")
        batch_op.drop_column("ward_code")
        batch_op.drop_column("footprint_code")
        batch_op.drop_column("duplicate_of_id")
        batch_op.drop_column("closed_at")
        batch_op.drop_column("fixed_at")
        batch_op.drop_column("acknowledged_at")

    with op.batch_alter_table("report_update", schema=None) as batch_op:
        batch_op.drop_index("ix_report_update_report")

    op.drop_table("report_update")
    with op.batch_alter_table("subscription", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subscription_report_id"))

    op.drop_table("subscription")
    with op.batch_alter_table("response_template", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_response_template_category_code"))

    op.drop_table("response_template")
    op.drop_table("webhook")
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_message_report_id"))
        batch_op.drop_index("ix_outbox_message_due")

    op.drop_table("outbox_message")
