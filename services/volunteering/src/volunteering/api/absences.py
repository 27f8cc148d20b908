"""/v1/absences: line managers record when their staff are away (shown beside volunteering requests)."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response

from deal_shared.auth import Principal, Role, StaffPrincipal
from deal_shared.volunteering import AbsenceCreate, AbsencePublic
from volunteering import absences, staff
from volunteering.api.deps import IdempotentRoute
from volunteering.db import SessionDep
from volunteering.errors import NotLineManager

router = APIRouter(route_class=IdempotentRoute, tags=["absences"])


def _check_manages(session, principal: Principal, subject: str) -> None:
    profile = staff.get_profile(session, subject)
    if principal.subject != profile.line_manager_subject and not principal.has_any(Role.admin):
        raise NotLineManager("Only the line manager or an administrator records someone's absence.")


@router.post(
    "/v1/absences",
    status_code=201,
    response_model=AbsencePublic,
    summary="Line manager: record a staff member's absence",
)
def record_absence(body: AbsenceCreate, session: SessionDep, principal: StaffPrincipal) -> AbsencePublic:
    """The person's line manager (or an administrator) records annual leave, sickness, training or other absence, shown
    beside the team's requests in `GET /v1/approvals`; others get 403 `NotLineManager`.
    """
    _check_manages(session, principal, body.staff_subject)
    absence = absences.record_absence(session, body=body, by=principal.subject)
    return AbsencePublic.model_validate(absence, from_attributes=True)


@router.delete(
    "/v1/absences/{absence_id}", status_code=204, response_class=Response, summary="Line manager: withdraw an absence"
)
def delete_absence(absence_id: UUID, session: SessionDep, principal: StaffPrincipal) -> Response:
    """The person's line manager (or an administrator) removes an absence; 404 `AbsenceNotFound`."""
    absence = absences.get_absence(session, absence_id)
    _check_manages(session, principal, absence.staff_subject)
    session.delete(absence)
    return Response(status_code=204)
