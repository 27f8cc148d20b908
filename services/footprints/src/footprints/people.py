"""Teams and workers, and who may manage whom: team leaders their own team, managers everyone."""

from __future__ import annotations

import uuid

from sqlmodel import Session, select

from deal_shared.auth import Principal, Role
from footprints.errors import NotYourTeam, TeamNotFound, WorkerNotFound
from footprints.models import Team, Worker

MANAGERS = (Role.manager, Role.admin)


def get_team(session: Session, team_id: uuid.UUID) -> Team:
    team = session.get(Team, team_id)
    if team is None:
        raise TeamNotFound(f"No team has id {team_id}.")
    return team


def get_worker(session: Session, worker_id: uuid.UUID) -> Worker:
    worker = session.get(Worker, worker_id)
    if worker is None:
        raise WorkerNotFound(f"No worker has id {worker_id}.")
    return worker


def worker_for(session: Session, principal: Principal) -> Worker:
    worker = session.exec(select(Worker).where(Worker.subject == principal.subject)).first()
    if worker is None:
        raise WorkerNotFound(f"No worker record belongs to {principal.subject}.")
    return worker


def led_team_ids(session: Session, principal: Principal) -> set[uuid.UUID]:
    if not principal.has_any(Role.team_leader):
        return set()
    worker = session.exec(select(Worker).where(Worker.subject == principal.subject)).first()
    return {worker.team_id} if worker is not None and worker.role == "team_leader" else set()


def require_manages_team(session: Session, principal: Principal, team_id: uuid.UUID) -> None:
    if principal.has_any(*MANAGERS):
        return
    if team_id not in led_team_ids(session, principal):
        raise NotYourTeam("Team leaders manage their own team; managers manage every team.")


def require_manages_footprint(session: Session, principal: Principal, footprint_code: str) -> None:
    if principal.has_any(*MANAGERS):
        return
    teams = {t.id for t in session.exec(select(Team).where(Team.footprint_code == footprint_code)).all()}
    if not teams & led_team_ids(session, principal):
        raise NotYourTeam(f"Only the team leaders of footprint {footprint_code} and managers may do this.")
