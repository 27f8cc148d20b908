"""One outbox row for every service: Report IT's messages and Footprints' case events have the same columns and
states, move through them the same way, and rows the release before finished are not sent again."""

from __future__ import annotations

import uuid
from datetime import timedelta

import sqlalchemy as sa
from alembic import command
from sqlmodel import Session, col, select

from deal_shared.db import UTCDateTime, alembic_config, make_engine, utcnow
from deal_shared.outbox import (
    Attempt,
    Backoff,
    Lease,
    OutboxRowBase,
    OutboxState,
    record_attempt,
    send_again,
    unsent,
)
from footprints.db import ALEMBIC_INI as FOOTPRINTS_ALEMBIC_INI
from footprints.db import migrate as migrate_footprints
from footprints.models import OutboxEvent
from report_it.db import migrate as migrate_report_it
from report_it.models import OutboxMessage

BACKOFF = Backoff(first_s=1, cap_s=10)
SHARED_COLUMNS = set(OutboxRowBase.model_fields)


def test_both_services_outbox_tables_are_the_shared_row() -> None:
    for table in (OutboxMessage, OutboxEvent):
        assert issubclass(table, OutboxRowBase)
        columns = {column.name for column in table.__table__.columns}
        assert columns >= SHARED_COLUMNS, table
        indexed = {tuple(c.name for c in index.columns) for index in table.__table__.indexes}
        assert ("state", "next_attempt_at") in indexed, f"{table.__tablename__}: due rows are found by state"


def lease_of(row: OutboxRowBase) -> Lease:
    return Lease(table=type(row), rows=[row], until=row.next_attempt_at)


def test_delivered_and_given_up_rows_leave_the_pending_state_with_their_time() -> None:
    delivered = OutboxEvent(event_id="e1", destination="report_it", source_id="r", payload={}, last_error="earlier")
    assert (
        record_attempt(
            delivered, lease_of(delivered), error=None, retryable=True, probing=False, backoff=BACKOFF, max_attempts=3
        )
        is Attempt.delivered
    )
    assert (delivered.state, delivered.attempts, delivered.last_error) == (OutboxState.delivered, 1, None)
    assert delivered.delivered_at is not None and delivered.failed_at is None

    given_up = OutboxMessage(kind="email", attempts=2)
    outcome = record_attempt(
        given_up, lease_of(given_up), error="refused", retryable=True, probing=False, backoff=BACKOFF, max_attempts=3
    )
    assert outcome is Attempt.given_up
    assert (given_up.state, given_up.last_error) == (OutboxState.failed, "refused")
    assert given_up.failed_at is not None and given_up.delivered_at is None

    send_again(given_up)
    assert (given_up.state, given_up.attempts, given_up.failed_at) == (OutboxState.pending, 0, None)
    assert given_up.next_attempt_at <= utcnow()


def test_a_retry_stays_pending_and_waits_its_backoff() -> None:
    row = OutboxMessage(kind="case")
    outcome = record_attempt(
        row, lease_of(row), error="503", retryable=True, probing=False, backoff=BACKOFF, max_attempts=3
    )
    assert outcome is Attempt.retrying and row.state == OutboxState.pending and row.failed_at is None


def test_rows_the_release_before_finished_are_not_unsent(database_factory) -> None:
    """Footprints' release before marked rows done by `delivered_at`/`failed_at` alone, Report IT's by `state` alone:
    during a roll-out both run, and neither's finished rows may be sent again."""
    url = database_factory("outbox_rows")
    migrate_footprints(url)
    engine = make_engine(url)
    now = utcnow()
    try:
        with Session(engine) as session:
            rows = {
                "waiting": OutboxEvent(event_id="w", destination="report_it", source_id="1", payload={}),
                "delivered by the release before": OutboxEvent(
                    event_id="d", destination="report_it", source_id="2", payload={}, delivered_at=now
                ),
                "given up by the release before": OutboxEvent(
                    event_id="f", destination="report_it", source_id="3", payload={}, failed_at=now
                ),
                "given up by state alone": OutboxEvent(
                    event_id="s", destination="report_it", source_id="4", payload={}, state=OutboxState.failed
                ),
            }
            session.add_all(rows.values())
            session.commit()
            still = session.exec(select(OutboxEvent.event_id).where(*unsent(OutboxEvent))).all()
        assert still == ["w"]
    finally:
        engine.dispose()


def test_footprints_migration_gives_existing_events_their_state(database_factory) -> None:
    url = database_factory("outbox_state_migration")
    migrate_footprints(url)
    config = alembic_config(FOOTPRINTS_ALEMBIC_INI, url)
    command.downgrade(config, "0004")
    # The table as revision 0004 left it: no state, done-ness in the timestamps.
    before = sa.table(
        "outbox_event",
        sa.column("id", sa.Uuid()),
        sa.column("event_id", sa.String()),
        sa.column("destination", sa.String()),
        sa.column("source_id", sa.String()),
        sa.column("payload", sa.JSON()),
        sa.column("attempts", sa.Integer()),
        sa.column("next_attempt_at", UTCDateTime()),
        sa.column("created_at", UTCDateTime()),
        sa.column("delivered_at", UTCDateTime()),
        sa.column("failed_at", UTCDateTime()),
    )
    now = utcnow()
    done = {"pending": (None, None), "delivered": (now, None), "failed": (None, now - timedelta(minutes=1))}
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            for name, (delivered_at, failed_at) in done.items():
                connection.execute(
                    sa.insert(before).values(
                        id=uuid.uuid4(),
                        event_id=name,
                        destination="report_it",
                        source_id=name,
                        payload={},
                        attempts=0,
                        next_attempt_at=now,
                        created_at=now,
                        delivered_at=delivered_at,
                        failed_at=failed_at,
                    )
                )
        command.upgrade(config, "head")
        with Session(engine) as session:
            states = dict(session.exec(select(OutboxEvent.event_id, OutboxEvent.state)).all())
            long_error = "x" * 5000  # text now, not 1,000 characters
            event = session.exec(select(OutboxEvent).where(col(OutboxEvent.event_id) == "pending")).one()
            event.last_error = long_error
            session.add(event)
            session.commit()
            session.refresh(event)
            assert event.last_error == long_error
        assert states == {"pending": "pending", "delivered": "delivered", "failed": "failed"}
    finally:
        engine.dispose()


def test_report_it_migrates_with_the_shared_row(database_factory) -> None:
    url = database_factory("outbox_failed_at")
    migrate_report_it(url)
    engine = make_engine(url)
    try:
        assert "failed_at" in {c["name"] for c in sa.inspect(engine).get_columns("outbox_message")}
    finally:
        engine.dispose()
