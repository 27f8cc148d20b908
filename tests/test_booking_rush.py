"""A rush on one volunteering day: 200 staff book 10 places at once against the real Volunteering process on
PostgreSQL. Every booking is answered promptly (a place, the waiting list, or "full"), the places are filled exactly,
and the service keeps answering its probes meanwhile: no request waits unboundedly on another's lock or connection.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from deal_shared.db import make_engine
from tests.support.postgres import create_database, drop_database
from tests.support.processes import service_process
from tests.support.server import free_port
from volunteering.db import migrate

BOOKERS = 200
PLACES = 10
# A client's patience with one attempt, and with the rush as a whole; a wedged service answers neither.
ATTEMPT_TIMEOUT_S = 10.0
RUSH_BUDGET_S = 45.0
PLACE_HOLDING = {"requested", "approved"}


@dataclass(frozen=True)
class Service:
    base: str
    database_url: str


@dataclass(frozen=True)
class Answer:
    status: int | None  # None: no answer within the attempt's timeout
    body: dict
    busy_retries: int


@pytest.fixture(scope="module")
def volunteering(postgres_admin_url: str, dev_key: Path) -> Iterator[Service]:
    name = f"deal_rush_volunteering_{uuid.uuid4().hex[:8]}"
    url = create_database(postgres_admin_url, name)
    migrate(url)
    nowhere = f"http://127.0.0.1:{free_port()}"
    env = {
        **os.environ,
        "VOLUNTEERING_ENVIRONMENT": "test",
        "VOLUNTEERING_AUTH__DEV_MODE": "true",
        "VOLUNTEERING_AUTH__DEV_KEY_PATH": str(dev_key),
        "VOLUNTEERING_DATABASE_URL": url,
        "VOLUNTEERING_FOOTPRINTS_URL": nowhere,
        "VOLUNTEERING_REPORT_IT_URL": nowhere,
        "VOLUNTEERING_RUN_BACKGROUND": "false",
    }
    try:
        with service_process("volunteering.cli", env, free_port()) as base:
            yield Service(base, url)
    finally:
        drop_database(postgres_admin_url, name)


def _client(base: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=ATTEMPT_TIMEOUT_S)


def _scarce_day(service: Service, token_for, subjects: list[str]) -> str:
    with _client(service.base, token_for("staff", "admin", sub="rush.admin")) as admin:
        for subject in subjects:
            profile = {
                "name": subject.replace(".", " ").title(),
                "directorate": "Place",
                "team": "Street Cleansing",
                "line_manager_subject": "rush.manager",
                "contracted_weekly_hours": 37.0,
            }
            admin.put(f"/v1/staff/{subject}", json=profile).raise_for_status()
    with _client(service.base, token_for("staff", "team_leader", sub="rush.organiser")) as organiser:
        organisation = organiser.post(
            "/v1/organisations", json={"name": "Wigan Community Larder", "location": {"lat": 53.5455, "long": -2.632}}
        )
        organisation.raise_for_status()
        opportunity = organiser.post(
            "/v1/opportunities",
            json={
                "organisation_id": organisation.json()["id"],
                "title": "Sort food parcels",
                "starts_at": "2031-06-10T09:00:00+01:00",
                "ends_at": "2031-06-10T16:24:00+01:00",
                "places": PLACES,
            },
        )
        opportunity.raise_for_status()
        return opportunity.json()["id"]


def _book(base: str, token: str, body: dict, deadline: float, go: threading.Barrier) -> Answer:
    """One booker: one key for every attempt, retrying only a 503 that says when (Retry-After), as phones do."""
    key = uuid.uuid4().hex
    retries = 0
    with _client(base, token) as client:
        go.wait()
        while True:
            try:
                response = client.post("/v1/bookings", json=body, headers={"Idempotency-Key": key})
            except httpx.TimeoutException:
                return Answer(None, {}, retries)
            busy = response.status_code == 503 and response.headers.get("retry-after", "").isdigit()
            if not busy or time.monotonic() > deadline:
                return Answer(response.status_code, response.json(), retries)
            retries += 1
            time.sleep(min(float(response.headers["retry-after"]), 1.0))


def _probe_while(base: str, done: threading.Event, seen: list[int | None]) -> None:
    while not done.is_set():
        try:
            seen.append(httpx.get(f"{base}/readyz", timeout=ATTEMPT_TIMEOUT_S).status_code)
        except httpx.TimeoutException:
            seen.append(None)
        time.sleep(0.2)


def test_two_hundred_bookings_for_ten_places_are_all_answered_and_fill_them_exactly(
    volunteering: Service, token_for
) -> None:
    subjects = [f"rush.booker.{i:03d}" for i in range(BOOKERS)]
    opportunity_id = _scarce_day(volunteering, token_for, subjects)
    # Half would rather hear "full" than wait: the answers are places, waiting-list places and 409s.
    bodies = [{"opportunity_id": opportunity_id, "join_waitlist": i % 2 == 0} for i in range(BOOKERS)]
    tokens = [token_for("staff", sub=subject) for subject in subjects]
    go = threading.Barrier(BOOKERS + 1)
    done, readiness = threading.Event(), []
    prober = threading.Thread(target=_probe_while, args=(volunteering.base, done, readiness))
    with ThreadPoolExecutor(max_workers=BOOKERS) as pool:
        deadline = time.monotonic() + RUSH_BUDGET_S
        futures = [pool.submit(_book, volunteering.base, tokens[i], bodies[i], deadline, go) for i in range(BOOKERS)]
        go.wait()
        started = time.monotonic()
        prober.start()
        answers = [future.result() for future in futures]
        took_s = time.monotonic() - started
    done.set()
    prober.join()

    print(f"{BOOKERS} bookings answered in {took_s:.1f} s; busy retries {sum(a.busy_retries for a in answers)}")  # noqa: T201
    unanswered = sum(1 for a in answers if a.status is None)
    assert unanswered == 0, f"{unanswered} of {BOOKERS} bookings got no answer within {ATTEMPT_TIMEOUT_S:.0f} s"
    codes = Counter((a.status, a.body.get("code") if a.status and a.status >= 400 else None) for a in answers)
    assert set(codes) <= {(201, None), (409, "OpportunityFull")}, codes
    assert took_s < RUSH_BUDGET_S, f"the rush took {took_s:.0f} s"
    placed = [a.body for a in answers if a.status == 201 and a.body["status"] in PLACE_HOLDING]
    waiting = [a.body for a in answers if a.status == 201 and a.body["status"] == "waitlisted"]
    assert len(placed) == PLACES
    assert len(waiting) + codes[(409, "OpportunityFull")] == BOOKERS - PLACES
    refused = [i for i, a in enumerate(answers) if a.status == 409]
    assert all(not bodies[i]["join_waitlist"] for i in refused), "someone who asked to wait was refused"
    assert all(a.status == 201 for i, a in enumerate(answers) if bodies[i]["join_waitlist"])
    # The probes were answered throughout, and the database holds what the answers said.
    assert readiness and None not in readiness, f"/readyz went unanswered {readiness.count(None)} times"
    assert httpx.get(f"{volunteering.base}/readyz", timeout=5).status_code == 200
    engine = make_engine(volunteering.database_url)
    try:
        with engine.connect() as connection:
            held = Counter(
                status
                for (status,) in connection.execute(
                    text("SELECT status FROM booking WHERE opportunity_id = :id"), {"id": opportunity_id}
                )
            )
    finally:
        engine.dispose()
    assert sum(held[s] for s in PLACE_HOLDING) == PLACES
    assert held["waitlisted"] == len(waiting)
