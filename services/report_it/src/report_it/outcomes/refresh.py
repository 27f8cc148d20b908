"""Keeping the outcome rollups up to date: the reports changed since the last refresh, each applied as the
difference between what it adds now and what it added before.

Changes are found by `report.updated_at` (every change a resident or officer makes moves it), re-reading the last
`OVERLAP` in case a transaction committed after a later one stamped its rows, plus `outcome_pending` for changes
that do not move it (a case placed in a footprint). A report re-read unchanged is skipped. One refresher runs at a
time: each holds the watermark row's lock until it commits.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, insert, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from deal_shared.db import utcnow
from deal_shared.working_time import WorkingCalendar
from report_it.models import Category, Report, ReportUpdate
from report_it.outcomes.facts import SEP, Move, ReportFacts, contribution
from report_it.outcomes.forwarding import Forward, forwards_in
from report_it.outcomes.models import (
    MONTH_COUNTERS,
    OutcomeFixTime,
    OutcomeMonth,
    OutcomePending,
    OutcomeReportFact,
    OutcomeWatermark,
)

OVERLAP = timedelta(seconds=30)
BATCH = 2000
_MONTH_KEYS = ("month", "footprint_code", "ward_code", "category_code", "channel")
_FIX_KEYS = ("month", "footprint_code", "ward_code", "category_code", "tenths")
_COLUMNS = (
    Report.id,
    Report.category_code,
    Report.channel,
    Report.footprint_code,
    Report.ward_code,
    Report.status,
    Report.created_at,
    Report.expected_at,
    Report.fixed_at,
    Report.closed_at,
    Report.updated_at,
)


def _insert(session: Session, table: Any) -> Any:
    return (pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert)(table)


def mark_changed(session: Session, report_id: uuid.UUID) -> None:
    """Have the next refresh read `report_id` again (for a change that does not move its `updated_at`)."""
    statement = _insert(session, OutcomePending.__table__)
    session.execute(
        statement.values(report_id=report_id, queued_at=utcnow()).on_conflict_do_update(
            index_elements=["report_id"], set_={"queued_at": statement.excluded.queued_at}
        )
    )


def _lock_watermark(session: Session) -> OutcomeWatermark:
    session.execute(_insert(session, OutcomeWatermark.__table__).values(id=1).on_conflict_do_nothing())
    # A write first: on PostgreSQL it locks the row, on SQLite it takes the database's write lock before any read.
    session.execute(update(OutcomeWatermark).where(col(OutcomeWatermark.id) == 1).values(refreshed_at=utcnow()))
    mark = session.exec(select(OutcomeWatermark).where(OutcomeWatermark.id == 1)).one()
    return mark


class _Deltas:
    def __init__(self) -> None:
        self.months: dict[tuple[str, ...], Counter[str]] = defaultdict(Counter)
        self.fix_times: Counter[tuple[str, ...]] = Counter()

    def apply(self, part: dict[str, Any], sign: int) -> None:
        for key, counters in part.get("m", {}).items():
            target = self.months[tuple(key.split(SEP))]
            for name, n in counters.items():
                target[name] += sign * n
        for key, n in part.get("f", {}).items():
            self.fix_times[tuple(key.split(SEP))] += sign * n

    def write(self, session: Session) -> None:
        rows = [
            {**dict(zip(_MONTH_KEYS, key, strict=True)), **{c: counts.get(c, 0) for c in MONTH_COUNTERS}}
            for key, counts in sorted(self.months.items())
            if any(counts.values())
        ]
        if rows:
            table = OutcomeMonth.__table__
            statement = _insert(session, table)
            session.execute(
                statement.on_conflict_do_update(
                    index_elements=list(_MONTH_KEYS),
                    set_={c: table.c[c] + statement.excluded[c] for c in MONTH_COUNTERS},
                ),
                rows,
            )
        fixes = [
            {**dict(zip(_FIX_KEYS[:-1], key[:-1], strict=True)), "tenths": int(key[-1]), "reports": n}
            for key, n in sorted(self.fix_times.items())
            if n
        ]
        if fixes:
            table = OutcomeFixTime.__table__
            statement = _insert(session, table)
            session.execute(
                statement.on_conflict_do_update(
                    index_elements=list(_FIX_KEYS), set_={"reports": table.c.reports + statement.excluded.reports}
                ),
                fixes,
            )


def _process(session: Session, rows: list[Any], *, calendar: WorkingCalendar, restricted: set[str], force: bool) -> int:
    ids = [row.id for row in rows]
    facts = {
        fact.report_id: (fact.contribution, fact.seen_updated_at)
        for fact in session.exec(select(OutcomeReportFact).where(col(OutcomeReportFact.report_id).in_(ids)))
    }
    rows = [r for r in rows if force or r.id not in facts or facts[r.id][1] != r.updated_at]
    if not rows:
        return 0
    moves: dict[uuid.UUID, list[Move]] = defaultdict(list)
    forwards: dict[uuid.UUID, list[Forward]] = defaultdict(list)
    history = select(
        ReportUpdate.report_id, ReportUpdate.created_at, ReportUpdate.status_from, ReportUpdate.status_to,
        ReportUpdate.changes,
    ).where(col(ReportUpdate.report_id).in_([r.id for r in rows]))  # fmt: skip
    for report_id, at, status_from, status_to, changes in session.exec(history):
        if status_from is not None and status_to is not None:
            moves[report_id].append(Move(at=at, status_from=status_from, status_to=status_to))
        forwards[report_id].extend(forwards_in(at, changes))
    deltas = _Deltas()
    new_facts: list[dict[str, Any]] = []
    changed_facts: list[dict[str, Any]] = []
    for row in rows:
        facts_of = ReportFacts(**{k: getattr(row, k) for k in ReportFacts.__dataclass_fields__})
        part = contribution(
            facts_of,
            moves.get(row.id, []),
            calendar=calendar,
            restricted=row.category_code in restricted,
            forwards=forwards.get(row.id, []),
        ).as_json()
        previous = facts.get(row.id)
        if previous is not None:
            deltas.apply(previous[0], -1)
        deltas.apply(part, 1)
        record = {"report_id": row.id, "contribution": part, "seen_updated_at": row.updated_at}
        (changed_facts if previous is not None else new_facts).append(record)
    deltas.write(session)
    if new_facts:
        session.execute(insert(OutcomeReportFact), new_facts)
    if changed_facts:
        session.execute(update(OutcomeReportFact), changed_facts)
    return len(rows)


def refresh(session: Session, *, calendar: WorkingCalendar) -> int:
    """Bring the rollups up to date with every committed change; returns how many reports were recomputed.
    The caller commits (until then, other refreshers wait on the watermark)."""
    mark = _lock_watermark(session)
    restricted = set(session.exec(select(Category.code).where(Category.restricted == True)))  # noqa: E712
    done = 0
    after: tuple[datetime, uuid.UUID] | None = (mark.read_to - OVERLAP, uuid.UUID(int=0)) if mark.read_to else None
    highest = mark.read_to
    while True:
        query = select(*_COLUMNS)
        if after is not None:
            at, last_id = after
            query = query.where(
                or_(col(Report.updated_at) > at, and_(col(Report.updated_at) == at, col(Report.id) > last_id))
            )
        rows = list(session.exec(query.order_by(col(Report.updated_at), col(Report.id)).limit(BATCH)))
        if not rows:
            break
        done += _process(session, rows, calendar=calendar, restricted=restricted, force=False)
        after = (rows[-1].updated_at, rows[-1].id)
        highest = after[0] if highest is None or after[0] > highest else highest
        if len(rows) < BATCH:
            break
    while True:
        pending = list(session.exec(select(OutcomePending).limit(BATCH)))
        if not pending:
            break
        rows = list(session.exec(select(*_COLUMNS).where(col(Report.id).in_([p.report_id for p in pending]))))
        done += _process(session, rows, calendar=calendar, restricted=restricted, force=True)
        for item in pending:
            # A mark queued again meanwhile (a later queued_at) stays for the next refresh.
            session.execute(
                delete(OutcomePending).where(
                    col(OutcomePending.report_id) == item.report_id, col(OutcomePending.queued_at) <= item.queued_at
                )
            )
        if len(pending) < BATCH:
            break
    session.execute(update(OutcomeWatermark).where(col(OutcomeWatermark.id) == 1).values(read_to=highest))
    return done


def rebuild(session: Session, *, calendar: WorkingCalendar) -> int:
    """Recompute every report from nothing (after a category's restriction or the calendar changed)."""
    _lock_watermark(session)
    for table in (OutcomeMonth, OutcomeFixTime, OutcomeReportFact, OutcomePending):
        session.execute(delete(table))
    session.execute(update(OutcomeWatermark).where(col(OutcomeWatermark.id) == 1).values(read_to=None))
    return refresh(session, calendar=calendar)
