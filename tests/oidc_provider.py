"""A real OpenID Provider for the single sign-on tests: ``tests/oidc/provider.mjs`` (the npm
package ``oidc-provider``) run by Node on 127.0.0.1, configured by the test.

The test owns the provider's signing key (it generates it and hands it over), so it can also
sign tokens the real provider would never issue, to check that the portal refuses them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import RSAKey

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tests" / "oidc" / "provider.mjs"
CLIENT_ID = "coprod-portal"
CLIENT_SECRET = "a client secret known only to the test provider and the portal"

ACCOUNTS: dict[str, dict[str, Any]] = {
    # an existing demo account, in the leads group
    "lee": {"email": "Lead@Example.org", "email_verified": True, "name": "Lee Lead",
            "groups": ["portal-leads", "everyone"]},
    # an existing demo account, in no mapped group
    "sam": {"email": "staff@example.org", "email_verified": True, "name": "Sam Staff",
            "groups": ["everyone"]},
    # another person at the provider who was given the same email address
    "sam-twin": {"email": "staff@example.org", "email_verified": True, "name": "Sam Twin",
                 "groups": []},
    # someone the portal has never seen
    "nia": {"email": "nia.new@example.org", "email_verified": True, "name": "Nia New",
            "groups": ["portal-admins"]},
    "una": {"email": "staff@example.org", "email_verified": False, "name": "Una Unverified",
            "groups": []},
}


def new_key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"})


@dataclass
class RunningProvider:
    """A running provider: where it is, and the key it signs with."""

    issuer: str
    port: int
    key: RSAKey
    process: subprocess.Popen[str]
    settings: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    @contextmanager
    def changed_account(self, account: str, **claims: Any) -> Iterator[None]:
        """The provider's administrator changes someone (their groups, say), then changes back."""
        assert self.path is not None
        before = dict(self.settings["accounts"][account])
        try:
            self._write_account(account, {**before, **claims})
            yield
        finally:
            self._write_account(account, before)

    def _write_account(self, account: str, claims: dict[str, Any]) -> None:
        assert self.path is not None
        self.settings["accounts"] = {**self.settings["accounts"], account: claims}
        draft = self.path.with_suffix(".draft")
        draft.write_text(json.dumps(self.settings))
        draft.replace(self.path)  # never half a file for the provider to read

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def sign(self, claims: dict[str, Any], header: dict[str, Any] | None = None,
             key: Any = None) -> str:
        """An ID token signed by the test itself (with the provider's own key unless told)."""
        return jwt.encode({"alg": "RS256", "kid": self.key.kid, **(header or {})}, claims,
                          key or self.key, algorithms=["RS256", "HS256", "none"])


def node() -> str:
    found = shutil.which("node")
    if not found or not (ROOT / "node_modules" / "oidc-provider").is_dir():
        pytest.fail("the single sign-on tests need Node and `npm ci` (oidc-provider)", pytrace=False)
    return found


def start_provider(folder: Path, redirect_uris: list[str], post_logout_redirect_uris: list[str],
                   *, port: int = 0, issuer_host: str = "127.0.0.1", key: RSAKey | None = None,
                   accounts: dict[str, dict[str, Any]] | None = None) -> RunningProvider:
    """Start the provider and wait until it says where it listens."""
    key = key or new_key("first-key")
    settings = {
        "port": port, "issuer_host": issuer_host,
        "jwks": {"keys": [key.as_dict(private=True)]},
        "clients": [{"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                     "redirect_uris": redirect_uris,
                     "post_logout_redirect_uris": post_logout_redirect_uris}],
        "accounts": dict(accounts if accounts is not None else ACCOUNTS),
    }
    path = folder / f"provider-{time.monotonic_ns()}.json"
    path.write_text(json.dumps(settings))
    process = subprocess.Popen([node(), str(SCRIPT), str(path)], cwd=ROOT, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line:
        process.wait(timeout=10)
        pytest.fail(f"the test OpenID Provider did not start (exit {process.returncode})")
    where = json.loads(line)
    return RunningProvider(where["issuer"], where["port"], key, process, settings, path)


@contextmanager
def running_provider(folder: Path, redirect_uris: list[str], post_logout_redirect_uris: list[str],
                     **kwargs: Any) -> Iterator[RunningProvider]:
    provider = start_provider(folder, redirect_uris, post_logout_redirect_uris, **kwargs)
    try:
        yield provider
    finally:
        provider.stop()


def portal_settings(provider: RunningProvider, **extra: Any) -> dict[str, Any]:
    return {"OIDC_ISSUER": provider.issuer, "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET, "OIDC_SCOPES": "openid email profile",
            "OIDC_ROLES_CLAIM": "groups", "OIDC_PROVIDER_NAME": "Example Care ID",
            "OIDC_ROLE_MAP": "portal-leads=coproduction_lead,portal-admins=admin", **extra}


def sign_in_at_provider(authorize_url: str, account: str, redirect_uri: str, *,
                        abort: bool = False) -> str:
    """Act as the person at the provider, through its own login and consent forms; returns the
    address the provider sends the browser back to (the portal's callback, not yet visited)."""
    browser = requests.Session()
    response = browser.get(authorize_url, allow_redirects=False, timeout=10)
    for _ in range(20):
        if response.is_redirect:
            target = urljoin(response.url, response.headers["Location"])
            if target.startswith(redirect_uri):
                return target
            response = browser.get(target, allow_redirects=False, timeout=10)
            continue
        assert response.status_code == 200, response.text[:500]
        if abort:
            response = browser.get(response.url.rstrip("/") + "/abort", allow_redirects=False, timeout=10)
            continue
        prompt = "login" if 'name="login"' in response.text else "consent"
        response = browser.post(response.url, data={"prompt": prompt, "login": account,
                                                    "password": "any"},
                                allow_redirects=False, timeout=10)
    raise AssertionError("the provider never sent the browser back to the portal")
