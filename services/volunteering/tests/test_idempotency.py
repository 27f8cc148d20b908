"""Idempotency-Key on Volunteering's writes, over HTTP: a resent booking or decision gets its first answer."""

from __future__ import annotations

import uuid


def keyed(key: str) -> dict[str, str]:
    return {"Idempotency-Key": key}


def test_a_resent_booking_gets_the_original_201_not_already_booked(vol) -> None:
    vol.add_staff("manager.one", line_manager_subject=None)
    vol.add_staff("officer.one")
    opportunity = vol.add_opportunity(vol.add_organisation()["id"])
    key = str(uuid.uuid4())
    with vol.as_("officer.one") as officer:
        first = officer.post("/v1/bookings", json={"opportunity_id": opportunity["id"]}, headers=keyed(key))
        assert first.status_code == 201, first.text
        again = officer.post("/v1/bookings", json={"opportunity_id": opportunity["id"]}, headers=keyed(key))
        assert again.status_code == 201, again.text
        assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
        # A new key is a new booking, which Volunteering refuses as it always did.
        fresh = officer.post(
            "/v1/bookings", json={"opportunity_id": opportunity["id"]}, headers=keyed(str(uuid.uuid4()))
        )
        assert fresh.status_code == 409 and fresh.json()["code"] == "AlreadyBooked", fresh.text
        other = officer.post(
            "/v1/bookings", json={"opportunity_id": opportunity["id"], "amount": "half_day"}, headers=keyed(key)
        )
        assert other.status_code == 422 and other.json()["code"] == "IdempotencyKeyReused", other.text
        entitlement = officer.get("/v1/me/entitlement", params={"leave_year": 2031}).json()
        assert entitlement["booked_hours"] == first.json()["hours"]


def test_a_resent_decision_and_attendance_are_replayed(vol) -> None:
    vol.add_staff("manager.one", line_manager_subject=None)
    vol.add_staff("officer.one")
    opportunity = vol.add_opportunity(vol.add_organisation()["id"])
    with vol.as_("officer.one") as officer, vol.as_("manager.one") as manager:
        booking = officer.post("/v1/bookings", json={"opportunity_id": opportunity["id"]}).json()
        key = str(uuid.uuid4())
        url = f"/v1/bookings/{booking['id']}/decision"
        first = manager.post(url, json={"approve": True}, headers=keyed(key))
        again = manager.post(url, json={"approve": True}, headers=keyed(key))
        assert first.status_code == again.status_code == 200, (first.text, again.text)
        assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
        cancel = f"/v1/bookings/{booking['id']}/cancel"
        cancel_key = str(uuid.uuid4())
        cancelled = officer.post(cancel, headers=keyed(cancel_key))
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled", cancelled.text
        replayed = officer.post(cancel, headers=keyed(cancel_key))
        assert replayed.status_code == 200 and replayed.json() == cancelled.json(), replayed.text
        # Another caller's same key is their own request: it is not given the officer's answer.
        stranger = manager.post(cancel, headers=keyed(cancel_key))
        assert "Idempotent-Replayed" not in stranger.headers
