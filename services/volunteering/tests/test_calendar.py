"""iCalendar (RFC 5545): CRLF lines folded at 75 octets, escaped text, UID, DTSTAMP, Europe/London times, a feed."""

from __future__ import annotations

import re

import httpx

from volunteering.ical import escape_text, fold


def unfold(body: str) -> list[str]:
    return body.replace("\r\n ", "").split("\r\n")


def test_folding_never_exceeds_75_octets_nor_splits_a_character() -> None:
    line = "SUMMARY:" + "Gwirfoddoli: café clean-up ☕ " * 8
    folded = fold(line)
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == line
    assert escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"


def test_a_lone_carriage_return_never_reaches_the_calendar() -> None:
    # A bare CR would end the content line early in any iCalendar reader.
    assert escape_text("one\rtwo\r\nthree") == "one\\ntwo\\nthree"
    assert "\r" not in escape_text("a\rb")


def test_booking_event_and_personal_feed(vol) -> None:
    vol.add_staff("officer.one", name="Olive Officer")
    organisation = vol.add_organisation(
        name="Leigh Friends of the Flashes, Pennington", address="Pennington Flash; Leigh"
    )
    opportunity = vol.add_opportunity(
        organisation["id"],
        title="Path repair and clearing around the flash, with tools and gloves provided for everyone who comes",
        starts_at="2031-12-01T09:30:00Z",  # winter: GMT, so 09:30 local
        ends_at="2031-12-01T13:00:00Z",
    )
    with vol.as_("officer.one") as officer:
        booking = officer.post("/v1/bookings", json={"opportunity_id": opportunity["id"]}).json()
        event = officer.get(f"/v1/bookings/{booking['id']}/calendar.ics")
        feed_url = officer.get("/v1/me/calendar").json()["url"]
        officer.post(f"/v1/bookings/{booking['id']}/cancel").raise_for_status()
    with vol.as_("someone.else") as stranger:
        vol.add_staff("someone.else", line_manager_subject=None)
        assert stranger.get(f"/v1/bookings/{booking['id']}/calendar.ics").status_code == 403

    body = event.text
    assert event.headers["content-type"] == "text/calendar; charset=utf-8"
    assert body.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:")
    assert body.endswith("END:VCALENDAR\r\n")
    assert "\n" not in body.replace("\r\n", "")
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
    lines = unfold(body)
    assert f"UID:booking-{booking['id']}@volunteering.deal.wigan.gov.uk" in lines
    assert any(re.fullmatch(r"DTSTAMP:\d{8}T\d{6}Z", line) for line in lines)
    assert "TZID:Europe/London" in lines
    assert "DTSTART;TZID=Europe/London:20311201T093000" in lines
    assert "DTEND;TZID=Europe/London:20311201T130000" in lines
    assert "LOCATION:Pennington Flash\\; Leigh" in lines
    assert any(
        line.startswith("SUMMARY:Volunteering: Path repair") and "Friends of the Flashes\\," in line for line in lines
    )
    assert "STATUS:TENTATIVE" in lines

    feed = httpx.get(feed_url)  # no sign-in: the secret address is the credential, as calendar apps need
    assert feed.status_code == 200
    feed_lines = unfold(feed.text)
    assert "X-WR-CALNAME:Volunteering: Olive Officer" in feed_lines
    assert feed_lines.count("BEGIN:VEVENT") == 1
    assert "STATUS:CANCELLED" in feed_lines  # a cancelled booking leaves subscribers' calendars
    assert httpx.get(feed_url.replace(".ics", "x.ics")).status_code == 404


def test_the_feed_address_does_not_follow_a_host_header_naming_another_site(vol) -> None:
    vol.add_staff("officer.host", name="Hana Host")
    with vol.as_("officer.host") as officer:
        ours = officer.base_url.host
        forged = officer.get("/v1/me/calendar", headers={"Host": "evil.example"}).json()["url"]
        local = officer.get("/v1/me/calendar", headers={"Host": f"localhost:{officer.base_url.port}"}).json()["url"]
    assert httpx.URL(forged).host == ours
    assert httpx.URL(local).host == "localhost"
