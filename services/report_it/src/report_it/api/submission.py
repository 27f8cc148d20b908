"""Read a report submission: a JSON body, or multipart with a `report` JSON part and `photos` files."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.datastructures import UploadFile

from deal_shared.errors import ServiceError, ValidationFailed
from deal_shared.report_it import ReportCreate
from report_it.config import Settings
from report_it.errors import PhotoTooLarge, TooManyPhotos

MAX_JSON_BYTES = 64 * 1024


class UnsupportedMediaType(ServiceError):
    status_code = 415
    title = "Unsupported media type"


class RequestTooLarge(ServiceError):
    status_code = 413
    title = "Request too large"


# Room for the multipart framing around the parts (boundaries and part headers).
_MULTIPART_OVERHEAD = 64 * 1024


def multipart_limit(settings: Settings) -> int:
    """The largest multipart body a report or update may be: every photo at its limit, plus the report's JSON."""
    return settings.max_photos_per_report * settings.max_photo_bytes + MAX_JSON_BYTES + _MULTIPART_OVERHEAD


@dataclass(frozen=True)
class Submission:
    report: ReportCreate
    photos: list[bytes]


def parse_model(model: type[BaseModel], raw: str | bytes, *, prefix: tuple[str, ...] = ("body",)) -> Any:
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        errors = [{**e, "loc": (*prefix, *e["loc"])} for e in exc.errors(include_url=False, include_context=False)]
        raise RequestValidationError(errors) from None


async def _read_limited(upload: UploadFile, limit: int) -> bytes:
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise PhotoTooLarge(f"The photo {upload.filename or ''!s} is over the {limit:,}-byte limit.", limit_bytes=limit)
    return data


def _declared_length(request: Request) -> int:
    # "²" is a digit to str.isdigit() but not to int(); only ASCII digits are a length.
    raw = request.headers.get("content-length", "")
    return int(raw) if raw.isascii() and raw.isdigit() else 0


async def read_submission(request: Request) -> Submission:
    settings: Settings = request.app.state.settings  # not a dependency: one resolution less on every report
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    declared = _declared_length(request)
    if content_type == "multipart/form-data":
        limit = multipart_limit(settings)
        if declared > limit:
            raise RequestTooLarge(f"The request is {declared:,} bytes; the limit is {limit:,}.")
        form = await request.form(
            max_files=settings.max_photos_per_report + 1, max_fields=10, max_part_size=MAX_JSON_BYTES
        )
        raw = form.get("report")
        if not isinstance(raw, str):
            raise ValidationFailed(
                "A multipart submission needs a 'report' part holding the report as JSON.",
                errors=[{"field": "body.report", "reason": "is required"}],
            )
        uploads = [f for f in form.getlist("photos") + form.getlist("photo") if isinstance(f, UploadFile)]
        if len(uploads) > settings.max_photos_per_report:
            raise TooManyPhotos(
                f"A report can have at most {settings.max_photos_per_report} photos; {len(uploads)} were sent.",
                limit=settings.max_photos_per_report,
            )
        photos = [await _read_limited(u, settings.max_photo_bytes) for u in uploads]
        return Submission(report=parse_model(ReportCreate, raw, prefix=("body", "report")), photos=photos)
    if content_type in ("application/json", ""):
        if declared > MAX_JSON_BYTES:
            raise RequestTooLarge(f"A JSON report is limited to {MAX_JSON_BYTES:,} bytes.")
        body = await request.body()
        if len(body) > MAX_JSON_BYTES:
            raise RequestTooLarge(f"A JSON report is limited to {MAX_JSON_BYTES:,} bytes.")
        if not body:
            raise ValidationFailed(
                "The request has no body; send the report as JSON.",
                errors=[{"field": "body", "reason": "is required"}],
            )
        return Submission(report=parse_model(ReportCreate, body), photos=[])
    raise UnsupportedMediaType(
        f"Send the report as application/json, or as multipart/form-data with photos (not {content_type})."
    )


async def read_photo_uploads(request: Request) -> list[bytes]:
    settings: Settings = request.app.state.settings
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "multipart/form-data":
        raise UnsupportedMediaType("Send photos as multipart/form-data, one or more 'photos' parts.")
    form = await request.form(max_files=settings.max_photos_per_report + 1, max_fields=5)
    uploads = [f for f in form.getlist("photos") + form.getlist("photo") if isinstance(f, UploadFile)]
    if not uploads:
        raise ValidationFailed("No photo was sent.", errors=[{"field": "body.photos", "reason": "is required"}])
    if len(uploads) > settings.max_photos_per_report:
        raise TooManyPhotos(f"At most {settings.max_photos_per_report} photos per report.")
    return [await _read_limited(u, settings.max_photo_bytes) for u in uploads]


SubmissionDep = Annotated[Submission, Depends(read_submission)]
PhotoUploadsDep = Annotated[list[bytes], Depends(read_photo_uploads)]
