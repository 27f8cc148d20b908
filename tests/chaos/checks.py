"""The invariants, read from the three databases and the clients' logs once everything has drained."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import Engine, text

from deal_shared.db import make_engine
from tests.chaos.clients import CallLog
from tests.chaos.journeys import BookingOutcome, ReportOutcome
from tests.chaos.outboxes import TABLES, count

HOLDING = ("waitlisted", "requested", "approved")
PLACE_HOLDING = ("requested", "approved")


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def _rows(engine: Engine, sql: str, **params: object) -> list:
    with engine.connect() as connection:
        return list(connection.execute(text(sql), params))


def _examples(items: object, limit: int = 3) -> str:
    listed = sorted(str(item) for item in items)  # type: ignore[attr-defined]
    return ", ".join(listed[:limit]) + (" ..." if len(listed) > limit else "")


def expected_status(case_status: str, has_worker: bool) -> str:
    """The report status a case stands for: closed (the report fixed), work started (or done, and waiting for the
    officer to mark the report fixed), someone holds it, or it waits for someone."""
    if case_status == "closed":
        return "fixed"
    if case_status in ("in_progress", "completed"):
        return "in_progress"
    return "allocated" if has_worker else "acknowledged"


def check_reports(reports: Engine, places: Engine, outcomes: list[ReportOutcome]) -> list[Check]:
    stored = _rows(
        reports,
        "SELECT id::text, substring(description from '\\((chaos-[0-9a-f-]+)\\)'), status, case_event_sequence "
        "FROM report WHERE description LIKE '%(chaos-%'",
    )
    by_marker: dict[str, list[str]] = {}
    for report_id, marker, _, _ in stored:
        by_marker.setdefault(marker, []).append(report_id)
    accepted = [o for o in outcomes if o.report_id is not None]
    lost = [o.marker for o in accepted if o.report_id not in by_marker.get(o.marker, [])]
    doubled = [marker for marker, ids in by_marker.items() if len(ids) > 1]
    answered = {o.marker for o in accepted}
    unanswered = [marker for marker in by_marker if marker not in answered]
    checks = [
        Check(
            "reports accepted = stored exactly once",
            not lost and not doubled and not unanswered and len(accepted) == len(outcomes),
            f"{len(accepted)} of {len(outcomes)} accepted, {len(stored)} stored; lost {len(lost)}, stored twice "
            f"{len(doubled)}, stored unanswered {len(unanswered)} {_examples(lost + doubled + unanswered)}",
        )
    ]
    acknowledged = {
        row[0]
        for row in _rows(
            reports,
            "SELECT DISTINCT u.report_id::text FROM report_update u JOIN report r ON r.id = u.report_id "
            "WHERE u.status_to = 'acknowledged' AND r.description LIKE '%(chaos-%'",
        )
    }
    cases = _rows(
        places,
        "SELECT source_id, id::text, status, worker_id IS NOT NULL, sequence FROM case_record "
        "WHERE source_system = 'report_it'",
    )
    per_report = Counter(row[0] for row in cases)
    missing = acknowledged - set(per_report)
    extra = [source for source, n in per_report.items() if n > 1 or source not in acknowledged]
    told = sum(o.acknowledged for o in outcomes)
    checks.append(
        Check(
            "one case per acknowledged report",
            not missing and not extra and told == len(accepted),
            f"{len(acknowledged)} acknowledged ({told} told so), {len(cases)} cases; without a case {len(missing)}, "
            f"extra or doubled {len(extra)} {_examples(list(missing) + extra)}",
        )
    )
    checks.append(_check_events(reports, places, {row[0] for row in stored}))
    statuses = {row[0]: (row[2], row[3]) for row in stored}
    wrong = [
        f"{source}: {statuses[source][0]} for case {status}{' held' if held else ''}"
        for source, _, status, held, _ in cases
        if source in statuses and statuses[source][0] != expected_status(status, held)
    ]
    behind = [
        source for source, _, _, _, sequence in cases if source in statuses and (statuses[source][1] or 0) != sequence
    ]
    checks.append(
        Check(
            "every report's status equals its case's",
            not wrong and not behind,
            f"{len(cases)} compared: {len(wrong)} differ, {len(behind)} behind their case's last event "
            f"{_examples(wrong + behind)}",
        )
    )
    return checks


def _check_events(reports: Engine, places: Engine, report_ids: set[str]) -> Check:
    sent = {
        row[0]: (row[1], int(row[2]))
        for row in _rows(places, "SELECT event_id, source_id, (payload->>'sequence') FROM outbox_event")
        if row[1] in report_ids
    }
    applied = _rows(
        reports,
        "SELECT event_id, report_id::text FROM report_update WHERE event_id IS NOT NULL ORDER BY created_at, id",
    )
    times = Counter(event_id for event_id, _ in applied)
    twice = [event_id for event_id, n in times.items() if n > 1]
    not_applied = [event_id for event_id in sent if event_id not in times]
    last: dict[str, int] = {}
    out_of_order = []
    for event_id, report_id in applied:
        if event_id not in sent:
            continue
        sequence = sent[event_id][1]
        if sequence <= last.get(report_id, 0):
            out_of_order.append(event_id)
        last[report_id] = sequence
    # An event not applied because a newer one of its case got there first (Report IT answers it "stale").
    superseded = [event_id for event_id in not_applied if sent[event_id][1] < last.get(sent[event_id][0], 0)]
    return Check(
        "every case event applied exactly once, in version order",
        not twice and not not_applied and not out_of_order,
        f"{len(sent)} sent, {len(applied)} applied; not applied {len(not_applied)} ({len(superseded)} overtaken by "
        f"a newer event of their case), twice {len(twice)}, out of order {len(out_of_order)} "
        f"{_examples(not_applied + twice + out_of_order)}",
    )


def check_answers(log: CallLog) -> Check:
    bad = Counter(
        f"{a.service} {a.status}{'' if a.retry_after else ' without Retry-After'}"
        for a in log.attempts
        if a.status is not None and a.status >= 500 and not (a.status == 503 and a.retry_after)
    )
    unavailable = sum(a.status == 503 for a in log.attempts)
    return Check(
        "no 5xx but 503 with Retry-After",
        not bad,
        f"{len(log.attempts)} attempts, {unavailable} answered 503; others: {dict(bad) or 'none'}; "
        f"clients gave up {len(log.gave_up)} times {_examples(log.gave_up)}",
    )


def check_outboxes(urls: dict[str, str]) -> Check:
    counts = {}
    for name, table in TABLES.items():
        engine = make_engine(urls[name])
        try:
            counts[name] = count(engine, table)
        finally:
            engine.dispose()
    return Check(
        "every outbox empty",
        all(c.pending == 0 and c.failed == 0 for c in counts.values()),
        "; ".join(f"{name}: {c.pending} pending, {c.failed} given up" for name, c in counts.items()),
    )


def check_bookings(volunteering: Engine, outcome: BookingOutcome, *, day_minutes: int, days_per_year: int) -> Check:
    rows = _rows(
        volunteering,
        "SELECT staff_subject, opportunity_id::text, status, minutes FROM booking WHERE staff_subject LIKE 'chaos.%'",
    )
    scarce, second, third = outcome.opportunity_ids
    statuses = Counter(status for _, opportunity, status, _ in rows if opportunity == scarce)
    held = sum(statuses[s] for s in PLACE_HOLDING)
    per_booking = Counter((subject, opportunity) for subject, opportunity, status, _ in rows if status in HOLDING)
    doubled = [key for key, n in per_booking.items() if n > 1]
    minutes = Counter()
    for subject, _, status, taken in rows:
        if status in HOLDING:
            minutes[subject] += taken
    exceeded = [subject for subject, total in minutes.items() if total > day_minutes * days_per_year]
    on_third = sum(1 for _, opportunity, status, _ in rows if opportunity == third and status in HOLDING)
    bookers = len(outcome.bookers)
    unanswered = bookers * len(outcome.opportunity_ids) - len(outcome.answers)
    refused = Counter(code for (_, day), (_, code) in outcome.answers.items() if day == 2)
    ok = (
        outcome.restart_error is None
        and held == outcome.places
        and statuses["waitlisted"] == bookers - outcome.places
        and not doubled
        and not exceeded
        and on_third == 0
        and sum(1 for _, o, s, _ in rows if o == second and s in HOLDING) == bookers
        and unanswered == 0
        and refused == {"EntitlementExceeded": bookers}
    )
    return Check(
        f"{bookers} bookings for {outcome.places} places through a restart",
        ok,
        f"scarce day: {held} booked, {statuses['waitlisted']} waiting; booked twice {len(doubled)}; over the "
        f"entitlement {len(exceeded)}; third day held {on_third}, refused {dict(refused)}; unanswered {unanswered}"
        + (f"; restart: {outcome.restart_error}" if outcome.restart_error else ""),
    )
