"""The network plugin's pages in a real browser: axe finds nothing, every control is named, and the
lead's journey works — a fee blocked by the member's own cap, reduced, then seen by the member in their
statement for that tax year (and their letter for Jobcentre Plus), with every page of the journey checked."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_lead_pages_and_the_blocked_then_reduced_fee_the_member_sees_in_their_statement(
    page: Page, sign_in, check_page
) -> None:
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
    check_page(page)
    page.get_by_role("link", name="Offer a fee for Advisory group on 4 January 2030").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Offer a fee")
    check_page(page)
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
    check_page(page)

    # the member signs in and finds the reduced fee in their statement for that tax year
    page.context.clear_cookies()
    sign_in(page, "member@example.org")
    page.get_by_role("link", name="My involvement").click()
    page.get_by_role("link", name="Your statement for a tax year").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Your statement for the")
    check_page(page)
    page.get_by_role("link", name="Tax year 2029 to 2030").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your statement for the 2029 to 2030 tax year")
    fees = page.get_by_role("table", name="Fees received, by payment date")
    row = fees.get_by_role("row").filter(has_text="11 January 2030")
    expect(row).to_contain_text("Reduced amount, by your choice")
    expect(row).to_contain_text("£75.00")
    expect(row).to_contain_text("£20.00")
    check_page(page)
    page.get_by_role("link", name="Your involvement").click()
    page.get_by_role("link", name="Letter for Jobcentre Plus or the Universal Credit journal").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Involvement of Maya Williams")
    expect(page.get_by_text("This involvement is not employment.")).to_be_visible()
    check_page(page)


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


def test_import_refuses_a_broken_row_and_keeps_what_was_pasted(page: Page, sign_in, check_page) -> None:
    sign_in(page, "lead@example.org")
    page.goto("/network/")
    page.get_by_role("link", name="Import members from a CSV file").click()
    check_page(page)
    rows = "preferred_name,email\nBrowser Test Person,not-an-email\n"
    page.get_by_label("Or paste the rows").fill(rows)
    page.get_by_role("button", name="Check and import members").click()
    expect(page).to_have_title(re.compile(r"^Error: Import members"))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Nothing was imported: correct line 2")
    expect(page.get_by_role("table", name="Problems in the file")).to_contain_text("not-an-email")
    expect(page.get_by_label("Or paste the rows")).to_have_value(rows)
    check_page(page)


def test_member_reads_their_pages_in_easy_read_and_the_choice_is_kept(
    page: Page, sign_in, check_page
) -> None:
    sign_in(page, "member@example.org")
    page.get_by_role("link", name="My involvement").click()
    page.get_by_role("link", name="Easy Read version of this page").click()
    expect(page.get_by_text("A fee is money for your time.")).to_be_visible()
    check_page(page)
    page.get_by_role("link", name="Your money for one tax year").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Your money for the")
    check_page(page)
    page.get_by_role("link", name="Your involvement").click()
    page.get_by_role("link", name="A letter for the Jobcentre or your Universal Credit journal").click()
    expect(page.get_by_role("heading", name="About this letter (Easy Read)")).to_be_visible()
    check_page(page)
    page.get_by_role("link", name="Standard version of this page").click()
    expect(page.get_by_role("heading", name="About this letter (Easy Read)")).to_have_count(0)
    page.goto(page.url.split("/network/")[0] + "/network/me")
    expect(page.get_by_role("link", name="Easy Read version of this page")).to_be_visible()
