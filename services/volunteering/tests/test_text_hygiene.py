"""Awkward input on /v1 over HTTP: refused with a problem naming the field, never a 500."""

from __future__ import annotations

from urllib.parse import quote

from tests.support.text_hygiene import assert_refused, awkward_strings

WIGAN = {"lat": 53.5455, "long": -2.632}


def profile(**fields) -> dict:
    body = {
        "name": "Officer Text",
        "directorate": "Place",
        "team": "Street Cleansing",
        "line_manager_subject": "manager.one",
        "contracted_weekly_hours": 37,
    }
    return body | fields


def opportunity_body(organisation_id: str, **fields) -> dict:
    body = {
        "organisation_id": organisation_id,
        "title": "Sort food parcels",
        "starts_at": "2031-06-10T09:00:00+01:00",
        "ends_at": "2031-06-10T12:00:00+01:00",
        "places": 5,
    }
    return body | fields


def test_control_characters_in_each_write_are_refused_by_field(vol) -> None:
    vol.add_staff("manager.one", line_manager_subject=None)
    vol.add_staff("officer.one")
    organisation = vol.add_organisation()
    org_id = organisation["id"]
    opportunity = vol.add_opportunity(org_id)
    with (
        vol.admin() as admin,
        vol.as_("organiser.one", "staff", "team_leader") as organiser,
        vol.as_("officer.one") as officer,
        vol.as_("manager.one") as manager,
    ):
        assert_refused(admin.put("/v1/staff/officer.two", json=profile(name="Ann\x00")), "body.name")
        assert_refused(admin.put("/v1/staff/officer.two", json=profile(team="Parks\x07")), "body.team")
        assert_refused(
            admin.put("/v1/staff/officer.two", json=profile(line_manager_subject="m\x00")), "body.line_manager_subject"
        )
        org = {"name": "Larder", "location": WIGAN}
        assert_refused(organiser.post("/v1/organisations", json={**org, "name": "Larder\x00"}), "body.name")
        assert_refused(organiser.post("/v1/organisations", json={**org, "address": "1 Mesnes St\x1b"}), "body.address")
        opportunities = "/v1/opportunities"
        assert_refused(organiser.post(opportunities, json=opportunity_body(org_id, title="Sort\x00")), "body.title")
        assert_refused(
            organiser.post(opportunities, json=opportunity_body(org_id, description="Bring\x00 gloves")),
            "body.description",
        )
        assert_refused(
            organiser.post(opportunities, json=opportunity_body(org_id, accessibility_notes="\x7f")),
            "body.accessibility_notes",
        )
        source = {"category": "litter\x00", "report_count": 3}
        assert_refused(
            organiser.post(opportunities, json=opportunity_body(org_id, suggested_from=source)), "body.suggested_from"
        )
        log = {"organisation_id": org_id, "date": "2031-05-01", "impact_note": "Helped\x00"}
        assert_refused(officer.post("/v1/bookings/log", json=log), "body.impact_note")
        booking = officer.post("/v1/bookings", json={"opportunity_id": opportunity["id"]}).json()
        decision = manager.post(f"/v1/bookings/{booking['id']}/decision", json={"approve": False, "reason": "No\x00"})
        assert_refused(decision, "body.reason")
        attendance = {"attendance": "attended", "impact_note": "Great\x00 day"}
        assert_refused(officer.post(f"/v1/bookings/{booking['id']}/attendance", json=attendance), "body.impact_note")
        away = {"staff_subject": "officer.one\x00", "starts_on": "2031-06-09", "ends_on": "2031-06-13"}
        assert_refused(manager.post("/v1/absences", json=away), "body.staff_subject")
        surrogate = manager.post(
            f"/v1/bookings/{booking['id']}/decision",
            content=b'{"approve": false, "reason": "\\ud800"}',
            headers={"Content-Type": "application/json"},
        )
        assert_refused(surrogate, "body.reason", reason="string")
        assert officer.get(f"/v1/bookings/{booking['id']}").json()["status"] == "requested"


def test_tabs_newlines_and_any_script_are_kept(vol) -> None:
    text = "Line one\r\nLine\ttwo ² ٣ — Ŵigan 🦆"
    organisation = vol.add_organisation(name="Ŵigan Larder ²", address="Flat ٣")
    created = vol.add_opportunity(organisation["id"], description=text)
    assert created["description"] == text and organisation["name"] == "Ŵigan Larder ²"


def test_out_of_range_dates_and_numbers_are_refused_not_failed(vol) -> None:
    vol.add_staff("manager.one", line_manager_subject=None)
    vol.add_staff("officer.one")
    organisation = vol.add_organisation()
    flexible = vol.add_opportunity(organisation["id"], starts_at=None, ends_at=None)
    with vol.admin() as admin, vol.as_("officer.one") as officer, vol.as_("manager.one") as manager:
        # Booking dates are bounded by the booking rules themselves, with their own code.
        far = officer.post("/v1/bookings", json={"opportunity_id": flexible["id"], "date": "9999-12-31"})
        assert far.status_code == 422 and far.json()["code"] == "InvalidBookingTime"
        log = {"organisation_id": organisation["id"], "date": "0001-01-01"}
        assert officer.post("/v1/bookings/log", json=log).json()["code"] == "InvalidBookingTime"
        assert_refused(
            admin.put("/v1/staff/officer.two", json=profile(start_date="0001-01-01")),
            "body.start_date",
            reason="between",
        )
        away = {"staff_subject": "officer.one", "starts_on": "2031-06-09", "ends_on": "9999-12-31"}
        assert_refused(manager.post("/v1/absences", json=away), "body.ends_on", reason="between")
        late = opportunity_body(
            organisation["id"], starts_at="9999-12-31T20:00:00-05:00", ends_at="9999-12-31T22:00:00-05:00"
        )
        with vol.as_("organiser.one", "staff", "team_leader") as organiser:
            assert_refused(organiser.post("/v1/opportunities", json=late), "body.starts_at", reason="between")
            source = {"category": "litter", "report_count": int("9" * 30)}
            huge = organiser.post("/v1/opportunities", json=opportunity_body(organisation["id"], suggested_from=source))
            assert_refused(huge, "body.suggested_from.report_count", reason="less than or equal")
        on = officer.get("/v1/opportunities", params={"date": "9999-12-31"})
        assert_refused(on, "query.date", reason="between")
        nan = admin.put(
            "/v1/staff/officer.two",
            content=b'{"name": "N", "directorate": "P", "team": "T", "contracted_weekly_hours": NaN}',
            headers={"Content-Type": "application/json"},
        )
        assert_refused(nan, "body.contracted_weekly_hours", reason="")


AWKWARD = awkward_strings("booking")


def _writes(text: str, *, org: str, opportunity: str, flexible: str, booking: str) -> list[tuple[str, str, str, dict]]:
    """(who, method, url, body) for each write a client can make, with `text` in each place it fits."""
    return [
        ("admin", "PUT", "/v1/staff/officer.fuzz", profile(name=text, directorate=text, team=text)),
        ("admin", "PUT", "/v1/staff/officer.fuzz", profile(email=text, line_manager_subject=text)),
        ("admin", "PUT", "/v1/staff/officer.fuzz", profile(start_date=text, contracted_weekly_hours=text)),
        ("admin", "PUT", "/v1/directorates/Place", {"auto_approve": text}),
        ("organiser", "POST", "/v1/organisations", {"name": text, "location": WIGAN, "address": text}),
        ("organiser", "POST", "/v1/organisations", {"name": "L", "location": WIGAN, "charity_number": text}),
        ("organiser", "POST", "/v1/organisations", {"name": "L", "location": WIGAN, "contact_email": text}),
        ("organiser", "POST", "/v1/organisations", {"name": "L", "location": WIGAN, "contact_phone": text}),
        ("organiser", "POST", "/v1/opportunities", opportunity_body(org, title=text, description=text)),
        ("organiser", "POST", "/v1/opportunities", opportunity_body(org, skills=[text], address=text)),
        ("organiser", "POST", "/v1/opportunities", opportunity_body(org, starts_at=text, accessibility_notes=text)),
        (
            "organiser",
            "POST",
            "/v1/opportunities",
            opportunity_body(org, suggested_from={"category": text, "report_count": 2, "report_ids": [text]}),
        ),
        ("officer", "POST", "/v1/bookings", {"opportunity_id": flexible, "date": text, "amount": text}),
        ("officer", "POST", "/v1/bookings", {"opportunity_id": opportunity, "hours": text}),
        ("officer", "POST", "/v1/bookings/log", {"organisation_id": org, "date": "2031-05-01", "impact_note": text}),
        ("officer", "POST", "/v1/bookings/log", {"organisation_id": text, "date": text}),
        ("manager", "POST", f"/v1/bookings/{booking}/decision", {"approve": False, "reason": text}),
        ("officer", "POST", f"/v1/bookings/{booking}/attendance", {"attendance": "attended", "impact_note": text}),
        (
            "manager",
            "POST",
            "/v1/absences",
            {"staff_subject": text, "starts_on": "2031-01-01", "ends_on": "2031-01-02"},
        ),
        ("manager", "POST", "/v1/absences", {"staff_subject": "officer.one", "starts_on": text, "ends_on": text}),
    ]


def test_awkward_input_never_causes_a_server_error(vol) -> None:
    vol.add_staff("manager.one", line_manager_subject=None)
    vol.add_staff("officer.one")
    organisation = vol.add_organisation()
    opportunity = vol.add_opportunity(organisation["id"])
    flexible = vol.add_opportunity(organisation["id"], starts_at=None, ends_at=None)
    clients = {
        "admin": vol.admin(),
        "organiser": vol.as_("organiser.one", "staff", "team_leader"),
        "officer": vol.as_("officer.one"),
        "manager": vol.as_("manager.one", "staff", "manager"),
    }
    try:
        booking = clients["officer"].post("/v1/bookings", json={"opportunity_id": opportunity["id"]}).json()
        ids = {"org": organisation["id"], "opportunity": opportunity["id"], "flexible": flexible["id"]}
        attempts: list[tuple[str, str, str, dict]] = []
        for text in AWKWARD:
            attempts += [(w, m, u, {"json": b}) for w, m, u, b in _writes(text, **ids, booking=booking["id"])]
            short = text[:2000]  # a longer URL is refused by the HTTP server itself
            segment = quote(text[:300], safe="")
            attempts += [
                ("officer", "GET", "/v1/opportunities", {"params": {name: short}})
                for name in ("date", "footprint", "skill", "min_places_left", "include_past")
            ]
            attempts += [
                ("officer", "GET", "/v1/me/entitlement", {"params": {"leave_year": short}}),
                ("manager", "GET", "/v1/reports/summary", {"params": {"group_by": short, "leave_year": short}}),
                ("organiser", "GET", "/v1/suggestions", {"params": {"since": short, "min_reports": short}}),
                ("manager", "GET", f"/v1/staff/{segment}/entitlement", {}),
                ("admin", "PUT", f"/v1/staff/{segment}", {"json": profile()}),
                ("admin", "PUT", f"/v1/directorates/{segment}", {"json": {"auto_approve": True}}),
                ("officer", "GET", f"/v1/calendar/{segment}.ics", {}),
                ("officer", "GET", f"/v1/opportunities/{segment}", {}),
            ]
        for raw in (b'{"approve": false, "reason": "\\udfff x"}', b'{"approve": false, "reason": "\\u0000"}'):
            url = f"/v1/bookings/{booking['id']}/decision"
            attempts.append(("manager", "POST", url, {"content": raw, "headers": {"Content-Type": "application/json"}}))
        for number in (b"1e400", b"NaN", b"-Infinity", b"99999999999999999999999999"):
            raw = b'{"opportunity_id": "%s", "amount": "hours", "hours": %s}' % (opportunity["id"].encode(), number)
            attempts.append(
                ("officer", "POST", "/v1/bookings", {"content": raw, "headers": {"Content-Type": "application/json"}})
            )
        failures = []
        for who, method, url, kwargs in attempts:
            response = clients[who].request(method, url, **kwargs)
            if response.status_code >= 500:
                failures.append((method, url[:60], str(kwargs.get("params") or kwargs.get("json") or "")[:80]))
        assert failures == []
    finally:
        for client in clients.values():
            client.close()


def test_a_control_character_in_the_url_is_refused_naming_the_parameter(vol) -> None:
    vol.add_staff("officer.one")
    with vol.as_("officer.one") as officer:
        found = officer.get("/v1/opportunities", params={"skill": "gardening\x00"})
        assert found.status_code == 422 and found.headers["content-type"].startswith("application/problem+json")
        assert found.json()["code"] == "ValidationFailed" and found.json()["request_id"]
        assert [e["field"] for e in found.json()["errors"]] == ["query.skill"]
        path = officer.get("/v1/calendar/abc%00.ics")
        assert path.status_code == 422 and [e["field"] for e in path.json()["errors"]] == ["path"]
        assert officer.get("/v1/opportunities", params={"skill": "gardening"}).status_code == 200
