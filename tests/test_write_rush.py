"""A rush of writes on Report IT and on Footprints, as on Volunteering (test_booking_rush.py): 200 at once against
each real process on PostgreSQL, more than its worker threads. They share the request session that waits for a slot
before it holds a connection or a lock, so every write is answered promptly and the probes answer throughout."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx

from footprints.db import migrate as migrate_footprints
from footprints.demo import load_demo_people
from footprints.places.store import load_illustrative
from report_it.categories import seed_categories
from report_it.db import migrate as migrate_report_it
from services.footprints.tests.test_cases import upsert_body
from tests.support.databases import seeded
from tests.support.postgres import create_database, drop_database
from tests.support.processes import service_process
from tests.support.server import free_port

WRITERS = 200
ATTEMPT_TIMEOUT_S = 10.0
RUSH_BUDGET_S = 60.0


@contextmanager
def _database(admin_url: str, service: str) -> Iterator[str]:
    name = f"deal_rush_{service}_{uuid.uuid4().hex[:8]}"
    try:
        yield create_database(admin_url, name)
    finally:
        drop_database(admin_url, name)


def _env(prefix: str, dev_key: Path, **settings: str) -> dict[str, str]:
    common = {"ENVIRONMENT": "test", "AUTH__DEV_MODE": "true", "AUTH__DEV_KEY_PATH": str(dev_key), **settings}
    return {**os.environ, **{f"{prefix}_{key}": value for key, value in common.items()}}


def _rush(base: str, send: Callable[[httpx.Client, int], httpx.Response]) -> tuple[list[httpx.Response | None], float]:
    """Every writer at once (released by a barrier), one attempt each, /readyz probed meanwhile."""
    go = threading.Barrier(WRITERS + 1)
    done, readiness = threading.Event(), []

    def write(index: int) -> httpx.Response | None:
        with httpx.Client(base_url=base, timeout=ATTEMPT_TIMEOUT_S) as client:
            go.wait()
            try:
                return send(client, index)
            except httpx.TimeoutException:
                return None

    def probe() -> None:
        while not done.is_set():
            try:
                readiness.append(httpx.get(f"{base}/readyz", timeout=ATTEMPT_TIMEOUT_S).status_code)
            except httpx.TimeoutException:
                readiness.append(None)
            time.sleep(0.2)

    prober = threading.Thread(target=probe)
    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        futures = [pool.submit(write, index) for index in range(WRITERS)]
        go.wait()
        started = time.monotonic()
        prober.start()
        answers = [future.result() for future in futures]
        took_s = time.monotonic() - started
    done.set()
    prober.join()
    assert readiness and None not in readiness, f"/readyz went unanswered {readiness.count(None)} times"
    unanswered = answers.count(None)
    assert unanswered == 0, f"{unanswered} of {WRITERS} writes got no answer within {ATTEMPT_TIMEOUT_S:.0f} s"
    assert took_s < RUSH_BUDGET_S, f"the rush took {took_s:.0f} s"
    return answers, took_s


def _statuses(answers: list[httpx.Response | None]) -> Counter:
    return Counter((a.status_code, a.json().get("code") if a.status_code >= 400 else None) for a in answers if a)


def test_two_hundred_staff_updates_on_one_report_are_all_answered(postgres_admin_url: str, dev_key: Path, token_for):
    staff = {"Authorization": f"Bearer {token_for('staff', sub='rush.officer')}"}
    with _database(postgres_admin_url, "report_it") as url:
        seeded(url, migrate_report_it, seed_categories)
        env = _env(
            "REPORT_IT",
            dev_key,
            DATABASE_URL=url,
            FOOTPRINTS_URL=f"http://127.0.0.1:{free_port()}",
            VOLUNTEERING_URL=f"http://127.0.0.1:{free_port()}",
            RUN_DELIVERER="false",
        )
        with service_process("report_it.cli", env, free_port()) as base:
            made = httpx.post(
                f"{base}/v1/reports", json={"category": "litter", "location": {"lat": 53.5431, "long": -2.6402}}
            )
            assert made.status_code == 201, made.text
            report_id = made.json()["id"]

            # Every update locks the report's row: they queue on it, each in its turn.
            def note(client: httpx.Client, index: int) -> httpx.Response:
                headers = {**staff, "Idempotency-Key": uuid.uuid4().hex}
                body = {"internal_note": f"Crew {index} passed by"}
                return client.post(f"/v1/reports/{report_id}/updates", json=body, headers=headers)

            answers, took_s = _rush(base, note)
            print(f"report_it: {WRITERS} updates on one report in {took_s:.1f} s")  # noqa: T201
            statuses = _statuses(answers)
            assert set(statuses) <= {(201, None), (503, "RecordBusy"), (503, "ServiceBusy")}, statuses
            assert all(a.headers.get("retry-after") for a in answers if a and a.status_code == 503)
            timeline = httpx.get(f"{base}/v1/reports/{report_id}/updates", headers=staff).json()
            notes = [u for u in timeline if (u.get("internal_note") or "").startswith("Crew ")]
            assert len(notes) == statuses[(201, None)]


def test_two_hundred_case_upserts_at_once_are_all_answered(postgres_admin_url: str, dev_key: Path, token_for):
    service = {"Authorization": f"Bearer {token_for('service', sub='service:report_it')}"}
    with _database(postgres_admin_url, "footprints") as url:
        seeded(url, migrate_footprints, load_illustrative, load_demo_people)
        env = _env("FOOTPRINTS", dev_key, DATABASE_URL=url, REPORT_IT_URL=f"http://127.0.0.1:{free_port()}")
        with service_process("footprints.cli", env, free_port()) as base:
            # New cases, all allocated among the same few street cleansers.
            def upsert(client: httpx.Client, index: int) -> httpx.Response:
                return client.put(f"/v1/cases/report_it/rush-{index}", json=upsert_body(), headers=service)

            answers, took_s = _rush(base, upsert)
            print(f"footprints: {WRITERS} case upserts in {took_s:.1f} s")  # noqa: T201
            statuses = _statuses(answers)
            assert set(statuses) <= {(200, None), (503, "RecordBusy"), (503, "ServiceBusy")}, statuses
            assert all(a.headers.get("retry-after") for a in answers if a and a.status_code == 503)
            stored = [
                httpx.get(f"{base}/v1/cases/report_it/rush-{index}", headers=service).status_code
                for index in range(WRITERS)
            ]
            assert stored.count(200) == statuses[(200, None)]
