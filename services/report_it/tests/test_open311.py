"""Open311 GeoReport v2 over real HTTP, in XML and JSON: every endpoint, its errors, keys and privacy rules."""

from __future__ import annotations

import re
import socket
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from xml.etree import ElementTree

import httpx
import pytest

from report_it.main import create_app
from report_it.open311.config import Open311Settings
from tests.support.server import serve

WIGAN = {"lat": "53.545", "long": "-2.632"}
W3C = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
FORMATS = ["xml", "json"]
HIDDEN = ["needles", "anti_social_behaviour", "safeguarding_concern", "hoarding_or_condition"]


@dataclass(frozen=True)
class Open311:
    base: str
    key: str
    admin: dict[str, str]


@pytest.fixture(scope="module")
def open311(make_settings, token_for) -> Iterator[Open311]:
    app = create_app(make_settings())
    app.state.open311_settings = Open311Settings(batch_services=["abandoned_vehicle"])
    admin = {"Authorization": f"Bearer {token_for('admin', sub='admin.one')}"}
    with serve(app) as base:
        created = httpx.post(f"{base}/v1/open311/api-keys", json={"name": "FixMyStreet"}, headers=admin)
        assert created.status_code == 201, created.text
        yield Open311(base=base, key=created.json()["key"], admin=admin)


@pytest.fixture()
def client(open311: Open311) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{open311.base}/open311/v2", timeout=30) as http:
        yield http


def parse(response: httpx.Response, fmt: str):
    """The document as plain data: JSON as is; XML as nested dicts, with the spec's lists as lists."""
    if fmt == "json":
        assert response.headers["content-type"].startswith("application/json")
        return response.json()
    assert response.headers["content-type"].startswith("text/xml")
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return _element(ElementTree.fromstring(response.content))


_LISTS = {"services", "service_requests", "attributes", "values", "endpoints", "formats", "errors"}
_LISTS |= {"service_request_updates"}


def _element(element: ElementTree.Element):
    if element.tag in _LISTS:
        return [_element(child) for child in element]
    if len(element) == 0:
        return element.text
    return {child.tag: _element(child) for child in element}


def fly_tip(key: str, **extra: str | list[str]) -> dict:
    return {
        "api_key": key,
        "service_code": "fly_tipping",
        **WIGAN,
        "description": "Sofa by the gate",
        "attribute[size]": "car_boot",
        "attribute[waste_type][]": ["household", "commercial"],
        **extra,
    }


def submit(client: httpx.Client, key: str, fmt: str = "json", **extra) -> str:
    response = client.post(f"/requests.{fmt}", data=fly_tip(key, **extra))
    assert response.status_code == 200, response.text
    return parse(response, fmt)[0]["service_request_id"]


def assert_error(response: httpx.Response, fmt: str, status: int) -> None:
    assert response.status_code == status, response.text
    errors = parse(response, fmt)
    assert isinstance(errors, list) and errors
    assert all(int(e["code"]) == status and e["description"] for e in errors)


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery(client: httpx.Client, open311: Open311, fmt: str) -> None:
    document = parse(client.get(f"/discovery.{fmt}"), fmt)
    assert document["contact"] and document["key_service"] and W3C.match(document["changeset"])
    (endpoint,) = document["endpoints"]
    assert endpoint["url"] == f"{open311.base}/open311/v2"
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_services_list_public_categories_only(client: httpx.Client, fmt: str) -> None:
    services = {s["service_code"]: s for s in parse(client.get(f"/services.{fmt}"), fmt)}
    assert "fly_tipping" in services and "pothole" in services
    assert not set(HIDDEN) & set(services)
    fly = services["fly_tipping"]
    assert fly["service_name"] == "Fly-tipping" and fly["group"] and fly["type"] == "realtime"
    assert fly["metadata"] in (True, "true") and "," in fly["keywords"]
    assert services["abandoned_vehicle"]["type"] == "batch"


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_definition_has_the_questions_as_attributes(client: httpx.Client, fmt: str) -> None:
    definition = parse(client.get(f"/services/fly_tipping.{fmt}"), fmt)
    assert definition["service_code"] == "fly_tipping"
    size = next(a for a in definition["attributes"] if a["code"] == "size")
    assert size["datatype"] == "singlevaluelist" and size["required"] in (True, "true")
    assert size["variable"] in (True, "true") and size["description"] and str(size["order"]).isdigit()
    assert {"key": "car_boot", "name": "A car boot load"} in size["values"]
    waste = next(a for a in definition["attributes"] if a["code"] == "waste_type")
    assert waste["datatype"] == "multivaluelist"


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_and_hidden_services_are_404(client: httpx.Client, fmt: str) -> None:
    for code in ["no_such_thing", *HIDDEN]:
        assert_error(client.get(f"/services/{code}.{fmt}"), fmt, 404)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_request_is_posted_and_read_back_without_contact_details(
    client: httpx.Client, open311: Open311, fmt: str
) -> None:
    response = client.post(
        f"/requests.{fmt}",
        data=fly_tip(
            open311.key,
            description="Sofa by the gate\r\nand a fridge",
            email="ann@example.org",
            first_name="Ann",
            last_name="Resident",
            phone="01942 000000",
            account_id="acct-7",
            address_string="Gate of the park, Wigan",
        ),
    )
    assert response.status_code == 200, response.text
    (created,) = parse(response, fmt)
    assert created["account_id"] == "acct-7" and created["service_notice"].startswith("Our reference: WG-")
    request_id = created["service_request_id"]

    for read_fmt in FORMATS:
        read = client.get(f"/requests/{request_id}.{read_fmt}")
        assert read.status_code == 200
        assert "ann@example.org" not in read.text and "01942" not in read.text and "Resident" not in read.text
        (found,) = parse(read, read_fmt)
        assert found["service_request_id"] == request_id and found["status"] == "open"
        assert found["service_code"] == "fly_tipping" and found["service_name"] == "Fly-tipping"
        assert found["description"] == "Sofa by the gate\nand a fridge"
        assert found["address"] == "Gate of the park, Wigan" and found["agency_responsible"] == "Wigan Council"
        assert float(found["lat"]) == 53.545 and float(found["long"]) == -2.632
        assert W3C.match(found["requested_datetime"]) and W3C.match(found["updated_datetime"])
        assert W3C.match(found["expected_datetime"])

    report = httpx.get(f"{open311.base}/v1/reports/{request_id}").json()
    assert report["channel"] == "open311" and report["answers"]["waste_type"] == ["commercial", "household"]


def test_client_quirks_are_accepted(client: httpx.Client, open311: Open311) -> None:
    # api_key in the query string, empty parameters, deviceid spelling, repeated media_url, a single attribute[]
    response = client.post(
        "/requests.json",
        params={"api_key": open311.key, "jurisdiction_id": "wigan.gov.uk"},
        data={
            **fly_tip("", **{"attribute[waste_type][]": "household"}),
            "email": "",
            "address_string": "",
            "deviceid": "phone-1",
            "media_url": ["https://photos.example.org/1.jpg", "https://photos.example.org/2.jpg"],
        },
    )
    assert response.status_code == 200, response.text
    (found,) = client.get(f"/requests/{response.json()[0]['service_request_id']}.json").json()
    assert found["media_url"] == "https://photos.example.org/1.jpg" and found["address"] is None


def test_media_urls_are_stored_as_links_and_never_fetched(client: httpx.Client, open311: Open311) -> None:
    with socket.socket() as trap:
        trap.bind(("127.0.0.1", 0))
        trap.listen()
        trap.settimeout(0.5)
        link = f"http://127.0.0.1:{trap.getsockname()[1]}/internal-admin"
        request_id = submit(client, open311.key, media_url=link)
        (found,) = client.get(f"/requests/{request_id}.json").json()
        assert found["media_url"] == link
        with pytest.raises(TimeoutError):
            trap.accept()
    bad = client.post("/requests.json", data=fly_tip(open311.key, media_url="file:///etc/passwd"))
    assert_error(bad, "json", 400)


def test_the_same_client_id_makes_one_request_even_when_racing(client: httpx.Client, open311: Open311) -> None:
    client_id = f"fms-{uuid.uuid4().hex[:8]}"
    first = submit(client, open311.key, **{"attribute[fixmystreet_id]": client_id})
    assert submit(client, open311.key, "xml", **{"attribute[fixmystreet_id]": client_id}) == first

    racing = f"fms-{uuid.uuid4().hex[:8]}"

    def post(_: int) -> httpx.Response:
        with httpx.Client(base_url=f"{open311.base}/open311/v2", timeout=60) as http:
            return http.post("/requests.json", data=fly_tip(open311.key, **{"attribute[fixmystreet_id]": racing}))

    with ThreadPoolExecutor(max_workers=6) as pool:
        responses = list(pool.map(post, range(12)))
    assert {r.status_code for r in responses} == {200}, [r.text for r in responses if r.status_code != 200]
    assert len({r.json()[0]["service_request_id"] for r in responses}) == 1


@pytest.mark.parametrize("fmt", FORMATS)
def test_batch_services_answer_with_a_token_that_resolves(client: httpx.Client, open311: Open311, fmt: str) -> None:
    response = client.post(
        f"/requests.{fmt}",
        data={"api_key": open311.key, "service_code": "abandoned_vehicle", **WIGAN, "description": "Burnt-out car"},
    )
    if response.status_code != 200:  # the category's required questions, answered from its definition
        definition = client.get("/services/abandoned_vehicle.json").json()
        answers = {
            f"attribute[{a['code']}]": a["values"][0]["key"] if a["values"] else "unknown"
            for a in definition["attributes"]
            if a["required"]
        }
        response = client.post(
            f"/requests.{fmt}",
            data={"api_key": open311.key, "service_code": "abandoned_vehicle", **WIGAN, **answers},
        )
    assert response.status_code == 200, response.text
    (created,) = parse(response, fmt)
    assert created.get("service_request_id") is None and created["token"]
    (resolved,) = parse(client.get(f"/tokens/{created['token']}.{fmt}"), fmt)
    assert resolved["token"] == created["token"]
    assert client.get(f"/requests/{resolved['service_request_id']}.json").status_code == 200
    assert_error(client.get(f"/tokens/no-such-token.{fmt}"), fmt, 404)


@pytest.mark.parametrize("fmt", FORMATS)
def test_searching_requests(client: httpx.Client, open311: Open311, fmt: str) -> None:
    ids = [submit(client, open311.key) for _ in range(3)]
    by_id = parse(client.get(f"/requests.{fmt}", params={"service_request_id": ",".join(ids)}), fmt)
    assert sorted(r["service_request_id"] for r in by_id) == sorted(ids)

    listed = parse(client.get(f"/requests.{fmt}", params={"service_code": "fly_tipping", "status": "open"}), fmt)
    assert set(ids) <= {r["service_request_id"] for r in listed}
    assert not {r["service_request_id"] for r in parse(client.get(f"/requests.{fmt}?status=closed"), fmt)} & set(ids)
    assert parse(client.get(f"/requests.{fmt}", params={"end_date": "2020-01-01T00:00:00Z"}), fmt) == []
    recent = {"start_date": "2020-01-01T00:00:00+00:00", "page_size": "2", "page": "1"}
    first, second = (parse(client.get(f"/requests.{fmt}", params={**recent, "page": p}), fmt) for p in "12")
    assert len(first) == 2 and len(second) == 2
    assert not {r["service_request_id"] for r in first} & {r["service_request_id"] for r in second}
    since = parse(client.get(f"/requests.{fmt}", params={"updated_after": "2020-01-01T00:00:00Z"}), fmt)
    assert set(ids) <= {r["service_request_id"] for r in since}


def test_sensitive_and_safeguarding_reports_are_never_exposed(
    client: httpx.Client, open311: Open311, token_for
) -> None:
    staff = {"Authorization": f"Bearer {token_for('staff', sub='officer.open311')}"}
    needles = httpx.post(
        f"{open311.base}/v1/reports",
        json={
            "category": "needles",
            "location": {"lat": 53.545, "long": -2.632},
            "answers": {"near_children": "yes"},
        },
    )
    concern = httpx.post(
        f"{open311.base}/v1/reports",
        json={
            "category": "safeguarding_concern",
            "location": {"lat": 53.545, "long": -2.632},
            "answers": {"person": "child", "immediate_danger": "no"},
        },
        headers=staff,
    )
    hidden = [needles.json()["id"], concern.json()["id"]]
    for fmt in FORMATS:
        for report_id in hidden:
            assert_error(client.get(f"/requests/{report_id}.{fmt}"), fmt, 404)
        assert parse(client.get(f"/requests.{fmt}", params={"service_request_id": ",".join(hidden)}), fmt) == []
        listed = client.get(f"/requests.{fmt}", params={"page_size": "1000"}).text
        assert not any(report_id in listed for report_id in hidden)
        posted = client.post(f"/requests.{fmt}", data={**fly_tip(open311.key), "service_code": "needles"})
        assert_error(posted, fmt, 404)


@pytest.mark.parametrize("fmt", FORMATS)
def test_api_keys_are_required_to_post(client: httpx.Client, open311: Open311, fmt: str) -> None:
    assert_error(client.post(f"/requests.{fmt}", data=fly_tip("")), fmt, 403)
    assert_error(client.post(f"/requests.{fmt}", data=fly_tip("o311_wrong")), fmt, 403)
    assert_error(client.post(f"/servicerequestupdates.{fmt}", data={"status": "OPEN"}), fmt, 403)


def test_admins_create_list_and_revoke_keys(client: httpx.Client, open311: Open311, token_for) -> None:
    keys_url = f"{open311.base}/v1/open311/api-keys"
    created = httpx.post(keys_url, json={"name": "council website"}, headers=open311.admin).json()
    assert created["key"].startswith("o311_") and created["revoked_at"] is None
    listed = httpx.get(keys_url, headers=open311.admin).json()
    assert created["id"] in [k["id"] for k in listed] and created["key"] not in str(listed)
    assert submit(client, created["key"]) and submit(client, created["key"])
    counted = {k["id"]: k["submission_count"] for k in httpx.get(keys_url, headers=open311.admin).json()}
    assert counted[created["id"]] == 2  # each submission is attributed to its key

    staff = {"Authorization": f"Bearer {token_for('staff')}"}
    assert httpx.get(keys_url, headers=staff).status_code == 403
    assert httpx.post(keys_url, json={"name": "sneaky"}).status_code == 401
    assert httpx.delete(f"{keys_url}/{created['id']}", headers=open311.admin).status_code == 204
    assert_error(client.post("/requests.xml", data=fly_tip(created["key"])), "xml", 403)
    assert httpx.delete(f"{keys_url}/{uuid.uuid4()}", headers=open311.admin).status_code == 404


@pytest.mark.parametrize("fmt", FORMATS)
def test_bad_input_is_400_in_open311_format_never_500(client: httpx.Client, open311: Open311, fmt: str) -> None:
    key = open311.key
    assert_error(client.get(f"/requests/{uuid.uuid4()}.{fmt}"), fmt, 404)
    assert_error(client.get(f"/requests/WG-0000-0000.{fmt}"), fmt, 404)
    assert_error(client.get(f"/nothing-here.{fmt}"), fmt, 404)
    for path in ["/requests/%00.", "/services/%00.", "/tokens/%00.", "/requests/a%00b."]:
        assert_error(client.get(path + fmt), fmt, 404)
    assert_error(client.get(f"/requests.{fmt}", params={"service_code": "a\x00b"}), fmt, 404)
    assert_error(client.post(f"/requests.{fmt}", data={**fly_tip(key), "service_code": "\x00"}), fmt, 404)
    assert_error(client.get(f"/requests.{fmt}", params={"service_code": "no_such_thing"}), fmt, 404)
    bad_posts = [
        {**fly_tip(key), "lat": "53.4808", "long": "-2.2426"},  # Manchester: outside the borough
        {**fly_tip(key), "lat": "north"},
        {**fly_tip(key), "lat": "95"},
        {k: v for k, v in fly_tip(key).items() if k not in ("lat", "long")},
        {k: v for k, v in fly_tip(key, address_string="1 Library St").items() if k not in ("lat", "long")},
        {**fly_tip(key), "attribute[size]": "spaceship"},
        {**fly_tip(key), f"attribute[{'c' * 101}]": "x"},  # a client attribute's code over 100 characters
        {**fly_tip(key), "attribute[usrn]": "x" * 2001},  # a client attribute's value over 2,000
        {**fly_tip(key), "email": "not-an-address"},
        {**fly_tip(key), "description": "x" * 5000},
    ]
    for data in bad_posts:
        assert_error(client.post(f"/requests.{fmt}", data=data), fmt, 400)
    assert_error(client.post(f"/requests.{fmt}", data={"api_key": key}), fmt, 404)  # no service_code
    assert_error(client.post(f"/requests.{fmt}", params={"api_key": key}, json={"service_code": "x"}), fmt, 400)
    for params in [
        {"status": "sleeping"},
        {"start_date": "yesterday"},
        {"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"},
        {"page_size": "0"},
        {"page": "-1"},
        {"page_size": "100000"},
        {"page": "\u00b2"},  # a digit to str.isdigit, not to int()
    ]:
        assert_error(client.get(f"/requests.{fmt}", params=params), fmt, 400)
    assert_error(client.delete(f"/requests.{fmt}"), fmt, 400)
    assert_error(client.get("/services.html"), "xml", 400)
    weird = client.post(f"/requests.{fmt}", data=fly_tip(key, description="bell \x07 and \x00 nul"))
    assert weird.status_code == 200, weird.text
    request_id = parse(weird, fmt)[0]["service_request_id"]
    assert client.get(f"/requests/{request_id}.xml").status_code == 200
    ElementTree.fromstring(client.get(f"/requests/{request_id}.xml").content)  # still well-formed XML
