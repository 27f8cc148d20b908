"""Writes the database would refuse are answered 409/422 with a reason, never 500 (hostile input)."""

from __future__ import annotations

import uuid

import httpx


def test_a_second_team_of_the_same_name_is_a_conflict(api: httpx.Client, token_for) -> None:
    manager = {"Authorization": f"Bearer {token_for('manager', sub='mgr.teams')}"}
    name = f"Street team {uuid.uuid4().hex[:6]}"
    first = api.post("/v1/teams", json={"name": name, "footprint_code": "wigan_central"}, headers=manager)
    assert first.status_code == 201, first.text
    again = api.post("/v1/teams", json={"name": name, "footprint_code": "wigan_central"}, headers=manager)
    assert again.status_code == 409, again.text
    assert again.headers["content-type"].startswith("application/problem+json")
    problem = again.json()
    assert problem["code"] == "AlreadyExists" and "name" in problem["detail"]
    assert [t["name"] for t in api.get("/v1/teams", headers=manager).json()].count(name) == 1
