"""The outbox deliverer: sends due messages, retrying failures with exponential backoff until a last attempt.

It runs as a thread in the serving process (unless `run_deliverer` is off) and as `report-it worker`. Several
deliverers may run at once: on PostgreSQL each claims its batch with FOR UPDATE SKIP LOCKED.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from uuid import UUID

import httpx
from sqlalchemy import Engine
from sqlmodel import Session, col

from deal_shared.background import DaemonLoop, repeat_until_stopped
from deal_shared.db import utcnow
from deal_shared.footprints import FootprintsClient
from deal_shared.http import service_http_client
from deal_shared.outbox import Backoff, claim_due, failed_for_good
from deal_shared.service_auth import OutboundToken
from report_it import case_sync, mailer, webhooks
from report_it.config import Settings
from report_it.models import OutboxMessage, Report, Webhook
from report_it.outbox import OutboxKind, OutboxState

log = logging.getLogger("report_it.delivery")


class Permanent(Exception):
    """Retrying cannot help (the webhook was removed, the report is gone): give up at once."""


class Deliverer:
    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        self.backoff = Backoff(first_s=settings.delivery_backoff_seconds, cap_s=settings.delivery_backoff_max_seconds)
        self.http = httpx.Client(timeout=settings.webhook_timeout_seconds)
        self._token = OutboundToken(settings.auth, service="report-it", configured=settings.service_token)
        self._senders: dict[str, Callable[[Session, OutboxMessage], None]] = {
            OutboxKind.email: self._email,
            OutboxKind.webhook: self._webhook,
            OutboxKind.case: self._case,
        }

    def close(self) -> None:
        self.http.close()

    def _email(self, _session: Session, message: OutboxMessage) -> None:
        p = message.payload
        mailer.send_email(
            self.settings,
            to=p["to"],
            subject=p["subject"],
            body=p["body"],
            message_id=str(message.id),
            subscription_id=p.get("subscription_id"),
        )

    def _webhook(self, session: Session, message: OutboxMessage) -> None:
        hook = session.get(Webhook, UUID(message.payload["webhook_id"]))
        if hook is None or not hook.active:
            raise Permanent("the webhook was removed or switched off")
        body = webhooks.encode(message.payload["body"])
        timestamp = str(int(time.time()))
        response = self.http.post(
            hook.url,
            content=body,
            headers={
                "Content-Type": "application/json",
                "X-Deal-Event": message.payload["body"]["event"],
                "X-Deal-Delivery": str(message.id),
                "X-Deal-Timestamp": timestamp,
                "X-Deal-Signature": webhooks.sign(hook.secret, timestamp, body),
            },
        )
        if not response.is_success:
            raise RuntimeError(f"{hook.url} answered {response.status_code}")

    def _case(self, session: Session, message: OutboxMessage) -> None:
        report = session.get(Report, message.report_id)
        if report is None:
            raise Permanent("the report no longer exists")
        with service_http_client(self.settings.footprints_url, token=self._token()) as http:
            # Always the report as it is now, under its latest version: Footprints ignores anything older.
            case_sync.sync_case(session, FootprintsClient(http), report=report, version=report.case_version)

    def run_once(self) -> int:
        """Deliver one batch of due messages; returns how many were attempted."""
        with Session(self.engine, expire_on_commit=False) as session:
            batch = claim_due(
                session,
                OutboxMessage,
                col(OutboxMessage.state) == OutboxState.pending.value,
                order_by=[col(OutboxMessage.next_attempt_at)],
                limit=self.settings.delivery_batch_size,
            )
            for message in batch:
                self._attempt(session, message)
            session.commit()
        return len(batch)

    def _attempt(self, session: Session, message: OutboxMessage) -> None:
        message.attempts += 1
        try:
            with session.begin_nested():
                self._senders[message.kind](session, message)
        except Exception as exc:  # any failure of the receiver or the network: record it and retry later
            if failed_for_good(
                message,
                f"{type(exc).__name__}: {exc}"[:2000],
                backoff=self.backoff,
                max_attempts=self.settings.delivery_max_attempts,
                final=isinstance(exc, Permanent),
            ):
                message.state = OutboxState.failed.value
                log.error("outbox message given up", extra={"id": str(message.id), "kind": message.kind})
        else:
            message.state = OutboxState.delivered.value
            message.delivered_at = utcnow()
            message.last_error = None
        session.add(message)

    def run_forever(self, stop: threading.Event) -> None:
        # A batch with messages in it is followed at once by the next, so a backlog drains; an empty one waits a poll.
        repeat_until_stopped(
            stop,
            self.run_once,
            rest_s=self.settings.delivery_poll_seconds,
            log=log,
            failure="outbox delivery failed; trying again",
            rest_after_work=False,
        )


class BackgroundDeliverer:
    """The deliverer on a daemon thread, for the serving process."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.deliverer = Deliverer(engine, settings)
        self.loop = DaemonLoop(self.deliverer.run_forever, join_s=30)

    def start(self) -> None:
        self.loop.start()

    def close(self) -> None:
        self.loop.stop()
        self.deliverer.close()
