"""Clean-up suggestions from Report IT's hotspots, read over HTTP from the real Report IT running as its own process."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest

from tests.support.processes import service_process
from tests.support.server import free_port

HOTSPOT = (53.5200, -2.5700)  # illustrative: a lane in Hindley where tipping recurs


@pytest.fixture(scope="module")
def report_it_base(database_factory, dev_key, tmp_path_factory) -> Iterator[str]:
    closed = f"http://127.0.0.1:{free_port()}"
    env = os.environ | {
        "REPORT_IT_DATABASE_URL": database_factory("report_it"),
        "REPORT_IT_ENVIRONMENT": "test",
        "REPORT_IT_PHOTO_DIR": str(tmp_path_factory.mktemp("photos")),
        "REPORT_IT_FOOTPRINTS_URL": closed,
        "REPORT_IT_SMTP_PORT": "1",
        "REPORT_IT_RUN_DELIVERER": "false",
        "REPORT_IT_AUTH__DEV_MODE": "true",
        "REPORT_IT_AUTH__DEV_KEY_PATH": str(dev_key),
    }
    subprocess.run([sys.executable, "-m", "report_it.cli", "setup"], env=env, check=True, capture_output=True)
    with service_process("report_it.cli", env, free_port()) as base:
        for i in range(4):
            report = {
                "category": "fly_tipping",
                "location": {"lat": HOTSPOT[0] + i * 0.0002, "long": HOTSPOT[1]},
                "description": "Bags and a mattress dumped again",
                "answers": {"size": "car_boot", "waste_type": ["household"]},
            }
            httpx.post(f"{base}/v1/reports", json=report, timeout=30).raise_for_status()
        lone = {"category": "litter", "location": {"lat": 53.545, "long": -2.632}}
        httpx.post(f"{base}/v1/reports", json=lone, timeout=30).raise_for_status()
        yield base


def test_hotspots_become_clean_up_suggestions_until_one_is_published(report_it_base, make_volunteering) -> None:
    vol = make_volunteering(report_it_url=report_it_base)
    with vol.as_("organiser.one", "staff", "team_leader") as organiser:
        response = organiser.get("/v1/suggestions")
        assert response.status_code == 200, response.text
        suggestions = response.json()
        assert len(suggestions) == 1  # one litter report is no hotspot
        suggestion = suggestions[0]
        assert suggestion["source"]["category"] == "fly_tipping"
        assert suggestion["source"]["report_count"] == 4 and len(suggestion["source"]["report_ids"]) == 4
        assert suggestion["title"].startswith("Community clean-up: fly-tipping")
        assert abs(suggestion["location"]["lat"] - (HOTSPOT[0] + 0.0003)) < 1e-6
        assert suggestion["area"]["located"] is False  # footprints is down here: suggested all the same

        organisation = vol.add_organisation(name="Hindley Green Litter Pickers")
        published = vol.add_opportunity(
            organisation["id"],
            title=suggestion["title"],
            description=suggestion["description"],
            location=suggestion["location"],
            suggested_from=suggestion["source"],
        )
        assert published["suggested_from"]["report_count"] == 4
        assert organiser.get("/v1/suggestions").json() == []
        with vol.as_("officer.one") as officer:
            assert officer.get("/v1/suggestions").status_code == 403


def test_report_it_down_is_a_503_problem(make_volunteering) -> None:
    vol = make_volunteering()
    with vol.as_("organiser.one", "staff", "team_leader") as organiser:
        response = organiser.get("/v1/suggestions")
    assert response.status_code == 503 and response.json()["code"] == "ReportItUnavailable"
