"""POST requests: an Open311 submission becomes a report through the same intake as /v1, attributed to its key."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit
from uuid import UUID

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from deal_shared.errors import FieldError, ServiceError
from deal_shared.geo import Borough
from deal_shared.report_it import Channel, Location, ReportCreate, ReporterContact
from report_it.config import Settings
from report_it.errors import InvalidAnswers
from report_it.models import Category, Report
from report_it.open311.errors import InvalidParameter
from report_it.open311.models import Submission
from report_it.open311.params import Params, Upload, bad, is_clean
from report_it.open311.services import CLIENT_ID_ATTRIBUTE, exposed_category
from report_it.photos import CleanPhoto, clean_uploads
from report_it.reports import questions_of, validate_new_report
from report_it.storage import PhotoStorage
from report_it.submitting import submit_report
from report_it.visibility import Viewer

MAX_MEDIA_URLS = 6
MAX_URL_LENGTH = 2000
# Attributes that are not questions of the category are the client's own (FixMyStreet's uprn, usrn, asset ids,
# closest_address, its report id ...): kept with the submission for staff, within these bounds.
MAX_CLIENT_ATTRIBUTES = 50
MAX_ATTRIBUTE_CODE = 100
MAX_ATTRIBUTE_VALUE = 2000
# File parts that are photos: FixMyStreet names them photo1, photo2 ...; media is the other common name.
PHOTO_PARTS = ("photo", "media")

# Where each field of the intake model came from, so errors name the parameter the client sent.
_PARAMETER_OF = {
    "location.lat": "lat",
    "location.long": "long",
    "address": "address_string",
    "reporter.email": "email",
    "reporter.phone": "phone",
    "reporter.name": "first_name",
}


# Pydantic's wording quotes regular expressions; these say what is wrong in words.
_REASON_OF = {
    "reporter.email": "is not an e-mail address",
    "reporter.phone": "is not a phone number",
}


@dataclass(frozen=True)
class Submitted:
    report: Report
    submission: Submission
    replayed: bool


def media_urls(params: Params) -> list[str]:
    """Links only: the server never fetches them, so there is nothing to forge a request with."""
    urls = params.getlist("media_url") + params.getlist("media_url[]")
    if len(urls) > MAX_MEDIA_URLS:
        raise bad("media_url", f"at most {MAX_MEDIA_URLS} links per request")
    for url in urls:
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > MAX_URL_LENGTH:
            raise bad("media_url", f"{url[:80]!r} is not an http(s) link of at most {MAX_URL_LENGTH} characters")
    return [url.strip() for url in urls]


def _location(params: Params) -> Location:
    lat = params.number("lat", low=-90, high=90)
    long = params.number("long", low=-180, high=180)
    if lat is not None and long is not None:
        return Location(lat=lat, long=long)
    if lat is not None or long is not None:
        raise bad("lat" if lat is None else "long", "is required with the other coordinate")
    if params.get("address_string", "address_id"):
        raise bad("lat", "this server places problems by lat and long; address_string alone cannot be located")
    raise bad("lat", "lat and long are required")


def _reporter(params: Params) -> ReporterContact | None:
    name = " ".join(part for part in (params.get("first_name"), params.get("last_name")) if part) or None
    email, phone = params.get("email"), params.get("phone")
    if not (name or email or phone):
        return None
    # The client keeps its own users informed; the council does not e-mail them as well.
    return ReporterContact(name=name, email=email, phone=phone, wants_updates=False)


def _split_attributes(params: Params, category: Category) -> tuple[dict, dict]:
    """Answers to the category's questions, validated as such; everything else is the client's, kept as sent."""
    asked = {q.code for q in questions_of(category)}
    answers: dict = {}
    client: dict = {}
    for code, value in params.attributes().items():
        if code in asked:
            answers[code] = value
            continue
        field = f"attribute[{code}]"
        if len(code) > MAX_ATTRIBUTE_CODE:
            raise bad(field[:120], f"an attribute code must be at most {MAX_ATTRIBUTE_CODE} characters")
        values = value if isinstance(value, list) else [value]
        if any(len(v) > MAX_ATTRIBUTE_VALUE for v in values):
            raise bad(field, f"must be at most {MAX_ATTRIBUTE_VALUE} characters")
        client[code] = value
    if len(client) > MAX_CLIENT_ATTRIBUTES:
        raise bad("attribute", f"at most {MAX_CLIENT_ATTRIBUTES} attributes that are not questions of the service")
    return answers, client


def _photo_uploads(params: Params, limit: int) -> list[Upload]:
    photos = [u for u in params.uploads if u.part.lower().startswith(PHOTO_PARTS)]
    other = [u.part for u in params.uploads if u not in photos]
    if other:
        raise bad(other[0], "is a file, but only photos can be sent as files (photo1, photo2, ...)")
    if len(photos) > limit:
        raise bad(photos[limit].part, f"a request can have at most {limit} photos; {len(photos)} were sent")
    return photos


def cleaned_photos(params: Params, settings: Settings) -> list[CleanPhoto]:
    """The photo files re-encoded and stripped of metadata as /v1's are; a file that cannot be refuses the request
    with the part named (nothing is stored from a file the cleaner could not vouch for)."""
    cleaned = []
    for upload in _photo_uploads(params, settings.max_photos_per_report):
        try:
            cleaned += clean_uploads([upload.data], settings)
        except ServiceError as exc:
            raise bad(upload.part, exc.detail) from None
    return cleaned


def _intake_model(params: Params, category: Category, answers: dict) -> ReportCreate:
    try:
        return ReportCreate(
            category=category.code,
            location=_location(params),
            address=params.get("address_string"),
            description=params.get("description"),
            answers=answers,
            channel=Channel.open311,
            reporter=_reporter(params),
        )
    except ValidationError as exc:
        errors = []
        for error in exc.errors(include_url=False):
            where = ".".join(str(part) for part in error["loc"])
            reason = _REASON_OF.get(where) if error["type"] == "string_pattern_mismatch" else None
            errors.append(FieldError(field=_PARAMETER_OF.get(where, where), reason=reason or error["msg"]))
        raise InvalidParameter("; ".join(f"{e.field}: {e.reason}" for e in errors), errors=errors) from None


def _earlier(session: Session, api_key_id: UUID, client_id: str | None) -> Submitted | None:
    """The first submission under this client id from this key, if there was one."""
    if client_id is None:
        return None
    query = select(Submission).where(Submission.api_key_id == api_key_id, Submission.client_id == client_id)
    submission = session.exec(query).first()
    report = session.get(Report, submission.report_id) if submission else None
    if submission is None or report is None:
        return None
    return Submitted(report=report, submission=submission, replayed=True)


def submit(
    session: Session,
    *,
    params: Params,
    api_key_id: UUID,
    borough: Borough,
    settings: Settings,
    storage: PhotoStorage,
) -> Submitted:
    category = exposed_category(session, params.get("service_code") or "")
    answers, client_attributes = _split_attributes(params, category)
    client_id = client_attributes.get(CLIENT_ID_ATTRIBUTE)
    client_id = str(client_id)[:200] if client_id else None
    earlier = _earlier(session, api_key_id, client_id)
    if earlier is not None:
        return earlier
    data = _intake_model(params, category, answers)
    links = media_urls(params)
    viewer = Viewer()
    try:
        new = validate_new_report(session, data=data, viewer=viewer, borough=borough)
    except InvalidAnswers as exc:
        errors = [
            FieldError(field=f"attribute[{e.field.removeprefix('answers.')}]", reason=e.reason)
            for e in exc.errors or []
        ]
        raise InvalidParameter("; ".join(f"{e.field} {e.reason}" for e in errors), errors=errors) from None
    photos = cleaned_photos(params, settings)
    # Everything the client sent is checked before anything is written.
    device_id = params.text("device_id", max_length=200) or params.text("deviceid", max_length=200)
    account_id = params.text("account_id", max_length=200)
    done = submit_report(
        session,
        new=new,
        viewer=viewer,
        photos=photos,
        storage=storage,
        photo_limit=settings.max_photos_per_report,
        more_to_write=True,
    )
    report = done.report
    assert isinstance(report, Report)  # written in the session, beside its submission record
    submission = Submission(
        report_id=report.id,
        api_key_id=api_key_id,
        client_id=client_id,
        token=secrets.token_urlsafe(18),
        device_id=device_id,
        account_id=account_id,
        media_urls=links,
        client_attributes=client_attributes,
    )
    session.add(submission)
    try:
        session.flush()
    except IntegrityError:
        # The same client id raced in twice: this one's report is rolled back and the first one's returned.
        session.rollback()
        earlier = _earlier(session, api_key_id, client_id)
        if earlier is None:
            raise
        return earlier
    return Submitted(report=report, submission=submission, replayed=False)


def find_report(session: Session, service_request_id: str) -> Report | None:
    """A service_request_id is the report's id; its reference (WG-XXXX-XXXX) is accepted too."""
    if not is_clean(service_request_id):
        return None
    try:
        return session.get(Report, UUID(service_request_id))
    except ValueError:
        return session.exec(select(Report).where(Report.reference == service_request_id.upper())).first()
