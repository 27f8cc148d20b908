"""The office's dispatch board, in headless Chromium calling the real Footprints with the staff token: a footprint's
workers against capacity and the cases waiting, a case reassigned and pinned with a reason (it moves in Footprints),
and a rebalance proposal whose accepted move is made and whose dropped move is not."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.conftest import FieldApp, Peers, screenshot
from tests.e2e.test_office import DESK
from tests.e2e.test_quality import serious_violations

pytestmark = pytest.mark.browser

LEIGH_EAST = (53.495, -2.493)
FAR_NORTH = (53.585, -2.655)


@pytest.fixture()
def context(browser: Browser, field_app: FieldApp) -> Iterator[BrowserContext]:
    made = browser.new_context(base_url=field_app.base, viewport=DESK, locale="en-GB")
    made.set_default_timeout(20000)
    yield made
    made.close()


def put_case(footprints: httpx.Client, service: dict[str, str], title: str) -> dict:
    body = {
        "title": title,
        "category": "fly_tipping",
        "skill": "street_cleansing",
        "priority": "normal",
        "effort_points": 1,
        "location": {"lat": LEIGH_EAST[0], "long": LEIGH_EAST[1]},
        "due_at": (datetime.now(UTC) + timedelta(days=10)).isoformat(),
        "version": 1,
    }
    response = footprints.put(f"/v1/cases/e2e_dispatch/{uuid.uuid4().hex}", json=body, headers=service)
    return response.raise_for_status().json()


def worker(footprints: httpx.Client, team_id: str, name: str, at: tuple[float, float]) -> dict:
    body = {
        "subject": f"e2e.dispatch.{uuid.uuid4().hex[:8]}",
        "display_name": name,
        "team_id": team_id,
        "skills": ["street_cleansing"],
        "full_time_points": 10,
        "home_lat": at[0],
        "home_long": at[1],
    }
    return footprints.post("/v1/workers", json=body).raise_for_status().json()


def test_a_case_reassigned_on_the_board_moves_and_only_accepted_proposals_move_cases(
    page: Page, field_app: FieldApp, running_peers: Peers, token_for
) -> None:
    tag = uuid.uuid4().hex[:4]
    manager = {"Authorization": f"Bearer {token_for('manager', sub='e2e.dispatch.manager')}"}
    service = {"Authorization": f"Bearer {token_for('service', sub='service:report_it')}"}
    with httpx.Client(base_url=running_peers.footprints, headers=manager, timeout=30) as footprints:
        team = footprints.post("/v1/teams", json={"name": f"Leigh cleansing {tag}", "footprint_code": "leigh"})
        team_id = team.raise_for_status().json()["id"]
        far = worker(footprints, team_id, f"Fran Far {tag}", FAR_NORTH)
        cases = [put_case(footprints, service, f"Fly-tip {n} {tag}") for n in range(3)]
        assert {c["worker"]["id"] for c in cases} == {far["id"]}
        near = worker(footprints, team_id, f"Nina Near {tag}", LEIGH_EAST)  # joins after the cases were placed

        page.goto("/office/")
        page.get_by_label("Sign-in token").fill(token_for("manager", sub="e2e.dispatch.mo", name="Mo Manager"))
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("navigation", name="Office screens").get_by_role("link", name="Dispatch board").click()
        expect(page.get_by_role("heading", name="Dispatch board", level=1)).to_be_visible()
        page.get_by_label("Footprint").select_option("leigh")
        page.get_by_label("Team").select_option(team_id)
        row = page.locator(f"#workers tr[data-worker='{far['id']}']")
        expect(row).to_contain_text("3")
        expect(row).to_contain_text("3 / 10")
        violations = serious_violations(page, "dispatch board")

        # Reassign and pin the first case to Nina, with a reason: it moves in Footprints.
        first = page.locator(f"li[data-case='{cases[0]['id']}']")
        first.get_by_text("Reassign or pin").click()
        first.get_by_label("Hand it to").select_option(near["id"])
        first.get_by_label("Why (kept in its audit trail)").fill("Nina is in Leigh today")
        first.get_by_label("Pin it there").check()
        first.get_by_role("button", name="Reassign").click()
        expect(page.locator(f"[data-worker-cases='{near['id']}'] li[data-case='{cases[0]['id']}']")).to_contain_text(
            "pinned"
        )
        moved = footprints.get(f"/v1/cases/{cases[0]['id']}").json()
        assert moved["worker"]["id"] == near["id"]
        board = footprints.get("/v1/dispatch-board/leigh", params={"team_id": team_id}).json()
        held = next(w for w in board["workers"] if w["id"] == near["id"])["cases"]
        assert [(c["id"], c["pinned"]) for c in held] == [(cases[0]["id"], True)]
        trail = footprints.get(f"/v1/audit/cases/{cases[0]['id']}").json()
        assert "Nina is in Leigh today" in str(trail[-1])

        # A rebalance proposes the other two to Nina; one accepted moves, one dropped stays.
        page.get_by_role("button", name="Propose a rebalance").click()
        moves = page.locator("#proposal-moves tbody tr")
        expect(page.locator("#proposal-summary")).to_contain_text("Nothing has moved yet")
        proposed = moves.evaluate_all("(rows) => rows.map((r) => r.dataset.move)")
        assert set(proposed) == {cases[1]["id"], cases[2]["id"]}
        assert footprints.get(f"/v1/cases/{cases[1]['id']}").json()["worker"]["id"] == far["id"]
        violations += serious_violations(page, "dispatch board with a proposal")
        screenshot(page, "office-dispatch")
        page.locator(f"tr[data-move='{cases[1]['id']}']").get_by_label("Accept").check()
        page.locator(f"tr[data-move='{cases[2]['id']}']").get_by_label("Drop").check()
        page.get_by_role("button", name="Apply these decisions").click()
        expect(page.locator(f"tr[data-move='{cases[1]['id']}']")).to_contain_text("accepted")
        expect(page.locator(f"tr[data-move='{cases[2]['id']}']")).to_contain_text("dropped")
        assert footprints.get(f"/v1/cases/{cases[1]['id']}").json()["worker"]["id"] == near["id"]
        assert footprints.get(f"/v1/cases/{cases[2]['id']}").json()["worker"]["id"] == far["id"]
        expect(page.locator(f"[data-worker-cases='{near['id']}'] li")).to_have_count(2)
    assert not violations, "\n".join(violations)
