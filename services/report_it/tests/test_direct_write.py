"""A new report's INSERT run straight on a pooled connection: the same row as the ORM would write, the same errors,
and a pool left as it was found, on each backend."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import Engine, event, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

from deal_shared.auth import Principal, Role
from deal_shared.db import make_engine
from deal_shared.geo import load_borough
from deal_shared.report_it import ReportCreate
from report_it import reports
from report_it.categories import get_category
from report_it.direct_write import DirectWrite
from report_it.models import Report
from report_it.visibility import Viewer

MARK = "test.wrote"
RESIDENT = Viewer()
OFFICER = Viewer(principal=Principal(subject="s-1", name="Sam Field", roles={Role.staff}, department="Streets"))


def new_row(engine: Engine, viewer: Viewer) -> reports.NewReportRow:
    data = ReportCreate.model_validate(
        {
            "category": "fly_tipping",
            "location": {"lat": 53.5450, "long": -2.6320},
            "description": "Mattress and two bin bags",
            "address": "Library Street",
            "answers": {"size": "car_boot", "waste_type": ["household"]},
            "reporter": {"name": "Ann Smith", "email": "ann@example.org", "wants_updates": True},
        }
    )
    with Session(engine) as session:
        category = get_category(session, data.category)
        new = reports.validate_new_report(session, data=data, viewer=viewer, borough=load_borough(), category=category)
    return reports.new_report_row(new=new, viewer=viewer)[0]


@pytest.fixture()
def engine(fresh_db: str) -> Iterator[Engine]:
    engine = make_engine(fresh_db)
    yield engine
    engine.dispose()


@pytest.mark.parametrize("viewer", [RESIDENT, OFFICER], ids=["resident", "staff"])
def test_the_row_written_reads_back_as_the_values_given(engine: Engine, viewer: Viewer) -> None:
    row = new_row(engine, viewer)
    DirectWrite(reports.INSERT_REPORT, engine, mark=MARK).run(reports.report_params(row))
    with Session(engine) as session:
        stored = session.get(Report, row.id)
    assert stored is not None
    for column in Report.__table__.columns:
        assert getattr(stored, column.key) == getattr(row, column.key), column.key
    assert stored.staff_subject == (OFFICER.principal.subject if viewer is OFFICER else None)


def still_transactional(engine: Engine) -> bool:
    """True if a session's write on a pooled connection stays in its transaction until committed."""
    other = new_row(engine, RESIDENT)
    with Session(engine) as session:
        reports.insert_report(session, other)
        session.rollback()
        return session.get(Report, other.id) is None


def test_the_pool_is_left_as_found_after_a_write_and_after_a_refused_one(engine: Engine) -> None:
    insert = DirectWrite(reports.INSERT_REPORT, engine, mark=MARK)
    row = new_row(engine, RESIDENT)
    insert.run(reports.report_params(row))
    assert still_transactional(engine)
    with pytest.raises(IntegrityError):
        insert.run(
            reports.report_params(row)
        )  # the same id again: SQLAlchemy's error, as a session's INSERT would raise
    assert still_transactional(engine)
    later = new_row(engine, RESIDENT)
    insert.run(reports.report_params(later))
    with Session(engine) as session:
        assert session.get(Report, row.id) is not None
        assert session.get(Report, later.id) is not None


def test_a_write_marks_its_connection_until_it_is_checked_in(engine: Engine) -> None:
    marks: list[bool] = []

    def on_checkin(_dbapi_connection: object, record: object) -> None:
        marks.append(getattr(record, "info", {}).pop(MARK, False))

    event.listen(engine, "checkin", on_checkin)
    insert = DirectWrite(reports.INSERT_REPORT, engine, mark=MARK)
    row = new_row(engine, RESIDENT)
    marks.clear()
    insert.run(reports.report_params(row))
    assert marks == [True]
    with pytest.raises(IntegrityError):
        insert.run(reports.report_params(row))
    assert True not in marks[1:]  # a failed write marks nothing


def test_a_database_restart_costs_one_failed_write_not_one_per_pooled_connection(
    engine: Engine, backend: str, postgres_admin_url: str
) -> None:
    if backend != "postgresql":
        pytest.skip("the database server drops the connections: PostgreSQL only")
    insert = DirectWrite(reports.INSERT_REPORT, engine, mark=MARK)
    rows = [new_row(engine, RESIDENT) for _ in range(4)]
    # Three pooled connections, all just used, so none is pinged when next checked out.
    held = [engine.raw_connection() for _ in range(3)]
    for connection in held:
        connection.driver_connection.execute("SELECT 1")
        connection.close()
    with psycopg.connect(postgres_admin_url.replace("+psycopg", ""), autocommit=True) as admin:
        killed = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s", (engine.url.database,)
        ).fetchone()
    assert killed is not None and killed[0] >= 3
    with pytest.raises(OperationalError):  # what the services answer with a 503 and Retry-After
        insert.run(reports.report_params(rows[0]))
    for row in rows:  # the client's retry, then others: all on new connections
        insert.run(reports.report_params(row))
    with Session(engine) as session:
        assert all(session.get(Report, row.id) is not None for row in rows)


def test_a_statement_with_values_rendered_at_execution_is_refused(engine: Engine) -> None:
    # IN with a list is expanded by SQLAlchemy as it executes: run directly, it would send the wrong SQL.
    closing = update(Report.__table__).where(Report.__table__.c.status.in_(["fixed", "closed"])).values(priority="low")
    with pytest.raises(ValueError, match="plain bound parameter"):
        DirectWrite(closing, engine, mark=MARK)
