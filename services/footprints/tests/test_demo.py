"""`footprints setup --demo`: the member of staff `make run`'s demo token names is a worker, so the field app shows
a caseload of their own."""

from __future__ import annotations

from sqlmodel import Session, select

from footprints.demo import load_demo_people
from footprints.models import Team, Worker


def test_the_demo_officer_leads_the_wigan_central_team(engine) -> None:
    with Session(engine) as session:
        assert load_demo_people(session) == 56
        officer = session.exec(select(Worker).where(Worker.subject == "demo.officer")).one()
        team = session.get(Team, officer.team_id)
        assert team is not None and team.footprint_code == "wigan_central"
        assert officer.role == "team_leader" and "street_cleansing" in officer.skills
        assert load_demo_people(session) == 0  # once only
