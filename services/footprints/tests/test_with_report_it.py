"""Both services as real processes: a report acknowledged in Report IT becomes a case in the right footprint, is
allocated, and the allocation shows on the report; with Footprints stopped for a while nothing is lost or doubled;
and an event Footprints delivers late is ignored by Report IT as stale rather than moving the report back."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, col, select

from deal_shared.db import utcnow
from footprints.models import OutboxEvent
from tests.support.server import free_port

from .conftest import WIGAN_CENTRAL


def _wait_port(process: subprocess.Popen, port: int, name: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError(f"{name} did not start") from None
            time.sleep(0.1)


@contextmanager
def running(command: list[str], env: dict, port: int, name: str):
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_port(process, port, name)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=20)


def wait_for(fetch, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.2)


@pytest.fixture()
def environment(database, database_factory, dev_key, tmp_path):
    report_it_db = database_factory("report_it")
    ports = {"footprints": free_port(), "report_it": free_port()}
    env = {
        **os.environ,
        "FOOTPRINTS_DATABASE_URL": database,
        "FOOTPRINTS_ENVIRONMENT": "test",
        "FOOTPRINTS_AUTH__DEV_MODE": "true",
        "FOOTPRINTS_AUTH__DEV_KEY_PATH": str(dev_key),
        "FOOTPRINTS_REPORT_IT_URL": f"http://127.0.0.1:{ports['report_it']}",
        "FOOTPRINTS_OUTBOX_POLL_S": "0.2",
        "FOOTPRINTS_OUTBOX_MAX_BACKOFF_S": "0.5",
        "REPORT_IT_DATABASE_URL": report_it_db,
        "REPORT_IT_ENVIRONMENT": "test",
        "REPORT_IT_AUTH__DEV_MODE": "true",
        "REPORT_IT_AUTH__DEV_KEY_PATH": str(dev_key),
        "REPORT_IT_FOOTPRINTS_URL": f"http://127.0.0.1:{ports['footprints']}",
        "REPORT_IT_PHOTO_DIR": str(tmp_path / "photos"),
        "REPORT_IT_DELIVERY_POLL_SECONDS": "0.2",
        "REPORT_IT_DELIVERY_BACKOFF_SECONDS": "0.5",
        "REPORT_IT_DELIVERY_BACKOFF_MAX_SECONDS": "1",
        "REPORT_IT_DELIVERY_MAX_ATTEMPTS": "1000",
    }
    bin_dir = Path(sys.executable).parent
    subprocess.run([str(bin_dir / "report-it"), "setup"], env=env, check=True, capture_output=True)
    commands = {
        "footprints": [str(bin_dir / "footprints"), "serve", "--port", str(ports["footprints"])],
        "report_it": [str(bin_dir / "report-it"), "serve", "--port", str(ports["report_it"])],
    }
    return env, ports, commands


def acknowledged_report(report_it: str, staff: dict[str, str]) -> str:
    """A new street cleansing report in Wigan Central, acknowledged: Report IT sends its case to Footprints."""
    categories = httpx.get(f"{report_it}/v1/categories").json()
    code = next(c["code"] for c in categories if c["skill"] == "street_cleansing" and not c["staff_only"])
    body = {
        "category": code,
        "location": {"lat": WIGAN_CENTRAL[0], "long": WIGAN_CENTRAL[1]},
        "description": "Bags dumped by the bins",
    }
    created = httpx.post(f"{report_it}/v1/reports", json=body, timeout=30)
    assert created.status_code == 201, created.text
    report_id = created.json()["id"]
    ack = httpx.post(
        f"{report_it}/v1/reports/{report_id}/updates", json={"status": "acknowledged"}, headers=staff, timeout=30
    )
    assert ack.status_code == 201, ack.text
    return report_id


def test_report_becomes_an_allocated_case_and_survives_footprints_downtime(
    environment, token_for, add_team, add_worker
) -> None:
    env, ports, commands = environment
    worker = add_worker(add_team(), skills=("street_cleansing",), points=50, name="Casey Standish")
    staff = {"Authorization": f"Bearer {token_for('staff', 'manager', sub='officer.one')}"}
    report_it = f"http://127.0.0.1:{ports['report_it']}"
    footprints = f"http://127.0.0.1:{ports['footprints']}"

    def new_report() -> str:
        return acknowledged_report(report_it, staff)

    def case_of(report_id: str):
        response = httpx.get(f"{footprints}/v1/cases/report_it/{report_id}", headers=staff, timeout=10)
        return response.json() if response.status_code == 200 and response.json()["worker"] else None

    def allocated(report_id: str):
        report = httpx.get(f"{report_it}/v1/reports/{report_id}", headers=staff, timeout=10).json()
        return report if report["status"] == "allocated" else None

    with running(commands["report_it"], env, ports["report_it"], "report-it"):
        with running(commands["footprints"], env, ports["footprints"], "footprints"):
            first = new_report()
            case = wait_for(lambda: case_of(first))
            assert (case["footprint_code"], case["worker"]["id"]) == ("wigan_central", str(worker.id))
            wait_for(lambda: allocated(first))
        # Footprints is down: the report waits in Report IT's outbox.
        second = new_report()
        time.sleep(2)
        with running(commands["footprints"], env, ports["footprints"], "footprints"):
            wait_for(lambda: case_of(second))
            wait_for(lambda: allocated(second))
            time.sleep(2)  # let any retry that would duplicate happen
            for report_id in (first, second):
                case = case_of(report_id)
                audit = httpx.get(f"{footprints}/v1/audit/cases/{case['id']}", headers=staff).json()
                assert [a["kind"] for a in audit] == ["allocated"]
                timeline = httpx.get(f"{report_it}/v1/reports/{report_id}/updates", headers=staff).json()
                mentions = [u for u in timeline if "Casey Standish" in str(u)]
                assert len(mentions) == 1, timeline


def test_a_late_allocated_holds_back_the_in_progress_and_an_older_event_is_stale(
    environment, engine, token_for, add_team, add_worker
) -> None:
    env, ports, commands = environment
    add_worker(add_team(), skills=("street_cleansing",), points=50, subject="worker.late", name="Robin Late")
    staff = {"Authorization": f"Bearer {token_for('staff', 'manager', sub='officer.two')}"}
    worker = {"Authorization": f"Bearer {token_for('staff', sub='worker.late')}"}
    report_it = f"http://127.0.0.1:{ports['report_it']}"
    footprints = f"http://127.0.0.1:{ports['footprints']}"
    # Footprints first runs with Report IT out of its reach, so both of the case's events wait in its outbox.
    unreachable = {
        **env,
        "FOOTPRINTS_REPORT_IT_URL": f"http://127.0.0.1:{free_port()}",
        "FOOTPRINTS_OUTBOX_MAX_ATTEMPTS": "1000",
    }

    def status(report_id: str) -> str:
        return httpx.get(f"{report_it}/v1/reports/{report_id}", headers=staff, timeout=10).json()["status"]

    def outbox(report_id: str) -> list[OutboxEvent]:
        with Session(engine, expire_on_commit=False) as session:
            query = select(OutboxEvent).where(OutboxEvent.source_id == report_id)
            return list(session.exec(query.order_by(col(OutboxEvent.created_at))).all())

    def due_in(event: OutboxEvent, delay: timedelta) -> None:
        with Session(engine) as session:
            row = session.get(OutboxEvent, event.id)
            assert row is not None
            row.next_attempt_at = utcnow() + delay
            session.add(row)
            session.commit()

    with running(commands["report_it"], env, ports["report_it"], "report-it"):
        with running(commands["footprints"], unreachable, ports["footprints"], "footprints"):
            report_id = acknowledged_report(report_it, staff)
            case_url = f"{footprints}/v1/cases/report_it/{report_id}"
            holder = wait_for(lambda: httpx.get(case_url, headers=staff, timeout=10).json().get("worker"))
            case_id = httpx.get(case_url, headers=staff, timeout=10).json()["id"]
            started = httpx.post(
                f"{footprints}/v1/cases/{case_id}/progress", json={"kind": "in_progress"}, headers=worker
            )
            assert started.status_code == 200, started.text
        assert holder["display_name"] == "Robin Late"
        allocated, in_progress = outbox(report_id)
        assert (allocated.payload["kind"], allocated.payload["sequence"]) == ("allocated", 1)
        assert (in_progress.payload["kind"], in_progress.payload["sequence"]) == ("in_progress", 2)
        assert allocated.delivered_at is None and in_progress.delivered_at is None
        # The allocated's retry falls due after the in_progress's, as its longer backoff can make it: the in_progress
        # waits for it rather than overtake it.
        due_in(allocated, timedelta(seconds=8))
        due_in(in_progress, timedelta(0))

        with running(commands["footprints"], env, ports["footprints"], "footprints"):
            wait_for(lambda: all(e.delivered_at is not None for e in outbox(report_id)))
            assert status(report_id) == "in_progress"
            delivered = sorted(outbox(report_id), key=lambda e: e.delivered_at)
            assert [e.payload["kind"] for e in delivered] == ["allocated", "in_progress"]

        # Had an older event still arrived late (a lease taken over from a slow deliverer), Report IT ignores it.
        service = {"Authorization": f"Bearer {token_for('service', sub='service:footprints')}"}
        late = {**allocated.payload, "event_id": str(uuid.uuid4())}
        again = httpx.post(f"{report_it}/v1/reports/{report_id}/case-events", json=late, headers=service, timeout=10)
        assert again.status_code == 200 and again.json()["outcome"] == "stale, ignored", again.text
        timeline = httpx.get(f"{report_it}/v1/reports/{report_id}/updates", headers=staff, timeout=10).json()
        assert [u["status"] for u in timeline if u["status"] in ("allocated", "in_progress")] == [
            "allocated",
            "in_progress",
        ]
        assert status(report_id) == "in_progress"
