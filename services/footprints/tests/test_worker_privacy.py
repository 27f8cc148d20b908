"""A worker's home position is personal: exact only for the managers and the leader of the worker's team."""

from __future__ import annotations

import pytest

EXACT = (53.5451234, -2.6325678)


@pytest.fixture()
def two_teams(add_team, add_worker):
    ours, theirs = add_team(), add_team()
    leader = add_worker(ours, role="team_leader", subject="leader.ours")
    mine = add_worker(ours, at=EXACT)
    other = add_worker(theirs, at=EXACT)
    return leader, mine, other


def _homes(api, token_for, *roles, sub) -> dict[str, tuple[float, float]]:
    response = api.get("/v1/workers", headers={"Authorization": f"Bearer {token_for(*roles, sub=sub)}"})
    assert response.status_code == 200, response.text
    return {w["id"]: (w["home_lat"], w["home_long"]) for w in response.json()}


def test_staff_and_services_see_home_positions_to_about_a_kilometre(api, token_for, two_teams) -> None:
    _, mine, other = two_teams
    for roles, sub in [(("staff",), "officer.any"), (("service",), "svc.report_it")]:
        homes = _homes(api, token_for, *roles, sub=sub)
        assert homes[str(mine.id)] == (53.55, -2.63), roles
        assert homes[str(other.id)] == (53.55, -2.63), roles


def test_a_team_leader_sees_their_own_team_exactly_and_others_coarse(api, token_for, two_teams) -> None:
    _, mine, other = two_teams
    homes = _homes(api, token_for, "staff", "team_leader", sub="leader.ours")
    assert homes[str(mine.id)] == EXACT
    assert homes[str(other.id)] == (53.55, -2.63)


def test_managers_see_every_home_exactly(api, token_for, two_teams) -> None:
    _, mine, other = two_teams
    homes = _homes(api, token_for, "staff", "manager", sub="manager.one")
    assert homes[str(mine.id)] == EXACT
    assert homes[str(other.id)] == EXACT
