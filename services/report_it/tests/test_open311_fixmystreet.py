"""Open311 as FixMyStreet speaks it (perllib/Open311.pm and its cron scripts), over real HTTP.

Each request here is built the way FixMyStreet builds it: `attribute[uprn]` and the other attributes a cobrand
adds, photo files as `photo1`, `photo2` ... in multipart bodies, GET requests without paging, comments that carry
FixMyStreet's own state of the report back, and the fixmystreet_id it sends when a definition declares it.
"""

# The Open311 server fixtures are shared with test_open311 by import, so test arguments shadow their names.
# ruff: noqa: F811

from __future__ import annotations

import csv
import io
import json
import time
import uuid

import httpx
import pytest
from PIL import Image

from report_it.main import create_app
from services.report_it.tests.test_open311 import (  # noqa: F401 - fixtures
    FORMATS,
    Open311,
    assert_error,
    client,
    fly_tip,
    open311,
    parse,
    submit,
)
from services.report_it.tests.test_open311_updates import post_update, updates_of
from services.report_it.tests.test_photos import jpeg_with_gps
from tests.support.server import serve

# What FixMyStreet's _populate_service_request_params adds for a UK report besides the category's questions.
FMS_EXTRAS = {
    "attribute[uprn]": "100011779622",
    "attribute[usrn]": "37605021",
    "attribute[closest_address]": "1 Library Street, Wigan",
    "attribute[easting]": "358050",
    "attribute[northing]": "405740",
    "attribute[title]": "Sofa by the gate",
    "attribute[report_url]": "https://www.fixmystreet.com/report/12345",
}


def staff_report(open311: Open311, request_id: str, headers: dict[str, str]) -> dict:
    response = httpx.get(f"{open311.base}/v1/reports/{request_id}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def set_status(open311: Open311, request_id: str, status: str, headers: dict[str, str]) -> None:
    response = httpx.post(f"{open311.base}/v1/reports/{request_id}/updates", json={"status": status}, headers=headers)
    assert response.status_code == 201, response.text


@pytest.mark.parametrize("fmt", FORMATS)
def test_attributes_that_are_not_questions_are_kept_for_staff_only(
    client: httpx.Client, open311: Open311, fmt: str, staff_headers
) -> None:
    request_id = submit(client, open311.key, fmt, **FMS_EXTRAS)
    kept = staff_report(open311, request_id, staff_headers)["client_attributes"]
    assert kept == {key.removeprefix("attribute[").removesuffix("]"): value for key, value in FMS_EXTRAS.items()}
    assert kept["uprn"] == "100011779622"
    # The answers to real questions are still answers, validated as such.
    assert staff_report(open311, request_id, staff_headers)["answers"]["size"] == "car_boot"

    public = httpx.get(f"{open311.base}/v1/reports/{request_id}").json()
    assert "client_attributes" not in public or public["client_attributes"] is None
    listed = client.get(f"/requests/{request_id}.{fmt}")
    assert "100011779622" not in listed.text and "37605021" not in listed.text

    with httpx.stream("GET", f"{open311.base}/v1/exports/reports.csv", headers=staff_headers) as response:
        rows = list(csv.DictReader(io.StringIO(response.read().decode())))
    (row,) = [r for r in rows if r["id"] == request_id]
    assert json.loads(row["client_attributes"])["usrn"] == "37605021"


def test_a_bad_answer_to_a_real_question_is_still_refused(client: httpx.Client, open311: Open311) -> None:
    refused = client.post("/requests.json", data={**fly_tip(open311.key), **FMS_EXTRAS, "attribute[size]": "huge"})
    assert_error(refused, "json", 400)
    assert "attribute[size]" in refused.text


def test_repeated_attribute_keys_without_brackets_are_a_list(
    client: httpx.Client, open311: Open311, staff_headers
) -> None:
    # Perl's LWP sends an array ref as the same key repeated; FixMyStreet does not add [] for multi-value lists.
    data = {k: v for k, v in fly_tip(open311.key).items() if not k.startswith("attribute[waste_type]")}
    response = client.post("/requests.json", data={**data, "attribute[waste_type]": ["household", "commercial"]})
    assert response.status_code == 200, response.text
    request_id = parse(response, "json")[0]["service_request_id"]
    assert staff_report(open311, request_id, staff_headers)["answers"]["waste_type"] == ["commercial", "household"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_photo_files_are_cleaned_like_v1s(client: httpx.Client, open311: Open311, fmt: str, staff_headers) -> None:
    # FixMyStreet with upload_files / always_upload_photos: multipart/form-data, fields then photo1, photo2 ...
    fields = fly_tip(open311.key, **FMS_EXTRAS)
    files = [
        ("photo1", ("1.jpeg", jpeg_with_gps(), "image/jpeg")),
        ("photo2", ("2.jpeg", jpeg_with_gps(40, 20, orientation=1), "image/jpeg")),
    ]
    response = client.post(f"/requests.{fmt}", data=fields, files=files)
    assert response.status_code == 200, response.text
    request_id = parse(response, fmt)[0]["service_request_id"]
    photos = staff_report(open311, request_id, staff_headers)["photos"]
    assert len(photos) == 2
    stored = httpx.get(photos[0]["url"] if photos[0]["url"].startswith("http") else f"{open311.base}{photos[0]['url']}")
    assert stored.status_code == 200 and stored.headers["content-type"] == "image/jpeg"
    assert b"PhoneMaker" not in stored.content and b"Exif" not in stored.content
    with Image.open(io.BytesIO(stored.content)) as image:
        assert len(image.getexif()) == 0 and image.size == (32, 64)


def test_bad_photo_files_are_refused_naming_the_part(client: httpx.Client, open311: Open311) -> None:
    fields = fly_tip(open311.key)
    pdf = client.post(
        "/requests.json", data=fields, files=[("photo1", ("x.jpeg", b"%PDF-1.4 not a photo", "image/jpeg"))]
    )
    assert_error(pdf, "json", 400)
    assert "photo1" in pdf.text
    damaged = client.post(
        "/requests.json", data=fields, files=[("photo2", ("x.jpeg", jpeg_with_gps()[:200], "image/jpeg"))]
    )
    assert_error(damaged, "json", 400)
    assert "photo2" in damaged.text
    seven = [(f"photo{i}", (f"{i}.jpeg", jpeg_with_gps(8 + i, 8), "image/jpeg")) for i in range(1, 8)]
    too_many = client.post("/requests.json", data=fields, files=seven)
    assert_error(too_many, "json", 400)
    other = client.post(
        "/requests.json", data=fields, files=[("file_leaflet", ("a.pdf", b"%PDF-1.4", "application/pdf"))]
    )
    assert_error(other, "json", 400)
    assert "file_leaflet" in other.text


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_definition_declares_fixmystreet_id_and_a_resend_is_the_same_request(
    client: httpx.Client, open311: Open311, fmt: str
) -> None:
    for service in parse(client.get(f"/services.{fmt}"), fmt):
        assert str(service["metadata"]).lower() == "true", service
        definition = parse(client.get(f"/services/{service['service_code']}.{fmt}"), fmt)
        declared = [a for a in definition["attributes"] if a["code"] == "fixmystreet_id"]
        assert len(declared) == 1, definition
        assert str(declared[0]["variable"]).lower() == "false" and str(declared[0]["required"]).lower() == "false"
    # Stock FixMyStreet now sends its id; a resend after a timeout must not make a second report.
    fms_id = f"fms-{uuid.uuid4().hex[:10]}"
    first = submit(client, open311.key, fmt, **{"attribute[fixmystreet_id]": fms_id})
    again = submit(client, open311.key, fmt, **{"attribute[fixmystreet_id]": fms_id})
    assert first == again


def test_get_requests_without_paging_returns_the_whole_window(make_settings, token_for, fresh_db) -> None:
    app = create_app(make_settings(database_url=fresh_db))
    admin = {"Authorization": f"Bearer {token_for('admin', sub='admin.paging')}"}
    with serve(app) as base, httpx.Client(base_url=f"{base}/open311/v2", timeout=30) as http:
        key = httpx.post(f"{base}/v1/open311/api-keys", json={"name": "FixMyStreet"}, headers=admin).json()["key"]
        start = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 60))
        made = {submit(http, key) for _ in range(130)}
        end = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 60))
        # What GetServiceRequests sends: start_date and end_date, and no page or page_size.
        window = parse(http.get("/requests.xml", params={"start_date": start, "end_date": end}), "xml")
        assert {r["service_request_id"] for r in window} == made
        first_page = parse(http.get("/requests.json", params={"start_date": start, "page": "1"}), "json")
        assert len(first_page) == 100  # paging, the extension, keeps its default page


def test_echoes_of_our_own_status_keep_the_text_and_leave_the_status(
    client: httpx.Client, open311: Open311, staff_headers
) -> None:
    # allocated reads back IN_PROGRESS; a resident's comment on FixMyStreet then carries IN_PROGRESS.
    allocated = submit(client, open311.key)
    set_status(open311, allocated, "allocated", staff_headers)
    echo = post_update(
        client, open311.key, service_request_id=allocated, status="IN_PROGRESS", description="Still there"
    )
    assert echo.status_code == 200, echo.text
    report = staff_report(open311, allocated, staff_headers)
    assert report["status"] == "allocated" and report["timeline"][-1]["public_text"] == "Still there"

    # unable_to_locate reads back NO_FURTHER_ACTION ("unable to fix" in FixMyStreet), and comes back as such.
    lost = submit(client, open311.key)
    set_status(open311, lost, "unable_to_locate", staff_headers)
    assert updates_of(client, lost, "json")[-1]["status"] == "NO_FURTHER_ACTION"
    echo = post_update(
        client, open311.key, service_request_id=lost, status="NO_FURTHER_ACTION", description="It's here"
    )
    assert echo.status_code == 200, echo.text
    report = staff_report(open311, lost, staff_headers)
    assert report["status"] == "unable_to_locate" and report["timeline"][-1]["public_text"] == "It's here"

    # With extended statuses off FixMyStreet sends only OPEN or CLOSED.
    closed = post_update(client, open311.key, service_request_id=lost, status="CLOSED", description="Thanks")
    assert closed.status_code == 200, closed.text
    assert staff_report(open311, lost, staff_headers)["status"] == "unable_to_locate"


def test_every_status_round_trips_through_fixmystreet_as_an_echo(
    client: httpx.Client, open311: Open311, staff_headers
) -> None:
    for status in ["acknowledged", "allocated", "in_progress", "action_scheduled", "fixed", "no_further_action"]:
        request_id = submit(client, open311.key)
        set_status(open311, request_id, status, staff_headers)
        theirs = updates_of(client, request_id, "json")[-1]["status"]
        # Extended statuses on, FixMyStreet sends back what it read; off, just OPEN or CLOSED.
        plain = "CLOSED" if status in ("fixed", "no_further_action") else "OPEN"
        for sent in [theirs, plain]:
            answer = post_update(client, open311.key, service_request_id=request_id, status=sent, description="echo")
            assert answer.status_code == 200, answer.text
            assert staff_report(open311, request_id, staff_headers)["status"] == status, (status, sent)


def test_a_reopened_report_reads_back_as_the_open_state_it_is_in(
    client: httpx.Client, open311: Open311, staff_headers
) -> None:
    request_id = submit(client, open311.key)
    set_status(open311, request_id, "fixed", staff_headers)
    set_status(open311, request_id, "in_progress", staff_headers)
    assert [u["status"] for u in updates_of(client, request_id, "json")][-2:] == ["FIXED", "IN_PROGRESS"]
    set_status(open311, request_id, "fixed", staff_headers)
    set_status(open311, request_id, "acknowledged", staff_headers)
    statuses = [u["status"] for u in updates_of(client, request_id, "xml")]
    assert statuses[-1] == "OPEN" and "REOPEN" not in statuses


def test_staff_on_fixmystreet_correct_a_closure(client: httpx.Client, open311: Open311, staff_headers) -> None:
    request_id = submit(client, open311.key)
    closed = post_update(client, open311.key, service_request_id=request_id, status="NOT_COUNCILS_RESPONSIBILITY")
    assert closed.status_code == 200, closed.text
    corrected = post_update(client, open311.key, service_request_id=request_id, status="FIXED", description="Ours")
    assert corrected.status_code == 200, corrected.text
    report = staff_report(open311, request_id, staff_headers)
    assert report["status"] == "fixed"
    last = report["timeline"][-1]
    assert last["status_from"] == "not_council_responsibility" and last["public_text"] == "Ours"
    assert {"field": "status", "old": "not_council_responsibility", "new": "fixed"}.items() <= last["changes"][
        0
    ].items()
    assert [u["status"] for u in updates_of(client, request_id, "json")][-1] == "FIXED"


def test_an_impossible_move_is_taken_not_retried_for_ever(
    client: httpx.Client, open311: Open311, staff_headers
) -> None:
    # FixMyStreet retries any error every half hour for ever, holding back the problem's later updates.
    request_id = submit(client, open311.key)
    post_update(client, open311.key, service_request_id=request_id, status="FIXED")
    planned = post_update(client, open311.key, service_request_id=request_id, status="PLANNED", description="Soon")
    assert planned.status_code == 200, planned.text
    report = staff_report(open311, request_id, staff_headers)
    assert report["status"] == "fixed"
    last = report["timeline"][-1]
    assert last["public_text"] == "Soon" and "PLANNED" in (last.get("internal_note") or "")
    assert "PLANNED" not in client.get("/servicerequestupdates.json").text


def test_what_else_fixmystreet_sends_keeps_working(client: httpx.Client, open311: Open311, staff_headers) -> None:
    request_id = submit(client, open311.key)
    # A status-only update (a staff state change with no text), updated_datetime with an offset, as W3CDTF writes.
    status_only = post_update(
        client,
        open311.key,
        service_request_id=request_id,
        status="IN_PROGRESS",
        description="",
        updated_datetime="2026-12-06T10:30:00+00:00",
        update_id="fms-77",
        first_name="Sam",
        last_name="-",
    )
    assert status_only.status_code == 200, status_only.text
    assert staff_report(open311, request_id, staff_headers)["status"] == "in_progress"
    offset = post_update(
        client, open311.key, service_request_id=request_id, status="FIXED", updated_datetime="2026-12-06T11:30:00+01:00"
    )
    assert offset.status_code == 200, offset.text
    # api_key in the query string rather than the body.
    in_query = client.post(
        "/servicerequestupdates.json",
        params={"api_key": open311.key},
        data={"service_request_id": request_id, "status": "FIXED", "description": "Query key"},
    )
    assert in_query.status_code == 200, in_query.text
    in_query = client.post("/requests.json", params={"api_key": open311.key}, data=fly_tip(""))
    assert in_query.status_code == 200, in_query.text


def test_open311_reports_set_off_the_report_created_webhook(make_settings, token_for, fresh_db) -> None:
    from services.report_it.tests.test_notifications import Receiver, wait_until

    receiver = Receiver(fail_first=0)
    app = create_app(make_settings(database_url=fresh_db))
    admin = {"Authorization": f"Bearer {token_for('admin', sub='admin.hooks')}"}
    with serve(receiver.app) as hook_base, serve(app) as base, httpx.Client(base_url=f"{base}/open311/v2") as http:
        created = httpx.post(f"{base}/v1/webhooks", json={"url": f"{hook_base}/hook"}, headers=admin)
        assert created.status_code == 201, created.text
        key = httpx.post(f"{base}/v1/open311/api-keys", json={"name": "FixMyStreet"}, headers=admin).json()["key"]
        request_id = submit(http, key, **FMS_EXTRAS)
        wait_until(lambda: receiver.received)
        event = json.loads(receiver.received[0][1])
        assert event["event"] == "report.created" and event["report"]["id"] == request_id
        assert b"100011779622" not in receiver.received[0][1]  # the client's attributes stay with staff


def test_a_refused_request_stores_nothing(make_settings, token_for, fresh_db) -> None:
    from services.report_it.tests.test_report_channels import stored

    app = create_app(make_settings(database_url=fresh_db))
    admin = {"Authorization": f"Bearer {token_for('admin', sub='admin.refused')}"}
    with serve(app) as base, httpx.Client(base_url=f"{base}/open311/v2", timeout=30) as http:
        key = httpx.post(f"{base}/v1/open311/api-keys", json={"name": "FixMyStreet"}, headers=admin).json()["key"]
        for extra in [{"device_id": "d" * 201}, {"account_id": "a" * 201}, {"media_url": "ftp://x"}]:
            # A retry of a refused request must not make another report each time.
            for _ in range(2):
                assert_error(http.post("/requests.json", data={**fly_tip(key), **extra}), "json", 400)
        bad_photo = [("photo1", ("x.jpeg", b"not a photo", "image/jpeg"))]
        assert_error(http.post("/requests.json", data=fly_tip(key), files=bad_photo), "json", 400)
    assert stored(fresh_db) == ({}, {})


@pytest.mark.parametrize("fmt", FORMATS)
def test_photo_files_on_an_update_are_cleaned_attached_and_read_back(
    client: httpx.Client, open311: Open311, fmt: str, staff_headers
) -> None:
    """FixMyStreet with upload_files posts a comment's photos as file parts of the update, with no media_url."""
    request_id = submit(client, open311.key)
    fields = {
        "api_key": open311.key,
        "service_request_id": request_id,
        "update_id": f"fms-{uuid.uuid4().hex[:8]}",
        "updated_datetime": "2026-12-07T10:15:00+00:00",
        "status": "OPEN",
        "description": "It is still there, and more has been added",
        "first_name": "Pat",
        "last_name": "Resident",
        "email": "pat@example.org",
    }
    photo = [("photo1", ("comment.jpeg", jpeg_with_gps(), "image/jpeg"))]
    answer = client.post(f"/servicerequestupdates.{fmt}", data=fields, files=photo)
    assert answer.status_code == 200, answer.text
    photos = staff_report(open311, request_id, staff_headers)["photos"]
    assert len(photos) == 1
    stored = httpx.get(photos[0]["url"] if photos[0]["url"].startswith("http") else f"{open311.base}{photos[0]['url']}")
    assert stored.status_code == 200 and b"Exif" not in stored.content and b"PhoneMaker" not in stored.content
    (published,) = [u for u in updates_of(client, request_id, fmt) if u["description"] == fields["description"]]
    assert published["media_url"] and published["media_url"].endswith(f"{photos[0]['id']}.jpg")
    # The same update sent again (a retry) attaches nothing more.
    again = client.post(f"/servicerequestupdates.{fmt}", data=fields, files=photo)
    assert again.status_code == 200, again.text
    assert len(staff_report(open311, request_id, staff_headers)["photos"]) == 1


def test_a_bad_photo_file_on_an_update_is_refused_naming_the_part(client: httpx.Client, open311: Open311) -> None:
    request_id = submit(client, open311.key)
    fields = {"api_key": open311.key, "service_request_id": request_id, "status": "OPEN", "description": "Look"}
    refused = client.post(
        "/servicerequestupdates.json", data=fields, files=[("photo1", ("x.jpeg", b"%PDF-1.4 no", "image/jpeg"))]
    )
    assert_error(refused, "json", 400)
    assert "photo1" in refused.text
    assert all(u["description"] != "Look" for u in updates_of(client, request_id, "json"))  # nothing was taken
