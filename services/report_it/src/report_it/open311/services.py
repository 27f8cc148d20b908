"""The category catalogue as Open311 services: only categories anyone may report and see in full."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from report_it.categories import list_categories
from report_it.models import Category
from report_it.open311.config import Open311Settings
from report_it.open311.errors import UnknownService
from report_it.open311.params import is_clean
from report_it.reports import questions_of

# FixMyStreet sends its own report id as this attribute when a definition declares it (as server-set,
# variable=false); a resend after a timeout then carries the same id, and is answered with the first report.
CLIENT_ID_ATTRIBUTE = "fixmystreet_id"
_CLIENT_ID_DEFINITION = {
    "variable": False,
    "code": CLIENT_ID_ATTRIBUTE,
    "datatype": "string",
    "required": False,
    "datatype_description": "Set by the client: its own id for the report, so that a resend is recognised.",
    "description": "The client's id for this report",
    "values": [],
}


def is_exposed(category: Category) -> bool:
    """Sensitive, staff-only and safeguarding categories never appear in Open311, in lists or lookups."""
    return category.active and not (category.staff_only or category.sensitive or category.restricted)


def exposed_categories(session: Session) -> dict[str, Category]:
    return {c.code: c for c in list_categories(session, include_staff_only=False) if is_exposed(c)}


def exposed_category(session: Session, code: str) -> Category:
    category = session.get(Category, code) if is_clean(code) else None
    if category is None or not is_exposed(category):
        raise UnknownService(f"There is no service with service_code {code!r}.", service_code=code)
    return category


def changeset(categories: dict[str, Category]) -> datetime | None:
    return max((c.updated_at for c in categories.values()), default=None)


def service_entry(category: Category, settings: Open311Settings) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description,
        # Every definition has at least the client-id attribute, so every service has metadata to read.
        "metadata": True,
        "type": "batch" if category.code in settings.batch_services else "realtime",
        "keywords": ",".join(category.keywords),
        "group": category.group,
    }


def service_definition(category: Category) -> dict[str, Any]:
    attributes = [
        {
            "variable": question.variable,
            "code": question.code,
            "datatype": question.datatype.value,
            "required": question.required,
            "datatype_description": question.datatype_description,
            "order": question.order,
            "description": question.description,
            "values": [{"key": value.key, "name": value.name} for value in question.values],
        }
        for question in sorted(questions_of(category), key=lambda q: q.order)
    ]
    if all(a["code"] != CLIENT_ID_ATTRIBUTE for a in attributes):
        last = max((a["order"] for a in attributes), default=0)
        attributes.append({**_CLIENT_ID_DEFINITION, "order": last + 1})
    return {"service_code": category.code, "attributes": attributes}
