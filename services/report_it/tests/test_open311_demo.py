"""`report-it setup --demo` seeds the documented demo API key, once; without --demo there is none."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from deal_shared.db import make_engine
from report_it.cli import setup
from report_it.config import Settings
from report_it.open311.errors import InvalidApiKey
from report_it.open311.keys import DEMO_KEY, authenticate, list_keys


def test_setup_demo_seeds_the_documented_key_once(database_factory) -> None:
    plain, demo = database_factory("report_it_plain"), database_factory("report_it_demo")
    setup(Settings(database_url=plain, environment="test"), demo=False)
    setup(Settings(database_url=demo, environment="test"), demo=True)
    setup(Settings(database_url=demo, environment="test"), demo=True)
    for url, expected in [(plain, 0), (demo, 1)]:
        engine = make_engine(url)
        try:
            with Session(engine) as session:
                assert len(list_keys(session)) == expected
                if expected:
                    assert authenticate(session, DEMO_KEY).name.startswith("Demo key")
                else:
                    with pytest.raises(InvalidApiKey):
                        authenticate(session, DEMO_KEY)
        finally:
            engine.dispose()
