"""E-mails through a real SMTP server process, retried while it is down; signed webhooks with retries."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import subprocess
import sys
import threading
import time
import uuid

import httpx
from fastapi import FastAPI, Request, Response
from sqlmodel import Session, select

from deal_shared.db import make_engine
from report_it.main import create_app
from report_it.models import OutboxMessage
from services.report_it.tests.mailcatcher import MailCatcher, body_of, free_port, mail_catcher
from services.report_it.tests.test_lifecycle import new_report
from tests.support.server import serve


def unique_email(name: str) -> str:
    return f"{name}.{uuid.uuid4().hex[:8]}@example.org"


def reporter(email: str) -> dict:
    return {"name": "Ann Resident", "email": email, "wants_updates": True}


def support_and_confirm(api: httpx.Client, smtp: MailCatcher, report_id: str, email: str) -> None:
    """ "Me too" with an e-mail, then follow the link in the confirmation e-mail, as its owner would."""
    assert api.post(f"/v1/reports/{report_id}/support", json={"email": email}).status_code == 200
    (confirmation,) = smtp.wait_for(email, 1)
    link = next(word for word in body_of(confirmation).split() if "/v1/subscriptions/confirm/" in word)
    assert api.post(link[link.index("/v1/") :]).status_code == 200


def test_the_reporter_is_emailed_at_each_step(api, staff_headers, smtp: MailCatcher) -> None:
    email = unique_email("ann")
    report = new_report(api, reporter=reporter(email))
    url = f"/v1/reports/{report['id']}/updates"
    steps = [
        {"status": "acknowledged"},
        {"status": "in_progress", "internal_note": "Crew 4: secret"},  # not told: an internal move
        {"public_text": "The crew arrives tomorrow."},
        {"status": "fixed", "public_text": "Cleared."},
    ]
    for step in steps:
        assert api.post(url, json=step, headers=staff_headers).status_code == 201
    received = smtp.wait_for(email, 3)
    time.sleep(0.5)
    received = smtp.to(email)
    assert len(received) == 3
    subjects = sorted(str(m["Subject"]) for m in received)
    assert all(report["reference"] in s for s in subjects)
    bodies = "\n".join(body_of(m) for m in received)
    assert "has been acknowledged" in bodies and "The crew arrives tomorrow." in bodies and "has been fixed" in bodies
    assert "secret" not in bodies and "Crew 4" not in bodies


def test_no_updates_wanted_means_no_email(api, staff_headers, smtp: MailCatcher) -> None:
    email = unique_email("quiet")
    report = new_report(api, reporter={"email": email, "wants_updates": False})
    api.post(f"/v1/reports/{report['id']}/updates", json={"status": "fixed"}, headers=staff_headers)
    loud = unique_email("loud")
    other = new_report(api, reporter=reporter(loud))
    api.post(f"/v1/reports/{other['id']}/updates", json={"status": "fixed"}, headers=staff_headers)
    smtp.wait_for(loud, 1)
    assert smtp.to(email) == []


def test_supporters_and_duplicates_hear_of_the_original(api, staff_headers, smtp: MailCatcher) -> None:
    original_reporter, copy_reporter, supporter = unique_email("o"), unique_email("c"), unique_email("s")
    original = new_report(api, reporter=reporter(original_reporter))
    copy = new_report(api, reporter=reporter(copy_reporter))
    support_and_confirm(api, smtp, original["id"], supporter)
    marked = api.post(
        f"/v1/reports/{copy['id']}/updates",
        json={"status": "duplicate", "duplicate_of": original["id"]},
        headers=staff_headers,
    )
    assert marked.status_code == 201
    closure = smtp.wait_for(copy_reporter, 1)
    assert original["reference"] in body_of(closure[0])
    api.post(
        f"/v1/reports/{original['id']}/updates",
        json={"status": "fixed", "public_text": "All cleared."},
        headers=staff_headers,
    )
    assert "All cleared." in body_of(smtp.wait_for(original_reporter, 1)[0])
    assert any("All cleared." in body_of(m) for m in smtp.wait_for(supporter, 2))  # after its confirmation
    fixed_for_copy = smtp.wait_for(copy_reporter, 2)
    assert any("All cleared." in body_of(m) for m in fixed_for_copy)


def test_safeguarding_concerns_are_never_emailed_or_sent_out(api, token_for, smtp: MailCatcher) -> None:
    author = {"Authorization": f"Bearer {token_for('staff', sub='sg.mail')}"}
    lead = {"Authorization": f"Bearer {token_for('safeguarding', sub='sg.lead')}"}
    email = unique_email("sg")
    body = {
        "category": "safeguarding_concern",
        "location": {"lat": 53.545, "long": -2.632},
        "answers": {"person": "adult", "immediate_danger": "no"},
        "reporter": reporter(email),
    }
    report = api.post("/v1/reports", json=body, headers=author).json()
    update = api.post(
        f"/v1/reports/{report['id']}/updates", json={"status": "acknowledged", "public_text": "Seen"}, headers=lead
    )
    assert update.status_code == 201
    marker = unique_email("marker")
    other = new_report(api, reporter=reporter(marker))
    api.post(f"/v1/reports/{other['id']}/updates", json={"status": "acknowledged"}, headers=lead)
    smtp.wait_for(marker, 1)
    assert smtp.to(email) == []


def outbox(url: str) -> list[OutboxMessage]:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return list(session.exec(select(OutboxMessage)).all())
    finally:
        engine.dispose()


def wait_until(check, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_the_worker_delivers_after_the_mail_server_comes_back(
    fresh_db, make_settings, staff_headers, tmp_path, dev_key
) -> None:
    port = free_port()  # nothing listens here yet: the mail server is "down"
    email = unique_email("patient")
    # The API process does not deliver; `report-it worker` does, as its own process.
    app = create_app(make_settings(database_url=fresh_db, run_deliverer=False))
    with serve(app) as base, httpx.Client(base_url=base) as api:
        report = new_report(api, reporter=reporter(email))
        api.post(f"/v1/reports/{report['id']}/updates", json={"status": "acknowledged"}, headers=staff_headers)
    assert [m.state for m in outbox(fresh_db) if m.kind == "email"] == ["pending"]
    env = {
        **os.environ,
        "REPORT_IT_DATABASE_URL": fresh_db,
        "REPORT_IT_SMTP_HOST": "127.0.0.1",
        "REPORT_IT_SMTP_PORT": str(port),
        "REPORT_IT_DELIVERY_POLL_SECONDS": "0.1",
        "REPORT_IT_DELIVERY_BACKOFF_SECONDS": "0.2",
        "REPORT_IT_DELIVERY_BACKOFF_MAX_SECONDS": "0.5",
    }
    worker = subprocess.Popen(
        [sys.executable, "-c", "from report_it.cli import main; main()", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: any(m.attempts >= 2 and m.last_error for m in outbox(fresh_db) if m.kind == "email"))
        assert [m.state for m in outbox(fresh_db) if m.kind == "email"] == ["pending"]
        with mail_catcher(tmp_path / "late", port=port) as late:
            received = late.wait_for(email, 1)
            assert "has been acknowledged" in body_of(received[0])
            wait_until(lambda: all(m.state == "delivered" for m in outbox(fresh_db) if m.kind == "email"))
            time.sleep(0.5)
            assert len(late.to(email)) == 1
    finally:
        worker.terminate()
        worker.wait(timeout=10)


class Receiver:
    """A contractor's system: refuses the first `fail_first` deliveries, then records them."""

    def __init__(self, fail_first: int) -> None:
        self.fail_first = fail_first
        self.calls = 0
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.lock = threading.Lock()
        self.app = FastAPI()

        @self.app.post("/hook")
        async def hook(request: Request) -> Response:
            body = await request.body()
            with self.lock:
                self.calls += 1
                if self.calls <= self.fail_first:
                    return Response(status_code=503)
                self.received.append((dict(request.headers), body))
            return Response(status_code=204)


def test_webhooks_are_signed_filtered_and_retried(api, staff_headers, token_for) -> None:
    manager = {"Authorization": f"Bearer {token_for('manager', sub='mgr')}"}
    receiver = Receiver(fail_first=2)
    with serve(receiver.app) as hook_base:
        leigh_box = [-2.53, 53.49, -2.50, 53.51]
        assert api.post("/v1/webhooks", json={"url": f"{hook_base}/hook"}, headers=staff_headers).status_code == 403
        created = api.post(
            "/v1/webhooks",
            json={"url": f"{hook_base}/hook", "categories": ["litter"], "bbox": leigh_box},
            headers=manager,
        )
        assert created.status_code == 201, created.text
        secret = created.json()["secret"]
        assert "secret" not in api.get("/v1/webhooks", headers=manager).json()[0]
        new_report(api, category="litter", answers={})  # Wigan centre: outside the box
        new_report(api, location={"lat": 53.5, "long": -2.515})  # fly-tipping: another category
        inside = new_report(api, category="litter", answers={}, location={"lat": 53.5, "long": -2.515})
        api.post(
            f"/v1/reports/{inside['id']}/updates",
            json={"status": "fixed", "public_text": "Swept", "internal_note": "hidden"},
            headers=staff_headers,
        )
        wait_until(lambda: len(receiver.received) >= 2)
        time.sleep(0.5)
        assert receiver.calls >= 4  # two refusals, then both events
        events = []
        for headers, body in receiver.received:
            expected = hmac.new(secret.encode(), headers["x-deal-timestamp"].encode() + b"." + body, hashlib.sha256)
            assert headers["x-deal-signature"] == f"sha256={expected.hexdigest()}"
            events.append(httpx.Response(200, content=body).json())
        # Retries wait a random time (full jitter), so two refused deliveries may arrive in either order; each
        # event carries its report and update, and receivers order by them.
        by_event = {e["event"]: e for e in events}
        assert sorted(by_event) == ["report.created", "report.updated"] and len(events) == 2
        assert all(e["report"]["id"] == inside["id"] for e in events)
        assert by_event["report.updated"]["update"]["public_text"] == "Swept"
        assert all(b"hidden" not in body for _, body in receiver.received)
        hook_id = created.json()["id"]
        assert api.delete(f"/v1/webhooks/{hook_id}", headers=manager).status_code == 204
        assert api.delete(f"/v1/webhooks/{hook_id}", headers=manager).status_code == 404


def test_admins_see_given_up_messages_and_retry_them(api, token_for, fresh_db, make_settings) -> None:
    admin = {"Authorization": f"Bearer {token_for('admin', sub='ops')}"}
    with serve(create_app(make_settings(database_url=fresh_db))) as base, httpx.Client(base_url=base) as own:
        hook = own.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/nowhere"}, headers=admin).json()
        new_report(own)
        own.delete(f"/v1/webhooks/{hook['id']}", headers=admin)  # now the delivery can never succeed
        wait_until(lambda: own.get("/v1/outbox", headers=admin).json()["failures"])
        summary = own.get("/v1/outbox", headers=admin).json()
        assert summary["counts"]["webhook"] == {"failed": 1}
        failure = summary["failures"][0]
        assert failure["kind"] == "webhook" and "removed" in failure["last_error"] and "payload" not in failure
        retried = own.post(f"/v1/outbox/{failure['id']}/retry", headers=admin)
        assert retried.status_code == 200 and retried.json()["attempts"] == 0
        assert own.post(f"/v1/outbox/{uuid.uuid4()}/retry", headers=admin).status_code == 404
        assert own.get("/v1/outbox", headers={"Authorization": f"Bearer {token_for('staff')}"}).status_code == 403


def test_subscribers_and_reporters_can_stop_the_emails(api, staff_headers, smtp: MailCatcher) -> None:
    author, fan = unique_email("author"), unique_email("fan")
    report = new_report(api, reporter=reporter(author))
    support_and_confirm(api, smtp, report["id"], fan)
    url = f"/v1/reports/{report['id']}/updates"
    api.post(url, json={"status": "acknowledged"}, headers=staff_headers)
    (first,) = [m for m in smtp.wait_for(fan, 2) if "has been acknowledged" in body_of(m)]
    link = str(first["List-Unsubscribe"]).strip("<>")
    assert first["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click" and link in body_of(first)
    # The reporter has a one-click link too (tested in test_subscription_confirmation); here they use their token.
    assert smtp.wait_for(author, 1)[0]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    path = link[link.index("/v1/") :]
    assert api.post(path).status_code == 204 and api.post(path).status_code == 204
    assert api.post(f"/v1/reports/{report['id']}/unsubscribe").status_code == 404
    stop = api.post(f"/v1/reports/{report['id']}/unsubscribe", headers={"X-Tracking-Token": report["tracking_token"]})
    assert stop.status_code == 204
    api.post(url, json={"status": "fixed", "public_text": "Done"}, headers=staff_headers)
    marker = unique_email("marker")
    other = new_report(api, reporter=reporter(marker))
    api.post(f"/v1/reports/{other['id']}/updates", json={"status": "fixed"}, headers=staff_headers)
    smtp.wait_for(marker, 1)  # later mail has gone out, but none of it to these two
    time.sleep(0.3)
    assert len(smtp.to(fan)) == 2 and len(smtp.to(author)) == 1  # the fan's confirmation, then one update


def open_transactions_elsewhere(url: str) -> list[str]:
    """What holds the database while nothing should: on SQLite, whether the write lock is taken (tried without
    waiting); on PostgreSQL, the other sessions left idle in a transaction."""
    engine = make_engine(url)
    try:
        if engine.dialect.name == "sqlite":
            import sqlite3

            raw = sqlite3.connect(engine.url.database, timeout=0, isolation_level=None)
            try:
                raw.execute("BEGIN IMMEDIATE")
                raw.execute("ROLLBACK")
                return []
            except sqlite3.OperationalError as exc:
                return [str(exc)]
            finally:
                raw.close()
        with engine.connect() as connection:
            rows = connection.exec_driver_sql(
                "SELECT state FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%%'"
            )
            return [row[0] for row in rows]
    finally:
        engine.dispose()


def test_no_transaction_stays_open_while_a_webhook_is_on_its_way(fresh_db, make_settings, token_for) -> None:
    manager = {"Authorization": f"Bearer {token_for('manager', sub='mgr.slow')}"}
    arrived = threading.Event()
    release = threading.Event()
    slow = FastAPI()

    @slow.post("/hook")
    async def hook(request: Request) -> Response:
        await request.body()
        arrived.set()
        while not release.is_set():  # a receiver taking its time, as a busy contractor's system does
            await asyncio.sleep(0.05)
        return Response(status_code=204)

    app = create_app(make_settings(database_url=fresh_db))
    with serve(slow) as hook_base, serve(app) as base, httpx.Client(base_url=base, timeout=30) as api:
        assert api.post("/v1/webhooks", json={"url": f"{hook_base}/hook"}, headers=manager).status_code == 201
        new_report(api, category="litter", answers={})
        try:
            assert arrived.wait(20), "the webhook was never sent"
            time.sleep(0.3)  # well inside the receiver's stall
            assert open_transactions_elsewhere(fresh_db) == []
            # And the service takes reports meanwhile.
            new_report(api, category="litter", answers={})
        finally:
            release.set()
        wait_until(lambda: all(m.state == "delivered" for m in outbox(fresh_db) if m.kind == "webhook"))


def test_a_batch_of_webhooks_goes_out_over_several_senders(fresh_db, make_settings, token_for) -> None:
    manager = {"Authorization": f"Bearer {token_for('manager', sub='mgr.many')}"}
    in_flight = 0
    most_at_once = 0
    received: list[str] = []
    slow = FastAPI()

    @slow.post("/hook")
    async def hook(request: Request) -> Response:
        nonlocal in_flight, most_at_once
        in_flight += 1
        most_at_once = max(most_at_once, in_flight)
        await asyncio.sleep(0.5)  # a receiver taking its time over each event
        in_flight -= 1
        received.append(request.headers["X-Deal-Delivery"])
        return Response(status_code=204)

    app = create_app(make_settings(database_url=fresh_db, delivery_concurrency=4))
    with serve(slow) as hook_base, serve(app) as base, httpx.Client(base_url=base, timeout=30) as api:
        assert api.post("/v1/webhooks", json={"url": f"{hook_base}/hook"}, headers=manager).status_code == 201
        for _ in range(6):
            new_report(api, category="litter", answers={})
        wait_until(lambda: len(received) == 6)
    assert most_at_once >= 2, "the batch was sent one message at a time"
    assert sorted(received) == sorted({*received}), "a webhook was delivered twice"
