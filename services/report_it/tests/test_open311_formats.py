"""The Open311 XML writer is written by hand for speed; it must stay byte for byte what ElementTree writes, but for
the characters XML 1.0 cannot carry, which it drops, and W3C times must stay UTC without fractions."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from report_it.open311.formats import to_xml, w3c

AWKWARD = [
    "plain",
    "",
    "fish & chips <b> > a",
    "tabs\tand\nnew lines\r\n",
    "Ysgol Gymraeg — café ✓ 😀",
    "\u2028line separator",
    "amp;&amp;",
    " spaces kept ",
]


def element_tree(root: str, value: object) -> bytes:
    item_tags = {"service_requests": "request", "values": "value"}

    def build(parent: ET.Element, tag: str, child: object) -> None:
        node = ET.SubElement(parent, tag)
        if isinstance(child, dict):
            for key, inner in child.items():
                build(node, key, inner)
        elif isinstance(child, list):
            for item in child:
                build(node, item_tags[tag], item)
        elif child is not None:
            node.text = ("true" if child else "false") if isinstance(child, bool) else str(child)

    holder = ET.Element("holder")
    build(holder, root, value)
    body = ET.tostring(holder[0], encoding="unicode", short_empty_elements=True)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body).encode()


def test_requests_are_written_as_element_tree_writes_them() -> None:
    rows = [
        {
            "service_request_id": f"id-{n}",
            "description": text,
            "address": None,
            "lat": 53.5 + n / 1000,
            "long": -2.6,
            "flag": n % 2 == 0,
            "count": n,
            "values": [{"key": text, "name": "x"}] if n % 3 else [],
            "extra": {"inner": text} if n % 2 else {},
        }
        for n, text in enumerate(AWKWARD)
    ]
    assert to_xml("service_requests", rows) == element_tree("service_requests", rows)
    assert to_xml("service_requests", []) == element_tree("service_requests", [])


def test_characters_xml_cannot_carry_are_dropped_and_the_rest_parses() -> None:
    rows = [{"description": "bell \x07 and \x00 nul \ufffe end", "address": "\x0b"}]
    written = to_xml("service_requests", rows)
    parsed = ET.fromstring(written)
    assert parsed.find("request/description").text == "bell  and  nul  end"
    assert parsed.find("request/address").text is None
    assert b"<address />" in written


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (datetime(2026, 12, 7, 15, 4, 5, 999_999, tzinfo=UTC), "2026-12-07T15:04:05Z"),
        (datetime(2026, 6, 1, 9, 0, 0, 1, tzinfo=ZoneInfo("Europe/London")), "2026-06-01T08:00:00Z"),
        (datetime(2026, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=-5))), "2026-01-01T05:30:00Z"),
        (datetime(2026, 3, 29, 1, 0, tzinfo=ZoneInfo("Etc/UTC")), "2026-03-29T01:00:00Z"),
        (None, None),
    ],
)
def test_w3c_times_are_utc_whole_seconds(when: datetime | None, expected: str | None) -> None:
    assert w3c(when) == expected
