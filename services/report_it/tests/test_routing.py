"""Routing rules over real HTTP: admins edit them (audited), new reports are routed by the first match, previews."""

from __future__ import annotations

import httpx
import pytest

from report_it.main import create_app
from services.report_it.tests.conftest import migrated_with_categories
from services.report_it.tests.test_feed_and_cases import wait_until
from services.report_it.tests.test_triage import report
from tests.support.server import serve

NEEDLES = {"count": 2, "near_children": "yes"}


@pytest.fixture(scope="module")
def routed(make_settings, database_factory):
    url = migrated_with_categories(database_factory("report_it_routing"))
    settings = make_settings(database_url=url, routing_poll_seconds=0.1)
    with serve(create_app(settings)) as base, httpx.Client(base_url=base, timeout=60) as client:
        yield client


@pytest.fixture(scope="module")
def admin(token_for) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for('admin', sub='admin.rules', name='Ada Admin')}"}


def status_of(client, report_id, headers) -> dict:
    return client.get(f"/v1/reports/{report_id}", headers=headers).json()


def test_rules_route_new_reports_first_match_wins_and_every_change_is_audited(routed, admin, token_for) -> None:
    needles = routed.post(
        "/v1/routing-rules",
        json={
            "name": "Needles near children",
            "category": "needles",
            "answers": {"near_children": "yes"},
            "decision": "acknowledge",
            "priority": "urgent",
        },
        headers=admin,
    )
    assert needles.status_code == 201, needles.text
    litter = routed.post(
        "/v1/routing-rules", json={"name": "Litter waits", "category": "litter", "priority": "low"}, headers=admin
    )
    anything = routed.post(
        "/v1/routing-rules", json={"name": "All else straight on", "decision": "acknowledge"}, headers=admin
    )
    assert litter.status_code == anything.status_code == 201
    order = [r["name"] for r in routed.get("/v1/routing-rules", headers=admin).json()]
    assert order == ["Needles near children", "Litter waits", "All else straight on"]

    urgent = report(routed, category="needles", answers=NEEDLES, metres=100)
    held = report(routed, category="litter", answers={}, metres=200)
    other = report(routed, category="graffiti", answers={"offensive": "no"}, metres=300)
    staff = {"Authorization": f"Bearer {token_for('staff', sub='rules.viewer')}"}
    wait_until(lambda: status_of(routed, urgent["id"], staff)["status"] == "acknowledged")
    now = status_of(routed, urgent["id"], staff)
    assert now["priority"] == "urgent"
    assert any("Needles near children" in (u["internal_note"] or "") for u in now["timeline"])
    wait_until(lambda: status_of(routed, held["id"], staff)["priority"] == "low")
    assert status_of(routed, held["id"], staff)["status"] == "submitted"  # held: in the triage queue
    wait_until(lambda: status_of(routed, other["id"], staff)["status"] == "acknowledged")
    queue = routed.get("/v1/triage/queue", headers=staff).json()["items"]
    assert [i["id"] for i in queue] == [held["id"]]

    changed = routed.patch(f"/v1/routing-rules/{litter.json()['id']}", json={"active": False}, headers=admin)
    assert changed.status_code == 200 and changed.json()["active"] is False
    assert routed.delete(f"/v1/routing-rules/{anything.json()['id']}", headers=admin).status_code == 204
    trail = routed.get("/v1/routing-rules/audit", headers=admin).json()
    assert [(c["kind"], (c["after"] or c["before"])["name"]) for c in trail][:2] == [
        ("deleted", "All else straight on"),
        ("updated", "Litter waits"),
    ]
    assert trail[1]["before"]["active"] is True and trail[1]["after"]["active"] is False
    assert all(c["actor"] == "admin.rules" for c in trail) and len(trail) == 5


def test_a_preview_shows_what_a_rule_would_have_done_last_month(routed, admin) -> None:
    for m in (0, 20):
        report(routed, category="dog_fouling", answers={"repeated": "yes"}, metres=900 + m)
    report(routed, category="dog_fouling", answers={"repeated": "no"}, metres=950)
    body = {
        "rule": {
            "name": "Repeat fouling",
            "category": "dog_fouling",
            "answers": {"repeated": "yes"},
            "priority": "high",
            "decision": "acknowledge",
        }
    }
    preview = routed.post("/v1/routing-rules/preview", json=body, headers=admin)
    assert preview.status_code == 200, preview.text
    seen = preview.json()
    assert seen["considered"] >= 3 and seen["matched"] == 2 and seen["would_acknowledge"] == 2
    assert seen["priority_changes"] == {"normal->high": 2}
    assert {e["priority_after"] for e in seen["examples"]} == {"high"}


def test_rules_are_for_admins_and_never_for_safeguarding(routed, admin, token_for) -> None:
    staff = {"Authorization": f"Bearer {token_for('staff', sub='rules.staff')}"}
    refused = routed.post("/v1/routing-rules", json={"name": "Mine"}, headers=staff)
    assert refused.status_code == 403 and "admin" in refused.json()["detail"]
    safeguarding = routed.post(
        "/v1/routing-rules",
        json={"name": "No", "category": "safeguarding_concern", "decision": "acknowledge"},
        headers=admin,
    )
    assert safeguarding.status_code == 422 and safeguarding.json()["code"] == "RoutingRuleRestricted"
    unknown = routed.post("/v1/routing-rules", json={"name": "No", "category": "nope"}, headers=admin)
    assert unknown.status_code == 404
    assert (
        routed.get("/v1/routing-rules/00000000-0000-0000-0000-000000000000/preview", headers=admin).status_code == 404
    )


def test_a_change_from_an_old_copy_of_a_rule_is_refused_with_the_rule_as_it_now_is(routed, admin) -> None:
    made = routed.post("/v1/routing-rules", json={"name": "Bins wait", "category": "overflowing_bin"}, headers=admin)
    rule = made.json()
    assert rule["etag"].startswith('"')
    first = routed.patch(
        f"/v1/routing-rules/{rule['id']}", json={"priority": "high"}, headers={**admin, "If-Match": rule["etag"]}
    )
    assert first.status_code == 200 and first.json()["etag"] != rule["etag"]
    for stale in (
        routed.patch(
            f"/v1/routing-rules/{rule['id']}", json={"active": False}, headers={**admin, "If-Match": rule["etag"]}
        ),
        routed.delete(f"/v1/routing-rules/{rule['id']}", headers={**admin, "If-Match": rule["etag"]}),
    ):
        assert stale.status_code == 412, stale.text
        problem = stale.json()
        assert problem["code"] == "StaleVersion" and "Bins wait" in problem["detail"]
        assert problem["current"]["priority"] == "high" and problem["current_etag"] == first.json()["etag"]
    now = routed.get("/v1/routing-rules", headers=admin).json()
    assert [r["active"] for r in now if r["id"] == rule["id"]] == [True]
    assert (
        routed.delete(
            f"/v1/routing-rules/{rule['id']}", headers={**admin, "If-Match": first.json()["etag"]}
        ).status_code
        == 204
    )


def test_an_edit_is_previewed_in_the_place_of_the_rule_it_replaces(routed, admin) -> None:
    report(routed, category="dead_animal", answers={}, metres=1500)
    saved = routed.post(
        "/v1/routing-rules", json={"name": "Animals wait", "category": "dead_animal"}, headers=admin
    ).json()
    edit = {"name": "Animals go", "category": "dead_animal", "decision": "acknowledge"}
    alone = routed.post("/v1/routing-rules/preview", json={"rule": edit}, headers=admin).json()
    assert alone["matched"] >= 1 and alone["taken_by_earlier_rules"] == alone["matched"]  # the saved rule takes them
    replacing = routed.post(
        "/v1/routing-rules/preview", json={"rule": edit, "replacing": saved["id"]}, headers=admin
    ).json()
    assert replacing["matched"] == alone["matched"] and replacing["taken_by_earlier_rules"] == 0
    assert routed.delete(f"/v1/routing-rules/{saved['id']}", headers=admin).status_code == 204
