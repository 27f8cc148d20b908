"""Open311 parameters as real clients send them: from the query string and a form body, empty meaning absent."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from deal_shared.errors import FieldError
from deal_shared.moments import as_utc, out_of_range_reason
from report_it.open311.errors import InvalidParameter

MAX_BODY_BYTES = 256 * 1024
_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")
_SPACED_ZONE = re.compile(r"(T[0-9:.]+) ([0-9]{2}:?[0-9]{2})$")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def normalise(text: str) -> str:
    """CRLF and lone CR become LF, so the same text from any platform is stored alike; control characters go
    (PostgreSQL refuses NUL in text, and XML 1.0 cannot carry the rest)."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def is_clean(value: str) -> bool:
    """An id from a path can be looked up: no control characters, which no id of ours contains."""
    return _CONTROL.search(value) is None and len(value) <= 200


def bad(field: str, reason: str) -> InvalidParameter:
    return InvalidParameter(f"{field}: {reason}", errors=[FieldError(field=field, reason=reason)])


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart body (FixMyStreet posts photos as `photo1`, `photo2`, ...), read in full."""

    part: str
    filename: str
    data: bytes


@dataclass(frozen=True)
class Params:
    """Every value of every parameter, in the order sent; empty values are already dropped."""

    items: tuple[tuple[str, str], ...]
    uploads: tuple[Upload, ...] = ()

    def getlist(self, name: str) -> list[str]:
        return [value for key, value in self.items if key == name]

    def get(self, *names: str) -> str | None:
        """The first value of the first of `names` that was sent (aliases, e.g. device_id and deviceid)."""
        for name in names:
            values = self.getlist(name)
            if values:
                return values[0]
        return None

    def text(self, name: str, *, max_length: int) -> str | None:
        value = self.get(name)
        if value is not None and len(value) > max_length:
            raise bad(name, f"must be at most {max_length} characters")
        return value

    def number(self, name: str, *, low: float, high: float) -> float | None:
        raw = self.get(name)
        if raw is None:
            return None
        try:
            value = float(raw)
        except ValueError:
            raise bad(name, f"{raw!r} is not a number") from None
        if not low <= value <= high:
            raise bad(name, f"must be between {low:g} and {high:g}")
        return value

    def integer(self, name: str, *, default: int, low: int, high: int) -> int:
        raw = self.get(name)
        if raw is None:
            return default
        if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
            raise bad(name, f"must be a whole number from {low} to {high}")
        return int(raw)

    def datetime(self, name: str) -> datetime | None:
        raw = self.get(name)
        if raw is None:
            return None
        try:
            # An unescaped '+' in a query string arrives as a space: put the zone's sign back.
            parsed = datetime.fromisoformat(_SPACED_ZONE.sub(r"\1+\2", raw.strip()))
        except ValueError:
            raise bad(name, "must be a W3C date-time, e.g. 2026-11-23T09:30:00Z") from None
        reason = out_of_range_reason(parsed)
        if reason is not None:
            raise bad(name, reason)
        # The spec requires a zone; a client that leaves it out almost always means UTC.
        return as_utc(parsed)

    def csv(self, name: str) -> list[str] | None:
        values = [part.strip() for raw in self.getlist(name) for part in raw.split(",") if part.strip()]
        return values or None

    def attributes(self) -> dict[str, str | list[str]]:
        """attribute[code]=v, and attribute[code][]=v repeated for multi-value lists."""
        found: dict[str, str | list[str]] = {}
        for key, value in self.items:
            match = _ATTRIBUTE.match(key)
            if not match:
                continue
            code, is_list = match.group(1), bool(match.group(2))
            earlier = found.get(code)
            if is_list or earlier is not None:
                found[code] = [*([earlier] if isinstance(earlier, str) else earlier or []), value]
            else:
                found[code] = value
        return found


async def read_params(request: Request) -> Params:
    pairs: list[tuple[str, str]] = list(request.query_params.multi_items())
    uploads: list[Upload] = []
    if request.method == "POST":
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        max_files, max_file_bytes = _file_limits(request)
        limit = MAX_BODY_BYTES + (max_files * max_file_bytes if content_type == "multipart/form-data" else 0)
        declared = request.headers.get("content-length", "0")
        if declared.isascii() and declared.isdigit() and int(declared) > limit:
            raise bad("body", f"must be at most {limit:,} bytes")
        if content_type in _FORM_TYPES:
            try:
                form = await request.form(max_fields=500, max_files=max_files)
            except HTTPException as exc:  # Starlette's own limits (too many files or fields) and malformed parts
                raise bad("body", str(exc.detail)) from None
            for key, value in form.multi_items():
                if isinstance(value, UploadFile):
                    uploads.append(await _read_upload(key, value, max_file_bytes))
                else:
                    pairs.append((key, value))
        elif content_type and await request.body():
            raise bad("body", "send the parameters form-encoded (application/x-www-form-urlencoded)")
    return Params(
        tuple((key, normalise(value)) for key, value in pairs if value.strip() != ""),
        uploads=tuple(uploads),
    )


def _file_limits(request: Request) -> tuple[int, int]:
    """As many photo files as a report may have, each as large as a photo may be (the /v1 limits)."""
    settings = getattr(request.app.state, "settings", None)
    if settings is None:
        return 0, 0
    return settings.max_photos_per_report, settings.max_photo_bytes


async def _read_upload(part: str, upload: UploadFile, limit: int) -> Upload:
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise bad(part, f"the file is over the {limit:,}-byte limit for a photo")
    return Upload(part=part, filename=upload.filename or "", data=data)


ParamsDep = Annotated[Params, Depends(read_params)]
