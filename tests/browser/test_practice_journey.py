"""A practice example co-written in the browser: the lead writes it and invites a member, the member
adds their words and signs off, the lead publishes it; it shows under its checklist item, on the
public page and in the feed, and leaves all three when the member withdraws consent. Every page on
the way passes axe and names its controls."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.browser

TITLE = "Members chose the new bus timetable's wording"
ITEM_PROJECT = "Day centre menus with members"  # a demo project at the design stage
ATOM = "{http://www.w3.org/2005/Atom}"


def _feed_titles(page: Page) -> list[str | None]:
    response = page.request.get("/practice/public.atom")
    assert response.ok
    return [e.findtext(f"{ATOM}title") for e in ET.fromstring(response.body()).iter(f"{ATOM}entry")]


def _item_page(lead: Page) -> None:
    """The checklist item 'design.presence' of a demo project at the design stage."""
    lead.goto("/checklists/")
    lead.get_by_role("link", name=ITEM_PROJECT).click()
    lead.goto(lead.url.rstrip("/") + "/items/design.presence")


def test_a_lead_and_a_member_co_write_publish_and_withdraw(
    page: Page, browser: Browser, base_url: str, sign_in: Any, check_page: Any
) -> None:
    lead = page
    sign_in(lead, "lead@example.org")
    lead.goto("/practice/")
    lead.get_by_role("link", name="Write a practice example").click()
    check_page(lead)
    lead.get_by_label("Title").fill(TITLE)
    lead.get_by_label("The situation").fill("The timetable used words people did not know.")
    lead.get_by_label("Who was involved").fill("Six people who travel to the day centre by bus.")
    lead.get_by_label("What was done").fill("We read the timetable together and rewrote it.")
    lead.get_by_label("Stage of the work").select_option("design")
    lead.get_by_label("Rung of the ladder of co-production reached").select_option("co_design")
    lead.get_by_label("What changed as a result").fill("Plain words and bigger times.")
    lead.get_by_label("Checklist items this example shows (optional)").fill("design.presence")
    lead.get_by_label("Everyone, on the public page and feed").check()
    lead.get_by_role("button", name="Save").click()
    expect(lead.get_by_role("heading", level=1)).to_have_text(TITLE)
    check_page(lead)
    example_url = lead.url

    lead.goto(example_url + "/co-authors")
    lead.get_by_label("E-mail address of their portal account").fill("member@example.org")
    lead.get_by_role("button", name="Invite as co-author").click()
    expect(lead.get_by_role("heading", level=1)).to_have_text(TITLE)

    member_context = browser.new_context(base_url=base_url, locale="en-GB")
    member = member_context.new_page()
    try:
        sign_in(member, "member@example.org")
        member.goto(example_url.removeprefix(base_url) + "/sign-off")
        check_page(member)
        member.get_by_label("Your part, in your own words").fill("I said the times should be bigger.")
        member.get_by_label(re.compile("I agree to this example being shared")).check()
        member.get_by_role("button", name="Sign off").click()
        expect(member.get_by_text("I said the times should be bigger.")).to_be_visible()

        lead.goto(example_url)
        lead.get_by_role("button", name="Send for review").click()
        lead.goto(example_url + "/review")
        check_page(lead)
        lead.get_by_label("Publish it").check()
        lead.get_by_role("button", name="Send decision").click()

        _item_page(lead)
        expect(lead.get_by_text("See how others did it")).to_be_visible()
        expect(lead.get_by_role("link", name=TITLE)).to_be_visible()
        lead.goto("/practice/public")
        expect(lead.get_by_role("link", name=TITLE)).to_be_visible()
        assert TITLE in _feed_titles(lead)

        member.goto(example_url.removeprefix(base_url))
        member.get_by_role("button", name="Withdraw my consent").click()
        _item_page(lead)
        expect(lead.get_by_role("link", name=TITLE)).to_have_count(0)
        lead.goto("/practice/public")
        expect(lead.get_by_role("link", name=TITLE)).to_have_count(0)
        assert TITLE not in _feed_titles(lead)
    finally:
        member_context.close()
