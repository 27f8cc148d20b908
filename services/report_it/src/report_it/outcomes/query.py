"""Reading an outcome query from request parameters, with a precise message for anything wrong."""

from __future__ import annotations

import re
from datetime import datetime

from deal_shared.errors import FieldError
from deal_shared.moments import EARLIEST, LATEST
from deal_shared.outcomes import OutcomeDimension
from deal_shared.working_time import WorkingCalendar
from report_it.errors import InvalidOutcomeQuery
from report_it.outcomes.measures import OutcomeQuery, months_between

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
MAX_MONTHS = 120
MAX_CODES = 100


def _bad(field: str, message: str) -> InvalidOutcomeQuery:
    return InvalidOutcomeQuery(message, errors=[FieldError(field=f"query.{field}", reason=message)])


def _month(field: str, value: str | None, default: str) -> str:
    if value is None or value == "":
        return default
    if not _MONTH.match(value):
        raise _bad(field, f"{field} must be a month as YYYY-MM (e.g. 2026-04), not {value[:20]!r}.")
    if not EARLIEST.year <= int(value[:4]) <= LATEST.year:
        raise _bad(field, f"{field} must fall between {EARLIEST.year} and {LATEST.year}, not {value}.")
    return value


def _codes(field: str, value: str | None) -> list[str]:
    if value is None:
        return []
    codes = [""] if value == "" else [c.strip() for c in value.split(",") if c.strip()]
    if len(codes) > MAX_CODES:
        raise _bad(field, f"{field} lists at most {MAX_CODES} codes.")
    if any(len(c) > 64 for c in codes):
        raise _bad(field, f"{field} codes are at most 64 characters.")
    return codes


def parse_query(
    *,
    from_month: str | None,
    to_month: str | None,
    group_by: str | None,
    footprint: str | None,
    ward: str | None,
    category: str | None,
    channel: str | None,
    calendar: WorkingCalendar,
    now: datetime,
    fix_times: bool = True,
) -> OutcomeQuery:
    this_month = now.astimezone(calendar.zone).strftime("%Y-%m")
    last = _month("to", to_month, this_month)
    year, month = int(last[:4]), int(last[5:])
    year, month = (year - 1, month + 1) if month < 12 else (year, 1)
    first = _month("from", from_month, f"{year:04d}-{month:02d}")
    if first > last:
        raise _bad("from", f"from ({first}) is after to ({last}).")
    if len(months_between(first, last)) > MAX_MONTHS:
        raise _bad("from", f"A query covers at most {MAX_MONTHS} months.")
    dims: list[OutcomeDimension] = []
    for name in [d.strip() for d in (group_by if group_by is not None else "month").split(",") if d.strip()]:
        try:
            dims.append(OutcomeDimension(name))
        except ValueError:
            allowed = ", ".join(d.value for d in OutcomeDimension)
            raise _bad("group_by", f"group_by takes {allowed}; {name[:40]!r} is not one of them.") from None
    # "footprint=" alone asks for reports not placed in one (stored as '').
    filters = {
        OutcomeDimension.footprint: _codes("footprint", footprint),
        OutcomeDimension.ward: _codes("ward", ward),
        OutcomeDimension.category: _codes("category", category),
        OutcomeDimension.channel: _codes("channel", channel),
    }
    return OutcomeQuery(
        from_month=first,
        to_month=last,
        group_by=tuple(dict.fromkeys(dims)),
        filters={k: v for k, v in filters.items() if v},
        fix_times=fix_times,
    )
