"""Footprint lookup over HTTP against the real footprints service, and graceful degradation when it is down."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import pytest

from deal_shared.footprints import FootprintsClient
from tests.support.processes import service_process
from tests.support.server import free_port

WIGAN_CENTRE = {"lat": 53.5455, "long": -2.632}
LEIGH = {"lat": 53.497, "long": -2.515}


@pytest.fixture(scope="module")
def footprints_env(database_factory, dev_key) -> dict[str, str]:
    """A migrated footprints database with the shipped illustrative ward boundaries (`footprints setup`)."""
    env = os.environ | {
        "FOOTPRINTS_DATABASE_URL": database_factory("footprints"),
        "FOOTPRINTS_ENVIRONMENT": "test",
        "FOOTPRINTS_DELIVER_IN_PROCESS": "false",
        "FOOTPRINTS_REPORT_IT_URL": f"http://127.0.0.1:{free_port()}",
        "FOOTPRINTS_AUTH__DEV_MODE": "true",
        "FOOTPRINTS_AUTH__DEV_KEY_PATH": str(dev_key),
    }
    subprocess.run([sys.executable, "-m", "footprints.cli", "setup"], env=env, check=True, capture_output=True)
    return env


def test_organisations_and_opportunities_get_their_footprint_from_footprints(footprints_env, make_volunteering):
    port = free_port()
    with service_process("footprints.cli", footprints_env, port) as footprints_base:
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


def test_accepted_while_footprints_is_down_and_filled_in_when_it_is_back(footprints_env, make_volunteering):
    port = free_port()  # nothing listens here yet: footprints is down
    vol = make_volunteering(footprints_url=f"http://127.0.0.1:{port}", run_background=True, footprint_retry_seconds=0.2)
    organisation = vol.add_organisation(location=WIGAN_CENTRE)
    opportunity = vol.add_opportunity(organisation["id"], location=LEIGH)
    assert organisation["area"]["located"] is False and organisation["area"]["footprint_code"] is None
    assert opportunity["area"]["located"] is False

    with service_process("footprints.cli", footprints_env, port), vol.as_("officer.one") as officer:
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
