"""Reports are exact on known data: time given by grouping, uptake, entitlement left, CSV, suppressed open data."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime

from sqlmodel import Session

from volunteering.models import Organisation


def _locate(vol, organisation_id: str, *, footprint: str, name: str, ward: str) -> None:
    """Stand in for the footprints answer (tested elsewhere over HTTP), so grouping by place is exact here."""
    with Session(vol.engine) as session:
        row = session.get(Organisation, uuid.UUID(organisation_id))
        row.footprint_code, row.footprint_name, row.ward_code, row.ward_name = footprint, name, f"{ward}_w", ward
        row.located_at = datetime.now(UTC)
        session.add(row)
        session.commit()


def _known_year(vol) -> dict[str, str]:
    for subject, directorate, team in [
        ("a.one", "Place", "Street Cleansing"),
        ("a.two", "Place", "Street Cleansing"),
        ("b.one", "Place", "Enforcement"),
        ("c.one", "Adult Social Care", "Reablement"),
        ("d.one", "Adult Social Care", "Reablement"),
    ]:
        vol.add_staff(subject, directorate=directorate, team=team, line_manager_subject="boss.one")
    vol.add_staff("boss.one", directorate="Place", team="Leadership", line_manager_subject=None)
    vol.add_staff("e.left", directorate="Resources", team="Finance", leave_date="2030-12-31")
    larder = vol.add_organisation(name="Larder")["id"]
    pickers = vol.add_organisation(name="Pickers")["id"]
    _locate(vol, larder, footprint="wigan_central", name="Wigan Central", ward="Wigan Central")
    _locate(vol, pickers, footprint="hindley", name="Ince, Hindley, Abram, Platt Bridge", ward="Hindley Green")
    vol.set_now(datetime(2031, 9, 1, 12, tzinfo=UTC))
    logs = [
        ("a.one", larder, "2031-05-10", {"amount": "day"}, True),
        ("a.one", pickers, "2031-06-01", {"amount": "half_day"}, True),
        ("a.two", larder, "2031-05-10", {"amount": "hours", "hours": 2}, True),
        ("b.one", pickers, "2031-07-01", {"amount": "day"}, True),
        ("c.one", larder, "2031-08-01", {"amount": "hours", "hours": 4}, False),  # declined: not counted
        ("c.one", pickers, "2031-08-02", {"amount": "half_day"}, True),
        ("d.one", larder, "2031-08-03", {"amount": "hours", "hours": 1}, None),  # still awaiting a decision
        ("a.two", pickers, "2030-06-01", {"amount": "day"}, True),  # the year before
    ]
    with vol.as_("boss.one") as boss:
        for subject, organisation, day, amount, approve in logs:
            with vol.as_(subject) as member:
                logged = member.post("/v1/bookings/log", json={"organisation_id": organisation, "date": day} | amount)
                assert logged.status_code == 201, logged.text
            if approve is not None:
                decision = {"approve": approve, "reason": None if approve else "Inspection that day"}
                boss.post(f"/v1/bookings/{logged.json()['id']}/decision", json=decision).raise_for_status()
    return {"larder": larder, "pickers": pickers}


def test_time_given_by_every_grouping_and_uptake(vol) -> None:
    ids = _known_year(vol)
    with vol.as_("head.one", "staff", "manager") as head:
        by = {
            g: head.get("/v1/reports/summary", params={"leave_year": 2031, "group_by": g}).json()
            for g in ("directorate", "team", "organisation", "footprint", "ward")
        }
        uptake = head.get("/v1/reports/uptake", params={"leave_year": 2031}).json()
        last_year = head.get("/v1/reports/summary", params={"leave_year": 2030}).json()
        csv_text = head.get("/v1/reports/summary.csv", params={"leave_year": 2031, "group_by": "organisation"}).text

    def rows(group):
        return [(r["label"], r["staff"], r["bookings"], r["hours"], r["days"]) for r in by[group]["rows"]]

    assert rows("directorate") == [("Adult Social Care", 1, 1, 3.7, 0.5), ("Place", 3, 4, 20.5, 2.77)]
    assert (by["directorate"]["total_staff"], by["directorate"]["total_hours"], by["directorate"]["total_days"]) == (
        4,
        24.2,
        3.27,
    )
    assert rows("team") == [
        ("Enforcement (Place)", 1, 1, 7.4, 1.0),
        ("Reablement (Adult Social Care)", 1, 1, 3.7, 0.5),
        ("Street Cleansing (Place)", 2, 3, 13.1, 1.77),
    ]
    assert rows("organisation") == [("Larder", 2, 2, 9.4, 1.27), ("Pickers", 3, 3, 14.8, 2.0)]
    assert [r["key"] for r in by["organisation"]["rows"]] == [ids["larder"], ids["pickers"]]
    assert rows("footprint") == [
        ("Ince, Hindley, Abram, Platt Bridge", 3, 3, 14.8, 2.0),
        ("Wigan Central", 2, 2, 9.4, 1.27),
    ]
    assert [r["key"] for r in by["ward"]["rows"]] == ["Hindley Green_w", "Wigan Central_w"]
    # Employed in 2031/32: six (the leaver left in 2030); four gave time.
    assert uptake == {
        "leave_year": 2031,
        "staff": 6,
        "staff_who_volunteered": 4,
        "share": 0.6667,
        "hours_given": 24.2,
        "days_given": 3.27,
    }
    assert last_year["total_hours"] == 7.4
    parsed = list(csv.reader(io.StringIO(csv_text)))
    assert parsed[0] == ["leave_year", "organisation", "label", "staff", "bookings", "hours", "days"]
    assert parsed[1:] == [
        ["2031", ids["larder"], "Larder", "2", "2", "9.4", "1.27"],
        ["2031", ids["pickers"], "Pickers", "3", "3", "14.8", "2.0"],
    ]


def test_entitlement_left_per_person_for_them_and_their_manager(vol) -> None:
    _known_year(vol)
    with vol.as_("boss.one") as boss, vol.as_("a.one") as member:
        team = {e["subject"]: e for e in boss.get("/v1/reports/entitlements", params={"leave_year": 2031}).json()}
        own = member.get("/v1/me/entitlement", params={"leave_year": 2031}).json()
        by_manager = boss.get("/v1/staff/c.one/entitlement", params={"leave_year": 2031}).json()
        refused = member.get("/v1/staff/c.one/entitlement").status_code
        csv_text = boss.get("/v1/reports/entitlements.csv", params={"leave_year": 2031}).text
        forbidden = member.get("/v1/reports/summary").status_code
    assert sorted(team) == ["a.one", "a.two", "b.one", "c.one", "d.one"]
    assert (
        (team["a.one"]["taken_hours"], team["a.one"]["remaining_hours"])
        == (11.1, 3.7)
        == (
            own["taken_hours"],
            own["remaining_hours"],
        )
    )
    assert (team["d.one"]["booked_hours"], team["d.one"]["remaining_hours"]) == (1.0, 13.8)
    assert (by_manager["taken_hours"], by_manager["remaining_hours"]) == (3.7, 11.1)  # the declined 4 hours returned
    assert refused == 403 and forbidden == 403
    parsed = list(csv.DictReader(io.StringIO(csv_text)))
    assert {r["subject"]: r["remaining_hours"] for r in parsed}["b.one"] == "7.4"


def test_open_data_suppresses_small_numbers(make_volunteering) -> None:
    vol = make_volunteering(open_data_min_count=2)
    _known_year(vol)

    def table(group_by: str) -> list[list[str]]:
        response = vol.as_("x").get("/v1/open-data/volunteering.csv", params={"leave_year": 2031, "group_by": group_by})
        response.headers.get("content-type", "").startswith("text/csv") or response.raise_for_status()
        return list(csv.reader(io.StringIO(response.text)))

    anonymous = vol.as_("x")
    anonymous.headers.pop("Authorization")
    assert anonymous.get("/v1/open-data/volunteering.csv").status_code == 200  # open data needs no sign-in
    assert table("footprint") == [
        ["leave_year", "footprint", "staff_volunteering", "days_given", "hours_given"],
        ["2031/32", "Ince, Hindley, Abram, Platt Bridge", "3", "2.0", "14.8"],
        ["2031/32", "Wigan Central", "2", "1.27", "9.4"],
        ["2031/32", "Total", "4", "3.27", "24.2"],
    ]
    # One person in Adult Social Care: withheld, and Place with it, or the total would give it away.
    assert table("directorate")[1:] == [
        ["2031/32", "Adult Social Care", "[c]", "[c]", "[c]"],
        ["2031/32", "Place", "[c]", "[c]", "[c]"],
        ["2031/32", "Total", "4", "3.27", "24.2"],
    ]
    assert all("a.one" not in cell for row in table("team") for cell in row)  # never finer than directorate


def test_clean_ups_held_at_hotspots(vol) -> None:
    """Opportunities proposed at a Report IT hotspot (carrying `suggested_from`) and held: where, staff, hours."""
    vol.add_staff("manager.one", line_manager_subject=None)
    for subject in ("a.one", "a.two", "b.one"):
        vol.add_staff(subject)
    pickers = vol.add_organisation(name="Pickers")["id"]
    hotspot = {"category": "fly_tipping", "report_count": 4, "report_ids": [str(uuid.uuid4()) for _ in range(4)]}
    cleanup = vol.add_opportunity(pickers, title="Community clean-up: fly-tipping in Hindley", suggested_from=hotspot,
                                  skills=["litter_picking"])  # fmt: skip
    ordinary = vol.add_opportunity(pickers, title="Sort food parcels")
    with vol.as_("manager.one") as manager:
        booked = {}
        for subject, opportunity in (("a.one", cleanup), ("a.two", cleanup), ("b.one", ordinary)):
            with vol.as_(subject) as member:
                made = member.post("/v1/bookings", json={"opportunity_id": opportunity["id"]})
                assert made.status_code == 201, made.text
            manager.post(f"/v1/bookings/{made.json()['id']}/decision", json={"approve": True}).raise_for_status()
            booked[subject] = made.json()["id"]
        vol.set_now(datetime(2031, 6, 10, 17, tzinfo=UTC))
        for subject, attendance in (("a.one", {"attendance": "attended"}), ("a.two", {"attendance": "no_show"}),
                                    ("b.one", {"attendance": "attended"})):  # fmt: skip
            manager.post(f"/v1/bookings/{booked[subject]}/attendance", json=attendance).raise_for_status()
    with vol.as_("head.one", "staff", "manager") as head:
        found = head.get("/v1/reports/cleanups", params={"leave_year": 2031})
        assert found.status_code == 200, found.text
        assert head.get("/v1/reports/cleanups", params={"leave_year": 2030}).json()["held"] == []
    with vol.as_("a.one") as member:
        assert member.get("/v1/reports/cleanups").status_code == 403  # managers' and admins' reports
    report = found.json()
    # The ordinary opportunity is no clean-up; the no-show gave no time.
    assert (report["total_held"], report["total_staff"], report["total_hours"]) == (1, 1, 7.4)  # a day booked
    (held,) = report["held"]
    assert (held["opportunity_id"], held["category"], held["hotspot_reports"]) == (cleanup["id"], "fly_tipping", 4)
    assert (held["staff"], held["hours"], held["held_at"][:10]) == (1, 7.4, "2031-06-10")
