"""The outbox lease comes from FOOTPRINTS_OUTBOX_LEASE_SECONDS: while an event is being sent, no other deliverer
may take it until that long after it was taken."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI, Response
from sqlalchemy import Engine
from sqlmodel import Session, select

from deal_shared.db import utcnow
from deal_shared.report_it import CaseEvent
from footprints.models import OutboxEvent
from tests.support.server import free_port

from .conftest import make_settings
from .test_cases import upsert_body
from .test_outbox import serve_on, wait_for

LEASE_S = 300.0


class LeaseWatcher:
    """Report IT's case-event endpoint, noting how long the event it is sent stays leased from the moment it lands."""

    def __init__(self, engine: Engine) -> None:
        self.leased_for: dict[str, timedelta] = {}
        self.app = FastAPI()

        @self.app.post("/v1/reports/{report_id}/case-events", status_code=204)
        def receive(report_id: str, event: CaseEvent) -> Response:
            with Session(engine) as session:
                row = session.exec(select(OutboxEvent).where(OutboxEvent.event_id == event.event_id)).one()
                self.leased_for[event.event_id] = row.next_attempt_at - utcnow()
            return Response(status_code=204)


def test_the_lease_on_events_being_sent_is_the_configured_one(
    database, dev_key, token_for, engine, add_team, add_worker, monkeypatch: pytest.MonkeyPatch
) -> None:
    from footprints.main import create_app
    from tests.support.server import serve

    monkeypatch.setenv("FOOTPRINTS_OUTBOX_LEASE_SECONDS", str(LEASE_S))
    port = free_port()
    settings = make_settings(database, dev_key, report_it_url=f"http://127.0.0.1:{port}")
    assert settings.outbox_lease_seconds == LEASE_S
    add_worker(add_team())
    watcher = LeaseWatcher(engine)
    with serve_on(watcher.app, port), serve(create_app(settings)) as base, httpx.Client(base_url=base) as api:
        service = {"Authorization": f"Bearer {token_for('service')}"}
        assert api.put("/v1/cases/report_it/leased-1", json=upsert_body(), headers=service).is_success
        wait_for(lambda: len(watcher.leased_for) == 1)
    (leased_for,) = watcher.leased_for.values()
    # Taken a moment before it landed; the default (60 s) would have it due again within a minute.
    assert timedelta(seconds=LEASE_S - 10) < leased_for <= timedelta(seconds=LEASE_S)
