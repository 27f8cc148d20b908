"""A write the database refused because of what the client sent (a duplicate name, a value too long for its column,
a reference to nothing) is the client's error: 409 or 422 in problem format, never a 500.

Services validate input before writing; this is the net under that validation, so a case it misses still gets a
clear answer. The statement failed, so nothing was saved, and the session rolls back on the way out.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exc

from deal_shared.errors import FieldError

# PostgreSQL's SQLSTATE classes and codes (appendix A of its manual); SQLite has only messages.
_UNIQUE, _FOREIGN_KEY, _NOT_NULL, _CHECK = "23505", "23503", "23502", "23514"
_DATA_EXCEPTION_CLASS = "22"


@dataclass(frozen=True)
class Refusal:
    status: int
    code: str
    title: str
    detail: str
    errors: list[FieldError]


def _sqlstate(error: exc.DBAPIError) -> str:
    return str(getattr(error.orig, "sqlstate", "") or "")


def _where(error: exc.DBAPIError) -> tuple[str | None, str | None]:
    """The table and column (or constraint) PostgreSQL names; from SQLite's message, table.column."""
    diag = getattr(error.orig, "diag", None)
    if diag is not None:
        return getattr(diag, "table_name", None), getattr(diag, "column_name", None) or getattr(
            diag, "constraint_name", None
        )
    message = str(error.orig)
    if ": " in message:
        columns = message.split(": ", 1)[1].split(",")[0].strip()
        table, _, column = columns.partition(".")
        return (table or None), (column or None)
    return None, None


def refusal(error: BaseException) -> Refusal | None:
    """What to answer for a write the database refused on the client's account; None if it is not that."""
    if not isinstance(error, exc.IntegrityError | exc.DataError):
        return None
    state, message = _sqlstate(error), str(error.orig).lower()
    table, column = _where(error)
    field = column or "body"
    place = f" ({table}.{column})" if table and column else ""
    if state == _UNIQUE or "unique constraint failed" in message:
        return Refusal(
            409,
            "AlreadyExists",
            "Already exists",
            f"Something with the same {column or 'values'} already exists{place}; choose another or change that one.",
            [FieldError(field=field, reason="is already taken")],
        )
    if state == _FOREIGN_KEY or "foreign key constraint failed" in message:
        return Refusal(
            422,
            "UnknownReference",
            "Refers to something that does not exist",
            f"A value refers to something that does not exist{place}.",
            [FieldError(field=field, reason="refers to something that does not exist")],
        )
    if state in (_NOT_NULL, _CHECK) or "not null constraint failed" in message or "check constraint" in message:
        return Refusal(
            422,
            "ValidationFailed",
            "Validation failed",
            f"A required value is missing or not allowed{place}.",
            [FieldError(field=field, reason="is missing or not allowed")],
        )
    if state.startswith(_DATA_EXCEPTION_CLASS) or isinstance(error, exc.DataError):
        reason = str(error.orig).splitlines()[0][:200]
        return Refusal(
            422,
            "ValidationFailed",
            "Validation failed",
            f"A value cannot be stored: {reason}.",
            [FieldError(field=field, reason="is too long or out of range")],
        )
    return None
