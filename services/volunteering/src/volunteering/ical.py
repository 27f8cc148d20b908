"""iCalendar (RFC 5545) for bookings: one event, or a person's feed a calendar app can subscribe to.

Written by hand because the format is small: CRLF line ends, lines folded at 75 octets, TEXT escaped, times in
Europe/London with its VTIMEZONE, all-day events for flexible bookings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from volunteering.catalogue import LONDON

PRODID = "-//Wigan Council//Deal Digital Volunteering//EN"
UID_DOMAIN = "volunteering.deal.wigan.gov.uk"

_LONDON_VTIMEZONE = (
    "BEGIN:VTIMEZONE",
    "TZID:Europe/London",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0000",
    "TZOFFSETTO:+0100",
    "TZNAME:BST",
    "DTSTART:19810329T010000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0000",
    "TZNAME:GMT",
    "DTSTART:19961027T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
)

# Booking status -> VEVENT STATUS: a cancelled event stays in the feed so subscribed calendars drop it.
_STATUS = {
    "waitlisted": "TENTATIVE",
    "requested": "TENTATIVE",
    "approved": "CONFIRMED",
    "declined": "CANCELLED",
    "cancelled": "CANCELLED",
}


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    summary: str
    description: str
    status: str
    day: date
    starts_at: datetime | None
    ends_at: datetime | None
    location: str | None
    geo: tuple[float, float] | None
    last_modified: datetime


def escape_text(value: str) -> str:
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\r", "\\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """Split a content line into chunks of at most 75 octets, never inside a UTF-8 character."""
    encoded = line.encode()
    if len(encoded) <= 75:
        return line
    parts: list[str] = []
    current = ""
    limit = 75
    for char in line:
        if len((current + char).encode()) > limit:
            parts.append(current)
            current = ""
            limit = 74  # continuation lines start with one space
        current += char
    parts.append(current)
    return "\r\n ".join(parts)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _local(moment: datetime) -> str:
    return moment.astimezone(LONDON).strftime("%Y%m%dT%H%M%S")


def _event_lines(event: CalendarEvent, stamp: datetime) -> list[str]:
    lines = ["BEGIN:VEVENT", f"UID:{event.uid}", f"DTSTAMP:{_utc(stamp)}"]
    if event.starts_at is not None and event.ends_at is not None:
        lines += [f"DTSTART;TZID=Europe/London:{_local(event.starts_at)}"]
        lines += [f"DTEND;TZID=Europe/London:{_local(event.ends_at)}"]
    else:
        lines += [f"DTSTART;VALUE=DATE:{event.day:%Y%m%d}"]
        lines += [f"DTEND;VALUE=DATE:{event.day + timedelta(days=1):%Y%m%d}"]
    lines += [f"SUMMARY:{escape_text(event.summary)}", f"DESCRIPTION:{escape_text(event.description)}"]
    if event.location:
        lines.append(f"LOCATION:{escape_text(event.location)}")
    if event.geo:
        lines.append(f"GEO:{event.geo[0]:.6f};{event.geo[1]:.6f}")
    lines += [f"STATUS:{_STATUS.get(event.status, 'TENTATIVE')}", f"LAST-MODIFIED:{_utc(event.last_modified)}"]
    lines += ["TRANSP:OPAQUE", "END:VEVENT"]
    return lines


def calendar(events: list[CalendarEvent], *, name: str | None = None, stamp: datetime | None = None) -> str:
    stamp = stamp or datetime.now(UTC)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN", "METHOD:PUBLISH"]
    if name:
        lines += [f"X-WR-CALNAME:{escape_text(name)}", "X-WR-TIMEZONE:Europe/London"]
    lines += list(_LONDON_VTIMEZONE)
    for event in events:
        lines += _event_lines(event, stamp)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
