"""Open311 documents in XML and JSON: one nested structure, two renderings, as the spec's JSON mapping says.

A document is a root tag and a value. Dicts become elements in order; a list becomes repeated child elements
named by `ITEM_TAGS` (in JSON: a bare array, with no root wrapper).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from fastapi import Response

ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
    "service_request_updates": "request_update",
}

# Characters XML 1.0 cannot carry at all; they are dropped rather than producing a document no parser reads.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class Format(StrEnum):
    xml = "xml"
    json = "json"


def format_of(path: str) -> Format:
    """The format a path asks for; anything but `.json` is answered in XML, the spec's required format."""
    return Format.json if path.rstrip("/").lower().endswith(".json") else Format.xml


def w3c(when: datetime | None) -> str | None:
    """W3C date-time in UTC, with its zone and without fractional seconds (clients choke on them)."""
    if when is None:
        return None
    if when.tzinfo is not UTC:
        when = when.astimezone(UTC)
    # A thousand requests carry three thousand of these: slicing the ISO form is a third of replace() + isoformat().
    return when.isoformat(timespec="seconds")[:19] + "Z"


def _text(value: Any) -> str:
    if type(value) is str:
        text = value
    elif isinstance(value, bool):
        return "true" if value else "false"
    else:
        text = str(value)
    # isprintable() is one pass in C; only text with a tab, a newline or stranger characters needs the expression.
    return text if text.isprintable() else _NOT_XML.sub("", text)


def _escape(text: str) -> str:
    # What ElementTree escapes in element text, and no more: the documents stay byte for byte what they were.
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _write(out: list[str], tag: str, value: Any) -> None:
    """Append `value` as the element `tag`, as ElementTree would serialise it (an empty element as `<tag />`)."""
    if isinstance(value, dict):
        if not value:
            out.append(f"<{tag} />")
            return
        out.append(f"<{tag}>")
        # Scalars are written here rather than by a call each: a thousand requests are 17,000 of them.
        for key, child in value.items():
            if isinstance(child, dict | list):
                _write(out, key, child)
                continue
            text = "" if child is None else _text(child)
            out.append(f"<{key}>{_escape(text)}</{key}>" if text else f"<{key} />")
    elif isinstance(value, list):
        if not value:
            out.append(f"<{tag} />")
            return
        out.append(f"<{tag}>")
        item_tag = ITEM_TAGS[tag]
        for item in value:
            _write(out, item_tag, item)
    else:
        text = "" if value is None else _text(value)
        if not text:
            out.append(f"<{tag} />")
            return
        out.append(f"<{tag}>{_escape(text)}")
    out.append(f"</{tag}>")


def to_xml(root: str, value: Any) -> bytes:
    # Built as text rather than as an ElementTree: a thousand requests are 18,000 elements, and the tree cost more
    # than everything else in the answer.
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n']
    _write(out, root, value)
    return "".join(out).encode()


def render(fmt: Format, root: str, value: Any, *, status_code: int = 200) -> Response:
    if fmt is Format.json:
        body = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
        return Response(body, status_code=status_code, media_type="application/json; charset=utf-8")
    return Response(to_xml(root, value), status_code=status_code, media_type="text/xml; charset=utf-8")


def error_response(fmt: Format, status_code: int, descriptions: list[str]) -> Response:
    errors = [{"code": status_code, "description": text} for text in descriptions]
    return render(fmt, "errors", errors, status_code=status_code)
