"""The network plugin's pages in a real browser: axe finds nothing, every control is named, and the
lead's journey works — a fee blocked by the member's own cap, reduced, then seen by the member."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_lead_pages_and_the_blocked_then_reduced_fee(page: Page, sign_in, check_page) -> None:
    sign_in(page, "lead@example.org")
    page.get_by_role("link", name="Network", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Network members")
    check_page(page)
    page.get_by_role("link", name="Maya Williams").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Maya Williams")
    check_page(page)
    page.get_by_role("link", name="See groups and access needs").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Groups and access needs")
    check_page(page)
    page.go_back()
    page.get_by_role("link", name="Change caps, with the member").click()
    check_page(page)
    page.go_back()
    page.get_by_role("link", name="Record involvement").click()
    page.get_by_label("Role").select_option("advisory_group")
    page.get_by_label("Day").first.fill("4")
    page.get_by_label("Month").first.fill("1")
    page.get_by_label("Year").first.fill("2030")
    page.get_by_label("Hours of involvement").fill("2")
    page.get_by_label("In person").check()
    check_page(page)
    page.get_by_role("button", name="Save involvement").click()
    expect(page.get_by_text("The involvement was recorded.")).to_be_visible()
    page.get_by_role("link", name="Offer a fee for Advisory group on 4 January 2030").click()
    page.get_by_label("Fee offered").fill("75")
    page.get_by_label("Take the full fee").check()
    page.get_by_role("group", name="Payment date").get_by_label("Day").fill("11")
    page.get_by_role("group", name="Payment date").get_by_label("Month").fill("1")
    page.get_by_role("group", name="Payment date").get_by_label("Year").fill("2030")
    page.get_by_role("button", name="Check caps and approve fee").click()
    expect(page).to_have_title(re.compile(r"^Error: Offer a fee"))
    expect(page.locator(".govuk-error-summary")).to_contain_text("£20.00 would fit")
    check_page(page)
    page.get_by_label("Take a reduced amount").check()
    page.get_by_role("textbox", name="Reduced amount (if they chose a reduced amount)").fill("20")
    page.get_by_role("button", name="Check caps and approve fee").click()
    expect(page.get_by_text("The fee was approved")).to_be_visible()


def test_member_sees_their_own_record_and_sets_caps(page: Page, sign_in, check_page) -> None:
    sign_in(page, "member@example.org")
    page.get_by_role("link", name="My involvement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your involvement")
    check_page(page)
    page.get_by_role("link", name="Change your caps").click()
    check_page(page)
    page.get_by_label("Most hours I want to do in one week (optional)").fill("-3")
    page.get_by_role("button", name="Save my caps").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a number of hours of 0 or more")
    check_page(page)


def test_report_and_rates_pages(page: Page, sign_in, check_page) -> None:
    sign_in(page, "lead@example.org")
    page.goto("/network/reports")
    check_page(page)
    page.goto("/network/rates")
    check_page(page)
    page.goto("/network/involvements/pending")
    check_page(page)
