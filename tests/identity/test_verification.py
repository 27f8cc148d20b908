"""Services trust tokens from the council's provider: found by discovery, keys cached and followed as they rotate."""

from __future__ import annotations

import time

import httpx
import jwt
import pytest

from deal_shared.auth import AuthSettings, Role, TokenVerifier
from deal_shared.devtoken import mint_token
from deal_shared.errors import Unauthenticated
from deal_shared.oidc_keys import JwksCache
from tests.support.identity_provider import AUDIENCE, IdentityProvider, identity_provider, signing_key


def verifier_for(provider: IdentityProvider, **settings) -> TokenVerifier:
    return TokenVerifier(AuthSettings(issuer=provider.issuer, audience=AUDIENCE, **settings))


def test_a_service_token_from_the_provider_is_verified_by_discovery(provider: IdentityProvider) -> None:
    principal = verifier_for(provider).verify(provider.service_token("footprints"))

    assert principal.subject == "footprints"
    assert principal.roles == {Role.service}


def test_roles_come_from_the_configured_claim(provider: IdentityProvider) -> None:
    token = provider.service_token("report-it")

    assert verifier_for(provider, roles_claim="groups").verify(token).roles == frozenset()


def test_a_token_for_another_audience_is_refused(provider: IdentityProvider) -> None:
    with pytest.raises(Unauthenticated, match="not meant for this API"):
        TokenVerifier(AuthSettings(issuer=provider.issuer, audience="api://elsewhere")).verify(
            provider.service_token("report-it")
        )


def test_a_token_from_another_issuer_is_refused(provider: IdentityProvider) -> None:
    with identity_provider() as other, pytest.raises(Unauthenticated, match=r"not publish|not valid"):
        verifier_for(provider).verify(other.service_token("report-it"))


def test_an_expired_token_is_refused() -> None:
    with identity_provider(client_credentials_ttl=1) as short:
        token = short.service_token("volunteering")
        verifier = verifier_for(short, leeway_seconds=0)
        assert verifier.verify(token).subject == "volunteering"
        time.sleep(2.1)
        with pytest.raises(Unauthenticated, match="expired"):
            verifier.verify(token)


def test_the_verifier_follows_a_key_rotation_without_restarting() -> None:
    with identity_provider() as rotating:
        verifier = verifier_for(rotating, jwks_min_refresh_seconds=0)
        old_key = rotating.keys[0]
        assert verifier.verify(rotating.service_token("report-it")).subject == "report-it"

        # The provider publishes a new key beside the old one and signs with the new one.
        rotating.restart(keys=[signing_key("k2"), old_key])
        token = rotating.service_token("report-it")
        assert jwt.get_unverified_header(token)["kid"] == "k2"

        assert verifier.verify(token).subject == "report-it"


def test_keys_already_fetched_keep_working_while_the_provider_is_down() -> None:
    with identity_provider() as flaky:
        verifier = verifier_for(flaky, jwks_max_age_seconds=0)
        token = flaky.service_token("footprints")
        verifier.verify(token)
        flaky.stop()

        assert verifier.verify(token).subject == "footprints"
        flaky.start()


def test_made_up_key_ids_do_not_make_every_request_fetch_the_keys(provider: IdentityProvider) -> None:
    seen: list[str] = []
    http = httpx.Client(event_hooks={"request": [lambda request: seen.append(str(request.url))]})

    verifier = TokenVerifier(
        AuthSettings(issuer=provider.issuer, audience=AUDIENCE),
        jwks=JwksCache(issuer=provider.issuer, http=http, min_refresh_seconds=60),
    )
    verifier.verify(provider.service_token("footprints"))
    forged = jwt.encode(
        {"sub": "x", "iss": provider.issuer, "aud": AUDIENCE, "exp": time.time() + 60},
        jwt.PyJWK(signing_key("forged")).key,
        algorithm="ES256",
        headers={"kid": "forged"},
    )
    for _ in range(5):
        with pytest.raises(Unauthenticated, match="does not publish"):
            verifier.verify(forged)

    assert len(seen) == 2  # discovery and one JWKS fetch


def test_development_tokens_stay_accepted_beside_the_provider_in_dev_mode(provider: IdentityProvider, dev_key) -> None:
    verifier = verifier_for(provider, dev_mode=True, dev_key_path=dev_key)

    assert verifier.verify(mint_token(dev_key, subject="officer.one", roles=["staff"])).roles == {Role.staff}
    assert verifier.verify(provider.service_token("footprints")).roles == {Role.service}


def test_development_tokens_are_refused_without_dev_mode(provider: IdentityProvider, dev_key) -> None:
    with pytest.raises(Unauthenticated):
        verifier_for(provider).verify(mint_token(dev_key, subject="officer.one", roles=["staff"]))
