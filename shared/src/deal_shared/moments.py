"""Dates and times a client may send: within years the council's records can hold.

Python's dates stop at year 9999, so a day near either end overflows as soon as it is turned into a leave year, moved
to UTC or stepped forward, and the request fails with a 500. No real booking, absence or due date is that far off,
so such a value is refused with a 422 naming the field.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

EARLIEST = date(1900, 1, 1)
LATEST = date(2199, 12, 31)


def _refuse(value: date) -> None:
    raise PydanticCustomError(
        "date_out_of_range",
        "must fall between {earliest} and {latest} (was {value})",
        {"earliest": EARLIEST.isoformat(), "latest": LATEST.isoformat(), "value": value.isoformat()},
    )


def _day_in_range(value: date) -> date:
    if not EARLIEST <= value <= LATEST:
        _refuse(value)
    return value


def _moment_in_range(value: datetime) -> datetime:
    # The calendar date as written is checked: converting to UTC first could itself overflow.
    if not EARLIEST <= value.date() <= LATEST:
        _refuse(value.date())
    return value


ClientDate = Annotated[date, AfterValidator(_day_in_range)]
ClientDateTime = Annotated[datetime, AfterValidator(_moment_in_range)]


def out_of_range_reason(value: datetime) -> str | None:
    """Why a moment parsed by hand (a cursor, an Open311 parameter, a header) cannot be used, or None if it can."""
    if EARLIEST <= value.date() <= LATEST:
        return None
    return f"must fall between {EARLIEST.isoformat()} and {LATEST.isoformat()} (was {value.date().isoformat()})"


def as_utc(value: datetime) -> datetime:
    """An aware moment in UTC; one without a zone is taken to be UTC already (as the APIs document)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
