"""The checklists plugin's pages in a real browser: axe finds nothing, every control has a name; a
member of staff starts a project and is guided through the start-up section; a network member rates
the rung of a project they took part in."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_staff_start_a_project_and_are_guided_through_the_start_up_section(
    page: Page, sign_in, check_page
) -> None:
    sign_in(page, "staff@example.org")
    page.goto("/projects/new")
    page.get_by_label("Project title").fill("Browser-started listening event")
    page.get_by_role("button", name="Save project").click()
    # the core's project page: the checklist panel leads into the start-up section
    expect(page.get_by_role("heading", name="Co-production checklist")).to_be_visible()
    check_page(page)
    page.get_by_role("button", name="Start the co-production checklist").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Co-production checklist")
    check_page(page)

    # "not applicable" without a reason is refused, and nothing typed is lost
    page.get_by_role("link", name="Answer We have an involvement budget").click()
    page.get_by_label("Not applicable to this project (say why)").check()
    page.get_by_label("Notes (optional)").fill("Asked finance")
    page.get_by_role("button", name="Save answer").click()
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    expect(page.get_by_label("Notes (optional)")).to_have_value("Asked finance")
    check_page(page)
    page.get_by_label("Why is it not applicable?").fill("Nobody is paid on this project")
    page.get_by_role("button", name="Save answer").click()
    expect(page.get_by_text("Why: Nobody is paid on this project")).to_be_visible()

    # then "Answer the next item" walks through the rest of the start-up section
    for step in range(6):
        page.get_by_role("link", name=re.compile(r"^Answer the next item")).click()
        expect(page.get_by_role("button", name="Save answer")).to_be_visible()
        if step == 0:
            check_page(page)
        stage = page.get_by_label("At which stage are people first involved?")
        if stage.count():
            stage.select_option("idea")
        rung = page.get_by_label("Which rung of the ladder do you plan to reach?")
        if rung.count():
            rung.select_option("co_design")
        page.get_by_label("Yes, this is done").check()
        page.get_by_role("button", name="Save answer").click()
        expect(page.get_by_text("Your answer to")).to_be_visible()
    start_up = page.get_by_text(re.compile(r"For the idea stage · 7 of 7 done"))
    expect(start_up).to_be_visible()
    # what is left for the gate is the network plugin's automatic item, and the page says so
    expect(page.locator(".govuk-inset-text")).to_contain_text(
        "Fees and expenses for the people involved are budgeted"
    )
    check_page(page)

    # back on the project page, the gate explains itself when the project is moved too early
    page.get_by_role("link", name=re.compile(r"^Back to the project page")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Browser-started listening event")
    expect(page.get_by_role("button", name="Continue the co-production checklist")).to_be_visible()
    page.get_by_label("Design").check()
    page.get_by_role("button", name="Change stage").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("‘Paying people’ (for the idea stage)")
    check_page(page)


def test_a_member_rates_the_rung_of_a_project_they_took_part_in(page: Page, sign_in, check_page) -> None:
    sign_in(page, "member@example.org")
    check_page(page)
    page.get_by_role("link", name="Rate the projects you took part in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Projects you took part in")
    check_page(page)
    link = page.locator("main ul.govuk-list a").first
    title = link.inner_text()
    link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("How involved were you?")
    expect(page.locator(".govuk-caption-l, .govuk-caption-xl")).to_have_text(title)
    check_page(page)
    page.get_by_label("Anything you want to add? (optional)").fill("We chose the questions")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select a rung of the ladder")
    expect(page.get_by_label("Anything you want to add? (optional)")).to_have_value("We chose the questions")
    check_page(page)
    page.get_by_label("Co-design", exact=True).check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Thank you. Your rating was recorded")).to_be_visible()
    expect(page.get_by_text("You last said: Co-design")).to_be_visible()
    check_page(page)


LEAD_PAGES = [
    "/checklists/",
    "/checklists/templates",
    "/checklists/templates/v1",
    "/checklists/ideas",
    "/checklists/ideas/new",
    "/checklists/you-said-we-did",
]


@pytest.mark.parametrize("path", LEAD_PAGES)
def test_lead_pages_pass_axe(page: Page, sign_in, check_page, path: str) -> None:
    sign_in(page, "lead@example.org")
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_page(page)


def test_project_evaluation_and_answer_pages_pass_axe(page: Page, sign_in, check_page) -> None:
    sign_in(page, "lead@example.org")
    page.goto("/checklists/?stage=delivery")
    page.get_by_role("link", name="Direct payments support line").click()
    check_page(page)
    page.get_by_role("link", name="Evaluation and “you said, we did”").first.click()
    check_page(page)
    page.get_by_role("link", name="Record the rung we claim").click()
    check_page(page)
    page.go_back()
    page.go_back()
    page.locator("a", has_text="Answer").first.click()
    check_page(page)
