"""FixMyStreet's extended Open311 statuses and ours, both ways.

FixMyStreet sends upper-case values on updates (OPEN, FIXED, NOT_COUNCILS_RESPONSIBILITY, ...); case is ignored.
Generic "open"-like values do not move a report that is already open; they reopen a fixed or closed one.
"""

from __future__ import annotations

from deal_shared.report_it import OPEN_STATUSES, ReportStatus
from report_it.open311.params import bad

S = ReportStatus
_REOPENING = {"open", "reopen", "investigating", "for_triage"}
_TO_OURS = {
    "in_progress": S.in_progress,
    "planned": S.action_scheduled,
    "action_scheduled": S.action_scheduled,
    "fixed": S.fixed,
    # FixMyStreet reads a plain CLOSED from a council as fixed by the council.
    "closed": S.fixed,
    "duplicate": S.duplicate,
    "not_councils_responsibility": S.not_council_responsibility,
    "no_further_action": S.no_further_action,
    # Passed to a team outside this system's reach: nothing more will happen here.
    "internal_referral": S.no_further_action,
    "unable_to_locate": S.unable_to_locate,
    "cancelled": S.cancelled,
}
ACCEPTED = sorted({*_REOPENING, *_TO_OURS})

_TO_FMS = {
    S.submitted: "OPEN",
    S.acknowledged: "OPEN",
    S.allocated: "IN_PROGRESS",
    S.in_progress: "IN_PROGRESS",
    S.action_scheduled: "ACTION_SCHEDULED",
    S.fixed: "FIXED",
    S.not_council_responsibility: "NOT_COUNCILS_RESPONSIBILITY",
    S.duplicate: "DUPLICATE",
    S.no_further_action: "NO_FURTHER_ACTION",
    S.unable_to_locate: "NO_FURTHER_ACTION",
    S.cancelled: "CANCELLED",
}


def ours(value: str, *, current: ReportStatus) -> ReportStatus | None:
    """The status an Open311 update's status moves a report to; None to leave the status as it is."""
    key = value.strip().lower().replace(" ", "_")
    if key in _REOPENING:
        return None if current in OPEN_STATUSES else S.acknowledged
    if key not in _TO_OURS:
        raise bad("status", f"{value!r} is not a status; use one of {', '.join(s.upper() for s in ACCEPTED)}")
    return _TO_OURS[key]


def fixmystreet(status: ReportStatus) -> str:
    """Our status as FixMyStreet's extended value. A report opened again is published as the open state it is in
    (OPEN, IN_PROGRESS ...): FixMyStreet ignores REOPEN, and its copy would stay fixed."""
    return _TO_FMS[status]


def is_echo(value: str, *, current: ReportStatus) -> bool:
    """Whether an incoming status is our own current status as FixMyStreet shows it.

    A resident's comment on FixMyStreet carries FixMyStreet's state of the report, which is ours mapped there and
    back: IN_PROGRESS for allocated, NO_FURTHER_ACTION for unable_to_locate, and with extended statuses off just
    OPEN or CLOSED. Such a status says nothing new, and must not move the report.
    """
    key = value.strip().lower().replace(" ", "_")
    if key == _TO_FMS[current].lower():
        return True
    is_open = current in OPEN_STATUSES
    return (key == "open" and is_open) or (key == "closed" and not is_open)
