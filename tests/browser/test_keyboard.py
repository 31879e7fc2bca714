"""Keyboard only: the sign-in page's Tab order, skip link, visible focus, no trap, and signing in
without a mouse."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from coprod_portal.testing import DEMO_PASSWORD

pytestmark = pytest.mark.browser

MAX_TAB_STOPS = 40  # far more than the sign-in page has: a bigger count means focus is stuck

# What has focus, and whether it shows it. A focus indicator counts when the computed outline
# is drawn in a colour that is not transparent, or when there is a box-shadow (GOV.UK links
# and buttons use a yellow background with a box-shadow and a transparent outline).
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const s = getComputedStyle(el);
  const transparent = c => c === 'transparent' || /rgba\\([^)]*,\\s*0\\)$/.test(c);
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0
                  && !transparent(s.outlineColor);
  const shadow = s.boxShadow !== 'none' && s.boxShadow !== '';
  const box = el.getBoundingClientRect();
  const label = el.labels && el.labels.length ? el.labels[0].innerText : '';
  return {
    tag: el.tagName.toLowerCase(), id: el.id || '', type: el.getAttribute('type') || '',
    text: (el.getAttribute('aria-label') || label || el.innerText || el.value || '').trim(),
    outline: outline, shadow: shadow,
    style: `outline: ${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}; box-shadow: ${s.boxShadow}`,
    visible: box.width > 0 && box.height > 0,
  };
}"""


def tab_walk(page: Page) -> tuple[list[dict], str]:
    """Press Tab until focus leaves the page (body) or comes back to the first stop."""
    stops: list[dict] = []
    for _ in range(MAX_TAB_STOPS):
        page.keyboard.press("Tab")
        here = page.evaluate(FOCUSED)
        if here is None:
            return stops, "left the page"
        if stops and (here["tag"], here["id"], here["text"]) == (
                stops[0]["tag"], stops[0]["id"], stops[0]["text"]):
            return stops, "cycled to the start"
        stops.append(here)
    raise AssertionError(f"focus did not leave the page after {MAX_TAB_STOPS} Tabs (keyboard trap?): "
                         f"{[s['text'] for s in stops[-5:]]}")


def skip_to_main(page: Page) -> None:
    """The first Tab stop is the skip link, shown when focused; Enter on it puts focus on main.

    GOV.UK Frontend's script (a module, so it runs after the page is parsed) is what moves the
    focus, and it starts the skip link after the password reveal: a keyboard faster than the
    script only moves the reading point. So wait for the skip link's own "started" mark."""
    page.wait_for_selector("[data-govuk-skip-link-init]", state="attached")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_sign_in_tab_order_skip_link_and_focus_indicators(page: Page) -> None:
    page.goto("/sign-in")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")

    # Skip link first; from main, the next Tab reaches the email field.
    skip_to_main(page)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Email address")).to_be_focused()

    # Now the whole page from the top, one Tab at a time.
    page.goto("/sign-in")
    expect(page.get_by_role("button", name="Show password")).to_be_visible()
    stops, ending = tab_walk(page)
    texts = [s["text"] for s in stops]
    assert texts[0] == "Skip to main content", texts
    without_visible_focus = [s for s in stops if not (s["outline"] or s["shadow"])]
    assert not without_visible_focus, f"no visible focus indicator: {without_visible_focus}"
    hidden = [s for s in stops if not s["visible"]]
    assert not hidden, f"focus went to something that is not visible: {hidden}"
    # Reading order: header, then the form in order, then the footer.
    expected = ["Skip to main content", "Example Care Trust", "Co-production Portal", "Cymraeg",
                "Email address", "Password", "Show password", "Sign in"]
    assert texts[:len(expected)] == expected, texts
    assert [s["type"] for s in stops[4:6]] == ["email", "password"], stops[4:6]
    assert texts[len(expected):] == ["Email me a sign-in link", "Accessibility statement",
                                     "Data protection complaints"], texts
    assert ending in {"left the page", "cycled to the start"}


def test_sign_in_with_keyboard_only(page: Page) -> None:
    page.goto("/sign-in")
    skip_to_main(page)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Email address")).to_be_focused()
    page.keyboard.type("lead@example.org")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password", exact=True)).to_be_focused()
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Lee Lead")
    # The home page (the skip link's #main-content may stay on the address, which is harmless).
    expect(page).to_have_url(re.compile(r"^http://127\.0\.0\.1:\d+/(#main-content)?$"))
    expect(page.locator("main")).to_contain_text("Hello, ")


def test_home_tab_walk_reaches_navigation_and_sign_out_with_visible_focus(page: Page, sign_in) -> None:
    sign_in(page, "admin@example.org")
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Alex Admin")
    stops, _ = tab_walk(page)
    texts = [" ".join(s["text"].split()) for s in stops]
    assert texts[:3] == ["Skip to main content", "Example Care Trust", "Co-production Portal"], texts
    nav = ["Home", "Projects", "Search", "Inbox", "Audit log", "Admin", "Sign out (Alex Admin)"]
    walk = iter(texts[3:])  # plugins may add their own items between the core's
    assert all(any(stop == item for stop in walk) for item in nav), texts
    assert "See all projects" in texts and "Change your password" in texts, texts
    assert texts[-2:] == ["Accessibility statement", "Data protection complaints"], texts
    without_visible_focus = [s for s in stops if not (s["outline"] or s["shadow"])]
    assert not without_visible_focus, f"no visible focus indicator: {without_visible_focus}"
    assert all(s["visible"] for s in stops), [s for s in stops if not s["visible"]]
