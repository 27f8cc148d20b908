"""Demo data for `volunteering setup --demo`: illustrative staff, organisations, opportunities and past days.

Names and places are illustrative, not real people or bookings. Footprints are left pending: the server's retry
loop fills them in from the footprints service once both are running.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlmodel import Session, select

from deal_shared.volunteering import StaffProfileUpsert
from volunteering.catalogue import LONDON
from volunteering.config import Settings
from volunteering.leave import leave_year_of
from volunteering.models import Booking, DirectorateSetting, Opportunity, Organisation, StaffProfile
from volunteering.staff import upsert_profile

STAFF = [
    # subject, name, directorate, team, line manager, weekly hours
    ("demo.manager", "Dana Manager", "Place", "Street Cleansing", None, 37),
    ("demo.officer", "Demo Officer", "Place", "Street Cleansing", "demo.manager", 37),
    ("demo.parttime", "Pat Parttime", "Place", "Street Cleansing", "demo.manager", 18.5),
    ("demo.warden", "Wren Warden", "Place", "Environmental Enforcement", "demo.manager", 37),
    ("demo.carer", "Cal Carer", "Adult Social Care", "Reablement", "demo.asc.lead", 30),
    ("demo.asc.lead", "Ash Lead", "Adult Social Care", "Reablement", None, 37),
    ("demo.finance", "Fin Analyst", "Resources", "Finance", "demo.asc.lead", 37),
]

ORGANISATIONS = [
    # name, charity number, address, lat, long
    ("Wigan Community Larder", "1180001", "Market Street, Wigan", 53.5455, -2.6320),
    ("Leigh Friends of the Flashes", None, "Pennington Flash, Leigh", 53.4930, -2.5420),
    ("Hindley Green Litter Pickers", None, "Atherton Road, Hindley", 53.5370, -2.5660),
    ("Standish Youth Football", "1170002", "Rectory Lane, Standish", 53.5860, -2.6620),
]


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)


def load_demo(session: Session, settings: Settings) -> str:
    if session.exec(select(StaffProfile)).first() is not None:
        return "already loaded"
    today = datetime.now(LONDON).date()
    for subject, name, directorate, team, manager, hours in STAFF:
        fields = StaffProfileUpsert(
            name=name,
            email=f"{subject}@wigan.gov.uk.invalid",
            directorate=directorate,
            team=team,
            line_manager_subject=manager,
            contracted_weekly_hours=hours,
        )
        upsert_profile(session, subject=subject, fields=fields)
    session.add(DirectorateSetting(directorate="Resources", auto_approve=True))
    organisations = []
    for name, charity, address, lat, lon in ORGANISATIONS:
        organisation = Organisation(
            name=name, charity_number=charity, address=address, lat=lat, lon=lon, created_by="demo.manager"
        )
        session.add(organisation)
        organisations.append(organisation)
    session.flush()
    larder, flashes, pickers, football = organisations
    soon = today + timedelta(days=14)
    opportunities = [
        Opportunity(
            organisation_id=larder.id,
            title="Sort and pack food parcels",
            description="Sorting donations and packing parcels for families across Wigan.",
            starts_at=_at(soon, 9),
            ends_at=_at(soon, 12, 42),
            places=4,
            skills=["food_handling"],
            lat=larder.lat,
            lon=larder.lon,
            address=larder.address,
            accessibility_notes="Ground floor, step-free; lifting up to 10 kg.",
            created_by="demo.manager",
        ),
        Opportunity(
            organisation_id=flashes.id,
            title="Path repair and clearing",
            description="Outdoor conservation work around the flash. Gloves and tools provided.",
            starts_at=_at(soon + timedelta(days=7), 9),
            ends_at=_at(soon + timedelta(days=7), 16, 24),
            places=10,
            skills=["outdoor", "conservation"],
            lat=flashes.lat,
            lon=flashes.lon,
            address=flashes.address,
            accessibility_notes="Uneven ground.",
            created_by="demo.manager",
        ),
        Opportunity(
            organisation_id=football.id,
            title="Help with the junior league (flexible)",
            description="Any weekday evening or Saturday morning: stewarding, kit, refreshments.",
            places=3,
            skills=["coaching"],
            lat=football.lat,
            lon=football.lon,
            address=football.address,
            created_by="demo.manager",
        ),
    ]
    session.add_all(opportunities)
    # Past days already given, so the reports have figures.
    past = today - timedelta(days=30)
    year = leave_year_of(past, settings.leave_year).start_year
    day_minutes = settings.standard_day_minutes
    for subject, minutes in (("demo.warden", day_minutes), ("demo.carer", day_minutes // 2)):
        session.add(
            Booking(
                staff_subject=subject,
                organisation_id=pickers.id,
                day=past,
                leave_year=year,
                minutes=minutes,
                status="approved",
                attendance="attended",
                minutes_given=minutes,
                impact_note="Cleared 14 bags from the canal towpath.",
                decided_by="demo.manager",
            )
        )
    session.flush()
    return f"{len(STAFF)} staff, {len(organisations)} organisations, {len(opportunities)} opportunities, 2 past days"
