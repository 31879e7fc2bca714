"""The checklists plugin's pages in a real browser: axe finds nothing, every control has a name, and
a member of staff starts a project and is guided through the start-up section."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_staff_start_a_project_and_answer_the_start_up_section(page: Page, sign_in, check_page) -> None:
    sign_in(page, "staff@example.org")
    page.goto("/projects/new")
    page.get_by_label("Project title").fill("Browser-started listening event")
    page.get_by_role("button", name="Save project").click()
    expect(page.get_by_role("heading", name="Co-production checklist")).to_be_visible()
    page.get_by_role("link", name="Open the co-production checklist").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Co-production checklist")
    check_page(page)
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


LEAD_PAGES = ["/checklists/", "/checklists/templates", "/checklists/templates/v1", "/checklists/ideas",
              "/checklists/ideas/new", "/checklists/you-said-we-did"]


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
