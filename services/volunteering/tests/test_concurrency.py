"""Never overbook: simultaneous HTTP requests leave the ledger exact.

Row locks do it on PostgreSQL, the database write lock on SQLite; both backends run the same proof.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from sqlmodel import Session, select

from volunteering.models import Booking

THREADS = 20


def _all_at_once(vol, calls: list[tuple[str, dict]]) -> list:
    """POST every (subject, body) to /v1/bookings from its own thread, released together by a barrier."""
    barrier = threading.Barrier(len(calls))
    clients = [vol.as_(subject) for subject, _ in calls]

    def fire(index: int):
        barrier.wait()
        return clients[index].post("/v1/bookings", json=calls[index][1])

    try:
        with ThreadPoolExecutor(max_workers=len(calls)) as pool:
            return list(pool.map(fire, range(len(calls))))
    finally:
        for client in clients:
            client.close()


def _held(vol, opportunity_id: str) -> Counter:
    with Session(vol.engine) as session:
        rows = session.exec(select(Booking.status).where(Booking.opportunity_id == uuid.UUID(opportunity_id)))
        return Counter(rows)


def test_twenty_people_booking_the_last_three_places(vol) -> None:
    subjects = [f"officer.{i:02d}" for i in range(THREADS + 2)]
    for subject in subjects:
        vol.add_staff(subject)
    opportunity = vol.add_opportunity(vol.add_organisation()["id"], places=5)
    for subject in subjects[:2]:
        with vol.as_(subject) as client:
            client.post("/v1/bookings", json={"opportunity_id": opportunity["id"]}).raise_for_status()

    body = {"opportunity_id": opportunity["id"], "join_waitlist": False}
    responses = _all_at_once(vol, [(subject, body) for subject in subjects[2:]])

    codes = Counter(r.status_code for r in responses)
    assert codes == {201: 3, 409: THREADS - 3}, [r.text for r in responses if r.status_code not in (201, 409)]
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"OpportunityFull"}
    assert _held(vol, opportunity["id"]) == {"requested": 5}
    with vol.as_(subjects[0]) as client:
        assert client.get(f"/v1/opportunities/{opportunity['id']}").json()["places_left"] == 0


def test_the_waiting_list_keeps_a_strict_order_under_load(vol) -> None:
    subjects = [f"officer.{i:02d}" for i in range(THREADS)]
    for subject in subjects:
        vol.add_staff(subject)
    opportunity = vol.add_opportunity(vol.add_organisation()["id"], places=3)

    responses = _all_at_once(vol, [(s, {"opportunity_id": opportunity["id"]}) for s in subjects])

    assert all(r.status_code == 201 for r in responses), [r.text for r in responses if r.status_code != 201]
    statuses = Counter(r.json()["status"] for r in responses)
    assert statuses == {"requested": 3, "waitlisted": THREADS - 3}
    positions = sorted(r.json()["waitlist_position"] for r in responses if r.json()["status"] == "waitlisted")
    assert positions == list(range(1, THREADS - 2))


def test_one_person_booking_the_same_place_twice_at_once(vol) -> None:
    vol.add_staff("officer.one")
    opportunity = vol.add_opportunity(vol.add_organisation()["id"], places=10)

    responses = _all_at_once(vol, [("officer.one", {"opportunity_id": opportunity["id"], "amount": "half_day"})] * 10)

    codes = Counter(r.status_code for r in responses)
    assert codes == {201: 1, 409: 9}
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"AlreadyBooked"}
    assert _held(vol, opportunity["id"]) == {"requested": 1}


def test_one_person_cannot_spend_the_entitlement_twice_at_once(vol) -> None:
    vol.add_staff("officer.one")
    organisation = vol.add_organisation()
    days = [
        vol.add_opportunity(
            organisation["id"], starts_at=f"2031-06-{d:02d}T09:00:00+01:00", ends_at=f"2031-06-{d:02d}T17:00:00+01:00"
        )
        for d in range(2, 10)
    ]

    responses = _all_at_once(vol, [("officer.one", {"opportunity_id": day["id"]}) for day in days])

    codes = Counter(r.status_code for r in responses)
    assert codes == {201: 2, 409: len(days) - 2}  # two full days a year, and not a minute more
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"EntitlementExceeded"}
    with vol.as_("officer.one") as officer:
        entitlement = officer.get("/v1/me/entitlement", params={"leave_year": 2031}).json()
    assert (entitlement["booked_hours"], entitlement["remaining_hours"]) == (14.8, 0.0)
