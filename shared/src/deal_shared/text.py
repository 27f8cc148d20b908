"""Text holding characters that no database, e-mail or XML document can carry: refused from clients.

NUL makes PostgreSQL refuse the whole statement, a lone surrogate cannot be encoded as UTF-8, and the other C0
controls (tab, newline and carriage return apart) cannot appear in XML 1.0; DEL, like them, is never typed by a
person (the set Open311 intake strips). A client that sends them has a bug, so its request is refused with a 422
naming the field rather than its text changed behind its back; only messages between our own services are cleaned.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, field_validator
from pydantic_core import PydanticCustomError

# U+FFFE and U+FFFF are not characters at all, and XML 1.0 cannot carry them either.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
# What XML 1.0 cannot carry, for documents built from text stored before it was refused.
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_REASON = "must not contain {kind} (U+{code}){where}"


def _where(path: tuple[str | int, ...]) -> str:
    return f" in {'.'.join(str(p) for p in path)}" if path else ""


def _context(found: str, path: tuple[str | int, ...]) -> dict[str, str]:
    if "\ud800" <= found <= "\udfff":
        kind = "a lone surrogate"
    elif found in "\ufffe\uffff":
        kind = "a non-character"
    else:
        kind = "a control character"
    return {"kind": kind, "code": f"{ord(found):04X}", "where": _where(path)}


def forbidden_reason(value: Any) -> str | None:
    """Why `value` cannot be accepted, or None when it can."""
    hit = find_forbidden(value)
    return None if hit is None else _REASON.format(**_context(*hit))


def find_forbidden(value: Any, path: tuple[str | int, ...] = ()) -> tuple[str, tuple[str | int, ...]] | None:
    """The first forbidden character anywhere in `value` (text, lists, dicts and their keys, models), and where."""
    if isinstance(value, str):
        found = _FORBIDDEN.search(value)
        return (found.group(), path) if found else None
    if isinstance(value, BaseModel):
        value = {name: getattr(value, name) for name in type(value).model_fields}
    if isinstance(value, dict):
        for key, item in value.items():
            hit = find_forbidden(key, path) or find_forbidden(item, (*path, str(key)))
            if hit:
                return hit
    elif isinstance(value, list | tuple | set | frozenset):
        for index, item in enumerate(value):
            hit = find_forbidden(item, (*path, index))
            if hit:
                return hit
    return None


def check_text(value: Any) -> Any:
    hit = find_forbidden(value)
    if hit is not None:
        raise PydanticCustomError("control_character", _REASON, _context(*hit))
    return value


def refuse_control_characters(*fields: str) -> Any:
    """A validator for an input model: every text in the named fields (all by default), however deeply nested,
    is checked. Give it to the models clients send, not to the ones read back: what is already stored stays
    readable."""
    return field_validator(*(fields or ("*",)), mode="after")(_check_field)


def _check_field(cls: type[BaseModel], value: Any) -> Any:
    return check_text(value)


def strip_control_characters(*fields: str) -> Any:
    """A validator for a message between our own services: the named text fields lose those characters instead.

    Refusing would stop the sender's outbox on data it cannot change, and the receiver would still fail to store it.
    """
    return field_validator(*fields, mode="before")(_strip_field)


def _strip_field(cls: type[BaseModel], value: Any) -> Any:
    return _FORBIDDEN.sub("", value) if isinstance(value, str) else value
