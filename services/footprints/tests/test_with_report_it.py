"""Both services as real processes: a report acknowledged in Report IT becomes a case in the right footprint, is
allocated, and the allocation shows on the report; with Footprints stopped for a while nothing is lost or doubled."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

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


def test_report_becomes_an_allocated_case_and_survives_footprints_downtime(
    environment, token_for, add_team, add_worker
) -> None:
    env, ports, commands = environment
    worker = add_worker(add_team(), skills=("street_cleansing",), points=50, name="Casey Standish")
    staff = {"Authorization": f"Bearer {token_for('staff', 'manager', sub='officer.one')}"}
    report_it = f"http://127.0.0.1:{ports['report_it']}"
    footprints = f"http://127.0.0.1:{ports['footprints']}"

    def new_report() -> str:
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
