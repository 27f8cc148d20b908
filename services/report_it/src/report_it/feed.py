"""An Atom feed of new and fixed reports, by area and category, as residents and councillors follow."""

from __future__ import annotations

from datetime import datetime
from xml.etree import ElementTree as ET

from deal_shared.db import utcnow
from deal_shared.report_it import ReportPublic
from deal_shared.text import XML_ILLEGAL

ATOM = "http://www.w3.org/2005/Atom"
GEORSS = "http://www.georss.org/georss"
ET.register_namespace("", ATOM)
ET.register_namespace("georss", GEORSS)


def _sub(parent: ET.Element, tag: str, text: str | None = None, ns: str = ATOM, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ns}}}{tag}", attrs)
    if text is not None:
        element.text = XML_ILLEGAL.sub("", text)
    return element


def atom_feed(entries: list[tuple[str, datetime, ReportPublic]], *, title: str, self_url: str, base_url: str) -> bytes:
    """`entries`: (kind "new" or "fixed", when, report), newest first."""
    feed = ET.Element(f"{{{ATOM}}}feed")
    _sub(feed, "title", title)
    _sub(feed, "id", self_url)
    _sub(feed, "link", rel="self", href=self_url)
    _sub(feed, "updated", (entries[0][1] if entries else utcnow()).isoformat())
    author = _sub(feed, "author")
    _sub(author, "name", "Wigan Council, Report IT")
    for kind, when, report in entries:
        entry = _sub(feed, "entry")
        _sub(entry, "id", f"urn:uuid:{report.id}#{kind}")
        where = f" at {report.address}" if report.address else ""
        _sub(entry, "title", f"{'Fixed' if kind == 'fixed' else 'New'}: {report.category_name}{where}")
        _sub(entry, "updated", when.isoformat())
        _sub(entry, "published", when.isoformat())
        _sub(entry, "link", href=f"{base_url}/v1/reports/{report.id}")
        _sub(entry, "category", term=report.category)
        summary = f"{report.reference}: {report.category_name}"
        if report.description:
            summary += f". {report.description}"
        _sub(entry, "summary", summary)
        _sub(entry, "point", f"{report.location.lat} {report.location.long}", ns=GEORSS)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
