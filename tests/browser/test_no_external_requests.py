"""The portal loads nothing from other hosts: no CDN, font service or analytics, so it works on
an intranet with no internet access and tells no third party who is using it."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_every_request_goes_to_the_portal(page: Page, sign_in, base_url: str) -> None:
    requests: list[str] = []
    failed: list[str] = []
    bad_responses: list[str] = []
    console_errors: list[str] = []
    page.context.on("request", lambda request: requests.append(request.url))
    # A favicon fetch is cancelled when the next page loads quickly (net::ERR_ABORTED): not a failure.
    page.context.on("requestfailed", lambda request: None if (
        request.url.endswith("/favicon.svg") and "ERR_ABORTED" in (request.failure or "")
    ) else failed.append(f"{request.url} {request.failure}"))
    page.context.on("response", lambda response: bad_responses.append(f"{response.status} {response.url}")
                    if response.status >= 400 else None)
    page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: console_errors.append(str(exc)))

    sign_in(page, "lead@example.org")
    nav = page.get_by_role("navigation", name="Main")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Lee Lead")

    nav.get_by_role("link", name="Projects").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Projects")

    page.get_by_role("link", name="Redesign of the carers' assessment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Redesign of the carers' assessment")

    page.goto("/sign-in")  # signed in already: straight back home
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Lee Lead")
    page.get_by_role("button", name="Sign out (Lee Lead)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")

    sign_in(page, "admin@example.org")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
    page.get_by_role("link", name="Plugins", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Plugins")
    page.wait_for_load_state("networkidle")

    ours = urlsplit(base_url).netloc
    hosts = {urlsplit(url).netloc for url in requests}
    assert hosts == {ours}, f"requests to other hosts: {[u for u in requests if urlsplit(u).netloc != ours]}"
    assert {urlsplit(url).scheme for url in requests} == {"http"}
    # The page really did load its own CSS and JavaScript (so the check above means something).
    paths = {urlsplit(url).path for url in requests}
    assert {"/static/govuk/portal.css", "/static/portal.js", "/static/govuk/govuk-frontend.min.js"} <= paths
    assert not failed, f"requests that failed: {failed}"
    assert not bad_responses, bad_responses
    # No script error, and the Content-Security-Policy blocks nothing the pages use (a block is
    # reported as a console error).
    assert not console_errors, console_errors
