"""The outbox deliverer: sends due messages, retrying failures with exponential backoff until a last attempt.

It runs as a thread in the serving process (unless `run_deliverer` is off) and as `report-it worker`. Several
deliverers may run at once: each leases its batch (`deal_shared.outbox.lease_due`; FOR UPDATE SKIP LOCKED on
PostgreSQL) in a short transaction, sends with no transaction open, and records each outcome in another short one.
So a slow webhook receiver or an unreachable Footprints never holds a database lock, and on SQLite never keeps the
service's other writers waiting.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from uuid import UUID

import httpx
from sqlalchemy import Engine
from sqlmodel import Session, col

from deal_shared.background import DaemonLoop, repeat_until_stopped
from deal_shared.heartbeat import Heartbeat
from deal_shared.outbox import Attempt, Backoff, Lease, PeerWatch, lease_due, record_attempt, unsent
from deal_shared.trace_context import continuing
from report_it import case_sync, mailer, webhooks
from report_it.config import Settings
from report_it.footprints_link import footprints_client
from report_it.models import Category, OutboxMessage, Report, Webhook
from report_it.outbox import OutboxKind

log = logging.getLogger("report_it.delivery")

# How long one call to Footprints may take (the shared client's timeout).
FOOTPRINTS_TIMEOUT_S = 5.0

# What a successful send still has to write, in the transaction that records the delivery.
Finish = Callable[[Session], None]


class Permanent(Exception):
    """Retrying cannot help (the webhook was removed, the report is gone): give up at once."""


class Deliverer:
    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        self.backoff = Backoff(first_s=settings.delivery_backoff_seconds, cap_s=settings.delivery_backoff_max_seconds)
        self.http = httpx.Client(timeout=settings.webhook_timeout_seconds)
        self.footprints = footprints_client(settings, timeout=FOOTPRINTS_TIMEOUT_S)
        self._senders: dict[str, Callable[[OutboxMessage], Finish | None]] = {
            OutboxKind.email: self._email,
            OutboxKind.webhook: self._webhook,
            OutboxKind.case: self._case,
        }
        # The longest one send can take; a lease always has room for at least two.
        self.send_budget_s = max(settings.webhook_timeout_seconds, settings.smtp_timeout_seconds, FOOTPRINTS_TIMEOUT_S)
        self.lease_s = max(settings.delivery_lease_seconds, 2 * self.send_budget_s)
        # Footprints (cases) and the mail server (e-mails) are one peer each; webhooks go to many receivers, each
        # retried on its own backoff.
        self.peers = {
            kind: PeerWatch(
                OutboxMessage,
                *unsent(OutboxMessage),
                col(OutboxMessage.kind) == kind,
                probe_every_s=settings.delivery_probe_seconds,
            )
            for kind in (OutboxKind.case, OutboxKind.email)
        }
        self._probes: set[UUID] = set()
        self._senders_pool = ThreadPoolExecutor(settings.delivery_concurrency, thread_name_prefix="report-it-delivery")

    def close(self) -> None:
        self._senders_pool.shutdown()
        self.http.close()
        self.footprints.http.close()

    def _email(self, message: OutboxMessage) -> None:
        p = message.payload
        mailer.send_email(
            self.settings,
            to=p["to"],
            subject=p["subject"],
            body=p["body"],
            message_id=str(message.id),
            subscription_id=p.get("subscription_id"),
        )

    def _webhook(self, message: OutboxMessage) -> None:
        with Session(self.engine) as session:
            hook = session.get(Webhook, UUID(message.payload["webhook_id"]))
            if hook is None or not hook.active:
                raise Permanent("the webhook was removed or switched off")
            url, secret = hook.url, hook.secret
        body = webhooks.encode(message.payload["body"])
        timestamp = str(int(time.time()))
        response = self.http.post(
            url,
            content=body,
            headers={
                "Content-Type": "application/json",
                "X-Deal-Event": message.payload["body"]["event"],
                "X-Deal-Delivery": str(message.id),
                "X-Deal-Timestamp": timestamp,
                "X-Deal-Signature": webhooks.sign(secret, timestamp, body),
            },
        )
        if not response.is_success:
            raise RuntimeError(f"{url} answered {response.status_code}")

    def _case(self, message: OutboxMessage) -> Finish:
        with Session(self.engine, expire_on_commit=False) as session:
            report = session.get(Report, message.report_id)
            if report is None:
                raise Permanent("the report no longer exists")
            category = session.get(Category, report.category_code)
            assert category is not None
            session.expunge_all()
        case = case_sync.push_case(self.footprints, report=report, category=category)
        return lambda session: case_sync.record_placement(session, report.id, case)

    def _lease(self) -> Lease[OutboxMessage]:
        return lease_due(
            self.engine,
            OutboxMessage,
            *unsent(OutboxMessage),
            order_by=[col(OutboxMessage.next_attempt_at)],
            limit=self.settings.delivery_batch_size,
            lease_s=self.lease_s,
        )

    def run_once(self) -> int:
        """Deliver one batch of due messages; returns how many were attempted.

        Messages of one batch are sent concurrently, so they may arrive in any order: a case sync carries the
        report's version (Footprints ignores an older one), and webhooks are documented as unordered."""
        lease = self._lease()
        if not lease.rows:
            # Nothing was due: try whether a peer that was away is back (every peer, hence not any() of a generator).
            probed = {peer.probe(self.engine) for peer in self.peers.values()} - {None}
            if probed:
                self._probes = probed
                lease = self._lease()
        # A batch goes out over a few senders at once: a case sync mostly waits on Footprints' database, so one at a
        # time left a backlog draining at a fraction of what Footprints can take.
        sent = list(self._senders_pool.map(lambda message: self._send_in_time(message, lease), lease.rows))
        return sum(sent)

    def _send_in_time(self, message: OutboxMessage, lease: Lease[OutboxMessage]) -> bool:
        if not lease.has_time_for(self.send_budget_s):
            # Slow receivers used up the lease: hand this one back rather than send it after the lease ran out.
            lease.release(self.engine, [message])
            return False
        self._attempt(message, lease)
        return True

    def _attempt(self, message: OutboxMessage, lease: Lease[OutboxMessage]) -> None:
        finish: Finish | None = None
        error: Exception | None = None
        attributes = {"messaging.destination.name": message.kind, "messaging.message.id": str(message.id)}
        try:
            # In the trace of the request that wrote the message: Footprints' side of a case sync joins it too.
            with continuing(message.traceparent, f"deliver {message.kind}", attributes=attributes):
                finish = self._senders[message.kind](message)
        except Exception as exc:  # any failure of the receiver or the network: record it and retry later
            error = exc
        probing = message.id in self._probes
        self._probes.discard(message.id)
        with Session(self.engine) as session:
            current = session.get(OutboxMessage, message.id, with_for_update=True)
            attempt = record_attempt(
                current,
                lease,
                error=None if error is None else f"{type(error).__name__}: {error}"[:2000],
                retryable=not isinstance(error, Permanent),
                probing=probing,
                backoff=self.backoff,
                max_attempts=self.settings.delivery_max_attempts,
            )
            if attempt is Attempt.taken_over or current is None:
                log.warning("outbox message taken over after its lease ran out", extra={"id": str(message.id)})
                return
            if attempt is Attempt.delivered and finish is not None:
                finish(session)
            elif attempt is Attempt.given_up:
                log.error("outbox message given up", extra={"id": str(message.id), "kind": current.kind})
            retried_through = attempt is Attempt.delivered and current.attempts > 1
            session.add(current)
            session.commit()
        peer = self.peers.get(message.kind)
        if retried_through and peer is not None:
            peer.peer_is_back(self.engine, sparing=lease)

    def run_forever(self, stop: threading.Event, *, heartbeat: Heartbeat | None = None) -> None:
        # A batch with messages in it is followed at once by the next, so a backlog drains; an empty one waits a poll.
        repeat_until_stopped(
            stop,
            self.run_once,
            rest_s=self.settings.delivery_poll_seconds,
            log=log,
            failure="outbox delivery failed; trying again",
            rest_after_work=False,
            after_pass=heartbeat.beat if heartbeat is not None else None,
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
