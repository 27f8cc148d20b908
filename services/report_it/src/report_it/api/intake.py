"""POST /v1/reports: a resident or a member of staff reports a problem, as JSON or multipart with photos.

Its router is mounted ahead of the others (routes are matched in order): this is the busiest write.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response
from fastapi.responses import JSONResponse
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from deal_shared.auth import optional_principal
from deal_shared.geo import Borough
from deal_shared.report_it import ReportCreated
from deal_shared.sessions import session_engine
from deal_shared.web.auth_first import TokenFirstRoute
from report_it import presenters, reports
from report_it.api.deps import public_base_url
from report_it.api.submission import Submission, read_submission
from report_it.category_cache import CategoryCache
from report_it.config import Settings
from report_it.contact_limits import check_contact_limit, check_repeat
from report_it.idempotency import Replay, check_key, request_fingerprint
from report_it.models import Photo, Report
from report_it.photos import clean_uploads
from report_it.reports import NewReportRow
from report_it.submitting import Keyed, submit_report
from report_it.visibility import Viewer

router = APIRouter(prefix="/v1/reports", tags=["reports"], route_class=TokenFirstRoute)


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
    """Anyone may report; staff reporting from the field are recorded as such. The report names its category, position
    and description, the answers to the category's questions and, optionally, contact details; as multipart, with
    photos. A position outside the borough is 422 `OutsideBorough`, answers that do not fit the questions 422
    `InvalidAnswers`, a report from the same contact at nearly the same place shortly before 409 `PossibleRepeat`.
    The answer (201, with `Location`) carries the report and its tracking token, the reporter's only way to follow
    and add to it: keep it. Send an `Idempotency-Key` to retry safely: the same key and body get the first answer
    again.
    """
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
    base = public_base_url(request, settings)
    key = check_key(idempotency_key)
    new = reports.validate_new_report(
        session,
        data=submission.report,
        viewer=viewer,
        borough=borough,
        category=categories.get(submission.report.category),
    )
    check_contact_limit(session, new=new, viewer=viewer, settings=settings, key=key)
    check_repeat(session, new=new, viewer=viewer, settings=settings, key=key)
    cleaned = clean_uploads(submission.photos, settings)
    keyed = None
    if key:
        fingerprint = request_fingerprint(
            {
                # A resend confirming a repeat is the same request: the same key may carry it.
                "report": submission.report.model_dump(mode="json", exclude={"repeat_confirmed"}),
                "photos": [p.source_sha256 for p in cleaned],
                "caller": viewer.principal.subject if viewer.principal else None,
            }
        )
        keyed = Keyed(key=key, fingerprint=fingerprint)

    def answer_with(report: Report | NewReportRow, photos: list[Photo], token: str) -> ReportCreated:
        owner = Viewer(principal=viewer.principal, tracking_token=token)
        fields = presenters.private_fields(
            report, new.category, photos, owner, base_url=base, grid_m=settings.sensitive_grid_m
        )
        return ReportCreated(**fields, tracking_token=token)

    done = submit_report(
        session,
        new=new,
        viewer=viewer,
        photos=cleaned,
        storage=state.storage,
        photo_limit=settings.max_photos_per_report,
        keyed=keyed,
        answer_with=answer_with,
        writes=state.direct_writes,
    )
    if done.replay is not None:
        return _replayed(done.replay)
    if done.in_session:
        # Committed here, in the request's worker thread, rather than by the session dependency afterwards: that
        # saves a second hand-off to the thread pool, and a failed commit still never becomes a 201.
        session.commit()
    assert isinstance(done.answer, ReportCreated)
    return _created_response(done.answer)


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
