"""A trainer edits a module's check in Chromium: adds a question with the button (a plain form
submit), saves it unfinished, and gets an error summary whose links lead to the fields; the page
with its errors has no axe violations and every control and group is named."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

EDIT = "/training/authoring/benefits/edit"


def test_edit_page_with_errors_is_accessible(page: Page, sign_in: Any, check_page: Any) -> None:
    sign_in(page, "trainer@example.org")
    page.goto(EDIT)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Edit Paying people who receive benefits")
    page.get_by_role("button", name="Add another question").click()
    expect(page.get_by_text("Your draft is saved.")).to_be_visible()
    question = page.locator("textarea[name$='-question']").last
    expect(question).to_have_value("")
    question_id = question.get_attribute("id")
    question.fill("Who may decline a fee?")
    page.get_by_label("Pass mark").fill("ten")
    page.get_by_role("button", name="Save draft").last.click()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()  # GOV.UK Frontend moves focus to the summary
    expect(summary).to_contain_text("Enter option A of question 4")
    expect(summary).to_contain_text("Enter the pass mark as a whole number, like 2")
    expect(page.locator(f"#{question_id}")).to_have_value("Who may decline a fee?")  # kept
    expect(page.get_by_label("Pass mark")).to_have_value("ten")
    described = page.get_by_label("Pass mark").get_attribute("aria-describedby") or ""
    assert described.split() == ["pass_mark-hint", "pass_mark-error"]
    check_page(page)

    summary.get_by_role("link", name="Enter the pass mark as a whole number, like 2").click()
    expect(page.get_by_label("Pass mark")).to_be_focused()
