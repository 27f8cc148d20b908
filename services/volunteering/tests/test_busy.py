"""A booking that cannot get its turn is told so, promptly: 503 with Retry-After, saving nothing, never a hang.

One request waits on a row lock another transaction holds (RecordBusy when it times out); another waits for a
session slot the first one holds (ServiceBusy). Both get their place once they retry with the same key.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from sqlalchemy import text

from deal_shared import session_slots

LOCK_WAIT_MS = 5000  # longer than the slot wait, so the second booking gives up on its slot first


@contextmanager
def opportunity_locked(vol, opportunity_id: str) -> Iterator[None]:
    """Another transaction holds the opportunity's row lock (an organiser's long edit, a stuck request)."""
    with vol.engine.connect() as connection, connection.begin():
        connection.execute(text("SELECT id FROM opportunity WHERE id = :id FOR UPDATE"), {"id": opportunity_id})
        yield


def _book(client: httpx.Client, opportunity_id: str, key: str) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = client.post("/v1/bookings", json={"opportunity_id": opportunity_id}, headers={"Idempotency-Key": key})
    return response, time.monotonic() - started


def _assert_busy(response: httpx.Response, code: str) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "1"
    problem = response.json()
    assert problem["code"] == code and problem["saved"] == "no", problem
    assert "nothing was saved" in problem["detail"]


def test_a_booking_waiting_on_a_lock_or_a_slot_is_told_busy_and_books_on_retry(
    make_volunteering, monkeypatch: pytest.MonkeyPatch
) -> None:
    vol = make_volunteering(database_pool_size=1, database_max_overflow=0)  # one connection: one session slot
    if vol.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no row locks to wait on: a writer waits for the database's write lock")
    monkeypatch.setattr(session_slots, "LOCK_WAIT_MS", LOCK_WAIT_MS)
    vol.add_staff("first.booker")
    vol.add_staff("second.booker")
    opportunity_id = vol.add_opportunity(vol.add_organisation()["id"], places=5)["id"]
    keys = {"first": uuid.uuid4().hex, "second": uuid.uuid4().hex}
    answers: dict[str, tuple[httpx.Response, float]] = {}
    with vol.as_("first.booker") as first, vol.as_("second.booker") as second:
        with opportunity_locked(vol, opportunity_id):

            def book_first() -> None:
                answers["first"] = _book(first, opportunity_id, keys["first"])

            waiting_on_lock = threading.Thread(target=book_first)
            waiting_on_lock.start()
            time.sleep(0.5)  # the first booking has the slot and waits on the lock
            answers["second"] = _book(second, opportunity_id, keys["second"])
            with vol.as_("prober") as prober:
                assert prober.get("/healthz").status_code == 200
            waiting_on_lock.join()

        lock_answer, lock_waited_s = answers["first"]
        _assert_busy(lock_answer, "RecordBusy")
        assert LOCK_WAIT_MS / 1000 - 0.5 <= lock_waited_s < LOCK_WAIT_MS / 1000 + 3
        slot_answer, slot_waited_s = answers["second"]
        _assert_busy(slot_answer, "ServiceBusy")
        assert session_slots.SLOT_WAIT_S - 0.5 <= slot_waited_s < session_slots.SLOT_WAIT_S + 2

        # Nothing was saved, so the same keys now book afresh rather than replaying the 503s.
        for client, key in ((first, keys["first"]), (second, keys["second"])):
            retried, _ = _book(client, opportunity_id, key)
            assert retried.status_code == 201, retried.text
            assert retried.headers.get("idempotent-replayed") is None
        assert first.get(f"/v1/opportunities/{opportunity_id}").json()["places_left"] == 3
