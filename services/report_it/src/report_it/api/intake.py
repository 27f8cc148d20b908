"""POST /v1/reports: a resident or a member of staff reports a problem, as JSON or multipart with photos.

Its router is mounted ahead of the others (routes are matched in order): this is the busiest write.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Header, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from deal_shared.auth import optional_principal
from deal_shared.geo import Borough
from deal_shared.report_it import ReportCreated
from deal_shared.sessions import session_engine
from report_it import outbox, presenters, reports
from report_it.api.deps import public_base_url
from report_it.api.submission import Submission, clean_uploads, read_submission
from report_it.category_cache import CategoryCache
from report_it.config import Settings
from report_it.direct_write import DirectWrite
from report_it.idempotency import Replay, check_key, claim, remember, request_fingerprint, store_once, with_record
from report_it.models import Report
from report_it.nearby_index import WROTE_REPORTS
from report_it.report_photos import attach_photos
from report_it.reports import NewReportRow
from report_it.storage import PhotoStorage
from report_it.visibility import Viewer

router = APIRouter(prefix="/v1/reports", tags=["reports"])


@dataclass(frozen=True)
class IntakeWrites:
    """The statements a new report is written with when it is the only write, compiled once for the database."""

    report: DirectWrite
    report_with_key: DirectWrite | None  # with its Idempotency-Key's record, in one statement (PostgreSQL)


def intake_writes(engine: Engine) -> IntakeWrites:
    keyed = (
        DirectWrite(with_record(reports.REPORT_INSERT_CTE), engine, mark=WROTE_REPORTS)
        if engine.dialect.name == "postgresql"
        else None
    )
    return IntakeWrites(report=DirectWrite(reports.INSERT_REPORT, engine, mark=WROTE_REPORTS), report_with_key=keyed)


_CREATE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/ReportCreate"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["report"],
                    "properties": {
                        "report": {"type": "string", "description": "The ReportCreate object as JSON"},
                        "photos": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "maxItems": 6,
                        },
                    },
                }
            },
        },
    }
}


@router.post(
    "",
    status_code=201,
    response_model=ReportCreated,
    summary="Report a problem (JSON, or multipart with up to 6 photos); retry safely with Idempotency-Key",
    openapi_extra=_CREATE_BODY,
    responses={201: {"headers": {"Location": {"schema": {"type": "string"}}}}},
)
async def create_report(
    request: Request,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> Response:
    # The busiest write of the service. The body and the caller are read here rather than as dependencies (each
    # costs a resolution on every request); the work runs in one worker thread, which opens and closes its own
    # session (an uncommitted one rolls back on the way out, as the session dependency's would) and takes the
    # app's parts from its state.
    submission = await read_submission(request)
    viewer = Viewer(principal=await optional_principal(request))
    return await run_in_threadpool(_create_in_own_session, request, submission, viewer, idempotency_key)


def _create_in_own_session(
    request: Request, submission: Submission, viewer: Viewer, idempotency_key: str | None
) -> Response:
    with Session(session_engine(request), expire_on_commit=False) as session:
        return _create(request, session, submission, viewer, idempotency_key)


def _create(
    request: Request, session: Session, submission: Submission, viewer: Viewer, idempotency_key: str | None
) -> Response:
    state = request.app.state
    settings: Settings = state.settings
    categories: CategoryCache = state.categories
    borough: Borough = state.borough
    storage: PhotoStorage = state.storage
    base = public_base_url(request, settings)
    key = check_key(idempotency_key)
    new = reports.validate_new_report(
        session,
        data=submission.report,
        viewer=viewer,
        borough=borough,
        category=categories.get(submission.report.category),
    )
    cleaned = clean_uploads(submission.photos, settings)
    fingerprint = (
        request_fingerprint(
            {
                "report": submission.report.model_dump(mode="json"),
                "photos": [p.source_sha256 for p in cleaned],
                "caller": viewer.principal.subject if viewer.principal else None,
            }
        )
        if key
        else ""
    )
    row, token = reports.new_report_row(new=new, viewer=viewer)
    queued = outbox.on_created(session, report=row, category=new.category)

    def created(report: Report | NewReportRow, photos: list) -> ReportCreated:
        owner = Viewer(principal=viewer.principal, tracking_token=token)
        fields = presenters.private_fields(
            report, new.category, photos, owner, base_url=base, grid_m=settings.sensitive_grid_m
        )
        return ReportCreated(**fields, tracking_token=token)

    writes: IntakeWrites = state.intake_writes
    if not (cleaned or queued) and key is None:
        # The report row is the only write: one INSERT, atomic and durable by itself, run straight on a pooled
        # connection without BEGIN and COMMIT (see `direct_write`). Nothing else needs the row as an ORM object.
        answer = created(row, [])
        writes.report.run(reports.report_params(row))
        return _created_response(answer)

    if not (cleaned or queued) and writes.report_with_key is not None:
        # The report row and its key's record are the only writes: one statement (the INSERT as a CTE), so it runs
        # without BEGIN and COMMIT, in one round trip instead of five.
        answer = created(row, [])
        replay = store_once(
            session,
            write=writes.report_with_key,
            params=reports.report_params(row),
            key=key,
            request_hash=fingerprint,
            status_code=201,
            body=answer.model_dump(mode="json"),
        )
        if replay is not None:
            return _replayed(replay)
        return _created_response(answer)

    if key:
        replay = claim(session, key=key, request_hash=fingerprint)
        if replay is not None:
            return _replayed(replay)
    report = row.as_model()
    reports.store_report(session, report)
    # A report made a moment ago has no photos yet: without uploads there is nothing to read or write.
    photos = (
        attach_photos(session, report=report, photos=cleaned, storage=storage, limit=settings.max_photos_per_report)
        if cleaned
        else []
    )
    answer = created(report, photos)
    if key:
        remember(session, key=key, status_code=201, body=answer.model_dump(mode="json"))
    # Committed here, in the request's worker thread, rather than by the session dependency afterwards: that saves
    # a second hand-off to the thread pool, and a failed commit still never becomes a 201.
    session.commit()
    return _created_response(answer)


def _replayed(replay: Replay) -> Response:
    return JSONResponse(
        replay.body,
        status_code=replay.status_code,
        headers={"Idempotent-Replayed": "true", "Location": f"/v1/reports/{replay.body['id']}"},
    )


def _created_response(answer: ReportCreated) -> Response:
    return Response(
        answer.model_dump_json(),
        status_code=201,
        media_type="application/json",
        headers={"Location": f"/v1/reports/{answer.id}"},
    )
