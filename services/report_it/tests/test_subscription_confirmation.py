"""Double opt-in for "me too" subscriptions: one confirmation e-mail through a real SMTP server, no updates until
its link is followed, single-use links that expire, and no second e-mail for a second "me too"."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import httpx
import sqlalchemy as sa
from alembic import command
from sqlmodel import Session, select

from deal_shared.db import UTCDateTime, alembic_config, make_engine, utcnow
from report_it.categories import seed_categories
from report_it.db import ALEMBIC_INI, migrate
from report_it.models import OutboxMessage, Report, Subscription
from report_it.retention import forget_unconfirmed_subscriptions
from report_it.visibility import hash_token
from services.report_it.tests.mailcatcher import MailCatcher, body_of
from services.report_it.tests.test_lifecycle import WIGAN, new_report
from services.report_it.tests.test_notifications import reporter, unique_email

LINK = re.compile(r"https?://\S+/v1/subscriptions/confirm/\S+")


def emails_queued_to(url: str, address: str) -> list[dict]:
    """Every e-mail written to the outbox for `address`: it is written in the same transaction as its cause."""
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            rows = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "email")).all()
            return [m.payload for m in rows if m.payload["to"] == address]
    finally:
        engine.dispose()


def subscription_of(url: str, address: str) -> Subscription:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return session.exec(select(Subscription).where(Subscription.email == address)).one()
    finally:
        engine.dispose()


def backdate_link(url: str, address: str, by: timedelta) -> None:
    """As if the confirmation e-mail had gone out `by` ago."""
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            subscription = session.exec(select(Subscription).where(Subscription.email == address)).one()
            assert subscription.confirmation_sent_at is not None
            subscription.confirmation_sent_at -= by
            session.add(subscription)
            session.commit()
    finally:
        engine.dispose()


def confirmation_paths(smtp: MailCatcher, address: str, count: int = 1) -> list[str]:
    """The paths of the links in the (at least `count`) confirmation e-mails to `address`, one per e-mail."""
    paths = []
    for message in smtp.wait_for(address, count):
        found = LINK.findall(body_of(message))
        assert len(found) == 1, body_of(message)
        paths.append(found[0][found[0].index("/v1/") :])
    return paths


def confirmation_path(smtp: MailCatcher, address: str) -> str:
    (path,) = confirmation_paths(smtp, address)
    return path


def wait_for_marker(api: httpx.Client, staff_headers: dict, smtp: MailCatcher) -> None:
    """Send a later e-mail and wait for it: everything queued before it has been delivered by then."""
    marker = unique_email("marker")
    other = new_report(api, reporter=reporter(marker))
    api.post(f"/v1/reports/{other['id']}/updates", json={"status": "acknowledged"}, headers=staff_headers)
    smtp.wait_for(marker, 1)


def assert_problem(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["code"] == code and problem["status"] == status and problem["detail"]
    return problem


def test_updates_start_only_once_the_link_is_followed(api, staff_headers, smtp: MailCatcher, report_it_db) -> None:
    fan = unique_email("fan")
    report = new_report(api)
    supported = api.post(f"/v1/reports/{report['id']}/support", json={"email": fan.upper(), "name": "Fan"})
    assert supported.status_code == 200, supported.text
    assert supported.json() == {"report_id": report["id"], "support_count": 1, "subscribed": True}

    queued = emails_queued_to(report_it_db, fan)
    assert len(queued) == 1 and queued[0]["subscription_id"] is None
    path = confirmation_path(smtp, fan)
    message = smtp.to(fan)[0]
    assert report["reference"] in str(message["Subject"]) and "confirm" in str(message["Subject"]).lower()
    assert "ignore this e-mail" in body_of(message)
    assert subscription_of(report_it_db, fan).confirmation_token_hash == hash_token(path.rsplit("/", 1)[1])

    url = f"/v1/reports/{report['id']}/updates"
    assert api.post(url, json={"status": "acknowledged"}, headers=staff_headers).status_code == 201
    assert len(emails_queued_to(report_it_db, fan)) == 1  # still only the confirmation
    wait_for_marker(api, staff_headers, smtp)
    assert len(smtp.to(fan)) == 1

    shown = api.get(path)  # looking changes nothing: mail systems' link scanners must not confirm
    assert shown.status_code == 200, shown.text
    assert shown.json()["confirmed"] is False and shown.json()["report_reference"] == report["reference"]
    assert shown.json()["expires_at"]
    assert subscription_of(report_it_db, fan).confirmed_at is None

    confirmed = api.post(path)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json() == {
        "report_id": report["id"],
        "report_reference": report["reference"],
        "confirmed": True,
        "expires_at": None,
    }
    assert subscription_of(report_it_db, fan).confirmed_at is not None
    again = assert_problem(api.post(path), 409, "SubscriptionAlreadyConfirmed")
    assert again["report_reference"] == report["reference"]
    assert_problem(api.get(path), 409, "SubscriptionAlreadyConfirmed")

    api.post(url, json={"status": "fixed", "public_text": "Cleared."}, headers=staff_headers)
    update = smtp.wait_for(fan, 2)
    news = [m for m in update if "Cleared." in body_of(m)]
    assert len(news) == 1
    assert news[0]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = str(news[0]["List-Unsubscribe"]).strip("<>")
    assert unsubscribe in body_of(news[0])
    assert api.post(unsubscribe[unsubscribe.index("/v1/") :]).status_code == 204
    assert_problem(api.post(path), 404, "ConfirmationLinkNotFound")  # the subscription is gone


def test_a_second_me_too_sends_no_second_email(api, staff_headers, smtp: MailCatcher, report_it_db) -> None:
    fan = unique_email("twice")
    report = new_report(api)
    support = f"/v1/reports/{report['id']}/support"
    assert api.post(support, json={"email": fan}).json()["support_count"] == 1
    second = api.post(support, json={"email": fan})
    assert second.json() == {"report_id": report["id"], "support_count": 1, "subscribed": True}
    assert len(emails_queued_to(report_it_db, fan)) == 1
    wait_for_marker(api, staff_headers, smtp)
    assert len(smtp.to(fan)) == 1
    first_link = confirmation_path(smtp, fan)

    # An hour on, a new "me too" sends a new link, and the old one stops working.
    backdate_link(report_it_db, fan, timedelta(hours=2))
    api.post(support, json={"email": fan})
    assert len(emails_queued_to(report_it_db, fan)) == 2
    (new_path,) = set(confirmation_paths(smtp, fan, 2)) - {first_link}
    assert_problem(api.post(first_link), 404, "ConfirmationLinkNotFound")
    assert api.post(new_path).status_code == 200


def test_one_address_gets_a_few_confirmations_a_day_at_most(api, report_it_db) -> None:
    target = unique_email("target")
    for _ in range(7):
        report = new_report(api)
        assert api.post(f"/v1/reports/{report['id']}/support", json={"email": target}).status_code == 200
    assert len(emails_queued_to(report_it_db, target)) == 5


def test_wrong_and_expired_links_are_clear_problems(api, smtp: MailCatcher, report_it_db) -> None:
    for wrong in ("not-a-token", "x" * 500, uuid.uuid4().hex + uuid.uuid4().hex):
        assert_problem(api.get(f"/v1/subscriptions/confirm/{wrong}"), 404, "ConfirmationLinkNotFound")
        assert_problem(api.post(f"/v1/subscriptions/confirm/{wrong}"), 404, "ConfirmationLinkNotFound")

    late = unique_email("late")
    report = new_report(api)
    api.post(f"/v1/reports/{report['id']}/support", json={"email": late})
    path = confirmation_path(smtp, late)
    backdate_link(report_it_db, late, timedelta(days=7, minutes=1))
    expired = assert_problem(api.post(path), 410, "ConfirmationLinkExpired")
    assert report["reference"] in expired["detail"]
    assert_problem(api.get(path), 410, "ConfirmationLinkExpired")
    assert subscription_of(report_it_db, late).confirmed_at is None


def test_a_browser_gets_a_page_with_a_confirm_button(api, smtp: MailCatcher, report_it_db) -> None:
    reader = unique_email("reader")
    report = new_report(api)
    api.post(f"/v1/reports/{report['id']}/support", json={"email": reader})
    path = confirmation_path(smtp, reader)
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}

    page = api.get(path, headers=browser)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert report["reference"] in page.text and f'<form method="post" action="{path}">' in page.text
    assert page.headers["referrer-policy"] == "no-referrer"
    assert subscription_of(report_it_db, reader).confirmed_at is None

    done = api.post(path, headers={**browser, "Content-Type": "application/x-www-form-urlencoded"})
    assert done.status_code == 200 and "Updates confirmed" in done.text
    assert subscription_of(report_it_db, reader).confirmed_at is not None
    used = api.get(path, headers=browser)
    assert used.status_code == 409 and "SubscriptionAlreadyConfirmed" in used.text
    assert api.get("/v1/subscriptions/confirm/nope", headers=browser).status_code == 404


def test_the_reporter_needs_no_confirmation(api, staff_headers, smtp: MailCatcher, report_it_db) -> None:
    author = unique_email("author")
    report = new_report(api, reporter=reporter(author))
    api.post(f"/v1/reports/{report['id']}/updates", json={"status": "acknowledged"}, headers=staff_headers)
    received = smtp.wait_for(author, 1)
    assert "has been acknowledged" in body_of(received[0])
    assert len(emails_queued_to(report_it_db, author)) == 1


def test_subscriptions_made_before_confirmation_existed_stay_confirmed(database_factory) -> None:
    url = database_factory("report_it_optin")
    migrate(url)
    engine = make_engine(url)
    report = Report(
        reference=f"WG-{uuid.uuid4().hex[:4].upper()}-OPTN",
        category_code="litter",
        status="submitted",
        lat=WIGAN["lat"],
        lon=WIGAN["long"],
        channel="app",
        tracking_token_hash=b"x",
    )
    try:
        with Session(engine, expire_on_commit=False) as session:
            seed_categories(session)
            session.add(report)
            session.commit()
        command.downgrade(alembic_config(ALEMBIC_INI, url), "0004")
        created = utcnow() - timedelta(days=30)
        # The table as revision 0004 left it, so values are stored as that schema stores them.
        before = sa.table(
            "subscription",
            sa.column("id", sa.Uuid()),
            sa.column("report_id", sa.Uuid()),
            sa.column("email", sa.String()),
            sa.column("created_at", UTCDateTime()),
        )
        with engine.begin() as connection:
            connection.execute(
                sa.insert(before).values(
                    id=uuid.uuid4(), report_id=report.id, email="old@example.org", created_at=created
                )
            )
        migrate(url)
        with Session(engine) as session:
            old = session.exec(select(Subscription)).one()
            assert old.confirmed_at == old.created_at
            assert old.confirmation_token_hash is None
    finally:
        engine.dispose()


def test_the_reporters_emails_have_a_one_click_unsubscribe_link(api, staff_headers, smtp: MailCatcher) -> None:
    author, neighbour = unique_email("author"), unique_email("neighbour")
    report = new_report(api, reporter=reporter(author))
    other = new_report(api, reporter=reporter(neighbour))
    for each in (report, other):
        api.post(f"/v1/reports/{each['id']}/updates", json={"status": "acknowledged"}, headers=staff_headers)
    (first,) = smtp.wait_for(author, 1)
    assert first["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = str(first["List-Unsubscribe"]).strip("<>")
    assert link in body_of(first)
    path = link[link.index("/v1/") :]
    (theirs,) = smtp.wait_for(neighbour, 1)
    their_link = str(theirs["List-Unsubscribe"]).strip("<>")
    assert their_link != link

    # A link for the neighbour's report forged from the author's secret part stops nothing.
    author_mac = path.removesuffix("/unsubscribe").rsplit("-", 1)[1]
    forged = f"/v1/subscriptions/r-{uuid.UUID(other['id']).hex}-{author_mac}/unsubscribe"
    assert api.post(forged).status_code == 204
    assert api.post("/v1/subscriptions/r-nonsense/unsubscribe").status_code == 204
    assert api.post(path).status_code == 204 and api.post(path).status_code == 204

    for each in (report, other):
        api.post(f"/v1/reports/{each['id']}/updates", json={"status": "fixed"}, headers=staff_headers)
    assert any("has been fixed" in body_of(m) for m in smtp.wait_for(neighbour, 2))
    wait_for_marker(api, staff_headers, smtp)
    assert len(smtp.to(author)) == 1


def test_addresses_never_confirmed_are_forgotten_once_their_link_has_expired(
    api, smtp: MailCatcher, report_it_db
) -> None:
    report = new_report(api)
    stale, fresh, confirmed = unique_email("stale"), unique_email("fresh"), unique_email("confirmed")
    for address in (stale, fresh, confirmed):
        assert api.post(f"/v1/reports/{report['id']}/support", json={"email": address}).status_code == 200
    assert api.post(confirmation_path(smtp, confirmed)).status_code == 200
    backdate_link(report_it_db, stale, timedelta(days=7, minutes=1))
    backdate_link(report_it_db, confirmed, timedelta(days=30))

    engine = make_engine(report_it_db)
    try:
        with Session(engine) as session:
            forgotten = forget_unconfirmed_subscriptions(session)
            session.commit()
        with Session(engine) as session:
            kept = set(
                session.exec(select(Subscription.email).where(Subscription.report_id == uuid.UUID(report["id"])))
            )
    finally:
        engine.dispose()
    assert forgotten >= 1
    assert kept == {fresh, confirmed}
