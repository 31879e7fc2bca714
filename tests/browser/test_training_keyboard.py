"""Keyboard only: a member of staff, signed in on the intranet (no LMS), completes a training
module without a mouse — opens a lesson, reads it, answers the check with the arrow keys, sees
the result and the certificate. On every page the skip link is the first stop, focus moves in
reading order, every stop shows its focus, and Tab leaves the page in the end (no trap)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from browser.test_keyboard import FOCUSED, skip_to_main, tab_walk
from training.content import PACKAGED

pytestmark = pytest.mark.browser

MODULE = next(m for m in PACKAGED if m["key"] == "coproduction")
MAX_STOPS = 60

# GOV.UK radios hide the input and draw the ring on its label's ::before.
RADIO_RING = """() => {
  const el = document.activeElement;
  const label = el && el.labels && el.labels[0];
  return label ? getComputedStyle(label, '::before').boxShadow : 'none';
}"""


def _shows_focus(page: Page, stop: dict[str, Any]) -> bool:
    if stop["tag"] == "input" and stop["type"] == "radio":
        return page.evaluate(RADIO_RING) not in ("none", "")
    return bool(stop["outline"] or stop["shadow"])


def _text(stop: dict[str, Any]) -> str:
    return " ".join(stop["text"].split())


def tab_to(page: Page, text: str) -> list[str]:
    """Tab forward until the control named ``text`` has focus; each stop on the way must be
    visible and show its focus. Returns the names of the stops, in order."""
    stops: list[str] = []
    for _ in range(MAX_STOPS):
        page.keyboard.press("Tab")
        here = page.evaluate(FOCUSED)
        assert here is not None, f"focus left the page before {text!r}: {stops}"
        assert here["visible"] and _shows_focus(page, here), f"focus not shown on {here}"
        stops.append(_text(here))
        if stops[-1] == text:
            return stops
    raise AssertionError(f"{text!r} not reached in {MAX_STOPS} Tabs: {stops}")


def assert_sound_tab_order(page: Page) -> list[str]:
    """From the top: skip link first, every stop visible with its focus shown, no trap."""
    stops, ending = tab_walk(page)
    texts = [_text(s) for s in stops]
    assert texts[0] == "Skip to main content", texts
    # A radio's ring is on its label (checked in tab_to, which stops at each question's radios).
    unseen = [s for s in stops if s["type"] != "radio" and not (s["outline"] or s["shadow"])]
    assert not unseen, f"stops without visible focus on {page.url}: {unseen}"
    assert all(s["visible"] for s in stops), [s for s in stops if not s["visible"]]
    assert ending in {"left the page", "cycled to the start"}
    return texts


def test_staff_member_completes_a_module_with_the_keyboard_alone(page: Page, sign_in: Any) -> None:
    sign_in(page, "staff@example.org")
    page.goto("/training/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Training")
    assert_sound_tab_order(page)

    # Training → the module, from its title in the list.
    page.goto("/training/")
    skip_to_main(page)
    tab_to(page, MODULE["title"])
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(MODULE["title"])
    walk = assert_sound_tab_order(page)
    lesson_titles = [lesson["title"] for lesson in MODULE["lessons"]]
    assert [t for t in walk if t in lesson_titles] == lesson_titles  # lessons in reading order

    # The module page → the first lesson; each lesson is marked done with its button.
    page.reload()
    skip_to_main(page)
    tab_to(page, lesson_titles[0])
    page.keyboard.press("Enter")
    for position, title in enumerate(lesson_titles, start=1):
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        skip_to_main(page)
        last = position == len(lesson_titles)
        tab_to(page, f"Mark as done and go to the {'check' if last else 'next lesson'}")
        page.keyboard.press("Enter")

    # The check: Tab reaches each question's radios in order; arrows choose the answer.
    expect(page.get_by_role("heading", level=1)).to_have_text("Check what you learned")
    walk = assert_sound_tab_order(page)
    first_options = [q["options"][0]["text"] for q in MODULE["quiz"]]
    assert [t for t in walk if t in first_options] == first_options, walk
    assert walk.index(first_options[-1]) < walk.index("Check my answers")
    page.reload()
    skip_to_main(page)
    for question in MODULE["quiz"]:
        tab_to(page, question["options"][0]["text"])
        page.keyboard.press("Space")
        for _ in range([o["key"] for o in question["options"]].index(question["answer"])):
            page.keyboard.press("ArrowDown")
        right = next(o["text"] for o in question["options"] if o["key"] == question["answer"])
        expect(
            page.get_by_role("group", name=question["question"]).get_by_label(right, exact=True)
        ).to_be_checked()
    tab_to(page, "Check my answers")
    page.keyboard.press("Enter")

    # The result, then the certificate.
    expect(page.get_by_role("heading", level=1)).to_have_text("You passed")
    skip_to_main(page)
    tab_to(page, "See your certificate")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sasha Staff")
    expect(page.locator("main")).to_contain_text(f"completed the module {MODULE['title']}")
    assert_sound_tab_order(page)
