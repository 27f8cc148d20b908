"""Each service calls the others with tokens of its own identity at the council's provider (client credentials):
by secret, by a key's signed assertion, or by an assertion file the platform keeps current; fetched again before
they run out, again after a 401, and kept while the provider is briefly away. All against the real provider."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import SecretStr
from sqlmodel import Session, select

from deal_shared.auth import AuthSettings, Role, TokenVerifier
from deal_shared.client_credentials import ClientCredentials, CredentialsUnavailable, ServiceIdentity, signed_assertion
from deal_shared.errors import RemoteError
from deal_shared.http import send, service_http_client
from deal_shared.routing import RoutingDecision
from deal_shared.service_auth import OutboundToken
from footprints.config import Settings as FootprintsSettings
from footprints.db import migrate as migrate_footprints
from footprints.main import create_app as footprints_app
from footprints.models import Footprint, Team, Worker
from footprints.places.store import load_illustrative
from report_it.categories import seed_categories
from report_it.config import Settings as ReportItSettings
from report_it.db import migrate as migrate_report_it
from report_it.main import create_app as report_it_app
from report_it.models import RoutingRule
from services.report_it.tests.test_feed_and_cases import wait_until
from tests.support.databases import seeded
from tests.support.identity_provider import AUDIENCE, IdentityProvider, identity_provider
from tests.support.server import free_port, serve

KEYED = "report-it-keyed"


@pytest.fixture(scope="module")
def key_pem(tmp_path_factory) -> Path:
    """The private key of a client whose public key (its certificate's) the provider holds."""
    private = ec.generate_private_key(ec.SECP256R1())
    path = tmp_path_factory.mktemp("identity") / "client-key.pem"
    path.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return path


@pytest.fixture(scope="module")
def keyed_provider(key_pem: Path) -> Iterator[IdentityProvider]:
    private = serialization.load_pem_private_key(key_pem.read_bytes(), password=None)
    public = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(private.public_key()))
    with identity_provider(keyed_clients={KEYED: {**public, "kid": "client-key-1", "alg": "ES256", "use": "sig"}}) as p:
        yield p


def verified(provider: IdentityProvider, token: str):
    return TokenVerifier(AuthSettings(issuer=provider.issuer, audience=AUDIENCE)).verify(token)


def test_a_client_secret_gets_a_service_token_the_services_accept(keyed_provider: IdentityProvider) -> None:
    identity = ServiceIdentity(client_id="footprints", client_secret=SecretStr(keyed_provider.secrets["footprints"]))
    credentials = ClientCredentials(identity, issuer=keyed_provider.issuer)  # token endpoint found by discovery
    token = credentials()
    principal = verified(keyed_provider, token)
    assert principal.subject == "footprints" and principal.roles == {Role.service}
    assert credentials() == token  # kept while it has long to run, not fetched for every call


def test_a_signed_assertion_proves_the_client_without_a_secret(keyed_provider: IdentityProvider, key_pem) -> None:
    identity = ServiceIdentity(client_id=KEYED, private_key_path=key_pem, private_key_id="client-key-1")
    principal = verified(keyed_provider, ClientCredentials(identity, issuer=keyed_provider.issuer)())
    assert principal.subject == KEYED and principal.roles == {Role.service}


def test_an_assertion_file_the_platform_renews_is_read_for_every_fetch(
    keyed_provider: IdentityProvider, key_pem, tmp_path
) -> None:
    assertion_file = tmp_path / "token"

    def platform_writes_assertion() -> None:  # as the kubelet refreshes a projected service-account token
        assertion_file.write_text(signed_assertion(key_pem, client_id=KEYED, audience=keyed_provider.token_url))

    platform_writes_assertion()
    identity = ServiceIdentity(client_id=KEYED, assertion_path=assertion_file, token_url=keyed_provider.token_url)
    credentials = ClientCredentials(identity, issuer=keyed_provider.issuer)
    first = credentials()
    assert verified(keyed_provider, first).subject == KEYED
    credentials.invalidate(first)
    # The provider takes each assertion once (its jti): a second fetch works only if the renewed file is read.
    platform_writes_assertion()
    second = credentials()
    assert second != first and verified(keyed_provider, second).subject == KEYED


def test_a_wrong_secret_is_a_clear_retryable_failure(keyed_provider: IdentityProvider) -> None:
    identity = ServiceIdentity(client_id="footprints", client_secret=SecretStr("not-the-secret"))
    token = OutboundToken(
        AuthSettings(issuer=keyed_provider.issuer), service="footprints", configured=None, identity=identity
    )
    with service_http_client(keyed_provider.issuer, token=token) as client, pytest.raises(RemoteError) as refused:
        send(client, client.build_request("GET", "/.well-known/openid-configuration"))
    # Retried like a peer that cannot be reached, and saying why: the provider refused this client.
    assert refused.value.retryable and "invalid_client" in str(refused.value)


def test_tokens_are_renewed_before_they_expire(tmp_path) -> None:
    with identity_provider(client_credentials_ttl=70) as provider:
        identity = ServiceIdentity(client_id="report-it", client_secret=SecretStr(provider.secrets["report-it"]))
        credentials = ClientCredentials(identity, issuer=provider.issuer)
        first = credentials()
        claims = jwt.decode(first, options={"verify_signature": False})
        assert claims["exp"] - claims["iat"] == 70
        # 70 s tokens are renewed once at most 10 s are used (a minute ahead of their end): simulate 11 s passing.
        credentials._token = credentials._token.__class__(  # type: ignore[union-attr]
            value=first,
            renew_at=time.monotonic() - 1,
            expires_at=time.monotonic() + 59,
        )
        assert credentials() != first


def test_a_valid_token_is_kept_while_the_provider_is_away_and_none_is_invented_after(tmp_path) -> None:
    with identity_provider() as provider:
        identity = ServiceIdentity(client_id="report-it", client_secret=SecretStr(provider.secrets["report-it"]))
        credentials = ClientCredentials(identity, issuer=provider.issuer)
        token = credentials()
        provider.stop()
        assert credentials._token is not None
        credentials._token = credentials._token.__class__(
            value=token, renew_at=time.monotonic() - 1, expires_at=time.monotonic() + 30
        )
        assert credentials() == token  # renewal failed, but the token is still good
        credentials.invalidate(token)
        with pytest.raises(CredentialsUnavailable):
            credentials()
        provider.start()
        time.sleep(2.1)  # failed fetches are retried at most every 2 s
        assert verified(provider, credentials()).subject == "report-it"


def test_a_refused_token_is_replaced_and_the_call_sent_once_more(keyed_provider: IdentityProvider) -> None:
    """A peer that stops trusting a token (revoked, or signed with keys it no longer trusts) answers 401: the next
    try carries a fresh token, and the caller never sees the 401."""
    refused: set[str] = set()
    seen: list[str] = []
    peer = FastAPI()

    @peer.get("/v1/thing")
    def thing(request: Request) -> JSONResponse:
        token = request.headers["authorization"].removeprefix("Bearer ")
        seen.append(token)
        if not refused:
            refused.add(token)  # the first token it sees it refuses
        if token in refused:
            return JSONResponse({"title": "Unauthenticated", "status": 401}, status_code=401)
        return JSONResponse({"ok": True})

    identity = ServiceIdentity(client_id="footprints", client_secret=SecretStr(keyed_provider.secrets["footprints"]))
    token = OutboundToken(
        AuthSettings(issuer=keyed_provider.issuer), service="footprints", configured=None, identity=identity
    )
    with serve(peer) as base, service_http_client(base, token=token) as client:
        answer = send(client, client.build_request("GET", "/v1/thing"))
        assert answer.json() == {"ok": True}
        assert len(seen) == 2 and seen[0] != seen[1]


def seed_auto_acknowledge(session: Session) -> None:
    """Report IT: litter goes straight to the team (no officer, so no token but the services' own)."""
    seed_categories(session)
    session.add(
        RoutingRule(
            position=1,
            name="Litter straight to the team",
            category_code="litter",
            decision=RoutingDecision.acknowledge.value,
            updated_by="test",
        )
    )


def seed_a_worker_everywhere(session: Session) -> None:
    """Footprints: a street-cleansing worker in every footprint, so each case is allocated (an event back)."""
    load_illustrative(session)
    session.flush()
    for footprint in session.exec(select(Footprint)).all():
        team = Team(name=f"Team {footprint.code}", footprint_code=footprint.code)
        session.add(team)
        session.flush()
        session.add(
            Worker(
                subject=f"worker.{footprint.code}",
                display_name="Worker",
                team_id=team.id,
                skills=["street_cleansing"],
                home_lat=53.545,
                home_long=-2.632,
            )
        )


def test_case_syncs_and_case_events_carry_granted_tokens_across_their_expiry(database_factory, tmp_path) -> None:
    """The fault this replaces: a fixed token from a Secret expired, and every delivery then failed with 401. Here
    tokens last 3 s and both services take no token but the provider's: reports sent 3.5 s apart still become
    cases in Footprints (Report IT's token) and come back allocated (Footprints' token)."""
    with identity_provider(client_credentials_ttl=3) as provider:
        places_db = seeded(database_factory("cc_footprints"), migrate_footprints, seed_a_worker_everywhere)
        reports_db = seeded(database_factory("cc_report_it"), migrate_report_it, seed_auto_acknowledge)
        provider_only = AuthSettings(issuer=provider.issuer, audience=AUDIENCE)
        footprints_port, report_it_port = free_port(), free_port()

        def identity(client_id: str) -> ServiceIdentity:
            return ServiceIdentity(client_id=client_id, client_secret=SecretStr(provider.secrets[client_id]))

        footprints = footprints_app(
            FootprintsSettings(
                database_url=places_db,
                environment="test",
                auth=provider_only,
                report_it_url=f"http://127.0.0.1:{report_it_port}",
                identity=identity("footprints"),
                outbox_poll_s=0.2,
            )
        )
        report_it = report_it_app(
            ReportItSettings(
                database_url=reports_db,
                environment="test",
                auth=provider_only,
                footprints_url=f"http://127.0.0.1:{footprints_port}",
                photo_dir=tmp_path / "photos",
                delivery_poll_seconds=0.2,
                identity=identity("report-it"),
            )
        )
        with (
            serve(footprints, port=footprints_port),
            serve(report_it, port=report_it_port) as base,
            httpx.Client(base_url=base, timeout=30) as api,
        ):
            for n in range(3):
                where = {"lat": 53.545 + n * 0.001, "long": -2.632}
                made = api.post("/v1/reports", json={"category": "litter", "location": where})
                assert made.status_code == 201, made.text
                tracking = made.json()["id"]

                def allocated(report_id: str = tracking) -> bool:
                    return api.get(f"/v1/reports/{report_id}").json()["status"] == "allocated"

                wait_until(allocated, timeout=15)
                time.sleep(3.5)  # this round's tokens have run out before the next round


def test_a_service_with_no_identity_at_all_fails_its_calls_clearly_not_with_a_crash() -> None:
    token = OutboundToken(AuthSettings(issuer="https://login.example"), service="report-it", configured=None)
    with service_http_client("http://127.0.0.1:9", token=token) as client, pytest.raises(RemoteError) as refused:
        send(client, client.build_request("GET", "/v1/anything"))
    assert refused.value.retryable and "IDENTITY__CLIENT_ID" in str(refused.value)
