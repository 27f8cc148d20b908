"""Demo reports for a new install: a believable spread of problems across the borough."""

from __future__ import annotations

import random

from sqlmodel import Session, func, select

from deal_shared.geo import load_borough
from deal_shared.report_it import ActorKind, Channel, Location, ReportCreate, ReporterContact, ReportStatus
from report_it.lifecycle import Actor, apply_update
from report_it.models import Report
from report_it.reports import validate_new_report
from report_it.submitting import submit_report
from report_it.visibility import Viewer

_TRIAGE = Actor(kind=ActorKind.staff, subject="demo.manager", name="Dana Manager")
# Approximate centres of the borough's towns (illustrative).
_PLACES = {
    "Wigan": (53.545, -2.632),
    "Leigh": (53.497, -2.515),
    "Atherton": (53.523, -2.493),
    "Tyldesley": (53.513, -2.468),
    "Hindley": (53.535, -2.576),
    "Standish": (53.586, -2.660),
    "Ashton-in-Makerfield": (53.487, -2.640),
    "Golborne": (53.477, -2.597),
    "Orrell": (53.530, -2.707),
    "Pemberton": (53.537, -2.672),
}
_SAMPLES = [
    (
        "fly_tipping",
        "Mattress and bin bags dumped by the gate",
        {"size": "car_boot", "waste_type": ["household"]},
    ),
    (
        "fly_tipping",
        "Builders' rubble tipped on the lay-by",
        {"size": "transit_van", "waste_type": ["commercial"]},
    ),
    ("litter", "Lots of cans and bottles on the verge", {}),
    ("dog_fouling", "Dog mess all along the path to school", {"repeated": "yes"}),
    ("graffiti", "Tags sprayed on the bus shelter", {"offensive": "no"}),
    ("overflowing_bin", "Bin by the bench is overflowing", {}),
    ("pothole", "Deep pothole near the junction", {"depth": "over_100mm"}),
    ("street_light_out", "Light out outside number 12", {"fault": "out"}),
    ("blocked_drain", "Gully blocked, water across the road", {"flooding": "road"}),
    ("damaged_pavement", "Lifted slab, someone nearly tripped", {}),
]


def load_demo_reports(session: Session, *, count: int = 40, seed: int = 2015) -> int:
    """Add demo reports unless some are there already. Returns how many were added."""
    if session.exec(select(func.count()).select_from(Report)).one() > 0:
        return 0
    rng = random.Random(seed)
    borough = load_borough()
    resident = Viewer()
    added = 0
    for i in range(count):
        town, (lat, lon) = rng.choice(list(_PLACES.items()))
        category, text, answers = _SAMPLES[i % len(_SAMPLES)]
        data = ReportCreate(
            category=category,
            location=Location(lat=lat + rng.uniform(-0.006, 0.006), long=lon + rng.uniform(-0.008, 0.008)),
            address=f"Near the centre of {town}",
            description=text,
            answers=answers,
            channel=rng.choice([Channel.app, Channel.web]),
            reporter=ReporterContact(name="Demo Resident", email=f"resident{i}@example.org") if i % 3 else None,
        )
        new = validate_new_report(session, data=data, viewer=resident, borough=borough)
        report = submit_report(session, new=new, viewer=resident).report
        assert isinstance(report, Report)  # written in the session: the demo commits its reports together
        if data.reporter is None:
            # Acknowledged reports go to Footprints as cases, so staff caseloads have work in them (only those
            # without contact details: no demo e-mail waits for a mail server that is not there).
            session.flush()
            apply_update(session, report=report, actor=_TRIAGE, status=ReportStatus.acknowledged)
        added += 1
    return added
