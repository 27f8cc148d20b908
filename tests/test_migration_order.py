"""Each service's migrations, listed by file name, are its chain in order: a newcomer reads them top to bottom."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("report_it", "footprints", "volunteering")


def chain(service: str) -> list[str]:
    config = Config(str(ROOT / "services" / service / "alembic.ini"))
    scripts = ScriptDirectory.from_config(config)
    assert len(scripts.get_heads()) == 1, f"{service} has more than one head: {scripts.get_heads()}"
    newest_first = [Path(script.path).name for script in scripts.walk_revisions()]
    return newest_first[::-1]


@pytest.mark.parametrize("service", SERVICES)
def test_the_listing_is_the_chain(service: str) -> None:
    versions = ROOT / "services" / service / "migrations" / "versions"
    listed = sorted(path.name for path in versions.glob("*.py"))
    assert listed == chain(service), "name a migration <revision>_<date>_<slug>.py, its revision the next number"
