"""The dispatch board over HTTP: workers against capacity, waiting and overdue cases in working time, reassigning
with a reason (and If-Match), absences, and rebalance proposals whose moves are accepted or dropped."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from deal_shared.footprints import CaseUpsert, Location

from .conftest import LEIGH_EAST, WIGAN_CENTRAL

FAR_NORTH = (53.585, -2.655)  # a home far from the town centre, where the cases are


def case_body(*, at=WIGAN_CENTRAL, skill="street_cleansing", due: datetime | None = None) -> dict:
    return CaseUpsert(
        title="Fly-tip on Market Street",
        category="fly_tipping",
        skill=skill,
        priority="normal",
        effort_points=1,
        location=Location(lat=at[0], long=at[1]),
        due_at=due or datetime.now(UTC) + timedelta(days=10),
        version=1,
    ).model_dump(mode="json")


@pytest.fixture()
def put_case(api, token_for):
    service = {"Authorization": f"Bearer {token_for('service', sub='service:report_it')}"}
    counter = iter(range(10_000))

    def make(**kwargs) -> dict:
        response = api.put(f"/v1/cases/report_it/d-{next(counter)}", json=case_body(**kwargs), headers=service)
        assert response.status_code == 200, response.text
        return response.json()

    return make


@pytest.fixture()
def leader(add_team, add_worker, token_for):
    team = add_team(footprint="wigan_central", name="Central cleansing")
    boss = add_worker(team, role="team_leader", subject="lead.central", name="Lena Lead", points=5, at=FAR_NORTH)
    return team, boss, {"Authorization": f"Bearer {token_for('team_leader', sub='lead.central')}"}


def test_the_board_shows_load_against_capacity_waiting_and_due_in_working_time(
    api, put_case, leader, add_worker, token_for
) -> None:
    team, _, auth = leader
    worker = add_worker(team, name="Wes Worker", points=10, at=WIGAN_CENTRAL)
    overdue = put_case(due=datetime.now(UTC) - timedelta(days=3))
    put_case(due=datetime.now(UTC) + timedelta(days=30))
    waiting = put_case(skill="drainage")
    staff = {"Authorization": f"Bearer {token_for('staff')}"}
    board = api.get("/v1/dispatch-board/wigan_central", headers=staff)
    assert board.status_code == 200, board.text
    body = board.json()
    assert body["footprint_name"] and [t["name"] for t in body["teams"]] == ["Central cleansing"]
    assert [c["id"] for c in body["waiting"]] == [waiting["id"]]
    by_name = {w["display_name"]: w for w in body["workers"]}
    assert set(by_name) == {"Lena Lead", "Wes Worker"}
    held = [c for w in body["workers"] for c in w["cases"]]
    assert len(held) == 2 and body["totals"]["open_cases"] == 3 and body["totals"]["waiting_allocation"] == 1
    late = next(c for c in held if c["id"] == overdue["id"])
    assert late["overdue"] and late["due_in_working_hours"] < 0 and not late["near_due"]
    assert body["totals"]["overdue"] == 1
    assert by_name["Wes Worker"]["capacity_points"] == 10 and by_name["Lena Lead"]["capacity_points"] == 5
    assert sum(w["load_points"] for w in body["workers"]) == 2 == body["totals"]["load_points"]
    # An absence shows on the board, and today's makes the worker absent today.
    created = api.post(
        f"/v1/workers/{worker.id}/absences",
        json={"kind": "leave", "starts_on": date.today().isoformat(), "ends_on": date.today().isoformat()},
        headers=auth,
    )
    assert created.status_code == 201, created.text
    board = api.get("/v1/dispatch-board/wigan_central", params={"team_id": str(team.id)}, headers=staff).json()
    wes = next(w for w in board["workers"] if w["display_name"] == "Wes Worker")
    assert wes["absent_today"] and wes["absences"][0]["kind"] == "leave"
    away = api.get("/v1/absences", params={"footprint": "wigan_central"}, headers=staff).json()
    assert [a["worker_name"] for a in away] == ["Wes Worker"]
    assert api.delete(f"/v1/absences/{away[0]['id']}", headers=staff).status_code == 403
    assert api.delete(f"/v1/absences/{away[0]['id']}", headers=auth).status_code == 204
    assert api.get("/v1/absences", params={"footprint": "wigan_central"}, headers=staff).json() == []
    unknown = api.get("/v1/dispatch-board/atlantis", headers=staff)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "FootprintNotFound")


def test_due_cases_lists_overdue_and_near_due(api, put_case, leader, token_for) -> None:
    late = put_case(due=datetime.now(UTC) - timedelta(hours=1))
    soon = put_case(due=datetime.now(UTC) + timedelta(minutes=30))
    put_case(due=datetime.now(UTC) + timedelta(days=40))
    staff = {"Authorization": f"Bearer {token_for('staff')}"}
    due = api.get("/v1/due-cases", params={"footprint": "wigan_central"}, headers=staff).json()
    assert [c["id"] for c in due["overdue"]] == [late["id"]]
    assert [c["id"] for c in due["near_due"]] == [soon["id"]]
    assert due["near_due"][0]["near_due"] and due["near_due"][0]["due_in_working_hours"] <= 0.5


def test_reassigning_needs_a_reason_a_fresh_copy_and_a_worker_who_can_take_it(
    api, put_case, leader, add_team, add_worker, token_for
) -> None:
    team, boss, auth = leader
    add_worker(team, name="Olive Other", points=10)
    case = put_case()
    # Hand it to whichever of the two does not hold it.
    other, first = (boss, "Lena Lead") if case["worker"]["display_name"] == "Olive Other" else (None, "Olive Other")
    staff = {"Authorization": f"Bearer {token_for('staff')}"}
    board = api.get("/v1/dispatch-board/wigan_central", headers=staff).json()
    etag = next(c for w in board["workers"] for c in w["cases"] if c["id"] == case["id"])["etag"]
    url = f"/v1/cases/{case['id']}/reassign"
    target = other or next(w for w in board["workers"] if w["display_name"] == "Olive Other")
    target_id = str(target.id) if other else target["id"]
    holder_id = case["worker"]["id"]
    move = {"worker_id": target_id, "reason": "Olive knows the site", "pin": True}

    assert api.post(url, json=move, headers=staff).status_code == 403
    no_reason = api.post(url, json={**move, "reason": ""}, headers=auth)
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "body.reason"
    moved = api.post(url, json=move, headers={**auth, "If-Match": etag})
    assert moved.status_code == 200, moved.text
    assert moved.json()["worker"]["display_name"] == first and moved.json()["pinned"]
    assert moved.headers["ETag"] == moved.json()["etag"] != etag

    stale = api.post(url, json={**move, "worker_id": holder_id}, headers={**auth, "If-Match": etag})
    assert stale.status_code == 412
    problem = stale.json()
    assert problem["code"] == "StaleVersion" and problem["current"]["worker"]["display_name"] == first

    highways = add_worker(team, name="Hal Highways", skills=("highways",))
    refused = api.post(url, json={**move, "worker_id": str(highways.id)}, headers=auth)
    assert refused.status_code == 422 and "lacks the skill street_cleansing" in refused.json()["detail"]

    back = api.post(url, json={"worker_id": None, "reason": "needs a second look"}, headers=auth).json()
    assert back["worker"] is None and not back["pinned"]
    audit = api.get(f"/v1/audit/cases/{case['id']}", headers=staff).json()
    assert [(a["kind"], a["reason"].get("reason")) for a in audit][-2:] == [
        ("reallocated", "Olive knows the site"),
        ("unallocated", "needs a second look"),
    ]
    # Leaders of another footprint's team may not touch it.
    leigh = add_team(footprint="leigh")
    add_worker(leigh, role="team_leader", subject="lead.leigh", at=LEIGH_EAST)
    outsider = {"Authorization": f"Bearer {token_for('team_leader', sub='lead.leigh')}"}
    assert api.post(url, json=move, headers=outsider).json()["code"] == "NotYourTeam"


def test_a_proposal_changes_nothing_until_its_moves_are_accepted(api, put_case, leader, add_worker, token_for) -> None:
    team, boss, auth = leader
    far = add_worker(team, name="Fran Far", at=FAR_NORTH, points=10)
    cases = [put_case() for _ in range(3)]
    staff = {"Authorization": f"Bearer {token_for('staff')}"}
    near = add_worker(team, name="Nina Near", at=WIGAN_CENTRAL, points=10)  # joins after the cases were placed
    holders = {c["id"]: c["worker"]["id"] for c in cases}
    assert set(holders.values()) <= {str(far.id), str(boss.id)}

    made = api.post("/v1/rebalance-proposals", json={"footprint_code": "wigan_central"}, headers=auth)
    assert made.status_code == 201, made.text
    proposal = made.json()
    assert proposal["status"] == "proposed" and proposal["gap"] is not None
    moves = {m["case_id"]: m for m in proposal["moves"]}
    assert moves and all(m["to_worker"] == "Nina Near" for m in moves.values())
    assert all(m["saving_m"] > 0 and m["decision"] is None for m in moves.values())
    unchanged = api.get("/v1/dispatch-board/wigan_central", headers=staff).json()
    assert not next(w for w in unchanged["workers"] if w["id"] == str(near.id))["cases"]
    listed = api.get("/v1/rebalance-proposals", params={"footprint": "wigan_central"}, headers=staff).json()
    assert [p["id"] for p in listed] == [proposal["id"]]

    first, *rest = list(moves)
    # A case moved by hand after the proposal was made is not moved again by accepting it.
    if rest:
        api.post(f"/v1/cases/{rest[0]}/reassign", json={"worker_id": None, "reason": "by hand"}, headers=auth)
    url = f"/v1/rebalance-proposals/{proposal['id']}/decisions"
    decided = api.post(url, json={"accept": [first, *rest[:1]], "drop": rest[1:]}, headers=auth).json()
    outcome = {m["case_id"]: m for m in decided["moves"]}
    assert outcome[first]["decision"] == "accepted"
    if rest:
        assert outcome[rest[0]]["decision"] == "stale" and "moved since" in outcome[rest[0]]["note"]
    assert all(outcome[c]["decision"] == "dropped" for c in rest[1:])
    assert decided["status"] == "decided"
    taken = api.get(f"/v1/cases/{first}", headers=staff).json()
    assert taken["worker"]["id"] == str(near.id)
    # Deciding again changes nothing: each move is decided once.
    again = api.post(url, json={"drop": [first]}, headers=auth).json()
    assert {m["case_id"]: m["decision"] for m in again["moves"]} == {k: v["decision"] for k, v in outcome.items()}
    audit = api.get(f"/v1/audit/cases/{first}", headers=staff).json()
    assert audit[-1]["run_id"] == proposal["id"]
    refused = api.post("/v1/rebalance-proposals", json={"footprint_code": "wigan_central"}, headers=staff)
    assert refused.status_code == 403
