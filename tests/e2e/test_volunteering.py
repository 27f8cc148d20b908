"""My volunteering against the real Volunteering service: the entitlement left, opportunities nearest first, a booking
made offline arriving exactly once, a booking whose answer was lost resent without a second booking, and the
add-to-calendar button giving the booking's iCal event."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, Route, expect

from tests.e2e.conftest import FieldApp, Peers, screenshot
from tests.e2e.test_quality import serious_violations
from tests.e2e.test_staff import sign_in

pytestmark = pytest.mark.browser


class Volunteering:
    """Sets up a member of staff and two opportunities through Volunteering's own API."""

    def __init__(self, base: str, token_for) -> None:
        self.base = base
        self.token_for = token_for

    def client(self, subject: str, *roles: str) -> httpx.Client:
        token = self.token_for(*roles, sub=subject)
        return httpx.Client(base_url=self.base, headers={"Authorization": f"Bearer {token}"}, timeout=30)

    def add_staff(self, subject: str) -> None:
        body = {
            "name": "Vee Volunteer",
            "directorate": "Place",
            "team": "Street Cleansing",
            "line_manager_subject": "e2e.vol.manager",
            "contracted_weekly_hours": 37,
        }
        with self.client("e2e.vol.admin", "staff", "admin") as admin:
            admin.put(f"/v1/staff/{subject}", json=body).raise_for_status()

    def add_opportunity(self, title: str, *, lat: float, long: float, days_ahead: int) -> dict:
        starts = (datetime.now(UTC) + timedelta(days=days_ahead)).replace(hour=9, minute=0, second=0, microsecond=0)
        with self.client("e2e.vol.organiser", "staff", "team_leader") as organiser:
            organisation = organiser.post(
                "/v1/organisations",
                json={"name": f"{title} group", "location": {"lat": lat, "long": long}, "address": "Market Street"},
            ).raise_for_status()
            return (
                organiser.post(
                    "/v1/opportunities",
                    json={
                        "organisation_id": organisation.json()["id"],
                        "title": title,
                        "description": "Sorting donations and packing parcels.",
                        "starts_at": starts.isoformat(),
                        "ends_at": (starts + timedelta(hours=3, minutes=42)).isoformat(),
                        "places": 4,
                        "accessibility_notes": "Ground floor, step-free.",
                    },
                )
                .raise_for_status()
                .json()
            )

    def bookings_of(self, subject: str) -> list[dict]:
        with self.client(subject, "staff") as person:
            return person.get("/v1/me/bookings").raise_for_status().json()


@pytest.fixture()
def volunteering(running_peers: Peers, token_for) -> Iterator[Volunteering]:
    yield Volunteering(running_peers.volunteering, token_for)


def lose_the_first_answer(route: Route, lost: list[str]) -> None:
    """The booking reaches Volunteering and is made, but its answer never reaches the phone."""
    if route.request.method == "POST" and not lost:
        route.fetch()
        lost.append(route.request.url)
        route.abort("connectionreset")
    else:
        route.continue_()


def test_book_offline_and_once_more_with_a_lost_answer_each_booked_once(
    page: Page, field_app: FieldApp, volunteering: Volunteering, token_for
) -> None:
    marker = uuid.uuid4().hex[:6]
    subject = f"e2e.volunteer.{marker}"
    volunteering.add_staff(subject)
    near = volunteering.add_opportunity(f"Food parcels {marker}", lat=53.5455, long=-2.632, days_ahead=10)
    far = volunteering.add_opportunity(f"Flash path repair {marker}", lat=53.493, long=-2.542, days_ahead=12)
    third = volunteering.add_opportunity(f"Junior league {marker}", lat=53.586, long=-2.662, days_ahead=14)

    sign_in(page, token_for("staff", sub=subject, name="Vee Volunteer", department="street_cleansing"))
    page.get_by_role("link", name="My volunteering").click()
    expect(page.get_by_role("heading", name="My volunteering", level=1)).to_be_visible()
    left = page.locator("#entitlement-left")
    expect(left).to_contain_text("14.8 hours left")
    cards = page.locator("#opportunity-list [data-opportunity]")
    expect(cards.first).to_contain_text(near["title"])  # nearest first
    expect(page.locator(f"[data-opportunity='{far['id']}']")).to_contain_text("km away")
    violations = serious_violations(page, "my volunteering")
    screenshot(page, "staff-volunteering")

    page.context.set_offline(True)
    page.locator(f"[data-opportunity='{near['id']}']").get_by_role("button", name="Book").click()
    expect(page.locator("#booking-outbox")).to_contain_text("Booking waiting to send")
    expect(page.locator(f"[data-opportunity='{near['id']}']")).to_contain_text("Booking waiting to send")
    # Not yet counted by Volunteering, but shown against what is left.
    expect(left).to_contain_text("14.8 hours left")
    expect(page.locator("#entitlement-waiting")).to_contain_text("7.4 hours of it in bookings waiting to send")
    expect(page.locator("#entitlement-waiting")).to_contain_text("7.4 hours left once they are sent")
    violations += serious_violations(page, "my volunteering offline")
    screenshot(page, "staff-volunteering-offline")
    assert volunteering.bookings_of(subject) == []

    page.context.set_offline(False)
    expect(page.locator("#booking-list [data-booking]")).to_have_count(1, timeout=30000)
    expect(left).to_contain_text("7.4 hours left")
    expect(page.locator("#entitlement-waiting")).to_have_count(0)
    expect(page.locator(f"[data-opportunity='{near['id']}']")).to_contain_text("You are booked")

    # The second booking is made on the server but its answer is lost: the outbox resends it with the same
    # Idempotency-Key, Volunteering answers with the first 201 again, and the booking is made once.
    lost: list[str] = []
    page.context.route(f"{volunteering.base}/v1/bookings", lambda route: lose_the_first_answer(route, lost))
    posted = lambda request: request.method == "POST" and request.url.endswith("/v1/bookings")  # noqa: E731
    with page.expect_event("requestfailed", posted):
        page.locator(f"[data-opportunity='{far['id']}']").get_by_role("button", name="Book").click()
    expect(page.locator("#booking-outbox")).to_contain_text("Booking waiting to send")
    assert lost and len(volunteering.bookings_of(subject)) == 2
    # Volunteering has it already: counted there, not a second time as waiting on the phone.
    expect(left).to_contain_text("0 hours left")
    expect(page.locator("#entitlement-waiting")).to_have_count(0)
    page.context.set_offline(True)  # the connection comes back: the app sends what waits
    page.context.set_offline(False)
    expect(page.locator("#booking-outbox")).to_have_count(0, timeout=30000)
    expect(page.locator("#booking-list [data-booking]")).to_have_count(2)
    expect(left).to_contain_text("0 hours left")

    # Nothing left: the service refuses the next booking, and the app says why instead of retrying for ever.
    page.locator(f"[data-opportunity='{third['id']}']").get_by_role("button", name="Book").click()
    expect(page.locator("#booking-outbox")).to_contain_text("Booking not accepted")
    expect(page.locator("#booking-outbox")).to_contain_text("0 are left")

    booked = volunteering.bookings_of(subject)
    assert sorted(b["opportunity_id"] for b in booked) == sorted([near["id"], far["id"]])
    assert all(b["status"] == "requested" for b in booked)
    assert not violations, "\n".join(violations)


def test_add_to_calendar_gives_the_booking_as_an_ical_event(page: Page, volunteering: Volunteering, token_for) -> None:
    marker = uuid.uuid4().hex[:6]
    subject = f"e2e.calendar.{marker}"
    volunteering.add_staff(subject)
    opportunity = volunteering.add_opportunity(f"Litter pick {marker}", lat=53.537, long=-2.57, days_ahead=9)
    with volunteering.client(subject, "staff") as person:
        booking = person.post("/v1/bookings", json={"opportunity_id": opportunity["id"]}).raise_for_status().json()

    sign_in(page, token_for("staff", sub=subject, name="Vee Volunteer"))
    page.goto("/app/#/staff/volunteering")
    card = page.locator(f"#booking-list [data-booking='{booking['id']}']")
    expect(card).to_contain_text("Waiting for your manager")
    with page.expect_download() as download:
        card.get_by_role("button", name="Add to calendar").click()
    assert download.value.suggested_filename.endswith(".ics")
    event = Path(download.value.path()).read_text().replace("\r\n ", "")
    assert event.startswith("BEGIN:VCALENDAR")
    assert "BEGIN:VEVENT" in event
    assert f"SUMMARY:Volunteering: Litter pick {marker}" in event
    assert f"UID:booking-{booking['id']}@" in event
