"""/v1/response-templates: saved update texts; staff read them, admins manage them per category."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from deal_shared.auth import AdminPrincipal, StaffPrincipal
from deal_shared.report_it import ResponseTemplateCreate, ResponseTemplatePublic, ResponseTemplateUpdate
from deal_shared.web.auth_first import TokenFirstRoute
from report_it import templates
from report_it.db import SessionDep

router = APIRouter(prefix="/v1/response-templates", tags=["response templates"], route_class=TokenFirstRoute)


@router.get("", response_model=list[ResponseTemplatePublic], summary="Staff: templates for a category")
def list_templates(
    _staff: StaffPrincipal,
    session: SessionDep,
    category: Annotated[str | None, Query(description="A category code: its templates and the general ones")] = None,
    include_inactive: bool = False,
) -> list[ResponseTemplatePublic]:
    """Staff: the active response templates of a category and the general ones (retired ones too with
    `include_inactive`), to fill the public text of an update.
    """
    rows = templates.list_templates(session, category=category, include_inactive=include_inactive)
    return [templates.to_public(t) for t in rows]


@router.post("", response_model=ResponseTemplatePublic, status_code=201, summary="Admin: add a template")
def create_template(
    data: ResponseTemplateCreate, _admin: AdminPrincipal, session: SessionDep
) -> ResponseTemplatePublic:
    """Administrators add a response template: its title, text, the category it belongs to (or none, for every category)
    and the status it usually goes with, if any.
    """
    return templates.to_public(templates.create_template(session, data=data))


@router.patch("/{template_id}", response_model=ResponseTemplatePublic, summary="Admin: edit or retire a template")
def update_template(
    template_id: UUID, changes: ResponseTemplateUpdate, _admin: AdminPrincipal, session: SessionDep
) -> ResponseTemplatePublic:
    """Administrators change a template's text or retire it (`active: false`); 404 `TemplateNotFound`."""
    template = templates.get_template(session, template_id)
    return templates.to_public(templates.update_template(session, template=template, changes=changes))
