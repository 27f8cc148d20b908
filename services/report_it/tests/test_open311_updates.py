"""Service request updates (FixMyStreet's extension) over real HTTP: in through the lifecycle, out in public."""

# The Open311 server fixtures are shared with test_open311 by import, so test arguments shadow their names.
# ruff: noqa: F811

from __future__ import annotations

import uuid

import httpx
import pytest

from services.report_it.tests.test_open311 import (  # noqa: F401 - fixtures
    FORMATS,
    W3C,
    Open311,
    assert_error,
    client,
    open311,
    parse,
    submit,
)


def post_update(client: httpx.Client, key: str, fmt: str = "json", **fields: str) -> httpx.Response:
    return client.post(f"/servicerequestupdates.{fmt}", data={"api_key": key, **fields})


def updates_of(client: httpx.Client, request_id: str, fmt: str) -> list[dict]:
    found = parse(client.get(f"/servicerequestupdates.{fmt}"), fmt)
    return [u for u in found if u["service_request_id"] == request_id]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_client_moves_a_request_along_and_reads_the_updates_back(
    client: httpx.Client, open311: Open311, fmt: str
) -> None:
    request_id = submit(client, open311.key)
    update_id = f"fms-update-{uuid.uuid4().hex[:8]}"
    first = post_update(
        client,
        open311.key,
        fmt,
        service_request_id=request_id,
        update_id=update_id,
        status="IN_PROGRESS",
        description="Crew on the way\r\nshortly",
        updated_datetime="2026-11-23T09:30:00Z",
        media_url="https://photos.example.org/crew.jpg",
    )
    assert first.status_code == 200, first.text
    (answer,) = parse(first, fmt)
    again = post_update(client, open311.key, fmt, service_request_id=request_id, update_id=update_id, status="FIXED")
    assert parse(again, fmt) == [answer]  # the same update_id is applied once

    report = httpx.get(f"{open311.base}/v1/reports/{request_id}").json()
    assert report["status"] == "in_progress"
    assert [u["public_text"] for u in report["timeline"]] == ["Crew on the way\nshortly"]

    fixed = post_update(client, open311.key, fmt, service_request_id=request_id, status="fixed")
    assert fixed.status_code == 200, fixed.text
    (found,) = parse(client.get(f"/requests/{request_id}.{fmt}"), fmt)
    assert found["status"] == "closed" and found["status_notes"] == "Fixed"

    updates = updates_of(client, request_id, fmt)
    assert [u["status"] for u in updates] == ["IN_PROGRESS", "FIXED"]
    assert updates[0]["update_id"] == answer["update_id"]
    assert updates[0]["description"] == "Crew on the way\nshortly"
    assert updates[0]["media_url"] == "https://photos.example.org/crew.jpg"
    assert all(W3C.match(u["updated_datetime"]) for u in updates)

    reopened = post_update(client, open311.key, fmt, service_request_id=request_id, status="REOPEN")
    assert reopened.status_code == 200, reopened.text
    # Published as the open state it reopened to: FixMyStreet ignores REOPEN.
    assert updates_of(client, request_id, fmt)[-1]["status"] == "OPEN"


def test_extended_statuses_map_to_ours(client: httpx.Client, open311: Open311) -> None:
    expected = {
        "PLANNED": "action_scheduled",
        "ACTION_SCHEDULED": "action_scheduled",
        "NOT_COUNCILS_RESPONSIBILITY": "not_council_responsibility",
        "NO_FURTHER_ACTION": "no_further_action",
        "INTERNAL_REFERRAL": "no_further_action",
        "DUPLICATE": "duplicate",
        "CANCELLED": "cancelled",
        "CLOSED": "fixed",
    }
    for theirs, ours in expected.items():
        request_id = submit(client, open311.key)
        response = post_update(client, open311.key, service_request_id=request_id, status=theirs)
        assert response.status_code == 200, response.text
        assert httpx.get(f"{open311.base}/v1/reports/{request_id}").json()["status"] == ours, theirs
    request_id = submit(client, open311.key)
    # OPEN, INVESTIGATING and FOR_TRIAGE leave an open report as it is: with a message, only the message is added.
    for status in ["OPEN", "investigating", "for_triage"]:
        response = post_update(client, open311.key, service_request_id=request_id, status=status, description=status)
        assert response.status_code == 200, response.text
    report = httpx.get(f"{open311.base}/v1/reports/{request_id}").json()
    assert report["status"] == "submitted" and len(report["timeline"]) == 3


def test_internal_notes_and_hidden_categories_never_appear(
    client: httpx.Client, open311: Open311, staff_headers
) -> None:
    request_id = submit(client, open311.key)
    staff_update = httpx.post(
        f"{open311.base}/v1/reports/{request_id}/updates",
        json={"status": "acknowledged", "internal_note": "Resident is a known complainer"},
        headers=staff_headers,
    )
    assert staff_update.status_code == 201, staff_update.text
    for fmt in FORMATS:
        listing = client.get(f"/servicerequestupdates.{fmt}")
        assert "known complainer" not in listing.text
        (update,) = updates_of(client, request_id, fmt)
        assert update["status"] == "OPEN" and not update["description"]

    needles = httpx.post(
        f"{open311.base}/v1/reports",
        json={"category": "needles", "location": {"lat": 53.545, "long": -2.632}, "answers": {"near_children": "no"}},
    ).json()
    httpx.post(
        f"{open311.base}/v1/reports/{needles['id']}/updates",
        json={"status": "in_progress", "public_text": "Sharps team sent"},
        headers=staff_headers,
    )
    assert "Sharps team" not in client.get("/servicerequestupdates.json").text
    hidden = post_update(client, open311.key, service_request_id=needles["id"], status="FIXED")
    assert_error(hidden, "json", 404)


@pytest.mark.parametrize("fmt", FORMATS)
def test_update_errors(client: httpx.Client, open311: Open311, fmt: str) -> None:
    request_id = submit(client, open311.key)
    assert_error(post_update(client, "", fmt, service_request_id=request_id, status="FIXED"), fmt, 403)
    assert_error(post_update(client, open311.key, fmt, service_request_id=str(uuid.uuid4()), status="FIXED"), fmt, 404)
    assert_error(post_update(client, open311.key, fmt, status="FIXED"), fmt, 400)
    assert_error(post_update(client, open311.key, fmt, service_request_id=request_id), fmt, 400)
    assert_error(post_update(client, open311.key, fmt, service_request_id=request_id, status="ASLEEP"), fmt, 400)
    bad_time = post_update(
        client, open311.key, fmt, service_request_id=request_id, status="FIXED", updated_datetime="x"
    )
    assert_error(bad_time, fmt, 400)
    bad_link = post_update(client, open311.key, fmt, service_request_id=request_id, status="FIXED", media_url="ftp://x")
    assert_error(bad_link, fmt, 400)
    assert post_update(client, open311.key, fmt, service_request_id=request_id, status="FIXED").status_code == 200
    window = {"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}
    assert_error(client.get(f"/servicerequestupdates.{fmt}", params=window), fmt, 400)
    assert_error(client.get(f"/servicerequestupdates.{fmt}", params={"start_date": "soon"}), fmt, 400)
    assert parse(client.get(f"/servicerequestupdates.{fmt}", params={"end_date": "2020-01-01T00:00:00Z"}), fmt) == []
