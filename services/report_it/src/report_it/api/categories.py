"""/v1/categories: the catalogue residents choose from; admins edit it."""

from __future__ import annotations

from fastapi import APIRouter
from sqlmodel import Session

from deal_shared.auth import AdminPrincipal
from deal_shared.report_it import CategoryCreate, CategoryPublic, CategoryUpdate
from deal_shared.web.auth_first import TokenFirstRoute
from report_it import categories
from report_it.api.deps import CategoriesDep, ViewerDep
from report_it.category_cache import CategoryCache
from report_it.db import SessionDep
from report_it.errors import CategoryNotFound

router = APIRouter(prefix="/v1/categories", tags=["categories"], route_class=TokenFirstRoute)


@router.get("", response_model=list[CategoryPublic], summary="Categories the caller may report")
def list_categories(session: SessionDep, viewer: ViewerDep) -> list[CategoryPublic]:
    """The categories with their questions, targets and team; staff-only categories appear only to staff."""
    rows = categories.list_categories(session, include_staff_only=viewer.is_staff)
    return [categories.to_public(c) for c in rows]


@router.get("/{code}", response_model=CategoryPublic, summary="One category the caller may report")
def get_category(code: str, session: SessionDep, viewer: ViewerDep) -> CategoryPublic:
    """One category with its questions; a staff-only category is 404 `CategoryNotFound` to anyone but staff."""
    category = categories.get_category(session, code)
    if category.staff_only and not viewer.is_staff:
        raise CategoryNotFound(f"There is no category with code {code!r}.", category=code)
    return categories.to_public(category)


@router.post("", response_model=CategoryPublic, status_code=201, summary="Add a category (admin)")
def create_category(
    data: CategoryCreate, session: SessionDep, cache: CategoriesDep, _admin: AdminPrincipal
) -> CategoryPublic:
    """Administrators add a category: its name, questions, skill (the team that deals with it), target and flags (staff-
    only, sensitive, restricted). A code in use is 409 `CategoryExists`.
    """
    created = categories.create_category(session, data=data)
    _commit_and_forget_cached(session, cache)
    return categories.to_public(created)


@router.patch("/{code}", response_model=CategoryPublic, summary="Edit a category (admin)")
def update_category(
    code: str, changes: CategoryUpdate, session: SessionDep, cache: CategoriesDep, _admin: AdminPrincipal
) -> CategoryPublic:
    """Administrators change a category's fields; reports already made keep their category code."""
    category = categories.update_category(session, category=categories.get_category(session, code), changes=changes)
    _commit_and_forget_cached(session, cache)
    return categories.to_public(category)


def _commit_and_forget_cached(session: Session, cache: CategoryCache) -> None:
    # Committed here rather than after the response, so the next report through this process sees the edit.
    session.commit()
    cache.invalidate()
