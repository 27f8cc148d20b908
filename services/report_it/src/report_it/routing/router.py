"""Routing new reports in the background: each submitted report, once, by the first matching active rule.

A pass takes new reports not yet routed (made since the oldest active rule, so a new rule never reaches back to
older reports), finds each one's area through Footprints when a rule is about areas, and applies the rule in the
report's own transaction: a priority change and an acknowledgement go through the report's usual paths (the
timeline, the e-mails, the Footprints case in the outbox). A report an officer acted on first is left alone.
Until it is routed a report simply waits in the triage queue, so nothing is lost while Footprints is away.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from uuid import UUID

from sqlalchemy import Engine
from sqlalchemy import update as sa_update
from sqlmodel import Session, col, select

from deal_shared.background import DaemonLoop, repeat_until_stopped
from deal_shared.db import utcnow
from deal_shared.errors import RemoteError
from deal_shared.footprints import LocateResult
from deal_shared.geo import Borough
from deal_shared.report_it import ActorKind, Priority, ReportChange, ReportStatus
from report_it.config import Settings
from report_it.corrections import change_report
from report_it.footprints_link import footprints_client
from report_it.lifecycle import Actor, apply_update
from report_it.models import Category, Report, RoutingRule
from report_it.outcomes.refresh import mark_changed
from report_it.routing.rules import first_match, list_rules, needs_area
from report_it.visibility import Viewer

log = logging.getLogger("report_it.routing")

Locate = Callable[[float, float], LocateResult]


def rule_actor(rule: RoutingRule) -> Actor:
    return Actor(kind=ActorKind.system, name=f"Routing rule: {rule.name}")


def route_report(
    session: Session,
    *,
    report: Report,
    category: Category,
    rules: list[RoutingRule],
    locate: Locate | None,
    borough: Borough,
) -> RoutingRule | None:
    """Decide on one new report (loaded under lock); raises RemoteError when its area is needed and unknown."""
    if needs_area(rules) and report.footprint_code is None and locate is not None and not category.restricted:
        place = locate(report.lat, report.lon)
        report.footprint_code, report.ward_code = place.footprint.code, place.ward.code
        mark_changed(session, report.id)  # the outcome figures follow the placement
    rule = first_match(rules, report, category)
    if rule is not None:
        actor = rule_actor(rule)
        if rule.priority and rule.priority != report.priority:
            change = ReportChange(
                priority=Priority(rule.priority), internal_note=f"Priority set on submission by rule '{rule.name}'."
            )
            change_report(session, report=report, change=change, actor=actor, viewer=Viewer(), borough=borough)
        if rule.decision == "acknowledge":
            apply_update(
                session,
                report=report,
                actor=actor,
                status=ReportStatus.acknowledged,
                internal_note=f"Acknowledged on submission by rule '{rule.name}'.",
            )
    report.routed_at, report.routing_rule_id = utcnow(), rule.id if rule else None
    session.add(report)
    return rule


class Router:
    def __init__(self, engine: Engine, settings: Settings, borough: Borough) -> None:
        self.engine = engine
        self.settings = settings
        self.borough = borough
        self.footprints = footprints_client(settings)

    def close(self) -> None:
        self.footprints.http.close()

    def _locate(self, lat: float, lon: float) -> LocateResult:
        return self.footprints.locate(lat, lon)

    def run_once(self) -> int:
        """Route one batch of new reports; returns how many were routed."""
        with Session(self.engine) as session:
            rules = list_rules(session, active_only=True)
            if not rules:
                return 0
            since = min(r.created_at for r in rules)
            waiting = select(Report.id).where(
                Report.status == ReportStatus.submitted.value,
                col(Report.routed_at).is_(None),
                Report.created_at >= since,
            )
            ids = list(session.exec(waiting.order_by(col(Report.created_at)).limit(self.settings.routing_batch_size)))
        routed = 0
        for report_id in ids:
            try:
                routed += self._route_one(report_id)
            except RemoteError as error:
                # Footprints is away: the rest wait for the next pass, in the triage queue meanwhile.
                log.warning("routing waits for Footprints", extra={"error": str(error)})
                break
        return routed

    def _route_one(self, report_id: UUID) -> int:
        with Session(self.engine) as session:
            if session.get_bind().dialect.name == "sqlite":
                # No row locks: take the write lock first, so an officer's change cannot slip in between.
                session.execute(sa_update(Report).where(col(Report.id) == report_id).values(status=Report.status))
            report = session.get(Report, report_id, with_for_update=True, populate_existing=True)
            if report is None or report.routed_at is not None or report.status != ReportStatus.submitted.value:
                session.rollback()
                return 0
            category = session.get(Category, report.category_code)
            assert category is not None  # a foreign key guarantees it
            rules = list_rules(session, active_only=True)
            route_report(
                session, report=report, category=category, rules=rules, locate=self._locate, borough=self.borough
            )
            session.commit()
            return 1

    def run_forever(self, stop: threading.Event) -> None:
        repeat_until_stopped(
            stop,
            self.run_once,
            rest_s=self.settings.routing_poll_seconds,
            log=log,
            failure="routing new reports failed; trying again",
            rest_after_work=False,
        )


class BackgroundRouter:
    def __init__(self, engine: Engine, settings: Settings, borough: Borough) -> None:
        self.router = Router(engine, settings, borough)
        self.loop = DaemonLoop(self.router.run_forever, name="report-it-routing", join_s=10)

    def start(self) -> None:
        self.loop.start()

    def close(self) -> None:
        self.loop.stop()
        self.router.close()
