"""Financial quarters as Defra's returns count them: Q1 is April to June; 2026-27-Q3 is October to December 2026."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from report_it.flytipping.errors import InvalidQuarter

LONDON = ZoneInfo("Europe/London")
_PATTERN = re.compile(r"^(\d{4})-(\d{2})-Q([1-4])$")


@dataclass(frozen=True)
class Quarter:
    year: int  # the financial year's first calendar year
    number: int

    @property
    def name(self) -> str:
        return f"{self.year}-{(self.year + 1) % 100:02d}-Q{self.number}"

    @property
    def starts(self) -> date:
        month = 4 + 3 * (self.number - 1)
        return date(self.year + month // 13, (month - 1) % 12 + 1, 1)

    @property
    def next_starts(self) -> date:
        month = 4 + 3 * self.number
        return date(self.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)

    @property
    def ends(self) -> date:
        return self.next_starts - timedelta(days=1)

    def utc_bounds(self) -> tuple[datetime, datetime]:
        """The quarter's first instant and the next quarter's, by the borough's clock."""
        return tuple(  # type: ignore[return-value]
            datetime.combine(d, time(), tzinfo=LONDON).astimezone(UTC) for d in (self.starts, self.next_starts)
        )


def parse_quarter(text: str) -> Quarter:
    match = _PATTERN.match(text.strip())
    if not match or int(match.group(2)) != (int(match.group(1)) + 1) % 100:
        raise InvalidQuarter(
            f"{text!r} is not a quarter: write the financial year and quarter, e.g. 2026-27-Q3 (October to December "
            "2026); Q1 is April to June.",
            errors=[],
            parameter="quarter",
        )
    return Quarter(year=int(match.group(1)), number=int(match.group(3)))


def quarter_of(day: date) -> Quarter:
    year = day.year if day.month >= 4 else day.year - 1
    return Quarter(year=year, number=((day.month - 4) % 12) // 3 + 1)
