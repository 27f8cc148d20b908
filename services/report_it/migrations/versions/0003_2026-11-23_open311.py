"""open311: API keys and client-id de-duplication

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23

Written by hand with only Open311's tables: API keys, the submissions each key made (client ids, batch
tokens, media links) and the update ids each key posted.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import deal_shared.db

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "open311_api_key",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("key_hash", sa.LargeBinary(), nullable=False),
        sa.Column("key_prefix", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("created_at", deal_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", deal_shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_open311_api_key")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_open311_api_key_key_hash")),
    )
    op.create_table(
        "open311_submission",
        sa.Column("report_id", sa.Uuid(), nullable=False),
        sa.Column("api_key_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("token", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("device_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("account_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("media_urls", JSON, nullable=False),
        sa.Column("client_attributes", JSON, nullable=False),
        sa.Column("created_at", deal_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["api_key_id"], ["open311_api_key.id"], name=op.f("fk_open311_submission_api_key_id_open311_api_key")
        ),
        sa.ForeignKeyConstraint(["report_id"], ["report.id"], name=op.f("fk_open311_submission_report_id_report")),
        sa.PrimaryKeyConstraint("report_id", name=op.f("pk_open311_submission")),
        sa.UniqueConstraint("api_key_id", "client_id", name=op.f("uq_open311_submission_api_key_id")),
        sa.UniqueConstraint("token", name=op.f("uq_open311_submission_token")),
    )
    with op.batch_alter_table("open311_submission", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_open311_submission_api_key_id"), ["api_key_id"], unique=False)

    op.create_table(
        "open311_update_receipt",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("api_key_id", sa.Uuid(), nullable=False),
        sa.Column("update_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("report_id", sa.Uuid(), nullable=False),
        sa.Column("report_update_id", sa.Uuid(), nullable=True),
        sa.Column("media_url", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("created_at", deal_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["api_key_id"], ["open311_api_key.id"], name=op.f("fk_open311_update_receipt_api_key_id_open311_api_key")
        ),
        sa.ForeignKeyConstraint(["report_id"], ["report.id"], name=op.f("fk_open311_update_receipt_report_id_report")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_open311_update_receipt")),
        sa.UniqueConstraint("api_key_id", "update_id", name=op.f("uq_open311_update_receipt_api_key_id")),
    )
    with op.batch_alter_table("open311_update_receipt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_open311_update_receipt_report_id"), ["report_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("open311_update_receipt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_open311_update_receipt_report_id"))
    op.drop_table("open311_update_receipt")
    with op.batch_alter_table("open311_submission", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_open311_submission_api_key_id"))
    op.drop_table("open311_submission")
    op.drop_table("open311_api_key")
