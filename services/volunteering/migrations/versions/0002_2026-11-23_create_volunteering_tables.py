"""create volunteering tables: staff profiles, directorate policy, organisations, opportunities, the booking ledger

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

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('directorate_setting',
    sa.Column('directorate', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('auto_approve', sa.Boolean(), nullable=False),
    sa.Column('updated_at', deal_shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('directorate', name=op.f('pk_directorate_setting'))
    )
    op.create_table('organisation',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('charity_number', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('contact_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('contact_email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
    sa.Column('contact_phone', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('footprint_code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('footprint_number', sa.Integer(), nullable=True),
    sa.Column('footprint_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('ward_code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('ward_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('located_at', deal_shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('created_at', deal_shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation'))
    )
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_footprint_code'), ['footprint_code'], unique=False)

    op.create_table('staff_profile',
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
    sa.Column('directorate', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('team', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('line_manager_subject', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('contracted_weekly_hours', sa.Float(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('leave_date', sa.Date(), nullable=True),
    sa.Column('calendar_token', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', deal_shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', deal_shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('subject', name=op.f('pk_staff_profile')),
    sa.UniqueConstraint('calendar_token', name=op.f('uq_staff_profile_calendar_token'))
    )
    with op.batch_alter_table('staff_profile', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_profile_directorate'), ['directorate'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_profile_line_manager_subject'), ['line_manager_subject'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_profile_team'), ['team'], unique=False)

    op.create_table('opportunity',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organisation_id', sa.Uuid(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('starts_at', deal_shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ends_at', deal_shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('places', sa.Integer(), nullable=False),
    sa.Column('skills', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('accessibility_notes', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('suggested_from', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=True),
    sa.Column('footprint_code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('footprint_number', sa.Integer(), nullable=True),
    sa.Column('footprint_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('ward_code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('ward_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('located_at', deal_shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('created_at', deal_shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_opportunity_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opportunity'))
    )
    with op.batch_alter_table('opportunity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opportunity_footprint_code'), ['footprint_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_opportunity_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index('ix_opportunity_starts', ['status', 'starts_at'], unique=False)

    op.create_table('booking',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('staff_subject', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('opportunity_id', sa.Uuid(), nullable=True),
    sa.Column('organisation_id', sa.Uuid(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('leave_year', sa.Integer(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('attendance', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('minutes_given', sa.Integer(), nullable=True),
    sa.Column('impact_note', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('decision_reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('decided_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('decided_at', deal_shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('waitlist_seq', sa.Integer(), nullable=True),
    sa.Column('created_at', deal_shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', deal_shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['opportunity_id'], ['opportunity.id'], name=op.f('fk_booking_opportunity_id_opportunity')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_booking_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['staff_subject'], ['staff_profile.subject'], name=op.f('fk_booking_staff_subject_staff_profile')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking'))
    )
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.create_index('ix_booking_day', ['day'], unique=False)
        batch_op.create_index('ix_booking_opportunity_status', ['opportunity_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_booking_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index('ix_booking_staff_year', ['staff_subject', 'leave_year'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_index('ix_booking_staff_year')
        batch_op.drop_index(batch_op.f('ix_booking_organisation_id'))
        batch_op.drop_index('ix_booking_opportunity_status')
        batch_op.drop_index('ix_booking_day')

    op.drop_table('booking')
    with op.batch_alter_table('opportunity', schema=None) as batch_op:
        batch_op.drop_index('ix_opportunity_starts')
        batch_op.drop_index(batch_op.f('ix_opportunity_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_opportunity_footprint_code'))

    op.drop_table('opportunity')
    with op.batch_alter_table('staff_profile', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_profile_team'))
        batch_op.drop_index(batch_op.f('ix_staff_profile_line_manager_subject'))
        batch_op.drop_index(batch_op.f('ix_staff_profile_directorate'))

    op.drop_table('staff_profile')
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_footprint_code'))

    op.drop_table('organisation')
    op.drop_table('directorate_setting')
