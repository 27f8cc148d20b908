"""Case events reach Report IT through the outbox: nothing lost while it is down, nothing applied twice, in
order per report; and the same with Footprints itself running as a real process that is stopped and restarted."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager

import httpx
import uvicorn
from fastapi import FastAPI, Response
from sqlmodel import Session, select

from deal_shared.report_it import CaseEvent
from footprints.models import OutboxEvent
from tests.support.server import free_port

from .conftest import make_settings
from .test_cases import upsert_body


class Receiver:
    """Report IT's case-event endpoint as the contract describes it: dedup on event_id, 204."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, CaseEvent]] = []
        self.applied: dict[str, tuple[str, CaseEvent]] = {}
        self.app = FastAPI()

        @self.app.post("/v1/reports/{report_id}/case-events", status_code=204)
        def receive(report_id: str, event: CaseEvent) -> Response:
            self.posts.append((report_id, event))
            self.applied.setdefault(event.event_id, (report_id, event))
            return Response(status_code=204)


@contextmanager
def serve_on(app: FastAPI, port: int):
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def wait_for(predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.1)


def test_backoff_comes_from_the_settings_with_full_jitter_and_is_capped(database, dev_key) -> None:
    backoff = make_settings(database, dev_key, outbox_backoff_base_s=2, outbox_max_backoff_s=60).outbox_backoff()
    assert [backoff.ceiling(n) for n in (1, 2, 4, 10)] == [2, 4, 16, 60]
    waits = [backoff.seconds(4) for _ in range(500)]
    assert all(0 <= w <= 16 for w in waits) and min(waits) < 4 and max(waits) > 12


def test_events_wait_while_report_it_is_down_then_arrive_once(
    database, dev_key, token_for, engine, add_team, add_worker
) -> None:
    from footprints.main import create_app
    from tests.support.server import serve

    add_worker(add_team())
    port = free_port()
    settings = make_settings(database, dev_key, report_it_url=f"http://127.0.0.1:{port}", outbox_max_backoff_s=0.5)
    receiver = Receiver()
    with serve(create_app(settings)) as base, httpx.Client(base_url=base) as api:
        api.headers["Authorization"] = f"Bearer {token_for('service')}"
        for i in range(3):
            assert api.put(f"/v1/cases/report_it/rep-{i}", json=upsert_body()).status_code == 200
        api.put("/v1/cases/other_system/x-1", json=upsert_body())  # no outbox for other sources
        time.sleep(1.0)
        with Session(engine) as session:
            pending = session.exec(select(OutboxEvent)).all()
            assert len(pending) == 3 and all(e.delivered_at is None and e.attempts >= 1 for e in pending)
        with serve_on(receiver.app, port):
            wait_for(lambda: len(receiver.applied) == 3)
            time.sleep(1.0)
    assert len(receiver.posts) == 3
    assert sorted(r for r, _ in receiver.applied.values()) == ["rep-0", "rep-1", "rep-2"]
    assert {e.kind for _, e in receiver.applied.values()} == {"allocated"}


def _start_footprints(database: str, dev_key, port: int, report_it_port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "FOOTPRINTS_DATABASE_URL": database,
        "FOOTPRINTS_ENVIRONMENT": "test",
        "FOOTPRINTS_AUTH__DEV_MODE": "true",
        "FOOTPRINTS_AUTH__DEV_KEY_PATH": str(dev_key),
        "FOOTPRINTS_REPORT_IT_URL": f"http://127.0.0.1:{report_it_port}",
        "FOOTPRINTS_OUTBOX_POLL_S": "0.2",
        "FOOTPRINTS_OUTBOX_MAX_BACKOFF_S": "0.5",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "footprints.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError("footprints did not start") from None
            time.sleep(0.1)


def test_footprints_process_stopped_and_restarted_loses_and_duplicates_nothing(
    database, dev_key, token_for, add_team, add_worker
) -> None:
    add_worker(add_team(), points=100)
    port, receiver_port = free_port(), free_port()
    receiver = Receiver()
    headers = {"Authorization": f"Bearer {token_for('service')}"}
    process = _start_footprints(database, dev_key, port, receiver_port)
    try:
        for i in range(5):
            body = upsert_body()
            assert httpx.put(f"http://127.0.0.1:{port}/v1/cases/report_it/p-{i}", json=body, headers=headers).is_success
    finally:
        process.terminate()
        process.wait(timeout=20)
    # Report IT comes up while Footprints is down; then Footprints restarts and delivers what it owed.
    with serve_on(receiver.app, receiver_port):
        process = _start_footprints(database, dev_key, port, receiver_port)
        try:
            wait_for(lambda: len(receiver.applied) == 5)
            again = upsert_body()
            assert httpx.put(f"http://127.0.0.1:{port}/v1/cases/report_it/p-0", json=again, headers=headers).is_success
            time.sleep(1.0)
        finally:
            process.terminate()
            process.wait(timeout=20)
    assert len(receiver.posts) == 5
    assert sorted(r for r, _ in receiver.applied.values()) == [f"p-{i}" for i in range(5)]


class SlowReceiver(Receiver):
    """A receiver that takes a while over each event and notes which reports' events were in flight together."""

    def __init__(self, answer_s: float) -> None:
        super().__init__()
        self.lock = threading.Lock()
        self.in_flight: list[str] = []
        self.most_at_once = 0
        self.one_report_overlapping = False
        self.app = FastAPI()

        @self.app.post("/v1/reports/{report_id}/case-events", status_code=204)
        def receive(report_id: str, event: CaseEvent) -> Response:
            with self.lock:
                self.one_report_overlapping |= report_id in self.in_flight
                self.in_flight.append(report_id)
                self.most_at_once = max(self.most_at_once, len(self.in_flight))
            time.sleep(answer_s)
            with self.lock:
                self.in_flight.remove(report_id)
                self.posts.append((report_id, event))
                self.applied.setdefault(event.event_id, (report_id, event))
            return Response(status_code=204)


def test_a_backlog_goes_out_over_several_senders_never_two_of_one_report_at_once(
    database, dev_key, token_for, add_team, add_worker
) -> None:
    from footprints.main import create_app
    from tests.support.server import serve

    add_worker(add_team(), points=100)
    port = free_port()
    settings = make_settings(
        database, dev_key, report_it_url=f"http://127.0.0.1:{port}", outbox_max_backoff_s=0.5, outbox_concurrency=4
    )
    receiver = SlowReceiver(answer_s=0.3)
    reports = [f"busy-{i}" for i in range(4)]
    with serve(create_app(settings)) as base, httpx.Client(base_url=base) as api:
        service, manager = ({"Authorization": f"Bearer {token_for(role)}"} for role in ("service", "manager"))
        for report in reports:  # Report IT is away: each report gets "allocated" then "in_progress" queued
            case = api.put(f"/v1/cases/report_it/{report}", json=upsert_body(), headers=service).json()
            assert api.post(
                f"/v1/cases/{case['id']}/progress", json={"kind": "in_progress"}, headers=manager
            ).is_success
        with serve_on(receiver.app, port):
            wait_for(lambda: len(receiver.applied) == 2 * len(reports), timeout=30)
    assert receiver.most_at_once >= 2, "different reports' events were sent one at a time"
    assert not receiver.one_report_overlapping, "two events of one report were in flight at once"
    # Each event once (their order across passes: test_event_order_across_passes.py).
    for report in reports:
        assert sorted(event.kind for r, event in receiver.posts if r == report) == ["allocated", "in_progress"]
