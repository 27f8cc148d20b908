"""Awkward input on /v1 over HTTP: refused with a problem naming the field, never a 500; Report IT's cases cleaned."""

from __future__ import annotations

import uuid
from urllib.parse import quote

import httpx
import pytest

from tests.support.text_hygiene import assert_refused, awkward_strings

from .conftest import WIGAN_CENTRAL
from .test_cases import upsert_body

WORKER = {
    "subject": "staff.text",
    "display_name": "Sam Street",
    "skills": ["street_cleansing"],
    "home_lat": WIGAN_CENTRAL[0],
    "home_long": WIGAN_CENTRAL[1],
}


@pytest.fixture()
def manager(token_for) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for('staff', 'manager', sub='manager.text')}"}


@pytest.fixture()
def service(token_for) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for('service', sub='service:report_it')}"}


def test_control_characters_in_staff_input_are_refused_by_field(
    api: httpx.Client, manager, service, add_team, add_worker
) -> None:
    team = add_team()
    worker = add_worker(team)
    teams = api.post("/v1/teams", json={"name": "Night\x00 crew", "footprint_code": "wigan_central"}, headers=manager)
    assert_refused(teams, "body.name")
    code = api.post("/v1/teams", json={"name": "Night crew", "footprint_code": "wigan\x00"}, headers=manager)
    assert_refused(code, "body.footprint_code")
    new_worker = {**WORKER, "team_id": str(team.id)}
    assert_refused(
        api.post("/v1/workers", json={**new_worker, "display_name": "Sam\x07"}, headers=manager), "body.display_name"
    )
    assert_refused(api.post("/v1/workers", json={**new_worker, "subject": "\x00"}, headers=manager), "body.subject")
    absence = {"kind": "leave", "starts_on": "2031-01-01", "ends_on": "2031-01-02", "note": "Back\x00 soon"}
    assert_refused(api.post(f"/v1/workers/{worker.id}/absences", json=absence, headers=manager), "body.note")
    rebalance = api.post("/v1/rebalance-runs", json={"footprint_code": "wigan_central\x00"}, headers=manager)
    assert_refused(rebalance, "body.footprint_code")
    case = api.put("/v1/cases/report_it/r-text", json=upsert_body(), headers=service).json()
    pin = api.post(f"/v1/cases/{case['id']}/pin", json={"worker_id": str(worker.id), "note": "\x1b"}, headers=manager)
    assert_refused(pin, "body.note")
    progress = api.post(
        f"/v1/cases/{case['id']}/progress", json={"kind": "in_progress", "note": "On\x00 it"}, headers=manager
    )
    assert_refused(progress, "body.note")
    surrogate = api.post(
        f"/v1/cases/{case['id']}/progress",
        content=b'{"kind": "in_progress", "note": "\\ud800"}',
        headers={**manager, "Content-Type": "application/json"},
    )
    assert_refused(surrogate, "body.note", reason="string")
    assert api.get(f"/v1/audit/cases/{case['id']}", headers=manager).json()[0]["kind"] == "allocated"


def test_tabs_newlines_and_any_script_are_kept(api: httpx.Client, manager) -> None:
    created = api.post(
        "/v1/teams", json={"name": "Ŵigan ² ٣ crew 🦆", "footprint_code": "wigan_central"}, headers=manager
    )
    assert created.status_code == 201, created.text
    assert created.json()["name"] == "Ŵigan ² ٣ crew 🦆"


def test_a_case_from_report_it_loses_control_characters_rather_than_failing(api: httpx.Client, service) -> None:
    body = {**upsert_body(), "title": "Fly-tip\x00 on Market\x01 Street", "category": "fly_tipping\x00"}
    response = api.put("/v1/cases/report_it/r-clean", json=body, headers=service)
    assert response.status_code == 200, response.text
    stored = api.get("/v1/cases/report_it/r-clean", headers=service)
    assert stored.status_code == 200 and stored.json()["id"] == response.json()["id"]


def test_out_of_range_values_are_refused_not_failed(api: httpx.Client, manager, service, add_team, add_worker) -> None:
    team = add_team()
    worker = add_worker(team)
    assert_refused(
        api.post("/v1/teams", json={"name": "x" * 121, "footprint_code": "wigan_central"}, headers=manager),
        "body.name",
        reason="at most 120",
    )
    assert_refused(
        api.put("/v1/cases/report_it/r-big", json={**upsert_body(), "version": 2**31}, headers=service),
        "body.version",
        reason="less than or equal",
    )
    far_off = {**upsert_body(), "due_at": "9999-12-31T23:00:00-05:00"}
    assert_refused(api.put("/v1/cases/report_it/r-far", json=far_off, headers=service), "body.due_at", reason="between")
    long_id = api.put(f"/v1/cases/report_it/{'r' * 201}", json=upsert_body(), headers=service)
    assert long_id.status_code == 422 and long_id.json()["code"] == "ValidationFailed"
    nan = api.post(
        "/v1/workers",
        content=b'{"subject": "s.nan", "display_name": "N", "skills": ["street_cleansing"], "team_id": "%s",'
        b' "home_lat": NaN, "home_long": Infinity}' % str(team.id).encode(),
        headers={**manager, "Content-Type": "application/json"},
    )
    assert_refused(nan, "body.home_lat", reason="less than or equal")
    absence = {"kind": "leave", "starts_on": "0001-01-01", "ends_on": "9999-12-31"}
    assert_refused(
        api.post(f"/v1/workers/{worker.id}/absences", json=absence, headers=manager), "body.starts_on", reason="between"
    )


AWKWARD = awkward_strings("case_record")


def _writes(text: str, *, team: str, worker: str, case: str) -> list[tuple[str, str, str, dict]]:
    """(who, method, url, body) for each write a client can make, with `text` in each place it fits."""
    new_worker = {**WORKER, "team_id": team, "subject": f"s.{uuid.uuid4().hex[:6]}"}
    return [
        ("manager", "POST", "/v1/teams", {"name": text, "footprint_code": "wigan_central"}),
        ("manager", "POST", "/v1/teams", {"name": "Crew", "footprint_code": text}),
        ("manager", "POST", "/v1/workers", {**new_worker, "display_name": text}),
        ("manager", "POST", "/v1/workers", {**new_worker, "subject": text, "skills": [text]}),
        ("manager", "POST", "/v1/workers", {**new_worker, "team_id": text, "home_lat": text}),
        ("manager", "POST", f"/v1/workers/{worker}/absences", {"kind": text, "starts_on": text, "ends_on": text}),
        (
            "manager",
            "POST",
            f"/v1/workers/{worker}/absences",
            {"kind": "leave", "starts_on": "2031-01-01", "ends_on": "2031-01-01", "note": text},
        ),
        ("manager", "POST", "/v1/rebalance-runs", {"footprint_code": text, "time_budget_s": 0.5}),
        ("manager", "POST", f"/v1/cases/{case}/pin", {"worker_id": worker, "note": text}),
        ("manager", "POST", f"/v1/cases/{case}/progress", {"kind": "in_progress", "note": text}),
        ("manager", "POST", f"/v1/cases/{case}/progress", {"kind": text}),
        ("service", "PUT", "/v1/cases/report_it/r-fuzz", {**upsert_body(), "title": text, "category": text}),
        ("service", "PUT", "/v1/cases/report_it/r-fuzz", {**upsert_body(), "skill": text, "priority": text}),
        ("service", "PUT", "/v1/cases/report_it/r-fuzz", {**upsert_body(), "due_at": text, "version": text}),
    ]


def test_awkward_input_never_causes_a_server_error(api: httpx.Client, manager, service, add_team, add_worker) -> None:
    team = add_team()
    worker = add_worker(team)
    case = api.put("/v1/cases/report_it/r-base", json=upsert_body(), headers=service).json()
    who = {"manager": manager, "service": service}
    ids = {"team": str(team.id), "worker": str(worker.id), "case": case["id"]}
    attempts: list[tuple[str, str, dict]] = []
    for text in AWKWARD:
        attempts += [(m, u, {"json": b, "headers": who[w]}) for w, m, u, b in _writes(text, **ids)]
        short = text[:2000]  # a longer URL is refused by the HTTP server itself
        segment = quote(text[:300], safe="")
        attempts += [
            ("GET", "/v1/locate", {"params": {"lat": short, "long": short}}),
            ("GET", "/v1/wards", {"params": {"footprint": short}}),
            ("GET", "/v1/workers", {"params": {"team_id": short}, "headers": manager}),
            ("GET", "/v1/rebalance-runs", {"params": {"limit": short}, "headers": manager}),
            ("GET", f"/v1/caseloads/footprints/{segment}", {"headers": manager}),
            ("GET", f"/v1/cases/report_it/{segment}", {"headers": manager}),
            ("PUT", f"/v1/cases/{segment}/r-1", {"json": upsert_body(), "headers": service}),
        ]
    json_headers = {**manager, "Content-Type": "application/json"}
    for number in (b"1e400", b"-1e400", b"NaN", b"-Infinity", b"99999999999999999999999999"):
        raw = b'{"footprint_code": "wigan_central", "time_budget_s": %s}' % number
        attempts.append(("POST", "/v1/rebalance-runs", {"content": raw, "headers": json_headers}))
    for field in ("effort_points", "version"):
        huge = {**upsert_body(), field: int("9" * 30)}
        attempts.append(("PUT", "/v1/cases/report_it/r-num", {"json": huge, "headers": service}))
    for raw in (b'{"kind": "in_progress", "note": "\\udfff x"}', b'{"kind": "in_progress", "note": "\\u0000"}'):
        attempts.append(("POST", f"/v1/cases/{case['id']}/progress", {"content": raw, "headers": json_headers}))
    failures = []
    for method, url, kwargs in attempts:
        response = api.request(method, url, **kwargs)
        if response.status_code >= 500:
            failures.append((method, url[:60], str(kwargs.get("params") or kwargs.get("json") or "")[:80]))
    assert failures == []


def test_a_control_character_in_the_url_is_refused_naming_the_parameter(api: httpx.Client, manager) -> None:
    wards = api.get("/v1/wards", params={"footprint": "wigan_central\x00"})
    assert wards.status_code == 422 and wards.headers["content-type"].startswith("application/problem+json")
    assert wards.json()["code"] == "ValidationFailed" and wards.json()["request_id"]
    assert [e["field"] for e in wards.json()["errors"]] == ["query.footprint"]
    path = api.get("/v1/caseloads/footprints/wigan_central%00", headers=manager)
    assert path.status_code == 422 and [e["field"] for e in path.json()["errors"]] == ["path"]
    assert api.get("/v1/wards", params={"footprint": "wigan_central"}).status_code == 200
