"""One chaos run from start to verdict: the stack up, the clients and the fault schedule at once, the drain, the
checks."""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from deal_shared.db import make_engine
from tests.chaos import checks
from tests.chaos.clients import CallLog
from tests.chaos.faults import POSTGRES, Backlog, Chaos, kill_name, run_schedule
from tests.chaos.harness import Stack, running_stack
from tests.chaos.journeys import BookingOutcome, ReportOutcome, run_bookings, run_reports
from tests.chaos.report import FaultRow, fault_rows, table, verdicts

DRAIN_TIMEOUT_S = 300.0
PROCESSES = ("report_it", "worker", "footprints", "volunteering")


@dataclass
class ChaosResult:
    checks: list[checks.Check]
    rows: list[FaultRow]
    outcomes: list[ReportOutcome]
    wall_s: float
    drain_s: float | None
    run_dir: Path

    @property
    def passed(self) -> bool:
        return all(check.ok for check in self.checks)

    def summary(self) -> str:
        drained = (
            "did not drain" if self.drain_s is None else f"drained {self.drain_s:.1f} s after the clients finished"
        )
        return (
            f"{table(self.rows)}\n\n{len(self.outcomes)} reports in {self.wall_s:.0f} s; outboxes {drained}\n"
            f"{verdicts(self.checks)}"
        )


@dataclass
class Schedule:
    """The faults in the order they strike; the first Volunteering restart happens during the booking leg."""

    stack: Stack
    log: CallLog
    bookers: int
    places: int
    booking_give_up_s: float
    chaos: Chaos = field(init=False)
    bookings: BookingOutcome | None = None
    failures: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.chaos = Chaos(self.stack)

    def steps(self) -> list[Callable[[], None]]:
        return [
            self._guarded(lambda: self.chaos.kill("report_it")),
            self._guarded(lambda: self.chaos.kill("worker")),
            self._guarded(lambda: self.chaos.kill("footprints")),
            self._guarded(self.chaos.restart_postgres),
            self._guarded(self._volunteering),
        ]

    def _volunteering(self) -> None:
        if self.bookings is None and self.bookers > 0:
            restart = lambda: self.chaos.kill("volunteering")  # noqa: E731
            self.bookings = run_bookings(
                self.stack,
                self.log,
                bookers=self.bookers,
                places=self.places,
                restart=restart,
                give_up_s=self.booking_give_up_s,
            )
        else:
            self.chaos.kill("volunteering")

    def _guarded(self, step: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                step()
            except Exception as exc:  # a fault that could not be injected or recovered from is a finding
                self.failures.append(f"{type(exc).__name__}: {exc}")

        return run


def _drain(backlog: Backlog) -> float | None:
    """Seconds until both outboxes are empty twice a second apart (a delivery may queue a message of its own)."""
    started = time.monotonic()
    empty_since = None
    while time.monotonic() - started < DRAIN_TIMEOUT_S:
        try:
            pending = backlog.pending()
        except Exception:
            pending = -1
        if pending == 0:
            empty_since = empty_since or time.monotonic()
            if time.monotonic() - empty_since >= 1.0:
                return empty_since - started
        else:
            empty_since = None
        time.sleep(0.2)
    return None


def _fault_check(schedule: Schedule) -> checks.Check:
    struck = {record.name for record in schedule.chaos.records if record.recovered is not None}
    wanted = {kill_name(name) for name in PROCESSES} | {POSTGRES}
    missing = wanted - struck
    return checks.Check(
        "every fault injected and recovered from",
        not missing and not schedule.failures,
        f"{len(schedule.chaos.records)} faults; never recovered: {sorted(missing) or 'none'}; "
        f"errors: {schedule.failures or 'none'}",
    )


def run(
    *,
    reports: int,
    bookers: int = 200,
    places: int = 10,
    threads: int = 12,
    gap_s: float = 6.0,
    booking_give_up_s: float = 60.0,
    run_dir: Path | None = None,
) -> ChaosResult:
    run_dir = run_dir or Path(tempfile.mkdtemp(prefix="deal-chaos-"))
    run_dir.mkdir(parents=True, exist_ok=True)
    log = CallLog()
    with running_stack(run_dir) as stack, Backlog(stack) as backlog:
        schedule = Schedule(stack, log, bookers, places, booking_give_up_s)
        steps = schedule.steps()
        stop = threading.Event()
        began = time.monotonic()
        faults = run_schedule(steps, gap_s=gap_s, stop=stop, min_steps=len(steps))
        outcomes = run_reports(stack, log, reports=reports, threads=threads)
        stop.set()
        while faults.is_alive():  # joined in steps, so that a signal stopping the run is handled at once
            faults.join(0.5)
        drain_s = _drain(backlog)
        ended = time.monotonic()
        found = [_fault_check(schedule), *_verify(stack, log, outcomes, schedule.bookings, bookers)]
        rows = fault_rows(schedule.chaos.records, log.attempts, backlog.samples, began=began, ended=ended)
    return ChaosResult(found, rows, outcomes, ended - began, drain_s, run_dir)


def _verify(
    stack: Stack, log: CallLog, outcomes: list[ReportOutcome], bookings: BookingOutcome | None, bookers: int
) -> list[checks.Check]:
    engines = {name: make_engine(url) for name, url in stack.urls.items()}
    try:
        found = checks.check_reports(engines["report_it"], engines["footprints"], outcomes)
        found += [checks.check_answers(log), checks.check_outboxes(stack.urls)]
        if bookings is not None:
            # Volunteering's defaults: two full-time days a year, of 37 hours over five days.
            found.append(checks.check_bookings(engines["volunteering"], bookings, day_minutes=444, days_per_year=2))
        elif bookers > 0:
            found.append(checks.Check("bookings through a restart", False, "the booking leg did not run"))
        return found
    finally:
        for engine in engines.values():
            engine.dispose()
