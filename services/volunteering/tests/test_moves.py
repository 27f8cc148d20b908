"""The booking state table: every move it holds is allowed, every other is refused, and nothing else sets a status."""

from __future__ import annotations

import ast
import itertools
import re
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session

from deal_shared.volunteering import Attendance, BookingStatus
from volunteering.errors import BookingStateConflict
from volunteering.models import Booking
from volunteering.moves import FIRST_STATUSES, TRANSITIONS, Step, begin, move

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "volunteering"
README = Path(__file__).resolve().parents[1] / "README.md"
S = BookingStatus


def a_booking(status: BookingStatus, *, attendance: Attendance | None = None) -> Booking:
    return Booking(
        staff_subject="officer.one",
        organisation_id=uuid.UUID(int=1),
        day=date(2031, 6, 10),
        leave_year=2031,
        minutes=444,
        status=status.value,
        attendance=attendance,
        waitlist_seq=1 if status is S.waitlisted else None,
    )


def test_the_table_covers_every_status_and_nothing_moves_onto_the_waiting_list() -> None:
    assert set(TRANSITIONS) == set(BookingStatus)
    assert all(S.waitlisted not in targets for targets in TRANSITIONS.values())
    assert all(status not in TRANSITIONS[status] for status in BookingStatus)


@pytest.mark.parametrize(
    ("current", "to", "step"), list(itertools.product(BookingStatus, BookingStatus, Step)), ids=str
)
def test_move_allows_exactly_the_moves_in_the_table(current: BookingStatus, to: BookingStatus, step: Step) -> None:
    booking = a_booking(current)
    with Session() as session:
        if TRANSITIONS[current].get(to) is step:
            move(session, booking, to=to, step=step)
            assert booking.status == to.value and booking.waitlist_seq is None
        else:
            with pytest.raises(BookingStateConflict):
                move(session, booking, to=to, step=step)
            assert booking.status == current.value


@pytest.mark.parametrize("current", list(BookingStatus), ids=str)
def test_time_given_is_never_cancelled(current: BookingStatus) -> None:
    booking = a_booking(current, attendance=Attendance.attended)
    with Session() as session, pytest.raises(BookingStateConflict):
        move(session, booking, to=S.cancelled, step=Step.cancel)


def test_a_booking_is_born_only_in_a_first_status() -> None:
    for status in BookingStatus:
        if status in FIRST_STATUSES:
            assert begin(a_booking(S.requested), status).status == status.value
        else:
            with pytest.raises(ValueError):
                begin(a_booking(S.requested), status)


def _status_assignments(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        for target in targets:
            if isinstance(target, ast.Attribute) and target.attr == "status":
                found.append(ast.unparse(target))
    return found


def test_only_moves_sets_a_booking_status() -> None:
    """Outside `moves`, the only status written is an opportunity's (when its organiser cancels it)."""
    offenders = {}
    for path in PACKAGE.rglob("*.py"):
        if path.name == "moves.py":
            continue
        assigned = [t for t in _status_assignments(ast.parse(path.read_text())) if t != "opportunity.status"]
        if assigned:
            offenders[str(path.relative_to(PACKAGE))] = assigned
    assert offenders == {}


# How each step is asked for over the API: the path under the booking and its body, the caller, and the target.
ACTIONS = {
    "cancel": ("cancel", None, "booker", S.cancelled, Step.cancel),
    "approve": ("decision", {"approve": True}, "manager", S.approved, Step.decide),
    "decline": ("decision", {"approve": False, "reason": "Cover needed"}, "manager", S.declined, Step.decide),
}


def _booking_in(vol, status: BookingStatus, subject: str, opportunities: dict[str, str]) -> str:
    vol.add_staff(subject)
    with vol.as_(subject) as booker, vol.as_("manager.one") as manager:
        full = status is S.waitlisted
        booked = booker.post("/v1/bookings", json={"opportunity_id": opportunities["full" if full else "open"]})
        assert booked.status_code == 201, booked.text
        booking = booked.json()
        steps = {
            S.approved: lambda: manager.post(f"/v1/bookings/{booking['id']}/decision", json={"approve": True}),
            S.declined: lambda: manager.post(
                f"/v1/bookings/{booking['id']}/decision", json={"approve": False, "reason": "Cover needed"}
            ),
            S.cancelled: lambda: booker.post(f"/v1/bookings/{booking['id']}/cancel"),
        }
        if status in steps:
            steps[status]().raise_for_status()
        assert booker.get(f"/v1/bookings/{booking['id']}").json()["status"] == status.value
    return booking["id"]


def _act(vol, action: str, subject: str, booking_id: str) -> httpx.Response:
    path, body, caller, _, _ = ACTIONS[action]
    with vol.as_(subject if caller == "booker" else "manager.one") as client:
        return client.post(f"/v1/bookings/{booking_id}/{path}", json=body)


def test_through_the_api_every_move_in_the_table_is_allowed_and_every_other_refused(vol) -> None:
    vol.add_staff("manager.one", line_manager_subject=None)
    vol.add_staff("holder.one")
    organisation = vol.add_organisation()["id"]
    opportunities = {
        "open": vol.add_opportunity(organisation, places=100)["id"],
        "full": vol.add_opportunity(organisation, places=1, title="One place")["id"],
    }
    with vol.as_("holder.one") as holder:
        holder.post("/v1/bookings", json={"opportunity_id": opportunities["full"]}).raise_for_status()

    seen = {}
    for n, (status, action) in enumerate(itertools.product(BookingStatus, ACTIONS)):
        subject = f"officer.{n}"
        booking_id = _booking_in(vol, status, subject, opportunities)
        _, _, _, to, step = ACTIONS[action]
        answer = _act(vol, action, subject, booking_id)
        if TRANSITIONS[status].get(to) is step:
            assert answer.status_code == 200, (status, action, answer.text)
            assert answer.json()["status"] == to.value
        else:
            assert answer.status_code == 409, (status, action, answer.text)
            assert answer.json()["code"] == "BookingStateConflict"
        seen[status, action] = answer.status_code
    assert len(seen) == len(BookingStatus) * len(ACTIONS)

    # Attendance is not a status, but once time is given the booking can no longer be cancelled.
    attended = _booking_in(vol, S.approved, "officer.attended", opportunities)
    vol.set_now(datetime(2031, 6, 10, 17, tzinfo=UTC))
    with vol.as_("manager.one") as manager:
        manager.post(f"/v1/bookings/{attended}/attendance", json={"attendance": "attended"}).raise_for_status()
    refused = _act(vol, "cancel", "officer.attended", attended)
    assert refused.status_code == 409 and refused.json()["booking_status"] == "approved"


def render_states() -> list[str]:
    """The README's table of booking states, one row per status, rendered from `TRANSITIONS`."""
    rows = ["| status | a new booking may start here | may become (by step) |", "|---|---|---|"]
    for status, moves in TRANSITIONS.items():
        by_step: dict[Step, list[str]] = {}
        for to, step in moves.items():
            by_step.setdefault(step, []).append(f"`{to}`")
        targets = "; ".join(f"{', '.join(tos)} ({step})" for step, tos in by_step.items()) or "nothing: finished"
        rows.append(f"| `{status}` | {'yes' if status in FIRST_STATUSES else 'no'} | {targets} |")
    return rows


def test_the_readme_lists_the_state_table() -> None:
    text = README.read_text()
    section = re.search(r"^## Booking states\n(.*?)(?=^## |\Z)", text, flags=re.S | re.M)
    assert section is not None, "README.md needs a '## Booking states' section"
    table = [line for line in section.group(1).splitlines() if line.startswith("|")]
    assert table == render_states(), "\n" + "\n".join(render_states())
