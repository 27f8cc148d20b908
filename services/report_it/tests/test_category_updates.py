"""A category update is checked as strictly as a creation, and reads stay up whatever is stored."""

from __future__ import annotations

import httpx
from sqlalchemy import update
from sqlmodel import Session

from deal_shared.db import make_engine
from report_it.models import Category


def test_nulls_and_absurd_targets_are_refused_naming_the_field(api: httpx.Client, token_for) -> None:
    admin = {"Authorization": f"Bearer {token_for('admin', sub='admin.cats')}"}
    for body, field in (
        ({"questions": None}, "body.questions"),
        ({"name": None}, "body.name"),
        ({"target_hours": None}, "body.target_hours"),
        ({"target_hours": {"normal": 100_000_000}}, "body.target_hours.normal"),
        ({"target_hours": {"normal": 0}}, "body.target_hours.normal"),
    ):
        response = api.patch("/v1/categories/litter", json=body, headers=admin)
        assert response.status_code == 422, (body, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert field in [e["field"] for e in response.json()["errors"]], response.text
    assert api.get("/v1/categories").status_code == 200


def test_reads_survive_what_was_stored_before(make_settings, fresh_db: str) -> None:
    from report_it.main import create_app
    from services.report_it.tests.test_nearby import SPOT, report
    from tests.support.server import serve

    engine = make_engine(fresh_db)
    with Session(engine) as session:
        session.execute(
            update(Category)
            .where(Category.code == "litter")
            .values(questions=None, keywords=None, target_hours={"normal": 100_000_000})
        )
        session.commit()
    engine.dispose()
    with serve(create_app(make_settings(database_url=fresh_db))) as base, httpx.Client(base_url=base) as api:
        listed = api.get("/v1/categories")
        assert listed.status_code == 200, listed.text
        litter = next(c for c in listed.json() if c["code"] == "litter")
        assert litter["questions"] == [] and litter["target_hours"] == {}
        made = report(api, "litter", SPOT)
        assert made["id"]
