"""`volunteering setup --demo` on a fresh database gives the journey from the issue something to walk through."""

from __future__ import annotations

import os
import subprocess
import sys

from sqlmodel import Session, func, select

from volunteering.models import Opportunity, StaffProfile


def test_setup_demo_then_find_book_approve_export_and_see_what_is_left(make_volunteering) -> None:
    vol = make_volunteering()
    env = os.environ | {"VOLUNTEERING_DATABASE_URL": vol.settings.database_url}
    command = [sys.executable, "-m", "volunteering.cli", "setup", "--demo"]
    first = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    again = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    assert "7 staff" in first.stdout and "already loaded" in again.stdout
    with Session(vol.engine) as session:
        assert session.exec(select(func.count()).select_from(StaffProfile)).one() == 7
        assert session.exec(select(func.count()).select_from(Opportunity)).one() == 3

    with vol.as_("demo.officer", "staff", "team_leader", "admin") as officer, vol.as_("demo.manager") as manager:
        found = officer.get("/v1/opportunities", params={"min_places_left": 1}).json()
        parcels = next(o for o in found if o["title"] == "Sort and pack food parcels")
        booking = officer.post("/v1/bookings", json={"opportunity_id": parcels["id"], "amount": "half_day"}).json()
        assert booking["status"] == "requested"
        approvals = manager.get("/v1/approvals").json()
        assert [a["booking"]["id"] for a in approvals] == [booking["id"]]
        manager.post(f"/v1/bookings/{booking['id']}/decision", json={"approve": True}).raise_for_status()
        assert "STATUS:CONFIRMED" in officer.get(f"/v1/bookings/{booking['id']}/calendar.ics").text
        left = officer.get("/v1/me/entitlement").json()
        assert (left["booked_hours"], left["remaining_hours"], left["remaining_days"]) == (3.7, 11.1, 1.5)
