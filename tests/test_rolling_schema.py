"""Roll-outs and roll-backs: each service's release N is ready and serving on release N+1's expanded schema, and
again once that schema is rolled back; a schema the code cannot write to is not ready, with the reason."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import httpx
import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlmodel import Session

from deal_shared.auth import AuthSettings
from deal_shared.db import alembic_config, make_engine
from tests.support.server import serve

REPO = Path(__file__).resolve().parents[1]

# What the next release's expand migration adds: a nullable column, a NOT NULL column with a server default, and a
# table; its downgrade takes them away again.
NEXT_RELEASE = '''"""The next release's expand step (a test fixture)."""

import sqlalchemy as sa
from alembic import op

revision = "next_release_expand"
down_revision = {down!r}


def upgrade():
    op.add_column("{table}", sa.Column("next_release_note", sa.String(200), nullable=True))
    op.add_column("{table}", sa.Column("next_release_rank", sa.Integer(), nullable=False, server_default="0"))
    op.create_table("next_release_thing", sa.Column("id", sa.Integer(), primary_key=True))


def downgrade():
    op.drop_table("next_release_thing")
    with op.batch_alter_table("{table}") as batch:
        batch.drop_column("next_release_rank")
        batch.drop_column("next_release_note")
'''


def next_release_migrations(service: str, table: str, tmp_path: Path) -> Path:
    """A copy of the service's alembic environment with one more (expand) migration on top of its head."""
    source = REPO / "services" / service
    target = tmp_path / service
    shutil.copytree(source / "migrations", target / "migrations", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(source / "alembic.ini", target / "alembic.ini")
    heads = ScriptDirectory(str(source / "migrations")).get_heads()
    down = heads[0] if len(heads) == 1 else tuple(heads)
    (target / "migrations" / "versions" / "2099-01-01_next_release_expand.py").write_text(
        NEXT_RELEASE.format(down=down, table=table)
    )
    return target / "alembic.ini"


def report_it_journey(base: str, token_for) -> None:
    admin = {"Authorization": f"Bearer {token_for('admin', 'staff')}"}
    code = f"rolling_{uuid.uuid4().hex[:8]}"
    body = {"code": code, "name": "Rolling check", "group": "Streets", "skill": "street_cleansing"}
    created = httpx.post(f"{base}/v1/categories", json=body, headers=admin)
    assert created.status_code == 201, created.text
    listed = httpx.get(f"{base}/v1/categories", headers=admin)
    assert code in {category["code"] for category in listed.json()}


def footprints_journey(base: str, token_for) -> None:
    admin = {"Authorization": f"Bearer {token_for('admin', 'manager', 'staff')}"}
    name = f"Rolling team {uuid.uuid4().hex[:8]}"
    created = httpx.post(f"{base}/v1/teams", json={"name": name, "footprint_code": "F-ROLL"}, headers=admin)
    assert created.status_code == 201, created.text
    assert name in {team["name"] for team in httpx.get(f"{base}/v1/teams", headers=admin).json()}


def volunteering_journey(base: str, token_for) -> None:
    admin = {"Authorization": f"Bearer {token_for('admin', 'staff')}"}
    subject = f"rolling.{uuid.uuid4().hex[:8]}"
    body = {"name": "Rolling Check", "directorate": "Place", "team": "Streets", "contracted_weekly_hours": 37}
    put = httpx.put(f"{base}/v1/staff/{subject}", json=body, headers=admin)
    assert put.status_code == 200, put.text
    assert subject in {row["subject"] for row in httpx.get(f"{base}/v1/staff", headers=admin).json()}


def seed_footprint(url: str) -> None:
    from footprints.models import Footprint

    engine = make_engine(url)
    with Session(engine) as session:
        session.add(Footprint(code="F-ROLL", number=990, name="Rolling footprint"))
        session.commit()
    engine.dispose()


SERVICES = {
    # service: (the table the next release widens, the journey that writes to and reads from it)
    "report_it": ("category", report_it_journey),
    "footprints": ("team", footprints_journey),
    "volunteering": ("staff_profile", volunteering_journey),
}


def build_app(service: str, url: str, dev_key: Path):
    config = __import__(f"{service}.config", fromlist=["Settings"])
    main = __import__(f"{service}.main", fromlist=["create_app"])
    settings = config.Settings(
        database_url=url, environment="test", auth=AuthSettings(dev_mode=True, dev_key_path=dev_key)
    )
    return main.create_app(settings)


def assert_ready_and_serving(base: str, journey, token_for) -> None:
    ready = httpx.get(f"{base}/readyz")
    assert ready.status_code == 200, ready.text
    journey(base, token_for)


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_release_n_runs_on_the_next_schema_and_after_its_rollback(
    service: str, database_factory, dev_key, token_for, tmp_path
) -> None:
    table, journey = SERVICES[service]
    db = __import__(f"{service}.db", fromlist=["migrate"])
    url = database_factory(f"{service}_rolling")
    db.migrate(url)
    if service == "footprints":
        seed_footprint(url)
    next_config = alembic_config(next_release_migrations(service, table, tmp_path), url)

    with serve(build_app(service, url, dev_key)) as base:
        assert_ready_and_serving(base, journey, token_for)
        # Release N+1's migration Job runs while release N's pods serve.
        command.upgrade(next_config, "head")
        assert_ready_and_serving(base, journey, token_for)

    # A roll-back: release N's pods start on N+1's schema; N's migration Job has nothing to do there.
    db.migrate(url)
    with serve(build_app(service, url, dev_key)) as base:
        assert_ready_and_serving(base, journey, token_for)
        # ...and the expand step itself undone.
        command.downgrade(next_config, "-1")
        assert_ready_and_serving(base, journey, token_for)


def test_a_schema_the_code_cannot_run_on_is_not_ready(database_factory, dev_key, tmp_path) -> None:
    from report_it.db import migrate

    url = database_factory("report_it_rolling_unfit")
    migrate(url)
    next_config = alembic_config(next_release_migrations("report_it", "category", tmp_path), url)
    command.upgrade(next_config, "head")
    engine = make_engine(url)
    with engine.begin() as connection:
        # A contract step too early: a column this code writes is gone, and a NOT NULL column it cannot fill.
        connection.exec_driver_sql("ALTER TABLE category DROP COLUMN description")
        connection.exec_driver_sql("ALTER TABLE category ADD COLUMN next_release_owner VARCHAR(20) NOT NULL")
    engine.dispose()
    with serve(build_app("report_it", url, dev_key)) as base:
        answer = httpx.get(f"{base}/readyz")
    assert answer.status_code == 503
    text = answer.text
    assert "column category.description missing" in text
    assert "column category.next_release_owner is NOT NULL without a default" in text
