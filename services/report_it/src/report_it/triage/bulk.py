"""Triage actions on one report with its own transaction and Idempotency-Key: the unit a bulk action repeats.

Each report is changed in a savepoint of its own, so one refusal never undoes or half-applies another; its key
(the bulk request's key scoped to the report) is stored with the change, so a retried bulk request replays the
reports already done and does only those left, each exactly once.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy.engine import Engine
from sqlmodel import Session

from deal_shared import idempotency as idempotency_contract
from deal_shared.errors import ServiceError
from deal_shared.geo import Borough
from deal_shared.triage import BulkItemResult, BulkOutcome, BulkTarget, TriageAction, TriageItem
from report_it import idempotency, reports
from report_it.lifecycle import Actor
from report_it.models import Category, IdempotencyRecord
from report_it.triage.actions import apply_action
from report_it.triage.etag import check_fresh
from report_it.triage.queue import item_of
from report_it.visibility import Viewer

# Chunks of one bulk request changed at once (each on its own pooled connection), and reports per chunk (one
# commit each).
BULK_WORKERS = 4
BULK_CHUNK = 25


@dataclass(frozen=True)
class Outcome:
    item: TriageItem
    replayed: bool


def act_on_report(
    session: Session,
    *,
    report_id: UUID,
    action: TriageAction,
    if_match: str,
    key: str | None,
    key_kind: str,
    viewer: Viewer,
    actor: Actor,
    borough: Borough,
    base_url: str,
) -> Outcome:
    """Claim the key, load, check the copy is fresh, apply, and remember the answer; the caller commits."""
    stored_key = idempotency.scoped_key(key_kind, report_id, key) if key else None
    if stored_key is not None:
        # Claimed before anything else is written: a racing retry waits on the key, then replays this answer.
        fingerprint = idempotency.request_fingerprint(
            {"action": action.model_dump(mode="json"), "if_match": if_match, "caller": actor.subject}
        )
        replayed = _claim(session, key=stored_key, request_hash=fingerprint)
        if replayed is not None:
            return Outcome(item=TriageItem.model_validate(replayed), replayed=True)
    report, category = reports.get_visible_report(session, report_id=report_id, viewer=viewer, for_update=True)
    check_fresh(
        report, if_match, current=lambda: item_of(session, report, category, base_url=base_url).model_dump(mode="json")
    )
    apply_action(session, report=report, action=action, actor=actor, viewer=viewer, borough=borough)
    session.flush()
    category = session.get(Category, report.category_code)
    assert category is not None  # a foreign key guarantees it
    item = item_of(session, report, category, base_url=base_url)
    if stored_key is not None:
        idempotency.remember(session, key=stored_key, status_code=200, body=item.model_dump(mode="json"))
    return Outcome(item=item, replayed=False)


def _claim(session: Session, *, key: str, request_hash: str) -> dict | None:
    """Claim `key` inside a savepoint (so a lost race undoes nothing else of the transaction), or return the
    stored answer of the request that holds it; the same key with another request is refused."""
    replay = idempotency_contract.claim(
        session, model=IdempotencyRecord, key=key, request_hash=request_hash, savepoint=True
    )
    return None if replay is None else replay.body


def run_bulk(
    engine: Engine,
    *,
    action: TriageAction,
    targets: list[BulkTarget],
    key: str,
    viewer: Viewer,
    actor: Actor,
    borough: Borough,
    base_url: str,
    instance: str,
) -> list[BulkItemResult]:
    def one(session: Session, target: BulkTarget) -> BulkItemResult:
        savepoint = session.begin_nested()
        try:
            outcome = act_on_report(
                session,
                report_id=target.report_id,
                action=action,
                if_match=target.etag,
                key=key,
                key_kind="triage-bulk",
                viewer=viewer,
                actor=actor,
                borough=borough,
                base_url=base_url,
            )
            savepoint.commit()
        except ServiceError as error:
            savepoint.rollback()
            problem = error.to_problem(instance=instance).model_dump(mode="json", exclude_none=True)
            return BulkItemResult(
                report_id=target.report_id, outcome=BulkOutcome.refused, status=error.status_code, problem=problem
            )
        return BulkItemResult(
            report_id=target.report_id,
            outcome=BulkOutcome.replayed if outcome.replayed else BulkOutcome.done,
            status=200,
            item=outcome.item,
        )

    def chunk(part: list[BulkTarget]) -> list[BulkItemResult]:
        # Each report in a savepoint of its own: a refusal undoes that report only. Its key's record commits with
        # its change, so a crash before the commit leaves the report for the retry, and never half-done.
        with Session(engine) as session:
            results = [one(session, target) for target in part]
            session.commit()
        return results

    parts = [targets[i : i + BULK_CHUNK] for i in range(0, len(targets), BULK_CHUNK)]
    # Chunks are independent transactions, so a few go at once on PostgreSQL (row locks keep each report's changes
    # in line); SQLite has one writer, so there they go one after another.
    workers = 1 if engine.dialect.name == "sqlite" else min(BULK_WORKERS, len(parts))
    if workers == 1:
        return [result for part in parts for result in chunk(part)]
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="triage-bulk") as pool:
        return [result for results in pool.map(chunk, parts) for result in results]
