"""The category catalogue: seeding, reading and admin edits."""

from __future__ import annotations

import json
from importlib import resources

from sqlmodel import Session, select

from deal_shared.db import utcnow
from deal_shared.report_it import CategoryCreate, CategoryPublic, CategoryUpdate
from report_it.errors import CategoryExists, CategoryNotFound
from report_it.models import Category


def catalogue() -> list[CategoryCreate]:
    text = resources.files("report_it").joinpath("data/categories.json").read_text()
    return [CategoryCreate.model_validate(item) for item in json.loads(text)]


def seed_categories(session: Session) -> int:
    """Add catalogue categories that are missing; never overwrite an admin's edits. Returns how many."""
    existing = set(session.exec(select(Category.code)).all())
    added = 0
    for item in catalogue():
        if item.code not in existing:
            session.add(_to_row(item))
            added += 1
    return added


def _to_row(item: CategoryCreate) -> Category:
    data = item.model_dump(mode="json")
    return Category(**data)


MAX_HOURS = 24 * 366


def to_public(category: Category) -> CategoryPublic:
    # What is stored is read as it is where it fits, and leniently where it does not (a null or an absurd target
    # stored before updates were checked as strictly as creation): one bad row must not break the whole catalogue.
    values = {name: getattr(category, name) for name in CategoryPublic.model_fields if hasattr(category, name)}
    for name in ("keywords", "questions"):
        values[name] = [item for item in values.get(name) or [] if item is not None]
    for name in ("target_hours", "targets"):
        values[name] = dict(values.get(name) or {})
    values["target_hours"] = {
        k: v for k, v in values["target_hours"].items() if isinstance(v, int) and 1 <= v <= MAX_HOURS
    }
    values = {name: value for name, value in values.items() if value is not None}
    return CategoryPublic.model_validate(values)


def list_categories(session: Session, *, include_staff_only: bool, include_inactive: bool = False) -> list[Category]:
    query = select(Category).order_by(Category.group, Category.name)
    if not include_staff_only:
        query = query.where(Category.staff_only == False)  # noqa: E712 - SQL expression
    if not include_inactive:
        query = query.where(Category.active == True)  # noqa: E712
    return list(session.exec(query).all())


def get_category(session: Session, code: str) -> Category:
    category = session.get(Category, code)
    if category is None:
        raise CategoryNotFound(f"There is no category with code {code!r}.", category=code)
    return category


def create_category(session: Session, *, data: CategoryCreate) -> Category:
    if session.get(Category, data.code) is not None:
        raise CategoryExists(f"A category with code {data.code!r} already exists.", category=data.code)
    category = _to_row(data)
    session.add(category)
    session.flush()
    return category


def update_category(session: Session, *, category: Category, changes: CategoryUpdate) -> Category:
    for field, value in changes.model_dump(mode="json", exclude_unset=True).items():
        setattr(category, field, value)
    category.updated_at = utcnow()
    session.add(category)
    session.flush()
    return category
