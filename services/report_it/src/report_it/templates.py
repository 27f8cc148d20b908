"""Response templates: saved texts staff pick for common updates; admins manage them per category."""

from __future__ import annotations

import json
from importlib import resources
from uuid import UUID

from sqlalchemy import or_
from sqlmodel import Session, col, select

from deal_shared.db import utcnow
from deal_shared.report_it import (
    ResponseTemplateCreate,
    ResponseTemplatePublic,
    ResponseTemplateUpdate,
)
from report_it.categories import get_category
from report_it.errors import TemplateNotFound
from report_it.models import Category, ResponseTemplate


def seed_templates(session: Session) -> int:
    """Add the shipped starter templates to an install that has none; returns how many were added."""
    if session.exec(select(ResponseTemplate.id)).first() is not None:
        return 0
    text = resources.files("report_it").joinpath("data/response_templates.json").read_text()
    items = [ResponseTemplateCreate.model_validate(item) for item in json.loads(text)]
    known = set(session.exec(select(Category.code)).all())
    for item in items:
        if item.category is None or item.category in known:
            session.add(
                ResponseTemplate(
                    category_code=item.category,
                    title=item.title,
                    text=item.text,
                    status=item.status.value if item.status else None,
                )
            )
    session.flush()
    return len(items)


def to_public(template: ResponseTemplate) -> ResponseTemplatePublic:
    return ResponseTemplatePublic(
        id=template.id,
        category=template.category_code,
        title=template.title,
        text=template.text,
        status=template.status,
        active=template.active,
        created_at=template.created_at,
        updated_at=template.updated_at,
    )


def list_templates(session: Session, *, category: str | None, include_inactive: bool) -> list[ResponseTemplate]:
    """Templates for `category` (and those for any category), or all of them when no category is given."""
    query = select(ResponseTemplate).order_by(col(ResponseTemplate.category_code), col(ResponseTemplate.title))
    if category:
        query = query.where(
            or_(col(ResponseTemplate.category_code).is_(None), ResponseTemplate.category_code == category)
        )
    if not include_inactive:
        query = query.where(ResponseTemplate.active == True)  # noqa: E712
    return list(session.exec(query).all())


def get_template(session: Session, template_id: UUID) -> ResponseTemplate:
    template = session.get(ResponseTemplate, template_id)
    if template is None:
        raise TemplateNotFound(f"There is no response template {template_id}.", template_id=str(template_id))
    return template


def create_template(session: Session, *, data: ResponseTemplateCreate) -> ResponseTemplate:
    if data.category is not None:  # "" is no category either: refused by name, not by the foreign key
        get_category(session, data.category)
    template = ResponseTemplate(
        category_code=data.category,
        title=data.title,
        text=data.text,
        status=data.status.value if data.status else None,
        active=data.active,
    )
    session.add(template)
    session.flush()
    return template


def update_template(
    session: Session, *, template: ResponseTemplate, changes: ResponseTemplateUpdate
) -> ResponseTemplate:
    for field, value in changes.model_dump(mode="json", exclude_unset=True).items():
        setattr(template, field, value)
    template.updated_at = utcnow()
    session.add(template)
    session.flush()
    return template
