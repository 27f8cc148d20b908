"""Demo people (illustrative): a joint team per footprint, workers with the council's skill types, one absence."""

from __future__ import annotations

import random

from sqlmodel import Session, select

from footprints.allocation.synthetic import FOOTPRINT_CENTRES
from footprints.models import Footprint, Team, Worker

# The skill/team types Report IT's categories name (copied, not imported: services share no code).
SKILLS = (
    "street_cleansing",
    "highways",
    "environmental_enforcement",
    "street_lighting",
    "drainage",
    "community_safety",
    "highways_enforcement",
    "traffic_signals",
    "safeguarding",
)
FIRST = ("Sam", "Alex", "Jo", "Chris", "Pat", "Lee", "Kim", "Ash", "Robin", "Jamie", "Dani", "Morgan")
LAST = ("Ashurst", "Bryn", "Hindle", "Leyland", "Marsden", "Pennington", "Standish", "Talbot", "Whelley", "Winstanley")
WORKERS_PER_TEAM = 8
DEMO_OFFICER_FOOTPRINT = "wigan_central"


def load_demo_people(session: Session, *, seed: int = 2015) -> int:
    """Add the demo teams and workers to a database that has none; returns how many workers were added."""
    if session.exec(select(Worker).limit(1)).first() is not None:
        return 0
    rng = random.Random(seed)
    added = 0
    for footprint in session.exec(select(Footprint).order_by(Footprint.number)).all():
        team = Team(name=f"{footprint.name} joint team", footprint_code=footprint.code)
        session.add(team)
        session.flush()
        lat, long = FOOTPRINT_CENTRES.get(footprint.code, (53.545, -2.632))
        for k in range(WORKERS_PER_TEAM):
            leader = k == 0
            skills = {SKILLS[(footprint.number + k) % 6], SKILLS[rng.randrange(len(SKILLS))]}
            subject = f"{'leader' if leader else 'worker'}.{footprint.number}.{k}"
            display_name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            if footprint.code == DEMO_OFFICER_FOOTPRINT and leader:
                # The person `make run`'s demo token names leads Wigan Central, so the field app has a caseload.
                subject, display_name = "demo.officer", "Demo Officer"
                skills.add("street_cleansing")
            session.add(
                Worker(
                    subject=subject,
                    display_name=display_name,
                    team_id=team.id,
                    role="team_leader" if leader else "worker",
                    skills=sorted(skills),
                    fte=1.0 if rng.random() < 0.8 else 0.6,
                    full_time_points=40.0,
                    home_lat=round(lat + rng.gauss(0, 0.008), 5),
                    home_long=round(long + rng.gauss(0, 0.012), 5),
                )
            )
            added += 1
    return added
