"""The chaos run at small N: 300 reports from retrying clients while each service and Report IT's worker is killed
(SIGKILL) and PostgreSQL restarted, then every invariant read from the databases and the clients' logs; with 200
staff booking 10 places through a Volunteering restart. `make chaos` runs the same at N=2,000."""

from __future__ import annotations

import glob
from collections.abc import Iterator

import pytest

from tests.chaos.run import ChaosResult, run

REPORTS = 300


@pytest.fixture(scope="module")
def chaos(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChaosResult]:
    if not glob.glob("/usr/lib/postgresql/*/bin/initdb"):
        pytest.skip("the chaos run crashes a PostgreSQL cluster of its own, and no PostgreSQL binaries are installed")
    result = run(
        reports=REPORTS, bookers=200, places=10, booking_give_up_s=30.0, run_dir=tmp_path_factory.mktemp("chaos")
    )
    print(result.summary())  # noqa: T201  (shown with -s, and on a failure)
    yield result


def check(result: ChaosResult, name: str) -> None:
    found = [c for c in result.checks if c.name.startswith(name)]
    assert found, f"no check {name!r} in\n{result.summary()}"
    assert all(c.ok for c in found), f"{found[0].detail}\n\n{result.summary()}\nservices' logs: {result.run_dir}"


def test_every_fault_struck_and_was_recovered_from(chaos: ChaosResult) -> None:
    recovery = {row.fault: row.recovery_s for row in chaos.rows}
    for fault in ("kill -9 report_it", "kill -9 worker", "kill -9 footprints", "restart postgresql"):
        assert recovery.get(fault) is not None, f"{fault}: never recovered\n{chaos.summary()}"
    assert "kill -9 volunteering" in recovery  # its recovery is the booking leg's (below)
    # The faults were felt: clients saw refused connections or 503s while they lasted.
    assert sum(sum(row.client_errors.values()) for row in chaos.rows) > 0


def test_every_accepted_report_is_stored_exactly_once(chaos: ChaosResult) -> None:
    assert len(chaos.outcomes) == REPORTS
    check(chaos, "reports accepted = stored exactly once")


def test_every_acknowledged_report_has_exactly_one_case(chaos: ChaosResult) -> None:
    check(chaos, "one case per acknowledged report")


def test_every_case_event_is_applied_exactly_once_in_order(chaos: ChaosResult) -> None:
    check(chaos, "every case event applied exactly once")


def test_every_report_has_its_case_status(chaos: ChaosResult) -> None:
    # Work was done and the report fixed on most: every step's status was compared, not only the first.
    assert sum(o.fixed for o in chaos.outcomes) > REPORTS // 2, chaos.summary()
    check(chaos, "every report's status equals its case's")


def test_no_server_error_but_503_with_retry_after(chaos: ChaosResult) -> None:
    check(chaos, "no 5xx but 503 with Retry-After")


def test_every_outbox_drains_empty(chaos: ChaosResult) -> None:
    assert chaos.drain_s is not None, chaos.summary()
    check(chaos, "every outbox empty")


def test_bookings_through_a_restart_fill_the_places_exactly(chaos: ChaosResult) -> None:
    assert next(row for row in chaos.rows if row.fault == "kill -9 volunteering").recovery_s is not None
    check(chaos, "200 bookings for 10 places")
