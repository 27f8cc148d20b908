"""The delivery pieces the services share: claiming due outbox rows, backoff and the last attempt, the background
loop that survives a failed pass."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Field, Session, SQLModel, col, select

from deal_shared.background import DaemonLoop, repeat_until_stopped
from deal_shared.db import UTCDateTime, make_engine, new_registry, utcnow
from deal_shared.outbox import Backoff, PeerWatch, claim_due, failed_for_good, lease_due

letters = new_registry()


class LetterTable(SQLModel, registry=letters):
    """Base of this test's one table, kept out of every service's metadata."""


class Letter(LetterTable, table=True):
    __tablename__ = "letter"

    id: int | None = Field(default=None, primary_key=True)
    sent: bool = False
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_type=UTCDateTime)
    last_error: str | None = None


@pytest.fixture()
def engine(database_factory) -> Iterator[Engine]:
    """A fresh database holding the letters table, on the backend under test."""
    engine = make_engine(database_factory("shared_outbox"))
    letters.metadata.create_all(engine)
    yield engine
    engine.dispose()


def test_backoff_ceiling_doubles_from_the_first_wait_up_to_the_cap() -> None:
    backoff = Backoff(first_s=30, cap_s=3600)
    assert [backoff.ceiling(n) for n in (0, 1, 2, 3, 7, 8)] == [30, 30, 60, 120, 1920, 3600]
    assert backoff.ceiling(5000) == 3600  # no overflow however many attempts an operator allows


def test_full_jitter_draws_each_wait_from_zero_to_the_ceiling() -> None:
    backoff = Backoff(first_s=1, cap_s=300)
    waits = [backoff.seconds(4) for _ in range(2000)]
    assert all(0 <= wait <= 8 for wait in waits)
    # Spread over the whole window, not clustered around the ceiling: a quarter of the draws in each quarter.
    quarters = [sum(1 for w in waits if q * 2 <= w < (q + 1) * 2) for q in range(4)]
    assert all(350 < n < 650 for n in quarters), quarters
    assert all(0 <= backoff.seconds(500) <= 300 for _ in range(200))


@dataclass
class Row:
    attempts: int
    next_attempt_at: datetime = field(default_factory=utcnow)
    last_error: str | None = None


def test_a_failed_attempt_waits_its_backoff_until_the_last_one() -> None:
    backoff = Backoff(first_s=60, cap_s=600)
    row = Row(attempts=2)
    before = utcnow()
    assert not failed_for_good(row, "503", backoff=backoff, max_attempts=3, final=False)
    assert row.last_error == "503" and before <= row.next_attempt_at <= utcnow() + timedelta(seconds=120)

    row.attempts = 3
    waiting_until = row.next_attempt_at
    assert failed_for_good(row, "503 again", backoff=backoff, max_attempts=3, final=False)
    assert row.last_error == "503 again" and row.next_attempt_at == waiting_until


def test_a_final_failure_is_the_last_attempt_at_once() -> None:
    row = Row(attempts=1)
    assert failed_for_good(row, "gone", backoff=Backoff(first_s=1, cap_s=1), max_attempts=12, final=True)


def test_claim_due_takes_pending_due_rows_in_order_and_skips_what_another_deliverer_holds(engine) -> None:
    now = utcnow()
    with Session(engine) as session:
        session.add_all(
            [
                Letter(id=1, next_attempt_at=now - timedelta(minutes=3)),
                Letter(id=2, next_attempt_at=now - timedelta(minutes=1)),
                Letter(id=3, next_attempt_at=now - timedelta(minutes=2)),
                Letter(id=4, next_attempt_at=now - timedelta(minutes=9), sent=True),
                Letter(id=5, next_attempt_at=now + timedelta(minutes=5)),
            ]
        )
        session.commit()

    def claim(session: Session) -> list[int | None]:
        due = claim_due(session, Letter, col(Letter.sent).is_(False), order_by=[col(Letter.next_attempt_at)], limit=2)
        return [letter.id for letter in due]

    with Session(engine) as first, Session(engine) as second:
        assert claim(first) == [1, 3]
        if engine.dialect.name == "postgresql":
            assert claim(second) == [2]  # the first deliverer still holds 1 and 3


def test_a_lease_takes_due_rows_until_it_runs_out_and_hands_back_what_it_did_not_send(engine) -> None:
    now = utcnow()
    with Session(engine) as session:
        session.add_all([Letter(id=n, next_attempt_at=now - timedelta(minutes=n)) for n in range(1, 5)])
        session.commit()

    def lease(limit: int, lease_s: float = 60):
        return lease_due(
            engine,
            Letter,
            col(Letter.sent).is_(False),
            order_by=[col(Letter.next_attempt_at)],
            limit=limit,
            lease_s=lease_s,
        )

    first = lease(2)
    assert [letter.id for letter in first.rows] == [4, 3] and first.has_time_for(30)
    # Committed at once: another deliverer (no transaction of the first one open) takes only the others.
    second = lease(10)
    assert [letter.id for letter in second.rows] == [2, 1]
    assert lease(10).rows == []
    first.release(engine, first.rows[1:])  # sent 4, gave back 3
    assert [letter.id for letter in lease(10).rows] == [3]
    # A lease that ran out is taken over; its holder then no longer holds the row.
    short = lease_due(engine, Letter, col(Letter.id) == 99, order_by=[col(Letter.id)], limit=1, lease_s=0)
    assert short.rows == [] and not short.has_time_for(1)
    with Session(engine) as session:
        session.add(Letter(id=5, next_attempt_at=now - timedelta(hours=1)))
        session.commit()
    expired = lease(1, lease_s=-1)
    taken_over = lease(1)
    assert [r.id for r in expired.rows] == [r.id for r in taken_over.rows] == [5]
    with Session(engine) as session:
        current = session.get(Letter, 5)
        assert taken_over.holds(current) and not expired.holds(current)


def test_a_peer_watch_probes_the_earliest_waiting_row_and_wakes_the_rest_but_not_its_callers_lease(
    engine,
) -> None:
    later = utcnow() + timedelta(hours=1)
    with Session(engine) as session:
        # 1-3 wait out a backoff after failing; 4 was never tried; 5 is sent.
        session.add_all([Letter(id=n, attempts=1, next_attempt_at=later + timedelta(minutes=n)) for n in (1, 2, 3)])
        session.add_all(
            [Letter(id=4, next_attempt_at=later), Letter(id=5, sent=True, attempts=1, next_attempt_at=later)]
        )
        session.commit()
    peer = PeerWatch(Letter, col(Letter.sent).is_(False), probe_every_s=3600)

    def due() -> list[int]:
        with Session(engine) as session:
            return sorted(r.id for r in session.exec(select(Letter).where(col(Letter.next_attempt_at) <= utcnow())))

    assert peer.probe(engine) == 1 and due() == [1]
    assert peer.probe(engine) is None  # not again before probe_every_s
    ours = lease_due(engine, Letter, col(Letter.sent).is_(False), order_by=[col(Letter.id)], limit=1, lease_s=60)
    assert [r.id for r in ours.rows] == [1]
    # 1 got through on a retry: 2 and 3 need not wait longer; 1, still under the caller's lease, is left alone.
    assert peer.peer_is_back(engine, sparing=ours) == 2
    assert due() == [2, 3]
    with Session(engine) as session:
        assert ours.holds(session.get(Letter, 1))


class RecordingStop(threading.Event):
    """A stop event that counts the rests between passes instead of sleeping through them."""

    def __init__(self) -> None:
        super().__init__()
        self.rests = 0

    def wait(self, timeout: float | None = None) -> bool:
        self.rests += 1
        return self.is_set()


def passes(stop: threading.Event, outcomes: list[int | Exception]):
    def run_once() -> int:
        outcome = outcomes.pop(0)
        if not outcomes:
            stop.set()
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    return run_once


@pytest.mark.parametrize(("rest_after_work", "rests"), [(True, 4), (False, 2)])
def test_the_loop_outlives_a_failed_pass_and_rests_as_asked(
    rest_after_work: bool, rests: int, caplog: pytest.LogCaptureFixture
) -> None:
    stop = RecordingStop()
    log = logging.getLogger("test.loop")
    run_once = passes(stop, [3, RuntimeError("database restarting"), 0, 2])
    repeat_until_stopped(stop, run_once, rest_s=60, log=log, failure="pass failed", rest_after_work=rest_after_work)
    assert stop.rests == rests
    assert [record.getMessage() for record in caplog.records if record.name == "test.loop"] == ["pass failed"]


def test_daemon_loop_hands_its_target_the_stop_event_and_waits_for_it() -> None:
    started, finished = threading.Event(), []

    def target(stop: threading.Event) -> None:
        started.set()
        stop.wait()
        finished.append(True)

    DaemonLoop(target).stop()  # never started: nothing to wait for
    loop = DaemonLoop(target, name="test-loop")
    loop.start()
    assert started.wait(timeout=10)
    loop.stop()
    assert finished == [True]
