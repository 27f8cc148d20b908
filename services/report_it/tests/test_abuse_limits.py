"""Abuse limits in the service itself: a burst limit per address for anonymous writes, and reports per contact in a
day (lower for some categories). Refusals are 429 problems with Retry-After, and a refused request stores nothing."""

from __future__ import annotations

import uuid

import httpx
import pytest

from report_it.main import create_app
from tests.support.server import serve

WIGAN = {"lat": 53.545, "long": -2.632}


def _report(category: str = "litter", **reporter) -> dict:
    body = {"category": category, "location": WIGAN, "description": f"Bags by the bins {uuid.uuid4().hex[:6]}"}
    if reporter:
        body["reporter"] = reporter
    return body


def _count(api: httpx.Client, headers) -> int:
    return len(api.get("/v1/reports", params={"limit": 200}, headers=headers).json()["items"])


def _assert_too_many(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert int(response.headers["Retry-After"]) >= 1
    problem = response.json()
    assert problem["code"] == "TooManyRequests"
    assert problem["retry_after_s"] == int(response.headers["Retry-After"])


@pytest.fixture()
def limited(make_settings, fresh_db):
    def start(**limits):
        return serve(create_app(make_settings(database_url=fresh_db, **limits)))

    return start


def test_a_burst_of_anonymous_writes_from_one_address_is_refused_after_the_burst(
    limited, staff_headers, token_for
) -> None:
    with limited(anonymous_writes_per_minute=6, anonymous_write_burst=3) as base, httpx.Client(base_url=base) as api:
        for _ in range(3):
            assert api.post("/v1/reports", json=_report()).status_code == 201
        _assert_too_many(api.post("/v1/reports", json=_report()))
        _assert_too_many(api.post("/v1/reports", json=_report(), headers={"Idempotency-Key": "k-1"}))
        manager = {"Authorization": f"Bearer {token_for('staff', 'manager')}"}
        assert _count(api, manager) == 3, "a refused write stores nothing"
        # Reading is not limited, and signed-in staff are counted by their own limits, not these.
        assert api.get("/v1/categories").status_code == 200
        assert api.post("/v1/reports", json=_report(), headers=staff_headers).status_code == 201


def test_a_contact_reaching_its_daily_limit_is_refused_until_the_oldest_report_is_a_day_old(limited, token_for) -> None:
    manager = {"Authorization": f"Bearer {token_for('staff', 'manager')}"}
    with (
        limited(contact_reports_per_day=2, contact_reports_per_day_by_category={"dog_fouling": 1}) as base,
        httpx.Client(base_url=base) as api,
    ):
        first = api.post("/v1/reports", json=_report(email="busy@example.org"))
        second_body = _report(email="busy@example.org")
        second = api.post("/v1/reports", json=second_body, headers={"Idempotency-Key": "second-one"})
        assert (first.status_code, second.status_code) == (201, 201)
        refused = api.post("/v1/reports", json=_report(email="busy@example.org"))
        _assert_too_many(refused)
        assert 23 * 3600 < int(refused.headers["Retry-After"]) <= 24 * 3600 + 1
        # The same phone number counts as the same person, whatever the e-mail.
        assert api.post("/v1/reports", json=_report(phone="01942 404040")).status_code == 201
        assert api.post("/v1/reports", json=_report(phone="01942 404040")).status_code == 201
        _assert_too_many(api.post("/v1/reports", json=_report(email="other@example.org", phone="01942 404040")))
        # A retry of a report already taken gets its answer again, limit or not.
        again = api.post("/v1/reports", json=second_body, headers={"Idempotency-Key": "second-one"})
        assert again.status_code == 201 and again.json()["id"] == second.json()["id"]
        # A category may have a lower limit of its own.
        assert api.post("/v1/reports", json=_report("dog_fouling", email="tags@example.org")).status_code == 201
        _assert_too_many(api.post("/v1/reports", json=_report("dog_fouling", email="tags@example.org")))
        assert api.post("/v1/reports", json=_report("litter", email="tags@example.org")).status_code == 201
        # Staff log what they see all day: never counted.
        staff = {"Authorization": f"Bearer {token_for('staff')}"}
        assert api.post("/v1/reports", json=_report(email="busy@example.org"), headers=staff).status_code == 201
        assert _count(api, manager) == 7


def test_the_same_problem_from_the_same_reporter_a_moment_later_is_a_hint_first(limited, token_for) -> None:
    manager = {"Authorization": f"Bearer {token_for('staff', 'manager')}"}
    near = {"lat": WIGAN["lat"] + 0.0002, "long": WIGAN["long"]}  # about 22 m north
    with limited(repeat_hint_m=50, repeat_hint_minutes=60) as base, httpx.Client(base_url=base) as api:
        first = api.post("/v1/reports", json=_report(email="twice@example.org"))
        assert first.status_code == 201
        again = {**_report(email="twice@example.org"), "location": near}
        hinted = api.post("/v1/reports", json=again, headers={"Idempotency-Key": "again-1"})
        assert hinted.status_code == 409, hinted.text
        assert hinted.headers["content-type"].startswith("application/problem+json")
        problem = hinted.json()
        assert problem["code"] == "PossibleRepeat"
        assert problem["earlier"]["id"] == first.json()["id"]
        assert 15 <= problem["earlier"]["distance_m"] <= 30
        assert first.json()["reference"] in problem["detail"]
        assert _count(api, manager) == 1, "a hint stores nothing"
        # Confirmed, it is taken, under the same key.
        confirmed = api.post(
            "/v1/reports", json={**again, "repeat_confirmed": True}, headers={"Idempotency-Key": "again-1"}
        )
        assert confirmed.status_code == 201, confirmed.text
        # Other reporters, other categories and farther places are not repeats.
        assert api.post("/v1/reports", json={**_report(email="else@example.org"), "location": near}).status_code == 201
        assert api.post("/v1/reports", json={**_report("dog_fouling", email="twice@example.org")}).status_code == 201
        far = {"lat": WIGAN["lat"] + 0.002, "long": WIGAN["long"]}  # about 220 m
        assert api.post("/v1/reports", json={**_report(email="twice@example.org"), "location": far}).status_code == 201
        # Staff are recognised by who they are.
        staff = {"Authorization": f"Bearer {token_for('staff', sub='officer.repeat')}"}
        assert api.post("/v1/reports", json=_report(), headers=staff).status_code == 201
        assert api.post("/v1/reports", json=_report(), headers=staff).json()["code"] == "PossibleRepeat"
        # Without contact details there is nobody to recognise.
        assert api.post("/v1/reports", json=_report()).status_code == 201
        assert api.post("/v1/reports", json=_report()).status_code == 201
        assert _count(api, manager) == 8
