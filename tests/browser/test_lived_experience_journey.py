"""Lived experience in a real browser, with axe on every page: a demo member of staff contributes
with pseudonymous team visibility, the co-production lead reviews it and uses it as evidence on a
project checklist, the contributor withdraws it and it is gone everywhere; the safeguarding lead sees
a check-in request but not the text. And a draft survives an expired session, for its writer only."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.browser

PSEUDONYM = "Juniper Wren"
TEXT = "At my first appointment the waiting room felt like a test I could fail, so I said nothing."
PROJECT = "Lived experience evidence journey"


@pytest.fixture
def person(browser: Browser, browser_context_args: dict[str, Any], sign_in: Any) -> Iterator[Any]:
    """``person("lead@example.org")``: a signed-in page in its own browser context (own cookies
    and own localStorage), so several people can take turns in one test."""
    contexts = []

    def open_as(email: str) -> Page:
        context = browser.new_context(**browser_context_args)
        contexts.append(context)
        page = context.new_page()
        sign_in(page, email)
        return page

    yield open_as
    for context in contexts:
        context.close()


def test_contribute_review_use_as_evidence_withdraw_and_check_in(person: Any, check_page: Any) -> None:
    # the contributor writes, choosing pseudonymous team visibility
    staff = person("staff@example.org")
    staff.get_by_role("link", name="Your experience").click()
    expect(staff.get_by_role("heading", level=1)).to_have_text("Your experience")
    check_page(staff)
    staff.get_by_role("link", name="Write a contribution").click()
    check_page(staff)
    staff.get_by_label("Your experience").fill(TEXT)
    staff.get_by_label("What could it inform? (optional)").fill("first appointments")
    staff.get_by_role(
        "group", name="Does it touch on subjects some people may find distressing?"
    ).get_by_label("No").check()
    staff.get_by_label("Your pseudonym").fill(PSEUDONYM)
    staff.get_by_label("The co-production team, under a pseudonym").check()
    staff.get_by_role("button", name="Send my contribution").click()
    # consent was not ticked: refused kindly, nothing lost
    expect(staff).to_have_title(re.compile(r"^Error: Write a contribution"))
    expect(staff.locator(".govuk-error-summary")).to_contain_text("Tick the box to agree")
    expect(staff.get_by_label("Your experience")).to_have_value(TEXT)
    check_page(staff)
    staff.get_by_label("I agree to what is written above for the option I chose").check()
    staff.get_by_role("button", name="Send my contribution").click()
    expect(staff.get_by_role("heading", name="Thank you for sharing")).to_be_visible()
    expect(staff.get_by_text("The co-production lead reviews it before it is used")).to_be_visible()
    check_page(staff)
    staff.get_by_role("link", name="your contribution's page").click()
    expect(staff.get_by_text("Waiting for review")).to_be_visible()
    contribution_url = staff.url
    contribution_path = contribution_url.split("127.0.0.1", 1)[1].split("/", 1)[1]
    contribution_path = "/" + contribution_path
    check_page(staff)

    # the co-production lead reviews and accepts it
    lead = person("lead@example.org")
    lead.goto("/lived_experience/")
    lead.get_by_role("link", name="Review contributions others have shared").click()
    expect(lead.get_by_role("heading", level=1)).to_have_text("Review contributions")
    check_page(lead)
    lead.get_by_role("link", name=f"Review the contribution shared by {PSEUDONYM}").click()
    expect(lead.get_by_text(TEXT)).to_be_visible()
    check_page(lead)
    lead.get_by_role("button", name="Save review").click()
    expect(lead).to_have_title(re.compile(r"^Error: Review a contribution"))
    check_page(lead)
    lead.get_by_label("Accept it for co-production work").check()
    lead.get_by_label("A note for the person who shared it").fill(
        "Thank you: this will shape first appointments."
    )
    lead.get_by_role("button", name="Save review").click()
    expect(lead.get_by_text("Saved: accepted.")).to_be_visible()
    check_page(lead)
    reference = lead.get_by_label("Reference to use as evidence").input_value()
    assert re.fullmatch(r"lived_experience:contribution:[0-9a-f]{32}", reference), reference
    lead.get_by_role("button", name="Copy the reference").click()
    expect(lead.get_by_role("status")).not_to_be_empty()

    lead.goto(f"/search?q={PSEUDONYM}")
    expect(lead.locator(f'main a[href="{contribution_path}"]')).to_have_count(1)
    check_page(lead)

    # ... and uses it as evidence on a project checklist
    lead.goto("/projects/new")
    lead.get_by_label("Project title").fill(PROJECT)
    lead.get_by_role("button", name="Save project").click()
    lead.get_by_role("link", name="Open the co-production checklist").click()
    lead.get_by_role("link", name="Answer We have an involvement budget").click()
    lead.get_by_label("Yes, this is done").check()
    lead.get_by_label("Evidence (optional)").fill(reference)
    lead.get_by_role("button", name="Save answer").click()
    evidence = lead.get_by_role("link", name=f"Lived experience shared by {PSEUDONYM}")
    expect(evidence).to_be_visible()
    checklist_url = lead.url.split("#")[0]  # a fragment-only change would not load the page again
    check_page(lead)

    # the contributor sees the lead's note, then withdraws in one step
    staff.goto(contribution_url)
    expect(staff.get_by_text("Thank you: this will shape first appointments.")).to_be_visible()
    expect(staff.get_by_role("cell", name="Lee Lead <lead@example.org>").first).to_be_visible()
    check_page(staff)
    staff.get_by_role("button", name="Withdraw this contribution").click()
    expect(staff.get_by_text("Your contribution was withdrawn.")).to_be_visible()
    expect(staff.get_by_role("row", name=re.compile(PSEUDONYM))).to_contain_text("Withdrawn")
    check_page(staff)

    # gone everywhere: the contribution page, search, the review lists, the checklist evidence
    lead.goto(checklist_url)
    expect(lead.get_by_text("withdrawn by the person who shared it")).to_be_visible()
    expect(lead.get_by_role("link", name=f"Lived experience shared by {PSEUDONYM}")).to_have_count(0)
    check_page(lead)
    lead.goto(contribution_url)
    expect(lead.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(lead.get_by_text(TEXT)).to_have_count(0)
    for query in (PSEUDONYM, "waiting room"):
        lead.goto(f"/search?q={query}")
        expect(lead.get_by_text("There are no results for")).to_be_visible()
        expect(lead.locator(f'main a[href="{contribution_path}"]')).to_have_count(0)
        expect(lead.locator("main")).not_to_contain_text(TEXT)
    check_page(lead)
    for state in ("waiting", "accepted"):
        lead.goto(f"/lived_experience/review?state={state}")
        expect(lead.locator("main")).not_to_contain_text(PSEUDONYM)
    staff.goto(contribution_url)
    expect(staff.get_by_role("heading", level=1)).to_have_text("Page not found")

    # the contributor asks for a wellbeing conversation; the safeguarding lead sees the request only
    staff.goto("/lived_experience/")
    staff.get_by_role("link", name="Ask the safeguarding lead for a conversation").click()
    check_page(staff)
    staff.get_by_label("A video call").check()
    staff.get_by_label("In the next week").check()
    staff.get_by_role("button", name="Ask for a conversation").click()
    expect(staff.get_by_text("Your request was sent to the safeguarding lead.")).to_be_visible()
    safeguarding = person("safeguarding@example.org")
    safeguarding.get_by_role("link", name="See check-in requests").click()
    expect(safeguarding.get_by_role("heading", level=1)).to_have_text("Wellbeing check-in requests")
    row = safeguarding.get_by_role("row", name=re.compile("Sasha Staff.*A video call"))
    expect(row.first).to_be_visible()
    main = safeguarding.locator("main")
    for secret in (PSEUDONYM, "waiting room", "Rowan Heron", "looked after my dad"):
        expect(main).not_to_contain_text(secret)
    check_page(safeguarding)
    safeguarding.goto("/lived_experience/shared")
    expect(safeguarding.locator("main")).not_to_contain_text("Rowan Heron")  # team-only demo contribution


def test_a_draft_survives_an_expired_session_for_its_writer_only(
    person: Any, sign_in: Any, check_page: Any
) -> None:
    staff = person("staff@example.org")
    staff.goto("/lived_experience/new")
    draft = "A draft about the night the crisis team came, not sent yet."
    staff.get_by_label("Your experience").fill(draft)
    staff.get_by_label("What could it inform? (optional)").fill("crisis care")
    # the session expires while they write
    staff.context.clear_cookies()
    staff.get_by_role("button", name="Send my contribution").click()
    expect(staff.get_by_role("heading", level=1)).not_to_have_text("Thank you for sharing")
    # another person signs in on the same browser: the draft is not offered to them
    sign_in(staff, "admin@example.org")
    staff.goto("/lived_experience/")
    if staff.get_by_label(
        "I have read this. I want to take part, and I know I can stop at any time."
    ).count():
        staff.get_by_label(
            "I have read this. I want to take part, and I know I can stop at any time."
        ).check()
        staff.get_by_role("button", name="Take part").click()
    staff.goto("/lived_experience/new")
    expect(staff.get_by_label("Your experience")).to_have_value("")
    expect(staff.get_by_role("region", name="Your draft")).to_be_hidden()
    # the writer signs in again and finds their draft, and it is deleted once sent
    staff.context.clear_cookies()
    sign_in(staff, "staff@example.org")
    staff.goto("/lived_experience/new")
    expect(staff.get_by_label("Your experience")).to_have_value(draft)
    expect(staff.get_by_label("What could it inform? (optional)")).to_have_value("crisis care")
    expect(staff.get_by_role("region", name="Your draft")).to_be_visible()
    check_page(staff)
    staff.get_by_role(
        "group", name="Does it touch on subjects some people may find distressing?"
    ).get_by_label("No").check()
    staff.get_by_label("Your pseudonym").fill("Hazel Finch")
    staff.get_by_label("I agree to what is written above for the option I chose").check()
    staff.get_by_role("button", name="Send my contribution").click()
    expect(staff.get_by_role("heading", name="Thank you for sharing")).to_be_visible()
    staff.wait_for_function(  # the page after a successful send deletes the draft
        "() => !Object.keys(sessionStorage).some((k) => k.startsWith('lived_experience:draft:'))",
        timeout=5000,
    )
    staff.goto("/lived_experience/new")
    expect(staff.get_by_label("Your experience")).to_have_value("")
