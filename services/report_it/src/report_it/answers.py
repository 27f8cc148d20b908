"""Check a report's answers against its category's questions (typed as Open311 attributes)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from deal_shared.errors import FieldError
from deal_shared.report_it import PRIORITY_RANK, AttributeDatatype, CategoryQuestion, Priority
from report_it.errors import InvalidAnswers

MAX_TEXT = 2000


def _check_one(question: CategoryQuestion, value: Any) -> tuple[Any, str | None]:
    """Return (normalised value, reason it is wrong or None)."""
    kind = question.datatype
    allowed = {v.key for v in question.values}
    if kind in (AttributeDatatype.string, AttributeDatatype.text):
        if not isinstance(value, str):
            return value, "must be text"
        limit = 200 if kind is AttributeDatatype.string else MAX_TEXT
        return (value.strip(), f"must be at most {limit} characters") if len(value) > limit else (value.strip(), None)
    if kind is AttributeDatatype.number:
        try:
            number = float(value) if not isinstance(value, list) else None
        except (TypeError, ValueError):
            number = None
        if number is None or number != number or number in (float("inf"), float("-inf")):
            return value, "must be a number"
        return number, None
    if kind is AttributeDatatype.datetime:
        try:
            parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return value, "must be an ISO 8601 date and time"
        return parsed.isoformat(), None
    if kind is AttributeDatatype.singlevaluelist:
        if isinstance(value, list) and len(value) == 1:
            value = value[0]
        if not isinstance(value, str) or value not in allowed:
            return value, f"must be one of: {', '.join(sorted(allowed))}"
        return value, None
    values = value if isinstance(value, list) else [value]
    bad = [v for v in values if not isinstance(v, str) or v not in allowed]
    if bad or not values:
        return value, f"each value must be one of: {', '.join(sorted(allowed))}"
    return sorted(set(values)), None


def validate_answers(questions: list[CategoryQuestion], answers: dict[str, Any]) -> dict[str, Any]:
    """Normalised answers, or InvalidAnswers naming every bad field."""
    by_code = {q.code: q for q in questions}
    errors: list[FieldError] = []
    clean: dict[str, Any] = {}
    for code in answers:
        if code not in by_code:
            errors.append(FieldError(field=f"answers.{code}", reason="is not a question of this category"))
    for question in sorted(questions, key=lambda q: q.order):
        value = answers.get(question.code)
        if value is None or value == "" or value == []:
            if question.required:
                errors.append(
                    FieldError(field=f"answers.{question.code}", reason=f"is required: {question.description}")
                )
            continue
        normalised, reason = _check_one(question, value)
        if reason:
            errors.append(FieldError(field=f"answers.{question.code}", reason=reason))
        else:
            clean[question.code] = normalised
    if errors:
        summary = "; ".join(f"{e.field} {e.reason}" for e in errors)
        raise InvalidAnswers(f"The answers do not fit the category's questions: {summary}", errors=errors)
    return clean


def priority_for(questions: list[CategoryQuestion], answers: dict[str, Any], default: Priority) -> Priority:
    """The default priority, raised by any answer whose value says so (e.g. asbestos → urgent)."""
    priority = default
    for question in questions:
        chosen = answers.get(question.code)
        chosen_keys = set(chosen) if isinstance(chosen, list) else {chosen}
        for value in question.values:
            raised = value.raises_priority_to
            if value.key in chosen_keys and raised and PRIORITY_RANK[raised] > PRIORITY_RANK[priority]:
                priority = raised
    return priority
