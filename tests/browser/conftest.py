"""Browser tests: a live portal served in-process and Debian's Chromium driven by Playwright.

See the recipe at shared/recipes/browser-and-accessibility.md. Never run ``playwright install``:
the browser is the system one (``/usr/bin/chromium``, or ``CHROMIUM_PATH``).

Every test under this folder is marked ``browser``. When Chromium or axe-core is missing the
suite is skipped with the reason, except in CI (``CI=true``), where a missing tool is a failure.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from playwright.sync_api import Page, expect
from werkzeug.serving import make_server

from coprod_portal.testing import DEMO_PASSWORD, build_app

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_22_AA = {"runOnly": {"type": "tag",
                          "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}}

# Roles that must always have an accessible name (parsed from Playwright's ARIA snapshot).
NAMED_ROLES = ("group", "radiogroup", "textbox", "searchbox", "checkbox", "radio", "combobox",
               "listbox", "option", "button", "link", "spinbutton", "slider", "switch", "tab",
               "menuitem", "table", "region", "navigation", "search", "img", "dialog")
_SNAPSHOT_LINE = re.compile(r"^(?P<indent>\s*)- '?(?P<role>[a-z]+)(?P<rest>.*)$")


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def _missing_tools() -> list[str]:
    missing = []
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        missing.append(f"Chromium not found at {CHROMIUM} (apt-get install chromium, or set "
                       "CHROMIUM_PATH; never run `playwright install`)")
    if not AXE_JS.is_file():
        missing.append(f"axe-core not found at {AXE_JS} (run `npm ci`, or `make install-test`)")
    return missing


@pytest.fixture(scope="session", autouse=True)
def _browser_tools_present() -> None:
    """Skip the browser suite when its tools are missing; in CI, fail instead."""
    missing = _missing_tools()
    if missing:
        reason = "browser tests need: " + "; ".join(missing)
        if in_ci():
            pytest.fail(reason + " (CI=true, so this is a failure, not a skip)", pytrace=False)
        pytest.skip(reason)


# --- browser and live server -------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """The portal with the built-in plugins and demo data that ``live_server`` serves.

    It always uses its own SQLite file, even when DATABASE_URL points at PostgreSQL, so the
    browser suite never empties a database that other tests are using.
    """
    folder = tmp_path_factory.mktemp("browser-portal")
    return build_app(folder, config={"DATABASE_URL": f"sqlite:///{folder / 'portal.db'}"})


@pytest.fixture(scope="session")
def live_server(live_app: Flask) -> Iterator[str]:
    """``live_app`` on 127.0.0.1 at a free port."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-portal", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def base_url(live_server: str) -> str:
    """pytest-playwright resolves ``page.goto("/path")`` against this."""
    return live_server


@pytest.fixture(scope="session")
def axe() -> Axe:
    return Axe.from_file(AXE_JS)


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "locale": "en-GB"}


# --- helpers, given to tests as fixtures ----------------------------------------------------
#
# Test modules cannot import this conftest by name (tests/ is not a package and the name
# "conftest" is shared with tests/conftest.py), so each helper is a fixture returning a function.


def _sign_in(page: Page, email: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the real form, as a person would, and wait for the home page."""
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello, ")


def snapshot_nodes(snapshot: str) -> list[tuple[str, str | None, str]]:
    """(role, name or None, line) for each node of a Playwright ARIA snapshot."""
    nodes = []
    for line in snapshot.splitlines():
        match = _SNAPSHOT_LINE.match(line)
        if not match:
            continue
        rest = match["rest"].lstrip()
        name = None
        if rest.startswith('"'):
            quoted = re.match(r'"((?:[^"\\]|\\.)*)"', rest)
            name = quoted.group(1) if quoted else rest
        elif rest.startswith("/"):
            name = rest  # a regular expression stands for a name
        nodes.append((match["role"], name, line.strip()))
    return nodes


def _assert_controls_named(page: Page, scope: str = "main") -> list[tuple[str, str | None, str]]:
    """Every control and group in ``scope`` has a non-empty accessible name.

    axe misses some of these (a fieldset with no legend, for one), so the ARIA tree that a
    screen reader would get is checked too. Returns the parsed nodes for further asserts.
    """
    snapshot = page.locator(scope).aria_snapshot()
    nodes = snapshot_nodes(snapshot)
    unnamed = [line for role, name, line in nodes
               if role in NAMED_ROLES and not (name or "").strip()]
    # A <details> is an unnamed group in Chromium; its <summary> is what is announced. Those
    # groups are fine, any other unnamed group (a fieldset with no legend) is not.
    details = page.locator(scope).locator("details:not([aria-label]):not([aria-labelledby])")
    if len([line for line in unnamed if line.startswith("- group")]) == details.filter(
            visible=True).count():
        unnamed = [line for line in unnamed if not line.startswith("- group")]
    assert not unnamed, f"unnamed controls in {scope} on {page.url}: {unnamed}\n{snapshot}"
    return nodes


@pytest.fixture(scope="session")
def sign_in() -> Any:
    """``sign_in(page, "admin@example.org")``: through the real sign-in form."""
    return _sign_in


@pytest.fixture
def assert_no_axe_violations(axe: Axe) -> Any:
    """``assert_no_axe_violations(page)``: axe-core 4.14.1, WCAG 2.0/2.1 A+AA and 2.2 AA rules."""

    def check(page: Page) -> None:
        results = axe.run(page, options=WCAG_22_AA)
        assert results.violations_count == 0, f"axe on {page.url}:\n{results.generate_report()}"

    return check


@pytest.fixture(scope="session")
def assert_controls_named() -> Any:
    """``assert_controls_named(page, scope="main")``: no unnamed control or group in scope."""
    return _assert_controls_named


@pytest.fixture
def check_page(assert_no_axe_violations: Any) -> Any:
    """``check_page(page)``: both checks every page gets; returns the ARIA nodes of ``main``."""

    def check(page: Page) -> list[tuple[str, str | None, str]]:
        assert_no_axe_violations(page)
        return _assert_controls_named(page)

    return check
