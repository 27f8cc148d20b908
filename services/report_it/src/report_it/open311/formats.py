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
from xml.etree import ElementTree

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
    return when.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _fill(element: ElementTree.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ElementTree.SubElement(element, key), child)
    elif isinstance(value, list):
        item_tag = ITEM_TAGS[element.tag]
        for item in value:
            _fill(ElementTree.SubElement(element, item_tag), item)
    elif value is not None:
        element.text = _text(value)


def to_xml(root: str, value: Any) -> bytes:
    element = ElementTree.Element(root)
    _fill(element, value)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(element, encoding="unicode").encode()


def render(fmt: Format, root: str, value: Any, *, status_code: int = 200) -> Response:
    if fmt is Format.json:
        body = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
        return Response(body, status_code=status_code, media_type="application/json; charset=utf-8")
    return Response(to_xml(root, value), status_code=status_code, media_type="text/xml; charset=utf-8")


def error_response(fmt: Format, status_code: int, descriptions: list[str]) -> Response:
    errors = [{"code": status_code, "description": text} for text in descriptions]
    return render(fmt, "errors", errors, status_code=status_code)
