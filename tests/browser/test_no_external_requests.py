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
    loaded: set[str] = set()
    ours = urlsplit(base_url).netloc
    # A fetch of our own that the next page cancels because it loaded quickly (net::ERR_ABORTED:
    # a favicon, a script still in flight) is not a failure; anything else is.
    page.context.on("requestfailed", lambda request: None if (
        urlsplit(request.url).netloc == ours and "ERR_ABORTED" in (request.failure or "")
    ) else failed.append(f"{request.url} {request.failure}"))
    page.context.on("requestfinished", lambda request: loaded.add(urlsplit(request.url).path))
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

    hosts = {urlsplit(url).netloc for url in requests}
    assert hosts == {ours}, f"requests to other hosts: {[u for u in requests if urlsplit(u).netloc != ours]}"
    assert {urlsplit(url).scheme for url in requests} == {"http"}
    # The page really did load its own CSS and JavaScript (so the check above means something).
    assert {"/static/govuk/portal.css", "/static/portal.js", "/static/govuk/govuk-frontend.min.js"} <= loaded
    assert not failed, f"requests that failed: {failed}"
    assert not bad_responses, bad_responses
    # No script error, and the Content-Security-Policy blocks nothing the pages use (a block is
    # reported as a console error).
    assert not console_errors, console_errors
