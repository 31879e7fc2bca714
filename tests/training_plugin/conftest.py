"""Fixtures: the portal with the training plugin, and a real test platform on loopback."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from .platform import TestPlatform


@pytest.fixture
def app(make_app):
    return make_app(plugins=["training"])


@pytest.fixture
def platform(app):
    test_platform = registered_platform(app)
    yield test_platform
    test_platform.stop()


def registered_platform(app: Any, **options: Any) -> TestPlatform:
    """A test platform registered with the portal (``lti register``), which checks the tool's
    signatures with the key set the portal publishes for that registration alone."""
    client = app.test_client()
    test_platform = TestPlatform(**options)
    result = test_platform.register(app.test_cli_runner())
    assert result.exit_code == 0, result.output
    platform_id = result.output.split("(", 1)[1].split(")", 1)[0]
    test_platform.platform_id = platform_id
    test_platform.tool_jwks_path = f"/training/lti/platforms/{platform_id}/jwks"
    test_platform.tool_jwks = lambda: client.get(test_platform.tool_jwks_path).get_json()
    return test_platform


def start_login(client: Any, platform: TestPlatform) -> tuple[str, str]:
    """OIDC login initiation; returns (state, nonce) from the redirect to the platform."""
    response = client.get(
        "/training/lti/login",
        query_string={
            "iss": platform.issuer,
            "login_hint": "hint",
            "client_id": platform.client_id,
            "target_link_uri": "http://localhost/training/modules/benefits",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    query = parse_qs(urlparse(response.headers["Location"]).query)
    return query["state"][0], query["nonce"][0]


def launch(client: Any, platform: TestPlatform, **token: Any) -> Any:
    state, nonce = start_login(client, platform)
    return client.post(
        "/training/lti/launch",
        data={"state": state, "id_token": platform.id_token(token.pop("nonce", nonce), **token)},
    )
