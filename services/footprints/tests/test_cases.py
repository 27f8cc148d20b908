"""Case intake, online allocation with reasons, pinning, absence repair, rebalancing and caseloads, over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from deal_shared.errors import RemoteError
from deal_shared.footprints import CaseUpsert, FootprintsClient, Location

from .conftest import LEIGH_EAST, OUTSIDE, WIGAN_CENTRAL


def upsert_body(*, at=WIGAN_CENTRAL, skill="street_cleansing", version=1, status="open", effort=1, days=3) -> dict:
    return CaseUpsert(
        title="Fly-tip on Market Street",
        category="fly_tipping",
        skill=skill,
        priority="normal",
        effort_points=effort,
        location=Location(lat=at[0], long=at[1]),
        due_at=datetime.now(UTC) + timedelta(days=days),
        status=status,
        version=version,
    ).model_dump(mode="json")


@pytest.fixture()
def service(api, token_for):
    api.headers["Authorization"] = f"Bearer {token_for('service', sub='service:report_it')}"
    return api


def test_intake_places_allocates_and_is_idempotent(service, add_team, add_worker) -> None:
    team = add_team()
    near = add_worker(team, at=WIGAN_CENTRAL, name="Near")
    add_worker(team, at=(53.56, -2.66), name="Far")
    first = service.put("/v1/cases/report_it/r-1", json=upsert_body())
    assert first.status_code == 200, first.text
    case = first.json()
    assert (case["footprint_code"], case["ward_code"]) == ("wigan_central", "wigan_central")
    assert case["worker"] == {"id": str(near.id), "display_name": "Near"}
    again = service.put("/v1/cases/report_it/r-1", json=upsert_body()).json()
    assert again["id"] == case["id"] and again["allocated_at"] == case["allocated_at"]
    audit = service.get(f"/v1/audit/cases/{case['id']}").json()
    assert [a["kind"] for a in audit] == ["allocated"]
    assert [c["name"] for c in audit[0]["reason"]["candidates"]] == ["Near", "Far"]


def test_older_version_is_ignored_and_closure_frees_the_worker(service, add_team, add_worker) -> None:
    add_worker(add_team())
    service.put("/v1/cases/report_it/r-2", json=upsert_body(version=5))
    stale = service.put("/v1/cases/report_it/r-2", json=upsert_body(version=4, status="closed")).json()
    assert stale["status"] == "open"
    closed = service.put("/v1/cases/report_it/r-2", json=upsert_body(version=6, status="closed")).json()
    assert closed["status"] == "closed"


def test_moving_a_case_to_another_footprint_reallocates_it(service, add_team, add_worker) -> None:
    central = add_worker(add_team(footprint="wigan_central"), at=WIGAN_CENTRAL)
    leigh = add_worker(add_team(footprint="leigh"), at=LEIGH_EAST)
    assert service.put("/v1/cases/report_it/r-3", json=upsert_body()).json()["worker"]["id"] == str(central.id)
    moved = service.put("/v1/cases/report_it/r-3", json=upsert_body(at=LEIGH_EAST, version=2)).json()
    assert (moved["footprint_code"], moved["worker"]["id"]) == ("leigh", str(leigh.id))


def test_no_eligible_worker_leaves_the_case_waiting_with_a_reason(service, add_team, add_worker) -> None:
    add_worker(add_team(), skills=("highways",))
    case = service.put("/v1/cases/report_it/r-4", json=upsert_body(skill="drainage")).json()
    assert case["worker"] is None
    reason = service.get(f"/v1/audit/cases/{case['id']}").json()
    assert reason == []  # never allocated, so nothing changed hands


def test_intake_errors(api, service, token_for) -> None:
    outside = service.put("/v1/cases/report_it/r-5", json=upsert_body(at=OUTSIDE))
    assert (outside.status_code, outside.json()["code"]) == (422, "outside_borough")
    assert service.put("/v1/cases/report_it/r-5", json={"title": "x"}).status_code == 422
    staff = {"Authorization": f"Bearer {token_for('staff')}"}
    assert api.put("/v1/cases/report_it/r-5", json=upsert_body(), headers=staff).status_code == 403
    assert api.put("/v1/cases/report_it/r-5", json=upsert_body(), headers={"Authorization": ""}).status_code == 401


def test_typed_client_against_the_real_app(footprints_url, token_for, add_team, add_worker) -> None:
    import httpx

    add_worker(add_team())
    with httpx.Client(base_url=footprints_url, headers={"Authorization": f"Bearer {token_for('service')}"}) as http:
        client = FootprintsClient(http)
        assert client.locate(*LEIGH_EAST).footprint.code == "leigh"
        case = client.upsert_case("report_it", "r-6", CaseUpsert.model_validate(upsert_body()))
        assert case.worker is not None
        assert client.get_case(case.id).id == case.id
        with pytest.raises(RemoteError) as outside:
            client.locate(*OUTSIDE)
        assert outside.value.problem.code == "outside_borough"


def test_pin_is_kept_by_rebalancing_and_only_by_leaders(service, api, token_for, add_team, add_worker) -> None:
    team = add_team()
    add_worker(team, subject="leader.1", role="team_leader", skills=("highways",))
    near = add_worker(team, at=WIGAN_CENTRAL)
    far = add_worker(team, at=(53.56, -2.66))
    case = service.put("/v1/cases/report_it/r-7", json=upsert_body()).json()
    assert case["worker"]["id"] == str(near.id)
    worker_token = {"Authorization": f"Bearer {token_for('staff', sub='someone')}"}
    assert (
        api.post(f"/v1/cases/{case['id']}/pin", json={"worker_id": str(far.id)}, headers=worker_token).status_code
        == 403
    )
    other_leader = {"Authorization": f"Bearer {token_for('team_leader', sub='leader.elsewhere')}"}
    assert (
        api.post(f"/v1/cases/{case['id']}/pin", json={"worker_id": str(far.id)}, headers=other_leader).status_code
        == 403
    )
    leader = {"Authorization": f"Bearer {token_for('team_leader', sub='leader.1')}"}
    pinned = api.post(
        f"/v1/cases/{case['id']}/pin", json={"worker_id": str(far.id), "note": "knows the site"}, headers=leader
    )
    assert pinned.json()["worker"]["id"] == str(far.id)
    run = api.post("/v1/rebalance-runs", json={"footprint_code": "wigan_central"}, headers=leader).json()
    assert (run["status"], run["moved"], run["gap"]) == ("optimal", 0, 0.0)
    assert api.get(f"/v1/cases/{case['id']}", headers=leader).json()["worker"]["id"] == str(far.id)
    audit = api.get(f"/v1/audit/cases/{case['id']}", headers=leader).json()
    assert [(a["kind"], a["actor"]) for a in audit] == [
        ("allocated", "system:online"),
        ("reallocated", "user:leader.1"),
    ]


def test_rebalance_improves_and_stores_its_certificate(service, api, token_for, add_team, add_worker) -> None:
    team = add_team()
    # Only the far worker exists when the cases arrive; a near one joins later.
    add_worker(team, at=(53.56, -2.66), points=10)
    ids = [service.put(f"/v1/cases/report_it/r-8{i}", json=upsert_body()).json()["id"] for i in range(3)]
    near = add_worker(team, at=WIGAN_CENTRAL, points=10)
    manager = {"Authorization": f"Bearer {token_for('manager')}"}
    run = api.post("/v1/rebalance-runs", json={}, headers=manager).json()
    assert run["scope"] == "borough" and run["moved"] == 3 and run["lower_bound"] == pytest.approx(run["objective"])
    assert all(api.get(f"/v1/cases/{i}", headers=manager).json()["worker"]["id"] == str(near.id) for i in ids)
    assert api.get(f"/v1/rebalance-runs/{run['id']}", headers=manager).json()["id"] == run["id"]
    leader = {"Authorization": f"Bearer {token_for('team_leader', sub='nobody')}"}
    assert api.post("/v1/rebalance-runs", json={}, headers=leader).status_code == 403


def test_absence_repairs_the_caseload(service, api, token_for, add_team, add_worker) -> None:
    team = add_team()
    away = add_worker(team, at=WIGAN_CENTRAL, name="Away", skills=("street_cleansing", "asbestos"))
    cover = add_worker(team, at=(53.55, -2.635), name="Cover")
    ordinary = service.put("/v1/cases/report_it/r-9", json=upsert_body()).json()
    special = service.put("/v1/cases/report_it/r-10", json=upsert_body(skill="asbestos")).json()
    later = service.put("/v1/cases/report_it/r-11", json=upsert_body(days=40)).json()
    assert {ordinary["worker"]["id"], special["worker"]["id"], later["worker"]["id"]} == {str(away.id)}
    manager = {"Authorization": f"Bearer {token_for('manager')}"}
    today = datetime.now(UTC).date()
    body = {"kind": "sickness", "starts_on": today.isoformat(), "ends_on": (today + timedelta(days=10)).isoformat()}
    result = api.post(f"/v1/workers/{away.id}/absences", json=body, headers=manager).json()
    repair = result["repair"]
    assert [f["case_id"] for f in repair["details"]["forced"]] == [ordinary["id"]]
    assert repair["details"]["voluntary"] == []
    assert [u["case_id"] for u in repair["details"]["unplaced"]] == [special["id"]]
    assert "asbestos" in repair["details"]["unplaced"][0]["reason"]
    assert api.get(f"/v1/cases/{ordinary['id']}", headers=manager).json()["worker"]["id"] == str(cover.id)
    assert api.get(f"/v1/cases/{later['id']}", headers=manager).json()["worker"]["id"] == str(away.id)
    assert api.get(f"/v1/cases/{special['id']}", headers=manager).json()["worker"] is None
    backwards = {**body, "ends_on": (today - timedelta(days=1)).isoformat()}
    assert api.post(f"/v1/workers/{away.id}/absences", json=backwards, headers=manager).status_code == 422


def test_caseloads_and_progress(service, api, token_for, add_team, add_worker) -> None:
    team = add_team()
    worker = add_worker(team, subject="worker.me", points=10, fte=0.5)
    case = service.put("/v1/cases/report_it/r-12", json=upsert_body(effort=2)).json()
    service.put("/v1/cases/report_it/r-13", json=upsert_body(skill="drainage"))
    me = {"Authorization": f"Bearer {token_for('staff', sub='worker.me')}"}
    mine = api.get("/v1/caseloads/me", headers=me).json()
    assert (mine["capacity_points"], mine["load_points"], mine["utilisation"]) == (5.0, 2, 0.4)
    assert mine["ageing"]["0-2d"] == 1 and mine["overdue"] == 0
    footprint = api.get("/v1/caseloads/footprints/wigan_central", headers=me).json()
    assert (footprint["open_cases"], footprint["waiting_allocation"]) == (2, 1)
    assert api.get(f"/v1/caseloads/teams/{team.id}", headers=me).json()["open_cases"] == 1
    assert api.get(f"/v1/caseloads/workers/{worker.id}", headers=me).json()["key"] == str(worker.id)
    progress = api.post(f"/v1/cases/{case['id']}/progress", json={"kind": "in_progress"}, headers=me)
    assert progress.json()["status"] == "in_progress"
    stranger = {"Authorization": f"Bearer {token_for('staff', sub='someone.else')}"}
    assert api.post(f"/v1/cases/{case['id']}/progress", json={"kind": "completed"}, headers=stranger).status_code == 403


def test_the_same_new_case_sent_concurrently_is_created_once(service, add_team, add_worker) -> None:
    from concurrent.futures import ThreadPoolExecutor

    add_worker(add_team())
    body = upsert_body()
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda _: service.put("/v1/cases/report_it/r-race", json=body), range(8)))
    assert {a.status_code for a in answers} == {200}
    assert len({a.json()["id"] for a in answers}) == 1
