"""Query parameters of report listings, and the opaque cursor."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Query

from deal_shared.errors import FieldError, ValidationFailed
from deal_shared.moments import ClientDateTime, as_utc
from deal_shared.report_it import OPEN_STATUSES, ReportStatus, StatusGroup
from report_it import cursors
from report_it.reports import Cursor, ReportFilters

_GROUPS = {
    StatusGroup.open.value: sorted(OPEN_STATUSES),
    StatusGroup.fixed.value: [ReportStatus.fixed],
    StatusGroup.closed.value: [s for s in ReportStatus if s not in OPEN_STATUSES and s is not ReportStatus.fixed],
}


def decode_cursor(cursor: str) -> Cursor:
    at, report_id = cursors.decode_cursor(cursor)
    return Cursor(at=at, id=report_id)


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else as_utc(value)


def _bad(field: str, reason: str) -> ValidationFailed:
    return ValidationFailed(f"{field}: {reason}", errors=[FieldError(field=f"query.{field}", reason=reason)])


def _statuses(raw: str | None) -> list[ReportStatus] | None:
    if not raw:
        return None
    chosen: list[ReportStatus] = []
    for part in (p.strip() for p in raw.split(",") if p.strip()):
        if part in _GROUPS:
            chosen.extend(_GROUPS[part])
        elif part in ReportStatus.__members__:
            chosen.append(ReportStatus(part))
        else:
            allowed = ", ".join([*_GROUPS, *ReportStatus.__members__])
            raise _bad("status", f"{part!r} is not a status; use one of {allowed}")
    return chosen


def _bbox(raw: str | None) -> tuple[float, float, float, float] | None:
    if not raw:
        return None
    try:
        min_lon, min_lat, max_lon, max_lat = (float(p) for p in raw.split(","))
    except ValueError:
        raise _bad("bbox", "must be min_long,min_lat,max_long,max_lat") from None
    if not (min_lon <= max_lon and min_lat <= max_lat and min_lat >= -90 and max_lat <= 90):
        raise _bad("bbox", "corners must be south-west then north-east, in WGS84")
    return min_lon, min_lat, max_lon, max_lat


class ListQuery:
    def __init__(
        self,
        category: Annotated[str | None, Query(description="Category codes, comma separated")] = None,
        status: Annotated[
            str | None, Query(description="Statuses or groups (open, fixed, closed), comma separated")
        ] = None,
        created_from: Annotated[ClientDateTime | None, Query(description="Created at or after (ISO 8601)")] = None,
        created_to: Annotated[ClientDateTime | None, Query(description="Created before (ISO 8601)")] = None,
        bbox: Annotated[str | None, Query(description="min_long,min_lat,max_long,max_lat")] = None,
        updated_after: Annotated[ClientDateTime | None, Query(description="Changed after: for delta sync")] = None,
        cursor: Annotated[str | None, Query(description="From the previous page's next_cursor")] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> None:
        self.filters = ReportFilters(
            categories=[c.strip() for c in category.split(",") if c.strip()] if category else None,
            statuses=_statuses(status),
            created_from=_utc(created_from),
            created_to=_utc(created_to),
            bbox=_bbox(bbox),
            updated_after=_utc(updated_after),
        )
        self.after = decode_cursor(cursor) if cursor else None
        self.limit = limit


ListQueryDep = Annotated[ListQuery, Depends()]
