"""Keyboard only, for the main tasks: record an involvement (a co-production lead), and contribute
then withdraw a lived-experience contribution (a member of staff). At every Tab stop focus must be
visible; the skip link comes first; the form's fields come in reading order; focus never gets stuck.
(Signing in by keyboard is in test_keyboard.py.)"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from .test_keyboard import FOCUSED, skip_to_main

pytestmark = pytest.mark.browser

MAX_STOPS = 80  # more Tabs than any page has before the control wanted: focus is stuck


def is_focused(locator: Locator) -> bool:
    return bool(locator.evaluate(
        "el => el === document.activeElement || el.contains(document.activeElement)"))


def tab_to(page: Page, target: Locator, stops: list[dict[str, Any]], key: str = "Tab") -> None:
    """Press Tab until ``target`` has focus, recording each stop and checking its focus is visible."""
    for _ in range(MAX_STOPS):
        page.keyboard.press(key)
        here = page.evaluate(FOCUSED)
        if here is not None:
            assert here["outline"] or here["shadow"], f"no visible focus on {here} at {page.url}"
            assert here["visible"], f"focus on something not visible: {here}"
            stops.append(here)
        if is_focused(target):
            return
    raise AssertionError(f"{MAX_STOPS} Tabs did not reach {target} on {page.url} (trapped?): "
                         f"{[s['text'] for s in stops[-6:]]}")


def choose(page: Page, group: Locator, option: str, stops: list[dict[str, Any]]) -> None:
    """Tab into a radio group (focus lands on its checked radio, or the first), then arrow to ``option``."""
    tab_to(page, group, stops)
    wanted = group.get_by_label(option, exact=True)
    for _ in range(group.get_by_role("radio").count()):
        if is_focused(wanted):
            break
        page.keyboard.press("ArrowDown")
    expect(wanted).to_be_focused()
    if not wanted.is_checked():  # Tab alone focuses the first radio without choosing it
        page.keyboard.press("Space")
    expect(wanted).to_be_checked()
    stops.append(page.evaluate(FOCUSED))


def in_reading_order(page: Page, stops: list[dict[str, Any]], labels: list[str]) -> None:
    """The named fields were reached in this order (other stops may come between)."""
    texts = [" ".join(s["text"].split()) for s in stops]
    rest = iter(texts)
    assert all(any(label in text for text in rest) for label in labels), texts


def test_record_an_involvement_with_the_keyboard_only(page: Page, sign_in: Any) -> None:
    sign_in(page, "lead@example.org")
    page.goto("/network/")
    page.get_by_role("link", name="Maya Williams").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Maya Williams")
    skip_to_main(page)
    stops: list[dict[str, Any]] = []
    tab_to(page, page.get_by_role("link", name="Record involvement"), stops)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Record involvement")

    skip_to_main(page)
    stops = []
    tab_to(page, page.get_by_label("Role"), stops)
    page.keyboard.type("Writer")  # a focused select picks the option whose name is typed
    expect(page.get_by_label("Role")).to_have_value("writer")
    for part, value in (("Day", "6"), ("Month", "2"), ("Year", "2031")):
        tab_to(page, page.get_by_label(part).first, stops)
        page.keyboard.type(value)
    tab_to(page, page.get_by_label("Hours of involvement"), stops)
    page.keyboard.type("2")
    choose(page, page.get_by_role("group").filter(has=page.get_by_label("In person")).last, "In person",
           stops)
    save = page.get_by_role("button", name="Save involvement")
    tab_to(page, save, stops)
    in_reading_order(page, stops, ["Role", "Day", "Month", "Year", "Hours", "In person",
                                   "Save involvement"])
    page.keyboard.press("Enter")
    expect(page.get_by_text("The involvement was recorded.")).to_be_visible()

    # past the form, focus leaves the page: no trap
    stops = []
    tab_to(page, page.locator("footer a").last, stops)


def test_contribute_and_withdraw_lived_experience_with_the_keyboard_only(page: Page, sign_in: Any) -> None:
    sign_in(page, "staff@example.org")
    page.goto("/lived_experience/")
    skip_to_main(page)
    stops: list[dict[str, Any]] = []
    tab_to(page, page.get_by_role("link", name="Write a contribution"), stops)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Write a contribution")

    skip_to_main(page)
    stops = []
    tab_to(page, page.get_by_label("Your experience"), stops)
    page.keyboard.type("Waiting rooms were loud, and nobody said how long it would be.")
    distress = page.get_by_role("group", name="Does it touch on subjects some people may find distressing?")
    choose(page, distress, "No", stops)
    tab_to(page, page.get_by_label("Your pseudonym"), stops)
    page.keyboard.type("Keyboard Wren")
    readers = page.get_by_role("group").filter(
        has=page.get_by_label("The co-production team, under a pseudonym")).last
    choose(page, readers, "The co-production team, under a pseudonym", stops)
    consent = page.get_by_label("I agree to what is written above for the option I chose")
    tab_to(page, consent, stops)
    page.keyboard.press("Space")
    send = page.get_by_role("button", name="Send my contribution")
    tab_to(page, send, stops)
    in_reading_order(page, stops, ["Your experience", "No", "Your pseudonym", "I agree",
                                   "Send my contribution"])
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Thank you for sharing")).to_be_visible()

    stops = []
    tab_to(page, page.get_by_role("link", name="your contribution's page"), stops)
    page.keyboard.press("Enter")
    withdraw = page.get_by_role("button", name="Withdraw this contribution")
    expect(withdraw).to_be_visible()
    tab_to(page, withdraw, stops)
    page.keyboard.press("Enter")
    expect(page.get_by_text("Your contribution was withdrawn.")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Keyboard Wren"))).to_contain_text("Withdrawn")
