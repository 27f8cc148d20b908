"""The outcomes dashboard in headless Chromium against the real Report IT and Footprints (which holds the ward
shapes): an officer sees a hand-made month's figures, each chart with its table; the councillors' ward view, read
without signing in, withholds small numbers and shows no report or person; axe finds nothing serious on either.

The month is March 2019 (GMT), far from any other test's reports: each report is put straight into the database and
queued for the outcome refresh, as a change that did not move `updated_at` is. 4 March 2019 is a Monday."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlmodel import Session

from deal_shared.db import make_engine
from report_it.models import Report, ReportUpdate
from report_it.outcomes.populations import seed_populations
from report_it.outcomes.refresh import mark_changed
from tests.e2e.conftest import FieldApp, screenshot
from tests.e2e.test_office import DESK
from tests.e2e.test_quality import serious_violations

pytestmark = pytest.mark.browser

MONTH = "2019-03"
CENTRAL, HINDLEY = "wigan_central", "ince_hindley_abram_platt_bridge"
RESIDENT = "Zebedee Quintrell"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def report(ward: str, *, fixed: str | None = None) -> Report:
    return Report(
        id=uuid.uuid4(), reference=f"WG-{uuid.uuid4().hex[:4].upper()}-E2EO", category_code="litter",
        status="fixed" if fixed else "acknowledged", lat=53.545, lon=-2.632, channel="app", tracking_token_hash=b"x",
        created_at=at("2019-03-04T09:00"), updated_at=at(fixed or "2019-03-04T09:00"),
        fixed_at=at(fixed) if fixed else None, ward_code=ward, footprint_code=HINDLEY if ward == "hindley" else CENTRAL,
        reporter_name=RESIDENT, reporter_email="zebedee@example.org", description=f"Crisp packets by {RESIDENT}'s gate",
    )  # fmt: skip


@pytest.fixture(scope="module")
def month(field_app: FieldApp) -> None:
    # Wigan Central: six fixed in 1, 3, 5, 7, 9.5 and 59.5 working hours; Hindley 2 open (withheld in the ward view),
    # Pemberton 7 open, Douglas 5 open (withheld too: the next smallest); one of Pemberton's recategorised.
    fixes = ["2019-03-04T10:00", "2019-03-04T12:00", "2019-03-04T14:00", "2019-03-04T16:00", "2019-03-05T10:00",
             "2019-03-13T09:00"]  # fmt: skip
    made = [report("wigan_central", fixed=f) for f in fixes]
    made += [report("hindley") for _ in range(2)] + [report("pemberton") for _ in range(7)]
    made += [report("douglas") for _ in range(5)]
    engine = make_engine(field_app.app.state.settings.database_url)
    with Session(engine) as session:
        seed_populations(session)
        session.add_all(made)
        session.flush()
        session.add(ReportUpdate(report_id=made[6 + 2].id, actor_kind="staff", created_at=at("2019-03-04T13:00"),
                                 changes=[{"field": "category", "old": "graffiti", "new": "litter"}]))  # fmt: skip
        for item in made:
            mark_changed(session, item.id)
        session.commit()
    engine.dispose()


@pytest.fixture()
def context(browser: Browser, field_app: FieldApp) -> Iterator[BrowserContext]:
    made = browser.new_context(base_url=field_app.base, viewport=DESK, locale="en-GB")
    made.set_default_timeout(20000)
    yield made
    made.close()


def show_month(page: Page, slot: str) -> None:
    page.get_by_label("From month").fill(MONTH)
    page.get_by_label("To month").fill(MONTH)
    page.get_by_role("button", name="Show").click()
    expect(page.locator(f"#{slot}")).to_have_attribute("data-loaded", f"{MONTH}|{MONTH}")


def table(page: Page, caption: str) -> list[list[str]]:
    rows = page.locator("table.data", has=page.locator("caption", has_text=caption)).locator("tbody tr")
    return [row.locator("th, td").all_inner_texts() for row in rows.all()]


def test_the_dashboard_shows_the_month_with_a_table_for_every_chart(page: Page, field_app: FieldApp, month) -> None:
    page.goto("/office/")
    page.get_by_label("Sign-in token").fill(field_app.staff_token)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Triage", level=1)).to_be_visible()
    page.get_by_role("navigation", name="Office screens").get_by_role("link", name="Outcomes").click()
    expect(page.get_by_role("heading", name="Outcomes", level=1)).to_be_visible()
    show_month(page, "outcome-figures")

    figures = page.locator(".outcome-figure")
    expect(figures).to_have_count(5)
    for figure in figures.all():
        # Every chart is an image with a title, and has its table beside it.
        expect(figure.locator("svg.chart[role=img] title, p.note")).not_to_have_count(0)
        expect(figure.locator("table.data caption")).to_have_count(1)
    monthly = table(page, "Reports made each month, by footprint")
    assert monthly == [[MONTH, "2", "18"]]  # Hindley's footprint, then Wigan Central's
    wards = {row[0]: row[1:] for row in table(page, "Reports and residents by ward")}
    assert wards["Wigan Central"][0] == "6" and wards["Hindley"][0] == "2" and wards["Pemberton"][0] == "7"
    # The map: one shape per ward Footprints holds, shaded where reports were made.
    expect(page.locator("#per-ward svg.ward-map path.ward")).to_have_count(25)
    fixes = {row[0]: row[1:] for row in table(page, "Reports fixed, by working time")}
    assert fixes["All footprints"] == ["2", "2", "1", "0", "1", "0", "6", "6", "59.5"]
    forwarding = {row[0]: row[1:] for row in table(page, "Reports forwarded")}
    assert forwarding["Wigan central"][:3] == ["18", "1", "5.6%"]
    expect(page.locator("#hotspots")).to_contain_text("No hotspot was cleared in the period.")
    expect(page.locator("#per-month .downloads a")).to_have_text(["JSON", "CSV"])
    with page.expect_download() as download:
        page.locator("#fix-times .downloads a", has_text="CSV").click()
    assert download.value.suggested_filename == "fix-times.csv"
    assert serious_violations(page, "outcomes") == []
    screenshot(page, "office-outcomes")


def test_the_ward_view_needs_no_sign_in_and_withholds_small_numbers(page: Page, month) -> None:
    page.goto("/office/#/wards")
    expect(page.get_by_role("heading", name="Ward figures", level=1)).to_be_visible()
    show_month(page, "ward-view")
    rows = {row[0]: row[1:] for row in table(page, "Reports by ward")}
    # Residents, reports, per 1,000, fixed, within target, median hours, forwarded.
    assert rows["Hindley"][1:] == ["withheld"] * 6
    assert rows["Douglas"][1:] == ["withheld"] * 6
    # None fixed with a target: no share to give, shown as a dash.
    assert rows["Wigan Central"] == ["12925", "6", "0.46", "6", "\u2013", "6", "0%"]
    assert rows["Pemberton"][1] == "7" and rows["Pemberton"][6] == "withheld"  # one forwarded of seven
    expect(page.locator("#ward-view")).to_contain_text("Borough: 20 reports")
    expect(page.locator("svg.ward-map path.ward.none")).not_to_have_count(0)
    text = page.locator("main").inner_text()
    assert RESIDENT not in text and "zebedee" not in text and "WG-" not in text
    csv_link = page.get_by_role("link", name="CSV (open data)")
    expect(csv_link).to_have_attribute("href", f"/v1/open-data/outcomes/wards.csv?from={MONTH}&to={MONTH}")
    assert serious_violations(page, "ward view") == []
    screenshot(page, "office-ward-figures")
