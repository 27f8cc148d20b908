"""The field app books from the browser: CORS lets its origin send the token and Idempotency-Key, and read refusals."""

from __future__ import annotations

import httpx

APP = "http://localhost:8001"


def test_the_field_app_origin_may_book_with_an_idempotency_key(vol) -> None:
    headers = {
        "Origin": APP,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type,idempotency-key",
    }
    allowed = httpx.options(f"{vol.base}/v1/bookings", headers=headers)
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == APP
    assert {"authorization", "content-type", "idempotency-key"} <= {
        h.strip().lower() for h in allowed.headers["access-control-allow-headers"].split(",")
    }
    refused = httpx.options(f"{vol.base}/v1/bookings", headers={**headers, "Origin": "https://elsewhere.example"})
    assert "access-control-allow-origin" not in refused.headers


def test_a_second_booking_of_the_same_place_is_a_readable_already_booked(vol) -> None:
    # The field app resends a booking whose answer was lost; the refusal it gets must name the booking made.
    vol.add_staff("officer.one")
    opportunity = vol.add_opportunity(vol.add_organisation()["id"])
    with vol.as_("officer.one") as officer:
        first = officer.post("/v1/bookings", json={"opportunity_id": opportunity["id"]}, headers={"Origin": APP})
        again = officer.post("/v1/bookings", json={"opportunity_id": opportunity["id"]}, headers={"Origin": APP})
        assert first.status_code == 201
        assert again.status_code == 409
        assert again.headers["access-control-allow-origin"] == APP
        assert again.json()["code"] == "AlreadyBooked"
        assert again.json()["booking_id"] == first.json()["id"]
        assert len(officer.get("/v1/me/bookings").json()) == 1
