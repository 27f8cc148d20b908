"""reports: indexes on (reporter_email, created_at) and (reporter_phone, created_at) for the per-contact limit

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07

Intake counts a contact's reports over the last day before taking another (REPORT_IT_CONTACT_REPORTS_PER_DAY):
without an index that count reads every report. Partial indexes (only rows with a contact) keep them small.
Expand-only: new indexes; on PostgreSQL built CONCURRENTLY, outside the migration's transaction.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {"ix_report_contact_email": "reporter_email", "ix_report_contact_phone": "reporter_phone"}


def upgrade() -> None:
    with op.get_context().autocommit_block():
        for name, column in INDEXES.items():
            op.create_index(
                name,
                "report",
                [column, "created_at"],
                unique=False,
                postgresql_concurrently=True,
                postgresql_where=sa.text(f"{column} IS NOT NULL"),
                sqlite_where=sa.text(f"{column} IS NOT NULL"),
            )


def downgrade() -> None:
    with op.get_context().autocommit_block():
        for name in INDEXES:
            op.drop_index(name, table_name="report", postgresql_concurrently=True)
