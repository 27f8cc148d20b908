"""The journey from the issue: find an opportunity, book half a day, manager approves, calendar, entitlement left."""

from __future__ import annotations

from datetime import UTC, datetime


def test_find_book_half_day_approve_export_and_see_entitlement(vol) -> None:
    vol.add_staff("manager.one", line_manager_subject=None)
    vol.add_staff("officer.one")
    vol.add_staff("officer.two")
    organisation = vol.add_organisation()
    opportunity = vol.add_opportunity(organisation["id"])
    vol.add_opportunity(organisation["id"], title="Another day", skills=["gardening"])

    with vol.as_("officer.one") as officer, vol.as_("officer.two") as colleague, vol.as_("manager.one") as manager:
        found = officer.get("/v1/opportunities", params={"date": "2031-06-10", "skill": "food_handling"}).json()
        assert [o["id"] for o in found] == [opportunity["id"]]
        assert found[0]["places_left"] == 5 and found[0]["flexible"] is False

        colleague_booking = colleague.post("/v1/bookings", json={"opportunity_id": opportunity["id"]})
        assert colleague_booking.status_code == 201
        response = officer.post("/v1/bookings", json={"opportunity_id": opportunity["id"], "amount": "half_day"})
        assert response.status_code == 201, response.text
        booking = response.json()
        assert booking["status"] == "requested"
        assert booking["hours"] == 3.7  # half of a 7.4-hour standard day (37 hours over 5 days)
        assert booking["date"] == "2031-06-10"

        entitlement = officer.get("/v1/me/entitlement", params={"leave_year": 2031}).json()
        assert entitlement["leave_year_label"] == "2031/32"
        assert entitlement["entitlement_hours"] == 14.8
        assert entitlement["booked_hours"] == 3.7
        assert entitlement["remaining_hours"] == 11.1
        assert entitlement["remaining_days"] == 1.5

        vol.add_staff("officer.three")
        away = {"staff_subject": "officer.three", "starts_on": "2031-06-09", "ends_on": "2031-06-13"}
        assert officer.post("/v1/absences", json=away).status_code == 403
        recorded = manager.post("/v1/absences", json=away)
        assert recorded.status_code == 201, recorded.text
        approvals = manager.get("/v1/approvals").json()
        mine = next(a for a in approvals if a["booking"]["id"] == booking["id"])
        assert [(t["subject"], t["status"], t["away"]) for t in mine["team_that_day"]] == [
            ("officer.two", "requested", None),
            ("officer.three", None, "annual_leave"),
        ]
        assert manager.delete(f"/v1/absences/{recorded.json()['id']}").status_code == 204
        after = manager.get("/v1/approvals").json()
        assert len(next(a for a in after if a["booking"]["id"] == booking["id"])["team_that_day"]) == 1
        assert mine["entitlement"]["remaining_hours"] == 11.1

        decided = manager.post(f"/v1/bookings/{booking['id']}/decision", json={"approve": True})
        assert decided.status_code == 200, decided.text
        assert decided.json()["status"] == "approved"
        assert decided.json()["decided_by"] == "manager.one"

        ics = officer.get(f"/v1/bookings/{booking['id']}/calendar.ics")
        assert ics.status_code == 200
        assert ics.headers["content-type"].startswith("text/calendar")
        assert "DTSTART;TZID=Europe/London:20310610T090000\r\n" in ics.text
        assert "STATUS:CONFIRMED\r\n" in ics.text

        left = officer.get("/v1/opportunities/" + opportunity["id"]).json()
        assert left["places_left"] == 3

        # After the day: attended, three hours actually given; the ledger now counts what was given.
        vol.set_now(datetime(2031, 6, 11, 9, tzinfo=UTC))
        attended = officer.post(
            f"/v1/bookings/{booking['id']}/attendance",
            json={"attendance": "attended", "hours_given": 3, "impact_note": "Packed 40 parcels"},
        )
        assert attended.status_code == 200, attended.text
        entitlement = officer.get("/v1/me/entitlement", params={"leave_year": 2031}).json()
        assert (entitlement["taken_hours"], entitlement["booked_hours"], entitlement["remaining_hours"]) == (
            3.0,
            0.0,
            11.8,
        )


def test_manager_declines_with_a_reason_and_only_the_line_manager_decides(vol) -> None:
    vol.add_staff("manager.one", line_manager_subject=None)
    vol.add_staff("officer.one")
    vol.add_staff("stranger.one", line_manager_subject=None)
    opportunity = vol.add_opportunity(vol.add_organisation()["id"])
    with vol.as_("officer.one") as officer, vol.as_("manager.one", "staff", "manager") as manager:
        booking = officer.post("/v1/bookings", json={"opportunity_id": opportunity["id"]}).json()
        with vol.as_("stranger.one", "staff", "manager") as stranger:
            refused = stranger.post(f"/v1/bookings/{booking['id']}/decision", json={"approve": True})
        assert refused.status_code == 403 and refused.json()["code"] == "NotYourBooking"
        own = officer.post(f"/v1/bookings/{booking['id']}/decision", json={"approve": True})
        assert own.status_code == 403 and own.json()["code"] == "NotLineManager"

        no_reason = manager.post(f"/v1/bookings/{booking['id']}/decision", json={"approve": False})
        assert no_reason.status_code == 422 and no_reason.json()["code"] == "ReasonRequired"
        declined = manager.post(
            f"/v1/bookings/{booking['id']}/decision", json={"approve": False, "reason": "Bin round cover that week"}
        )
        assert declined.json()["status"] == "declined"
        assert declined.json()["decision_reason"] == "Bin round cover that week"
        again = manager.post(f"/v1/bookings/{booking['id']}/decision", json={"approve": True})
        assert again.status_code == 409 and again.json()["code"] == "BookingStateConflict"

        entitlement = officer.get("/v1/me/entitlement", params={"leave_year": 2031}).json()
        assert entitlement["remaining_hours"] == 14.8  # a declined booking takes nothing
        assert officer.get(f"/v1/opportunities/{opportunity['id']}").json()["places_left"] == 5


def test_auto_approval_is_configured_per_directorate(vol) -> None:
    vol.add_staff("finance.one", directorate="Resources", team="Finance")
    vol.add_staff("officer.one")
    opportunity = vol.add_opportunity(vol.add_organisation()["id"])
    with vol.admin() as admin:
        assert admin.put("/v1/directorates/Resources", json={"auto_approve": True}).status_code == 200
    with vol.as_("finance.one") as finance, vol.as_("officer.one") as officer:
        auto = finance.post("/v1/bookings", json={"opportunity_id": opportunity["id"]}).json()
        manual = officer.post("/v1/bookings", json={"opportunity_id": opportunity["id"]}).json()
    assert (auto["status"], auto["decided_by"]) == ("approved", "auto-approval")
    assert manual["status"] == "requested"


def test_entitlement_is_never_exceeded_and_cancelling_returns_it(vol) -> None:
    vol.add_staff("officer.one")
    organisation = vol.add_organisation()
    days = [
        vol.add_opportunity(
            organisation["id"], starts_at=f"2031-06-{d}T09:00:00+01:00", ends_at=f"2031-06-{d}T17:00:00+01:00"
        )
        for d in (10, 11, 12)
    ]
    with vol.as_("officer.one") as officer:
        first = officer.post("/v1/bookings", json={"opportunity_id": days[0]["id"]})
        second = officer.post("/v1/bookings", json={"opportunity_id": days[1]["id"]})
        third = officer.post("/v1/bookings", json={"opportunity_id": days[2]["id"], "amount": "hours", "hours": 0.25})
        assert (first.status_code, second.status_code) == (201, 201)
        assert third.status_code == 409 and third.json()["code"] == "EntitlementExceeded"
        assert third.json()["remaining_hours"] == 0

        cancelled = officer.post(f"/v1/bookings/{first.json()['id']}/cancel")
        assert cancelled.json()["status"] == "cancelled"
        assert officer.get("/v1/me/entitlement", params={"leave_year": 2031}).json()["remaining_hours"] == 7.4
        retry = officer.post("/v1/bookings", json={"opportunity_id": days[2]["id"], "amount": "hours", "hours": 2.5})
        assert retry.status_code == 201 and retry.json()["hours"] == 2.5
        twice = officer.post(f"/v1/bookings/{first.json()['id']}/cancel")
        assert twice.status_code == 409


def test_waiting_list_fills_freed_places_in_order(vol) -> None:
    for subject in ("first", "second", "third", "fourth"):
        vol.add_staff(f"officer.{subject}")
    opportunity = vol.add_opportunity(vol.add_organisation()["id"], places=1)
    bookings = {}
    for subject in ("first", "second", "third"):
        with vol.as_(f"officer.{subject}") as client:
            bookings[subject] = client.post("/v1/bookings", json={"opportunity_id": opportunity["id"]}).json()
    assert [bookings[s]["status"] for s in ("first", "second", "third")] == ["requested", "waitlisted", "waitlisted"]
    assert (bookings["second"]["waitlist_position"], bookings["third"]["waitlist_position"]) == (1, 2)
    with vol.as_("officer.fourth") as fourth:
        refused = fourth.post("/v1/bookings", json={"opportunity_id": opportunity["id"], "join_waitlist": False})
    assert refused.status_code == 409 and refused.json()["code"] == "OpportunityFull"

    with vol.as_("officer.first") as first:
        first.post(f"/v1/bookings/{bookings['first']['id']}/cancel").raise_for_status()
    with vol.as_("officer.second") as second, vol.as_("officer.third") as third:
        promoted = second.get(f"/v1/bookings/{bookings['second']['id']}").json()
        still_waiting = third.get(f"/v1/bookings/{bookings['third']['id']}").json()
    assert promoted["status"] == "requested" and promoted["waitlist_position"] is None
    assert still_waiting["status"] == "waitlisted" and still_waiting["waitlist_position"] == 1
    with vol.as_("officer.first") as first:
        summary = first.get(f"/v1/opportunities/{opportunity['id']}").json()
    assert (summary["places_left"], summary["waitlist_count"]) == (0, 1)


def test_flexible_opportunities_need_a_date_and_count_places_per_day(vol) -> None:
    for subject in ("one", "two", "three"):
        vol.add_staff(f"officer.{subject}")
    flexible = vol.add_opportunity(vol.add_organisation()["id"], starts_at=None, ends_at=None, places=1)
    assert flexible["flexible"] is True
    with vol.as_("officer.one") as one, vol.as_("officer.two") as two, vol.as_("officer.three") as three:
        missing = one.post("/v1/bookings", json={"opportunity_id": flexible["id"]})
        assert missing.status_code == 422 and missing.json()["code"] == "InvalidBookingTime"
        a = one.post("/v1/bookings", json={"opportunity_id": flexible["id"], "date": "2031-07-01"}).json()
        b = two.post("/v1/bookings", json={"opportunity_id": flexible["id"], "date": "2031-07-01"}).json()
        c = three.post("/v1/bookings", json={"opportunity_id": flexible["id"], "date": "2031-07-02"}).json()
        ics = one.get(f"/v1/bookings/{a['id']}/calendar.ics").text
    assert (a["status"], b["status"], c["status"]) == ("requested", "waitlisted", "requested")
    assert "DTSTART;VALUE=DATE:20310701\r\n" in ics and "DTEND;VALUE=DATE:20310702\r\n" in ics


def test_logging_volunteering_with_an_organisation_without_an_opportunity(vol) -> None:
    vol.add_staff("manager.one", line_manager_subject=None)
    vol.add_staff("officer.one")
    organisation = vol.add_organisation(name="Hindley Green Litter Pickers")
    vol.set_now(datetime(2031, 5, 20, 12, tzinfo=UTC))
    with vol.as_("officer.one") as officer, vol.as_("manager.one") as manager:
        future = officer.post(
            "/v1/bookings/log", json={"organisation_id": organisation["id"], "date": "2031-05-21", "amount": "day"}
        )
        assert future.status_code == 422
        logged = officer.post(
            "/v1/bookings/log",
            json={
                "organisation_id": organisation["id"],
                "date": "2031-05-18",
                "amount": "hours",
                "hours": 4,
                "impact_note": "Towpath litter pick",
            },
        ).json()
        assert (logged["status"], logged["attendance"], logged["hours_given"]) == ("requested", "attended", 4.0)
        assert logged["opportunity_id"] is None
        manager.post(f"/v1/bookings/{logged['id']}/decision", json={"approve": True}).raise_for_status()
        entitlement = officer.get("/v1/me/entitlement", params={"leave_year": 2031}).json()
    assert (entitlement["taken_hours"], entitlement["remaining_hours"]) == (4.0, 10.8)


def test_no_show_returns_the_entitlement_and_attendance_waits_for_the_day(vol) -> None:
    vol.add_staff("manager.one", line_manager_subject=None)
    vol.add_staff("officer.one")
    opportunity = vol.add_opportunity(vol.add_organisation()["id"])
    with vol.as_("officer.one") as officer, vol.as_("manager.one") as manager:
        booking = officer.post("/v1/bookings", json={"opportunity_id": opportunity["id"]}).json()
        manager.post(f"/v1/bookings/{booking['id']}/decision", json={"approve": True}).raise_for_status()
        early = manager.post(f"/v1/bookings/{booking['id']}/attendance", json={"attendance": "no_show"})
        assert early.status_code == 409
        vol.set_now(datetime(2031, 6, 10, 17, tzinfo=UTC))
        too_much = manager.post(
            f"/v1/bookings/{booking['id']}/attendance", json={"attendance": "attended", "hours_given": 9}
        )
        assert too_much.status_code == 422
        no_show = manager.post(f"/v1/bookings/{booking['id']}/attendance", json={"attendance": "no_show"})
        assert no_show.json()["attendance"] == "no_show"
        assert officer.get("/v1/me/entitlement", params={"leave_year": 2031}).json()["remaining_hours"] == 14.8


def test_errors_are_problems_not_crashes(vol) -> None:
    vol.add_staff("officer.one")
    with vol.as_("officer.one") as officer:
        unknown = officer.post("/v1/bookings", json={"opportunity_id": "00000000-0000-0000-0000-000000000000"})
        assert unknown.status_code == 404 and unknown.json()["code"] == "OpportunityNotFound"
        bad_hours = officer.post(
            "/v1/bookings",
            json={"opportunity_id": "00000000-0000-0000-0000-000000000000", "amount": "hours", "hours": "x"},
        )
        assert bad_hours.status_code == 422
        assert officer.post("/v1/organisations", json={"name": "X"}).status_code == 403
        assert officer.put("/v1/staff/someone", json={}).status_code == 403
        organisation = vol.add_organisation()
        flexible = vol.add_opportunity(organisation["id"], starts_at=None, ends_at=None)
        for body in (
            {"opportunity_id": flexible["id"], "date": "9999-12-31"},
            {"opportunity_id": flexible["id"], "date": "2031-07-01", "amount": "hours", "hours": 1e-9},
            {"opportunity_id": flexible["id"], "date": "2031-07-01", "amount": "hours", "hours": 0.1},
        ):
            odd = officer.post("/v1/bookings", json=body)
            assert odd.status_code == 422 and odd.json()["code"] == "InvalidBookingTime", body
        ancient = officer.post("/v1/bookings/log", json={"organisation_id": organisation["id"], "date": "0001-01-01"})
        assert ancient.status_code == 422
    with vol.admin() as admin:
        long_subject = admin.put("/v1/staff/" + "x" * 300, json={})
        assert long_subject.status_code == 422
    with vol.as_("nobody.here") as nobody:
        missing = nobody.get("/v1/me/entitlement")
        assert missing.status_code == 404 and missing.json()["code"] == "StaffProfileNotFound"
    assert vol.as_("x").__class__  # the client factory itself needs no server state
    anonymous = vol.as_("officer.one")
    anonymous.headers.pop("Authorization")
    assert anonymous.get("/v1/me").status_code == 401


def test_organiser_cancelling_an_opportunity_returns_everyones_time(vol) -> None:
    vol.add_staff("officer.one")
    vol.add_staff("officer.two")
    opportunity = vol.add_opportunity(vol.add_organisation()["id"], places=1)
    with vol.as_("officer.one") as one, vol.as_("officer.two") as two:
        booked = one.post("/v1/bookings", json={"opportunity_id": opportunity["id"]}).json()
        waiting = two.post("/v1/bookings", json={"opportunity_id": opportunity["id"]}).json()
        assert waiting["status"] == "waitlisted"
        assert one.post(f"/v1/opportunities/{opportunity['id']}/cancel").status_code == 403
        with vol.as_("organiser.one", "staff", "team_leader") as organiser:
            cancelled = organiser.post(f"/v1/opportunities/{opportunity['id']}/cancel")
            assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
            assert organiser.post(f"/v1/opportunities/{opportunity['id']}/cancel").status_code == 409
        assert one.get(f"/v1/bookings/{booked['id']}").json()["status"] == "cancelled"
        assert two.get(f"/v1/bookings/{waiting['id']}").json()["status"] == "cancelled"
        assert one.get("/v1/me/entitlement", params={"leave_year": 2031}).json()["remaining_hours"] == 14.8
        assert one.get("/v1/opportunities").json() == []
        again = one.post("/v1/bookings", json={"opportunity_id": opportunity["id"]})
        assert again.status_code == 409 and again.json()["code"] == "OpportunityClosed"
