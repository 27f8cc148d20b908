"""A third-party Open311 client from PyPI (`georeport`) reads our services and requests, in JSON and in XML."""

# The Open311 server fixtures are shared with test_open311 by import, so test arguments shadow their names.
# ruff: noqa: F811

from __future__ import annotations

import httpx
import pytest
from georeport import GeoReport

from services.report_it.tests.test_open311 import (  # noqa: F401 - fixtures
    FORMATS,
    Open311,
    client,
    open311,
    submit,
)


@pytest.mark.parametrize("fmt", FORMATS)
def test_georeport_reads_services_definitions_and_requests(client: httpx.Client, open311: Open311, fmt: str) -> None:
    ids = [submit(client, open311.key), submit(client, open311.key)]
    georeport = GeoReport(f"{open311.base}/open311/v2", jurisdiction="wigan.gov.uk", output_format=fmt)

    services = georeport.get_service_list()
    codes = {s["service_code"] for s in services}
    assert "fly_tipping" in codes and "needles" not in codes and "safeguarding_concern" not in codes

    definition = georeport.get_service_definition("fly_tipping")
    attributes = definition["attributes"]
    if fmt == "xml":  # xmltodict keeps the XML's nesting: attributes/attribute
        attributes = attributes["attribute"]
    assert "size" in {a["code"] for a in attributes}

    one = georeport.get_service_request(ids[0])
    assert one["service_request_id"] == ids[0] and one["status"] == "open"
    assert one["service_code"] == "fly_tipping" and str(one["lat"]) == "53.545"

    several = georeport.get_service_requests(service_request_id=",".join(ids))
    assert sorted(r["service_request_id"] for r in several) == sorted(ids)
    recent = georeport.get_service_requests(service_code="fly_tipping", status="open")
    assert set(ids) <= {r["service_request_id"] for r in recent}
