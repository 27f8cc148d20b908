"""Footprint lookup over HTTP against the real footprints service, and graceful degradation when it is down."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
import uvicorn
from sqlmodel import Session

from deal_shared.auth import AuthSettings
from deal_shared.db import make_engine
from deal_shared.footprints import FootprintsClient
from footprints.config import Settings as FootprintsSettings
from footprints.db import migrate as migrate_footprints
from footprints.main import create_app as create_footprints
from footprints.places.store import load_illustrative
from tests.support.server import free_port

WIGAN_CENTRE = {"lat": 53.5455, "long": -2.632}
LEIGH = {"lat": 53.497, "long": -2.515}


@contextmanager
def serve_on(app, port: int) -> Iterator[str]:
    """Like tests.support.server.serve, but on a chosen port: the one Volunteering was told footprints is at."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("footprints did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def footprints_app(database_factory, dev_key):
    url = database_factory("footprints")
    migrate_footprints(url)
    engine = make_engine(url)
    with Session(engine) as session:
        load_illustrative(session)
        session.commit()
    engine.dispose()
    settings = FootprintsSettings(
        database_url=url,
        environment="test",
        deliver_in_process=False,
        report_it_url=f"http://127.0.0.1:{free_port()}",
        auth=AuthSettings(dev_mode=True, dev_key_path=dev_key),
    )
    return lambda: create_footprints(settings)


def test_organisations_and_opportunities_get_their_footprint_from_footprints(footprints_app, make_volunteering):
    port = free_port()
    with serve_on(footprints_app(), port) as footprints_base:
        vol = make_volunteering(footprints_url=footprints_base)
        with httpx.Client(base_url=footprints_base) as http:
            expected = FootprintsClient(http).locate(**WIGAN_CENTRE)
            leigh = FootprintsClient(http).locate(**LEIGH)
        organisation = vol.add_organisation(location=WIGAN_CENTRE)
        assert organisation["area"] == {
            "footprint_code": expected.footprint.code,
            "footprint_number": expected.footprint.number,
            "footprint_name": expected.footprint.name,
            "ward_code": expected.ward.code,
            "ward_name": expected.ward.name,
            "located": True,
        }
        same_place = vol.add_opportunity(organisation["id"])
        elsewhere = vol.add_opportunity(organisation["id"], location=LEIGH, title="Leigh clean-up")
        assert same_place["area"]["footprint_code"] == expected.footprint.code
        assert elsewhere["area"]["ward_code"] == leigh.ward.code
        with vol.as_("officer.one") as officer:
            vol.add_staff("officer.one")
            found = officer.get("/v1/opportunities", params={"footprint": leigh.footprint.code}).json()
        assert [o["id"] for o in found] == [elsewhere["id"]]

        with vol.as_("organiser.one", "staff", "team_leader") as organiser:
            london = organiser.post(
                "/v1/organisations", json={"name": "Far away", "location": {"lat": 51.5, "long": -0.12}}
            )
        assert london.status_code == 422 and london.json()["code"] == "OutsideBorough"


def test_accepted_while_footprints_is_down_and_filled_in_when_it_is_back(footprints_app, make_volunteering):
    port = free_port()  # nothing listens here yet: footprints is down
    vol = make_volunteering(footprints_url=f"http://127.0.0.1:{port}", run_background=True, footprint_retry_seconds=0.2)
    organisation = vol.add_organisation(location=WIGAN_CENTRE)
    opportunity = vol.add_opportunity(organisation["id"], location=LEIGH)
    assert organisation["area"]["located"] is False and organisation["area"]["footprint_code"] is None
    assert opportunity["area"]["located"] is False

    with serve_on(footprints_app(), port), vol.as_("officer.one") as officer:
        vol.add_staff("officer.one")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            current = officer.get(f"/v1/opportunities/{opportunity['id']}").json()
            if current["area"]["located"]:
                break
            time.sleep(0.1)
        assert current["area"]["located"] is True
        assert current["area"]["footprint_code"] is not None
        assert officer.get(f"/v1/organisations/{organisation['id']}").json()["area"]["located"] is True
