"""The council's identity provider, really running (oidc-provider under Node), for the identity tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.identity_provider import IdentityProvider, identity_provider


@pytest.fixture(scope="module")
def provider() -> Iterator[IdentityProvider]:
    with identity_provider() as running:
        yield running
