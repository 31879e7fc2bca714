"""Single sign-on end to end in Chromium: the sign-in page's button, the real OpenID Provider's
own login and consent pages (``oidc-provider``, on loopback), back to the portal signed in with
the mapped role, then sign-out at the portal and at the provider. The portal's pages on the way
have no accessibility problems."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from oidc_provider import portal_settings, running_provider
from playwright.sync_api import Page, expect
from sqlmodel import Session
from werkzeug.serving import make_server

from coprod_portal import accounts
from coprod_portal.testing import DEMO_PASSWORD, build_app

# Under pytest -n these tests stay on one worker: they share the servers (or crawls) their
# module-wide fixtures start, which would otherwise start again on every worker.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("sso-journey")]


@pytest.fixture(scope="module")
def sso_portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Flask]]:
    """A portal set up for single sign-on, served on a free port, and its provider; the server
    starts first so the provider can be told the portal's callback address."""
    folder = tmp_path_factory.mktemp("sso-portal")
    served: dict[str, Flask] = {}

    def portal(environ: dict[str, Any], start_response: Any) -> Any:
        return served["app"](environ, start_response)

    server = make_server("127.0.0.1", 0, portal, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    with running_provider(folder, [f"{base}/sign-in/sso/callback"], [f"{base}/signed-out"]) as provider:
        served["app"] = build_app(folder, config={"DATABASE_URL": f"sqlite:///{folder / 'portal.db'}",
                                                  **portal_settings(provider)})
        thread = threading.Thread(target=server.serve_forever, name="sso-portal", daemon=True)
        thread.start()
        try:
            yield base, served["app"]
        finally:
            server.shutdown()
            thread.join(timeout=5)


def test_staff_sign_in_and_out_through_the_identity_provider(
        page: Page, sso_portal: tuple[str, Flask], check_page: Any) -> None:
    base, app = sso_portal
    page.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/])"), lambda route: route.abort())  # loopback only
    page.goto(f"{base}/sign-in")
    start = page.get_by_role("button", name="Sign in with Example Care ID")
    expect(start).to_be_visible()
    check_page(page)
    start.click()

    # the provider's own pages: any account id signs in there; then consent
    page.locator("input[name=login]").fill("lee")
    page.locator("input[name=password]").fill("any password")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_url(f"{base}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello, Lee Lead")
    with Session(app.extensions["coprod_engine"]) as session:
        lead = accounts.user_by_email(session, "lead@example.org")
        assert lead is not None and "coproduction_lead" in lead.role_names

    page.get_by_role("button", name=re.compile("^Sign out")).click()
    expect(page).to_have_url(re.compile(r"/session/end"))  # the provider asks whether to sign out there
    page.get_by_role("button", name="Yes, sign me out").click()

    expect(page).to_have_url(re.compile(rf"^{re.escape(base)}/signed-out\?"))
    expect(page.get_by_role("heading", level=1)).to_have_text("You are signed out")
    expect(page.locator("main")).to_contain_text("You have signed out of the portal and of Example Care ID")
    check_page(page)
    page.goto(f"{base}/")
    expect(page).to_have_url(re.compile(r"/sign-in"))


def test_a_refused_sign_in_is_an_accessible_page_in_the_shell(
        page: Page, sso_portal: tuple[str, Flask], check_page: Any) -> None:
    base, _app = sso_portal
    page.goto(f"{base}/sign-in/sso/callback?code=made-up&state=made-up")
    expect(page.get_by_role("heading", level=1)).to_have_text("This sign-in did not start here")
    expect(page.get_by_role("link", name="Go to the sign-in page")).to_be_visible()
    check_page(page)


@pytest.fixture(scope="module")
def portal_without_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Local sign-in off but for the break-glass administrator, and the provider gone."""
    folder = tmp_path_factory.mktemp("sso-down")
    with running_provider(folder, ["http://127.0.0.1/unused"], ["http://127.0.0.1/unused"]) as gone:
        settings = portal_settings(gone)
    app = build_app(folder, config={"DATABASE_URL": f"sqlite:///{folder / 'portal.db'}", **settings,
                                    "LOCAL_SIGN_IN": False, "BREAK_GLASS_EMAIL": "admin@example.org"})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="sso-down-portal", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def test_with_the_provider_down_the_break_glass_administrator_still_signs_in(
        page: Page, portal_without_provider: str, check_page: Any) -> None:
    base = portal_without_provider
    page.goto(f"{base}/sign-in")
    page.get_by_role("button", name="Sign in with Example Care ID").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Sorry, we cannot reach Example Care ID at the moment")
    check_page(page)
    page.get_by_role("link", name="Go to the sign-in page").click()
    expect(page.get_by_label("Email address")).to_be_hidden()  # inside the closed emergency section
    check_page(page)
    page.get_by_text("Emergency administrator sign-in").click()
    page.get_by_label("Email address").fill("admin@example.org")
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello, Alex Admin")
