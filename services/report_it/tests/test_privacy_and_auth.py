"""Staff-only and sensitive categories, and how bearer tokens are checked."""

from __future__ import annotations

import time

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

WIGAN = {"lat": 53.545, "long": -2.632}


def safeguarding(**extra):
    return {
        "category": "safeguarding_concern",
        "location": WIGAN,
        "description": "Child alone outside late at night",
        "answers": {"person": "child", "immediate_danger": "no"},
        **extra,
    }


def test_residents_cannot_use_staff_only_categories(api: httpx.Client) -> None:
    response = api.post("/v1/reports", json=safeguarding())
    assert response.status_code == 403 and response.json()["code"] == "CategoryStaffOnly"
    codes = [c["code"] for c in api.get("/v1/categories").json()]
    assert "safeguarding_concern" not in codes and "fly_tipping" in codes


def test_safeguarding_is_seen_only_by_its_author_and_the_safeguarding_role(api: httpx.Client, token_for) -> None:
    author = {"Authorization": f"Bearer {token_for('staff', sub='author.one', department='waste')}"}
    created = api.post("/v1/reports", json=safeguarding(), headers=author)
    assert created.status_code == 201, created.text
    report_id = created.json()["id"]
    assert created.json()["staff"]["department"] == "waste" and created.json()["channel"] == "staff"

    other_staff = {"Authorization": f"Bearer {token_for('staff', sub='someone.else')}"}
    lead = {"Authorization": f"Bearer {token_for('safeguarding', sub='sg.lead')}"}
    assert api.get(f"/v1/reports/{report_id}").status_code == 404
    assert api.get(f"/v1/reports/{report_id}", headers=other_staff).status_code == 404
    assert api.get(f"/v1/reports/{report_id}", headers=author).status_code == 200
    assert api.get(f"/v1/reports/{report_id}", headers=lead).status_code == 200
    public_ids = [r["id"] for r in api.get("/v1/reports", params={"limit": 200}).json()["items"]]
    staff_ids = [r["id"] for r in api.get("/v1/reports", params={"limit": 200}, headers=other_staff).json()["items"]]
    assert report_id not in public_ids and report_id not in staff_ids


def test_sensitive_reports_are_coarsened_in_public(api: httpx.Client) -> None:
    exact = {"lat": 53.54123, "long": -2.63456}
    report = api.post(
        "/v1/reports",
        json={
            "category": "needles",
            "location": exact,
            "description": "Needles by the swings",
            "answers": {"near_children": "yes"},
        },
    ).json()
    public = api.get(f"/v1/reports/{report['id']}").json()
    assert public["location_coarsened"] is True and public["description"] is None
    assert public["location"] != exact


def test_token_rejections(api: httpx.Client, token_for, dev_key) -> None:
    admin_only = "/v1/categories"
    new = {"code": "test_cat_x", "name": "Test", "group": "Test", "skill": "highways"}

    def post(token: str) -> httpx.Response:
        return api.post(admin_only, json=new, headers={"Authorization": f"Bearer {token}"})

    unsigned = jwt.encode({"sub": "x", "roles": ["admin"], "exp": time.time() + 60}, None, algorithm="none")
    assert post(unsigned).status_code == 401
    assert post(token_for("admin", audience="api://other")).status_code == 401
    assert post(token_for("admin", issuer="https://evil.example/")).status_code == 401
    assert post(token_for("admin", lifetime_seconds=-120)).json()["detail"] == "The bearer token has expired."
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(
        {
            "sub": "x",
            "roles": ["admin"],
            "exp": time.time() + 60,
            "iss": "https://dev.deal-digital.invalid/",
            "aud": "api://deal-digital",
        },
        stranger,
        algorithm="RS256",
        headers={"kid": "nope"},
    )
    assert post(forged).status_code == 401
    assert post("not.a.jwt").status_code == 401
    forbidden = post(token_for("staff"))
    assert forbidden.status_code == 403 and forbidden.json()["code"] == "Forbidden"
    assert api.post(admin_only, json=new).status_code == 401
    assert post(token_for("admin")).status_code == 201
