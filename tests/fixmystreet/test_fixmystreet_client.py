"""FixMyStreet's own Open311 client (its perllib/Open311.pm, run by Perl) against the real Report IT over HTTP.

The client is driven as FixMyStreet's cron scripts drive it: the service list and each definition
(PopulateServiceList), reports sent realtime and batch, with and without photo files (SendReport::Open311), the
requests of a window fetched back (GetServiceRequests), the updates read back and mapped to FixMyStreet's states
(GetServiceRequestUpdates, UpdatesBase), and comments posted with FixMyStreet's state of the problem
(PostServiceRequestUpdates), with extended statuses on and off. FixMyStreet's code is not part of this
repository: `FIXMYSTREET_SOURCE` names a checkout of it (with perllib/Open311.pm), and without it, or without
Debian's Perl modules its client needs (`make fixmystreet-check` installs them), these tests are skipped.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest

from deal_shared.auth import AuthSettings
from report_it.categories import seed_categories
from report_it.config import Settings
from report_it.db import migrate
from report_it.main import create_app
from report_it.open311.config import Open311Settings
from services.report_it.tests.test_photos import jpeg_with_gps
from tests.support.databases import seeded
from tests.support.postgres import create_database, drop_database
from tests.support.server import serve

SOURCE = os.environ.get("FIXMYSTREET_SOURCE", "")
DRIVER = Path(__file__).parent / "perl" / "driver.pl"
# What perllib/Open311.pm `use`s from CPAN (Debian packages them; see the Makefile's fixmystreet-check).
PERL_MODULES = [
    "Moo",
    "MooX::Types::MooseLike::Base",
    "XML::Simple",
    "LWP::UserAgent",
    "HTTP::Request::Common",
    "DateTime::Format::W3CDTF",
    "Path::Tiny",
    "Try::Tiny",
    "URI",
    "JSON::PP",
]
BATCH_SERVICE = "abandoned_vehicle"
WIGAN = {"latitude": 53.545123, "longitude": -2.632456}


@cache
def _why_not() -> str | None:
    if not SOURCE:
        return "FIXMYSTREET_SOURCE is not set (a FixMyStreet checkout with perllib/Open311.pm)"
    if not (Path(SOURCE) / "perllib" / "Open311.pm").is_file():
        return f"FIXMYSTREET_SOURCE={SOURCE} has no perllib/Open311.pm"
    if shutil.which("perl") is None:
        return "no perl on this machine"
    missing = [
        m for m in PERL_MODULES if subprocess.run(["perl", f"-M{m}", "-e1"], capture_output=True).returncode != 0
    ]
    if missing:
        return f"Perl modules missing: {', '.join(missing)} (make fixmystreet-check installs them)"
    return None


pytestmark = pytest.mark.skipif(_why_not() is not None, reason=_why_not() or "")


@dataclass(frozen=True)
class ReportIt:
    base: str
    key: str
    staff: dict[str, str]


@pytest.fixture(scope="module")
def report_it(postgres_admin_url: str, dev_key: Path, token_for, tmp_path_factory) -> Iterator[ReportIt]:
    name = f"deal_test_fixmystreet_{uuid.uuid4().hex[:10]}"
    url = seeded(create_database(postgres_admin_url, name), migrate, seed_categories)
    settings = Settings(
        database_url=url,
        environment="test",
        photo_dir=tmp_path_factory.mktemp("fixmystreet_photos"),
        auth=AuthSettings(dev_mode=True, dev_key_path=dev_key),
        smtp_host="127.0.0.1",
        smtp_port=9,
        footprints_url="http://127.0.0.1:9",
        run_deliverer=False,
        run_router=False,
    )
    app = create_app(settings)
    app.state.open311_settings = Open311Settings(batch_services=[BATCH_SERVICE])
    admin = {"Authorization": f"Bearer {token_for('admin', sub='admin.fixmystreet')}"}
    staff = {"Authorization": f"Bearer {token_for('staff', sub='officer.fms', name='Sam Street')}"}
    try:
        with serve(app) as base:
            created = httpx.post(f"{base}/v1/open311/api-keys", json={"name": "FixMyStreet"}, headers=admin)
            assert created.status_code == 201, created.text
            yield ReportIt(base=base, key=created.json()["key"], staff=staff)
    finally:
        drop_database(postgres_admin_url, name)


def fixmystreet(report_it: ReportIt, call: str, *, open311: dict[str, Any] | None = None, **args: Any) -> dict:
    """One call of FixMyStreet's Open311 object, configured as its scripts configure it (plus `open311`)."""
    config = {"endpoint": f"{report_it.base}/open311/v2/", "api_key": report_it.key, "jurisdiction": "wigan"}
    document = {"open311": {**config, **(open311 or {})}, "call": call, **args}
    env = {**os.environ, "PERL5LIB": str(Path(SOURCE) / "perllib")}
    done = subprocess.run(
        ["perl", str(DRIVER)], input=json.dumps(document).encode(), capture_output=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr.decode()
    # A warning from FixMyStreet's code means a stand-in lacks something it reads, or we sent what it cannot read.
    assert not done.stderr, done.stderr.decode()
    return json.loads(done.stdout)


def staff_report(report_it: ReportIt, request_id: str) -> dict:
    response = httpx.get(f"{report_it.base}/v1/reports/{request_id}", headers=report_it.staff)
    assert response.status_code == 200, response.text
    return response.json()


def set_status(report_it: ReportIt, request_id: str, status: str, **fields: str) -> None:
    response = httpx.post(
        f"{report_it.base}/v1/reports/{request_id}/updates",
        json={"status": status, **fields},
        headers=report_it.staff,
    )
    assert response.status_code == 201, response.text


def w3c(moment: datetime) -> str:
    """A moment as FixMyStreet's scripts write a window's ends (DateTime::Format::W3CDTF of a UTC DateTime)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# Definitions fetched once per server, as PopulateServiceList keeps them on its contacts.
_DEFINITIONS: dict[str, dict[str, dict]] = {}


def definition(report_it: ReportIt, service_code: str) -> dict:
    """The service's definition as PopulateServiceList stores it on its contact (get_service_meta_info)."""
    known = _DEFINITIONS.setdefault(report_it.base, {})
    if service_code not in known:
        answer = fixmystreet(report_it, "get_service_meta_info", service_code=service_code)
        assert answer["success"] == 1, answer["error"]
        known[service_code] = answer["result"]
    return known[service_code]


def extra_fields_for(report_it: ReportIt, service_code: str, problem_id: int) -> list[dict]:
    """The problem's extra fields as SendReport::Open311 sends them: the answers its form asked for (the first
    allowed value of each list question), then the contact's id field (fixmystreet_id) set to the problem's id
    when the definition declares it."""
    fields: list[dict] = []
    for attribute in definition(report_it, service_code)["attributes"]:
        code, values = attribute["code"], [v["key"] for v in attribute.get("values") or []]
        if code == "fixmystreet_id":
            fields.append({"name": code, "value": str(problem_id)})
        elif attribute["variable"] == "true" and attribute["required"] == "true":
            if attribute["datatype"] == "multivaluelist":
                fields.append({"name": code, "value": values[:2]})
            elif attribute["datatype"] == "singlevaluelist":
                fields.append({"name": code, "value": values[0]})
            elif attribute["datatype"] == "number":
                fields.append({"name": code, "value": "2"})
            else:
                fields.append({"name": code, "value": "Seen this morning"})
    return fields


def problem(
    report_it: ReportIt, service_code: str = "fly_tipping", *, photos: int = 0, **fields: Any
) -> dict[str, Any]:
    problem_id = fields.pop("id", None) or uuid.uuid4().int % 10**8
    return {
        "id": problem_id,
        "title": "Sofa by the gate",
        "detail": "A sofa and two bin bags, left overnight.",
        "name": "Pat Resident",
        "user": {"email": "pat@example.org", "name": "Pat Resident"},
        "used_map": 1,
        "cobrand": "wigan",
        "extra_fields": extra_fields_for(report_it, service_code, problem_id),
        "photos": [
            {
                "id": f"{uuid.uuid4().hex[:12]}.jpeg",
                "content_type": "image/jpeg",
                "data_base64": base64.b64encode(jpeg_with_gps(24 + i, 16)).decode(),
            }
            for i in range(photos)
        ],
        **WIGAN,
        **fields,
    }


def photo_link(report: dict) -> str:
    return f"https://fixmystreet.example/photo/{report['id']}.0.full.jpeg"


def send(report_it: ReportIt, report: dict, service_code: str = "fly_tipping", **open311: Any) -> dict:
    extra: dict[str, Any] = {
        "url": f"https://fixmystreet.example/report/{report['id']}",
        "easting": 358050,
        "northing": 405740,
    }
    if report["photos"]:
        extra["image_url"] = photo_link(report)
    return fixmystreet(
        report_it, "send_service_request", open311=open311, problem=report, extra=extra, service_code=service_code
    )


def test_the_service_list_and_every_definition_populate_fixmystreet_contacts(report_it: ReportIt) -> None:
    listed = fixmystreet(report_it, "get_service_list")
    assert listed["success"] == 1, listed["error"]
    services = {s["service_code"]: s for s in listed["result"]["service"]}
    ours = httpx.get(f"{report_it.base}/open311/v2/services.json").json()
    assert set(services) == {s["service_code"] for s in ours}
    assert services[BATCH_SERVICE]["type"] == "batch" and services["fly_tipping"]["type"] == "realtime"
    for code, service in services.items():
        # PopulateServiceList fetches a definition only for metadata "true", and keeps it only if it has attributes.
        assert service["service_name"] and service["metadata"].lower() == "true", service
        attributes = definition(report_it, code)["attributes"]
        assert isinstance(attributes, list) and attributes, code
        (declared,) = [a for a in attributes if a["code"] == "fixmystreet_id"]
        assert declared["variable"] == "false" and declared["required"] == "false"
    size = {a["code"]: a for a in definition(report_it, "fly_tipping")["attributes"]}["size"]
    assert size["datatype"] == "singlevaluelist" and {"key": "car_boot", "name": "A car boot load"} in size["values"]


@pytest.mark.parametrize("upload", ["links", "always_upload_photos", "private_report"])
def test_a_report_is_sent_with_its_answers_uprn_and_photos_and_a_resend_is_the_same_request(
    report_it: ReportIt, upload: str
) -> None:
    if upload == "links":
        # Stock SendReport: photos go as a media_url link to FixMyStreet's copy, never as files.
        report = problem(report_it, photos=1, uprn="100011779622")
        sent = send(report_it, report)
    elif upload == "always_upload_photos":
        report = problem(report_it, photos=2, uprn="100011779622")
        sent = send(report_it, report, upload_files=1, always_upload_photos=1)
    else:
        # A private report's photos cannot be fetched, so they go as files (photo1 ...) whenever upload_files is on.
        report = problem(report_it, photos=1, uprn="100011779622", non_public=1)
        sent = send(report_it, report, upload_files=1)
    assert sent["success"] == 1, sent["error"]
    request_id = sent["result"]
    uuid.UUID(request_id)

    stored = staff_report(report_it, request_id)
    # A multi-value answer is stored as a set of choices, in our order.
    asked = {f["name"]: f["value"] for f in report["extra_fields"] if f["name"] != "fixmystreet_id"}
    kept = {code: stored["answers"].get(code) for code in asked}
    assert asked and {c: sorted(v) if isinstance(v, list) else v for c, v in asked.items()} == kept
    assert stored["client_attributes"]["uprn"] == "100011779622"
    assert stored["client_attributes"]["fixmystreet_id"] == str(report["id"])
    assert "title: Sofa by the gate" in stored["description"] and "Submitted via FixMyStreet" in stored["description"]
    assert len(stored["photos"]) == {"links": 0, "always_upload_photos": 2, "private_report": 1}[upload]
    multipart = "Content_Type: form-data" in sent["debug_details"]
    assert multipart is (upload != "links")
    if upload == "links":
        (read,) = fixmystreet(report_it, "get_service_requests", args={"report_ids": [request_id]})["result"]
        assert read["media_url"] == photo_link(report)

    # The send timed out on FixMyStreet's side: the next run of send-reports sends the same problem again.
    again = send(report_it, report, **({"upload_files": 1} if upload != "links" else {}))
    assert again["success"] == 1 and again["result"] == request_id


def test_a_batch_service_answers_a_token_the_client_resolves(report_it: ReportIt) -> None:
    sent = send(report_it, problem(report_it, BATCH_SERVICE), BATCH_SERVICE)
    assert sent["success"] == 1, sent["error"]
    assert staff_report(report_it, sent["result"])["category"] == BATCH_SERVICE
    assert "tokens/" in sent["debug_details"]


def test_a_refused_report_is_an_error_the_client_can_read(report_it: ReportIt) -> None:
    report = problem(report_it)
    report["extra_fields"] = [f for f in report["extra_fields"] if f["name"] != "size"] + [
        {"name": "size", "value": "the size of a house"}
    ]
    sent = send(report_it, report)
    assert sent["result"] == 0 and sent["success"] == 0
    assert "400 " in sent["error"] and "400: " in sent["error"] and "attribute[size]" in sent["error"]
    unknown = send(report_it, problem(report_it), "no_such_service")
    assert unknown["result"] == 0 and "404: " in unknown["error"]


def _quick_reports(report_it: ReportIt, count: int) -> set[str]:
    """Reports made straight over HTTP (FixMyStreet's client would take a Perl process each)."""
    made = set()
    with httpx.Client(base_url=f"{report_it.base}/open311/v2", timeout=30) as http:
        for _ in range(count):
            answer = http.post(
                "/requests.json",
                data={
                    "api_key": report_it.key,
                    "service_code": "fly_tipping",
                    "lat": "53.545",
                    "long": "-2.632",
                    "description": "Bags by the bins",
                    "attribute[size]": "bag",
                    "attribute[waste_type]": "household",
                },
            )
            assert answer.status_code == 200, answer.text
            made.add(answer.json()[0]["service_request_id"])
    return made


def test_get_service_requests_imports_a_whole_window_of_more_than_100(report_it: ReportIt) -> None:
    start = datetime.now(UTC) - timedelta(seconds=2)
    made = _quick_reports(report_it, 130)
    end = datetime.now(UTC) + timedelta(seconds=2)
    # GetServiceRequests' format_args: start_date and end_date, W3CDTF; no paging.
    answer = fixmystreet(report_it, "get_service_requests", args={"start_date": w3c(start), "end_date": w3c(end)})
    assert answer["success"] == 1, answer["error"]
    assert "page" not in answer["debug_details"]
    requests = {r["service_request_id"]: r for r in answer["result"]}
    assert made <= set(requests)
    for request in requests.values():
        # What create_problems needs to import a request, and its window check on updated_datetime.
        assert request["lat"] and request["long"] and not request.get("fms_unreadable"), request
        assert w3c(start) <= request["fms_updated"] <= w3c(end), request
        assert request["fms_state"] == "confirmed"
    some = sorted(made)[:3]
    by_id = fixmystreet(report_it, "get_service_requests", args={"report_ids": some})
    assert {r["service_request_id"] for r in by_id["result"]} == set(some)


# Each of our statuses, and the state FixMyStreet gives its copy of the problem when it reads the update.
FIXMYSTREET_STATE_OF = {
    "acknowledged": "confirmed",
    "allocated": "in progress",
    "in_progress": "in progress",
    "action_scheduled": "action scheduled",
    "fixed": "fixed - council",
    "not_council_responsibility": "not responsible",
    "duplicate": "duplicate",
    "no_further_action": "unable to fix",
    "unable_to_locate": "unable to fix",
    "cancelled": "cancelled",
}


def read_updates(report_it: ReportIt, start: datetime) -> dict[str, list[dict]]:
    """GetServiceRequestUpdates' fetch (a window ending now), each request's updates in the order read."""
    end = datetime.now(UTC) + timedelta(seconds=2)
    answer = fixmystreet(report_it, "get_service_request_updates", start_date=w3c(start), end_date=w3c(end))
    assert answer["success"] == 1, answer["error"]
    by_request: dict[str, list[dict]] = {}
    for update in answer["result"]:
        # What UpdatesBase needs to take an update: an update_id, a request id, a readable time in the window.
        assert update["update_id"] and update["service_request_id"] and not update.get("fms_unreadable"), update
        assert w3c(start) <= update["fms_updated"] <= w3c(end), update
        by_request.setdefault(update["service_request_id"], []).append(update)
    return by_request


def comment(request_id: str, state: str, text: str, **fields: Any) -> dict[str, Any]:
    """A FixMyStreet comment on the problem sent as `request_id`, made while the problem was in `state`."""
    return {
        "id": uuid.uuid4().int % 10**8,
        "name": "Pat Resident",
        "user": {"name": "Pat Resident", "email": "pat@example.org"},
        "problem_state": state,
        "problem": {"state": state, "external_id": request_id},
        # FixMyStreet's times are in Europe/London: W3CDTF writes them with an offset.
        "confirmed": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00"),
        "text": text,
        **fields,
    }


def post(report_it: ReportIt, note: dict, *, extended: bool, **open311: Any) -> dict:
    return fixmystreet(
        report_it,
        "post_service_request_update",
        open311={"extended_statuses": 1 if extended else 0, **open311},
        comment=note,
    )


def test_every_status_reads_back_as_fixmystreet_state_and_a_residents_comment_leaves_it(report_it: ReportIt) -> None:
    start = datetime.now(UTC) - timedelta(seconds=2)
    reports = dict(zip(FIXMYSTREET_STATE_OF, sorted(_quick_reports(report_it, len(FIXMYSTREET_STATE_OF))), strict=True))
    original = _quick_reports(report_it, 1).pop()
    for status, request_id in reports.items():
        set_status(report_it, request_id, status, **({"duplicate_of": original} if status == "duplicate" else {}))
    updates = read_updates(report_it, start)
    for status, request_id in reports.items():
        theirs = updates[request_id][-1]["fms_state"]
        assert theirs == FIXMYSTREET_STATE_OF[status], (status, updates[request_id][-1])
        # A resident's comment on FixMyStreet carries the problem's state there, with extended statuses on or off.
        for extended in (True, False):
            text = f"Still there ({status}, extended {extended})"
            answer = post(report_it, comment(request_id, theirs, text), extended=extended)
            assert answer["success"] == 1 and answer["result"], (status, extended, answer["error"])
            stored = staff_report(report_it, request_id)
            assert stored["status"] == status, (status, extended, answer["debug_details"])
            assert stored["timeline"][-1]["public_text"] == text


@pytest.mark.parametrize("extended", [True, False], ids=["extended", "plain"])
def test_fixmystreet_staff_move_a_report_reopen_it_and_correct_its_closure(report_it: ReportIt, extended: bool) -> None:
    start = datetime.now(UTC) - timedelta(seconds=2)
    request_id = send(report_it, problem(report_it))["result"]

    # A status change made by staff on FixMyStreet, with no text (a state change alone).
    moved = post(report_it, comment(request_id, "in progress", ""), extended=extended)
    assert moved["success"] == 1 and moved["result"], moved["error"]
    # With extended statuses off FixMyStreet says only OPEN or CLOSED, and an open report stays as it is.
    assert staff_report(report_it, request_id)["status"] == ("in_progress" if extended else "submitted")

    closed = post(report_it, comment(request_id, "not responsible", "Not ours: the canal trust's"), extended=extended)
    assert closed["success"] == 1, closed["error"]
    # CLOSED alone is taken as FixMyStreet itself reads it from a council: fixed.
    assert staff_report(report_it, request_id)["status"] == ("not_council_responsibility" if extended else "fixed")

    # A correction between closed states (extended only: with them off both are CLOSED).
    if extended:
        corrected = post(report_it, comment(request_id, "fixed - council", "Cleared after all"), extended=True)
        assert corrected["success"] == 1, corrected["error"]
        stored = staff_report(report_it, request_id)
        assert stored["status"] == "fixed"
        assert stored["timeline"][-1]["status_from"] == "not_council_responsibility"

    # A resident reopens it ("not fixed" ticked): REOPEN where the council asked for mark_reopen, else OPEN.
    reopened = post(
        report_it,
        comment(request_id, "confirmed", "It is back again", mark_open=1),
        extended=extended,
        mark_reopen=1,
    )
    assert reopened["success"] == 1, reopened["error"]
    assert ("REOPEN" in reopened["debug_details"]) is extended
    assert staff_report(report_it, request_id)["status"] == "acknowledged"

    # Read back, FixMyStreet's copy goes the same way, and is open again at the end.
    states = [u["fms_state"] for u in read_updates(report_it, start)[request_id]]
    assert states[-1] == "confirmed" and "reopen" not in states


def test_a_move_the_lifecycle_cannot_make_is_taken_and_an_unknown_request_is_an_error(report_it: ReportIt) -> None:
    request_id = send(report_it, problem(report_it))["result"]
    assert post(report_it, comment(request_id, "fixed - council", "Done"), extended=True)["success"] == 1
    # FixMyStreet would retry a refusal every half hour for ever; the text is taken and the status left.
    planned = post(report_it, comment(request_id, "planned", "Booked for Friday"), extended=True)
    assert planned["success"] == 1 and planned["result"], planned["error"]
    stored = staff_report(report_it, request_id)
    assert stored["status"] == "fixed" and stored["timeline"][-1]["public_text"] == "Booked for Friday"

    unknown = post(report_it, comment(str(uuid.uuid4()), "confirmed", "Hello?"), extended=True)
    assert unknown["result"] == 0 and unknown["success"] == 0
    assert "404 " in unknown["error"] and "404: " in unknown["error"]


def test_a_comment_sent_again_is_applied_once(report_it: ReportIt) -> None:
    request_id = send(report_it, problem(report_it))["result"]
    note = comment(request_id, "confirmed", "Still there")
    first = post(report_it, note, extended=True)
    again = post(report_it, note, extended=True)
    assert first["success"] == 1 and again["result"] == first["result"]
    texts = [e["public_text"] for e in staff_report(report_it, request_id)["timeline"]]
    assert texts.count("Still there") == 1


@pytest.mark.parametrize("upload", [False, True], ids=["link", "file"])
def test_a_comments_photo_arrives_and_fixmystreet_can_fetch_ours(report_it: ReportIt, upload: bool) -> None:
    start = datetime.now(UTC) - timedelta(seconds=2)
    request_id = send(report_it, problem(report_it))["result"]
    photo = problem(report_it, photos=1)["photos"][0]
    note = comment(request_id, "confirmed", "More bags today", photos=[{**photo, "url_full": "/photo/c/1.full.jpeg"}])
    flags = {"upload_files_for_updates": 1, "always_upload_photos": 1} if upload else {}
    answer = post(report_it, note, extended=True, **flags)
    assert answer["success"] == 1 and answer["result"], answer["error"]
    assert ("Content_Type: form-data" in answer["debug_details"]) is upload
    stored = staff_report(report_it, request_id)
    assert len(stored["photos"]) == (1 if upload else 0)

    (update,) = [u for u in read_updates(report_it, start)[request_id] if u.get("description") == "More bags today"]
    if not upload:
        assert update["media_url"] == "https://fixmystreet.example/photo/c/1.full.jpeg"
        return
    # FixMyStreet's importer fetches an update's media_url (add_media), and keeps it only if it is an image.
    fetched = fixmystreet(report_it, "add_media", url=update["media_url"])
    assert len(fetched["result"]) == 1 and fetched["result"][0] > 100


def test_text_beyond_ascii_and_several_photo_links_arrive_as_written(report_it: ReportIt) -> None:
    report = problem(report_it, title="Sofa outside the Café — Wallgate", detail="Left by the “bins”, worth £0")
    extra = {"url": "https://fixmystreet.example/report/1", "easting": 358050, "northing": 405740}
    links = [f"https://fixmystreet.example/photo/{report['id']}.{i}.full.jpeg" for i in range(3)]
    extra |= {"image_url": links[0], "all_image_urls": links}
    sent = fixmystreet(
        report_it,
        "send_service_request",
        open311={"multi_photos": 1},
        problem=report,
        extra=extra,
        service_code="fly_tipping",
    )
    assert sent["success"] == 1, sent["error"]
    stored = staff_report(report_it, sent["result"])
    assert "title: Sofa outside the Café — Wallgate" in stored["description"]
    assert "detail: Left by the “bins”, worth £0" in stored["description"]
    text = "It\u2019s still there, na\u00efvely left"
    assert post(report_it, comment(sent["result"], "confirmed", text), extended=True)["success"] == 1
    assert staff_report(report_it, sent["result"])["timeline"][-1]["public_text"] == text
    (read,) = fixmystreet(report_it, "get_service_requests", args={"report_ids": [sent["result"]]})["result"]
    assert read["description"].startswith("title: Sofa outside the Café") and read["media_url"] in links


def test_a_council_reopen_reads_back_as_an_open_state_fixmystreet_applies(report_it: ReportIt) -> None:
    start = datetime.now(UTC) - timedelta(seconds=2)
    to_work, to_open = sorted(_quick_reports(report_it, 2))
    for request_id, reopened_to in [(to_work, "in_progress"), (to_open, "acknowledged")]:
        set_status(report_it, request_id, "fixed")
        set_status(report_it, request_id, reopened_to)
    updates = read_updates(report_it, start)
    # UpdatesBase ignores a state that is not one of its visible states (REOPEN maps to "reopen", not one).
    assert [u["fms_state"] for u in updates[to_work]] == ["fixed - council", "in progress"]
    assert [u["fms_state"] for u in updates[to_open]] == ["fixed - council", "confirmed"]
