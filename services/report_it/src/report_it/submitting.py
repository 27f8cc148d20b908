"""A report is submitted: the one operation every channel calls (/v1 intake, Open311 realtime and batch, staff
logging from the field, demo data), and the only place that decides how a new report is written.

What a submission sets off is the same whichever way it came: the report row, its photos, the answer kept for its
Idempotency-Key, the `report.created` webhooks. The nearby model hears of the row from the statement itself (see
`nearby_index`), and routing rules and hotspots read stored reports, so they follow from the row.

How it is written depends only on what there is to write:
- the row alone: one INSERT on a pooled connection, atomic by itself, without BEGIN and COMMIT (`direct_write`);
- the row and its key's record alone (PostgreSQL): one statement, the INSERT as a CTE (`idempotency.store_once`);
- anything more (photos, webhooks, a channel's own rows): the caller's session, which the caller commits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pydantic import BaseModel
from sqlalchemy import Engine
from sqlmodel import Session

from report_it import outbox, reports
from report_it.direct_write import DirectWrite
from report_it.idempotency import Replay, claim, remember, store_once, with_record
from report_it.models import Photo, Report
from report_it.nearby_index import WROTE_REPORTS
from report_it.photos import CleanPhoto
from report_it.report_photos import attach_photos
from report_it.reports import NewReport, NewReportRow
from report_it.storage import PhotoStorage
from report_it.visibility import Viewer


@dataclass(frozen=True)
class DirectWrites:
    """The statements a new report is written with when it is the only write, compiled once for the database."""

    report: DirectWrite
    report_with_key: DirectWrite | None  # with its Idempotency-Key's record, in one statement (PostgreSQL)


def direct_writes(engine: Engine) -> DirectWrites:
    keyed = (
        DirectWrite(with_record(reports.REPORT_INSERT_CTE), engine, mark=WROTE_REPORTS)
        if engine.dialect.name == "postgresql"
        else None
    )
    return DirectWrites(report=DirectWrite(reports.INSERT_REPORT, engine, mark=WROTE_REPORTS), report_with_key=keyed)


@dataclass(frozen=True)
class Keyed:
    """The submission's Idempotency-Key (already checked) and the fingerprint of what was sent with it."""

    key: str
    fingerprint: str


@dataclass(frozen=True)
class Submitted:
    report: Report | NewReportRow  # a NewReportRow when the row was written by a direct statement
    photos: list[Photo]
    tracking_token: str
    answer: BaseModel | None  # what `answer_with` made of it, when asked
    replay: Replay | None = None  # the first answer to this key: nothing was written this time
    in_session: bool = False  # written in the caller's session, which the caller must commit


# Builds the answer a client gets, from the report as stored, its photos and the reporter's tracking token.
AnswerBuilder = Callable[[Report | NewReportRow, list[Photo], str], BaseModel]


def submit_report(
    session: Session,
    *,
    new: NewReport,
    viewer: Viewer,
    photos: list[CleanPhoto] | None = None,
    storage: PhotoStorage | None = None,
    photo_limit: int = 6,
    keyed: Keyed | None = None,
    answer_with: AnswerBuilder | None = None,
    writes: DirectWrites | None = None,
    more_to_write: bool = False,
) -> Submitted:
    """Submit `new` (already validated by `reports.validate_new_report`) with its cleaned `photos`.

    - `keyed`: remember `answer_with`'s answer under this key; a repeat gets `replay` and nothing is written.
    - `writes`: the direct statements, to write without the session when the row (and key) are all there is.
    - `more_to_write`: the caller writes rows of its own in `session` (Open311's submission record), so the
      report must be written there too.
    When `in_session` is true in the result the caller commits; otherwise the report is already durable.
    """
    photos = photos or []
    row, token = reports.new_report_row(new=new, viewer=viewer)
    queued = outbox.on_created(session, report=row, category=new.category)
    only_the_row = not (photos or queued or more_to_write) and writes is not None

    if only_the_row and keyed is None:
        answer = answer_with(row, [], token) if answer_with else None
        writes.report.run(reports.report_params(row))
        return Submitted(report=row, photos=[], tracking_token=token, answer=answer)

    if only_the_row and keyed is not None and writes.report_with_key is not None:
        if answer_with is None:
            raise ValueError("a keyed submission needs an answer to remember")
        answer = answer_with(row, [], token)
        replay = store_once(
            session,
            write=writes.report_with_key,
            params=reports.report_params(row),
            key=keyed.key,
            request_hash=keyed.fingerprint,
            status_code=201,
            body=answer.model_dump(mode="json"),
        )
        return Submitted(report=row, photos=[], tracking_token=token, answer=answer, replay=replay)

    if keyed is not None:
        replay = claim(session, key=keyed.key, request_hash=keyed.fingerprint)
        if replay is not None:
            return Submitted(report=row, photos=[], tracking_token=token, answer=None, replay=replay)
    report = row.as_model()
    reports.store_report(session, report)
    stored: list[Photo] = []
    if photos:
        if storage is None:
            raise ValueError("photos need somewhere to be stored")
        stored = attach_photos(session, report=report, photos=photos, storage=storage, limit=photo_limit)
    answer = answer_with(report, stored, token) if answer_with else None
    if keyed is not None:
        body = answer.model_dump(mode="json") if answer else {"id": str(report.id)}
        remember(session, key=keyed.key, status_code=201, body=body)
    return Submitted(report=report, photos=stored, tracking_token=token, answer=answer, in_session=True)
