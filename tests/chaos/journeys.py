"""What the clients do: a resident reports, an officer triages, Footprints allocates, the worker starts and finishes
the job, the officer marks it fixed; and staff book the last places of a volunteering day."""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from tests.chaos.clients import CallLog, GaveUp, RetryingClient
from tests.chaos.harness import Stack

CASE_WAIT_S = 180.0  # how long an officer waits for a triaged report's case to reach Footprints


@dataclass
class ReportOutcome:
    marker: str
    key: str
    report_id: str | None = None
    acknowledged: bool = False
    case_id: str | None = None
    allocated: bool = False
    progressed: bool = False  # work started and finished in Footprints
    fixed: bool = False
    refused: str | None = None  # a 4xx the journey could not go past (it should never happen)


def location(n: int) -> dict[str, float]:
    # The benchmarks' grid near the town centre: inside the borough, spread over a few footprints' workers.
    n %= 2000
    return {"lat": 53.545 + (n % 50) * 0.0004, "long": -2.632 + (n // 50) * 0.0004}


class ReportClients:
    """One journey thread's clients: the resident's phone, the triaging officer, the manager in Footprints."""

    def __init__(self, stack: Stack, log: CallLog) -> None:
        self.resident = RetryingClient("report_it", stack.base("report_it"), log)
        self.officer = RetryingClient(
            "report_it", stack.base("report_it"), log, token=stack.token("chaos.officer", "staff")
        )
        self.manager = RetryingClient(
            "footprints", stack.base("footprints"), log, token=stack.token("chaos.manager", "staff", "manager")
        )
        self.rng = random.Random()

    def close(self) -> None:
        for client in (self.resident, self.officer, self.manager):
            client.close()

    def pause(self) -> None:
        time.sleep(self.rng.uniform(0.0, 0.3))


def report_journey(clients: ReportClients, n: int) -> ReportOutcome:
    outcome = ReportOutcome(marker=f"chaos-{n:06d}-{uuid.uuid4().hex[:6]}", key=uuid.uuid4().hex)
    try:
        _journey(clients, n, outcome)
    except GaveUp:
        pass  # logged by the client; the checks find what is missing
    return outcome


def _journey(clients: ReportClients, n: int, outcome: ReportOutcome) -> None:
    body = {"category": "litter", "location": location(n), "description": f"Bags left by the bench ({outcome.marker})"}
    made = clients.resident.send("POST", "/v1/reports", json=body, key=outcome.key)
    if made.status_code != 201:
        outcome.refused = f"report: {made.status_code} {made.text[:200]}"
        return
    outcome.report_id = made.json()["id"]
    clients.pause()
    acked = clients.officer.send(
        "POST", f"/v1/reports/{outcome.report_id}/updates", json={"status": "acknowledged"}, key=uuid.uuid4().hex
    )
    if acked.status_code != 201:
        outcome.refused = f"triage: {acked.status_code} {acked.text[:200]}"
        return
    outcome.acknowledged = True
    deadline = time.monotonic() + CASE_WAIT_S
    while True:
        case = clients.manager.send("GET", f"/v1/cases/report_it/{outcome.report_id}")
        if case.status_code == 200:
            break
        if case.status_code != 404 or time.monotonic() > deadline:
            outcome.refused = f"case: {case.status_code} {case.text[:200]}"
            return
        time.sleep(0.3)
    outcome.case_id = case.json()["id"]
    # The case is allocated, or found no one, in the transaction that made it: a case without a worker waits.
    outcome.allocated = case.json()["worker"] is not None
    if not outcome.allocated:
        return
    # The worker starts and finishes the job (which frees their capacity for the next case), and the officer marks
    # the report fixed, which closes the case.
    for kind in ("in_progress", "completed"):
        clients.pause()
        progress = clients.manager.send(
            "POST", f"/v1/cases/{outcome.case_id}/progress", json={"kind": kind}, key=uuid.uuid4().hex
        )
        if progress.status_code != 200:
            outcome.refused = f"progress {kind}: {progress.status_code} {progress.text[:200]}"
            return
    outcome.progressed = True
    clients.pause()
    fixed = clients.officer.send(
        "POST", f"/v1/reports/{outcome.report_id}/updates", json={"status": "fixed"}, key=uuid.uuid4().hex
    )
    if fixed.status_code != 201:
        outcome.refused = f"fixed: {fixed.status_code} {fixed.text[:200]}"
        return
    outcome.fixed = True


def run_reports(stack: Stack, log: CallLog, *, reports: int, threads: int) -> list[ReportOutcome]:
    numbers = iter(range(reports))
    lock = threading.Lock()
    outcomes: list[ReportOutcome] = []

    def work() -> None:
        clients = ReportClients(stack, log)
        try:
            while True:
                with lock:
                    n = next(numbers, None)
                if n is None:
                    return
                outcome = report_journey(clients, n)
                with lock:
                    outcomes.append(outcome)
        finally:
            clients.close()

    with ThreadPoolExecutor(max_workers=threads) as pool:
        wait_for_all(log, [pool.submit(work) for _ in range(threads)])
    return outcomes


def wait_for_all(log: CallLog, futures: list[Future[None]]) -> None:
    try:
        for future in futures:
            future.result()
    except BaseException:  # stopped from outside: every client gives up now, so the pool's threads end
        log.stopped.set()
        raise


# The booking leg: every booker asks for the scarce day, then two more full days of the same leave year; with two
# days a year, the third must be refused whatever the retries.
DAYS = ("2031-06-10", "2031-06-11", "2031-06-12")


@dataclass
class BookingOutcome:
    opportunity_ids: list[str]
    bookers: list[str]
    places: int
    answers: dict[tuple[str, int], tuple[int, str | None]] = field(default_factory=dict)  # (booker, day) -> answer
    restart_error: str | None = None


def _setup(stack: Stack, log: CallLog, *, bookers: int, places: int) -> BookingOutcome:
    admin = RetryingClient(
        "volunteering", stack.base("volunteering"), log, token=stack.token("chaos.admin", "staff", "admin")
    )
    organiser = RetryingClient(
        "volunteering", stack.base("volunteering"), log, token=stack.token("chaos.organiser", "staff", "team_leader")
    )
    try:
        subjects = [f"chaos.booker.{i:04d}" for i in range(bookers)]
        for subject in subjects:
            profile = {
                "name": subject.replace(".", " ").title(),
                "directorate": "Place",
                "team": "Street Cleansing",
                "line_manager_subject": "chaos.manager",
                "contracted_weekly_hours": 37.0,
            }
            admin.send("PUT", f"/v1/staff/{subject}", json=profile).raise_for_status()
        organisation = organiser.send(
            "POST",
            "/v1/organisations",
            json={"name": "Wigan Community Larder", "location": {"lat": 53.5455, "long": -2.632}},
            key=uuid.uuid4().hex,
        )
        organisation.raise_for_status()
        opportunity_ids = []
        for number, day in enumerate(DAYS):
            body = {
                "organisation_id": organisation.json()["id"],
                "title": f"Sort food parcels, day {number + 1}",
                "starts_at": f"{day}T09:00:00+01:00",
                "ends_at": f"{day}T16:24:00+01:00",
                "places": places if number == 0 else 1000,
            }
            made = organiser.send("POST", "/v1/opportunities", json=body, key=uuid.uuid4().hex)
            made.raise_for_status()
            opportunity_ids.append(made.json()["id"])
        return BookingOutcome(opportunity_ids=opportunity_ids, bookers=subjects, places=places)
    finally:
        admin.close()
        organiser.close()


def run_bookings(
    stack: Stack,
    log: CallLog,
    *,
    bookers: int,
    places: int,
    restart: Callable[[], None],
    restart_after_s: float = 1.0,
    give_up_s: float = 120.0,
) -> BookingOutcome:
    """Every booker at once (spread over the first two seconds), Volunteering killed and started again meanwhile."""
    outcome = _setup(stack, log, bookers=bookers, places=places)
    lock = threading.Lock()

    def book(subject: str) -> None:
        token = stack.token(subject, "staff")
        client = RetryingClient("volunteering", stack.base("volunteering"), log, token=token, give_up_s=give_up_s)
        try:
            time.sleep(random.uniform(0.0, 2.0))
            for day, opportunity_id in enumerate(outcome.opportunity_ids):
                try:
                    answer = client.send(
                        "POST", "/v1/bookings", json={"opportunity_id": opportunity_id}, key=uuid.uuid4().hex
                    )
                except GaveUp:
                    return  # no answer for so long that this booker stops: the check counts what is unanswered
                code = answer.json().get("code") if answer.status_code >= 400 else answer.json().get("status")
                with lock:
                    outcome.answers[(subject, day)] = (answer.status_code, code)
        finally:
            client.close()

    with ThreadPoolExecutor(max_workers=bookers) as pool:
        futures = [pool.submit(book, subject) for subject in outcome.bookers]
        time.sleep(restart_after_s)
        try:
            restart()
        except Exception as exc:  # not back in time: the bookers carry on, and the check says so
            outcome.restart_error = f"{type(exc).__name__}: {exc}"
        wait_for_all(log, futures)
    return outcome
