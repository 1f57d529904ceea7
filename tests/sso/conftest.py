from __future__ import annotations

import pytest
from django.conf import settings as django_settings

from cxq.sso import services
from tests.sso.provider import LocalProvider, run_provider


@pytest.fixture(scope="session")
def op() -> LocalProvider:
    """The real OpenID provider (tests/sso/op.mjs), once for the SSO service tests."""
    with run_provider(django_settings.CXQ_BASE_URL) as provider:
        yield provider


@pytest.fixture
def sso_network(settings):
    """The test provider speaks plain http on loopback: allowed here as an operator would allow it."""
    settings.CXQ_SSO_ALLOW_HTTP = True
    settings.CXQ_SSO_PRIVATE_NETWORKS = ["127.0.0.0/8"]


def configure(provider: LocalProvider, by, **overrides):
    values = {
        "enabled": True,
        "provider_name": "Test IdP",
        "discovery_url": provider.discovery_url,
        "client_id": provider.client_id,
        "client_secret": provider.client_secret,
        "scopes": "openid email profile groups",
        "groups_claim": "groups",
        "jit_create": True,
    }
    return services.sso_settings_update(by=by, **(values | overrides))
