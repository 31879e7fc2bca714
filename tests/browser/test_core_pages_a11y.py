"""Every core page in a real browser: axe finds nothing (WCAG 2.2 AA rules), every control in
``main`` has a name, and each page shows what it should (content, focus, field values)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

ORG = "Example Care Trust"
SERVICE = "Co-production Portal"
CURRENT = re.compile(r"^(page|true)$")


def in_order(found: list[str], wanted: list[str]) -> bool:
    """``wanted`` appears in ``found`` in this order (plugins may add their own items between)."""
    rest = iter(found)
    return all(any(item == w for item in rest) for w in wanted)


def title_of(page_title: str) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(page_title)} – {SERVICE} – {ORG}$")


def error_title_of(page_title: str) -> re.Pattern[str]:
    return re.compile(rf"^Error: {re.escape(page_title)} – {SERVICE} – {ORG}$")


def expect_error_summary(page: Page, *messages: str) -> None:
    """The GOV.UK error summary is shown, has taken focus, and links to each problem."""
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading", level=2)).to_have_text("There is a problem")
    expect(summary.get_by_role("link")).to_have_text(list(messages))


# --- sign-in -------------------------------------------------------------------------------


def test_sign_in_page(page: Page, check_page) -> None:
    page.goto("/sign-in")
    expect(page).to_have_title(title_of("Sign in"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    email = page.get_by_role("textbox", name="Email address")
    expect(email).to_have_attribute("autocomplete", "username")
    expect(email).to_have_attribute("type", "email")
    expect(page.get_by_label("Password", exact=True)).to_have_attribute("autocomplete", "current-password")
    expect(page.get_by_role("button", name="Show password")).to_be_visible()  # GOV.UK JS ran
    expect(page.locator(".govuk-error-summary")).to_have_count(0)
    nodes = check_page(page)
    assert ("textbox", "Email address") in [(r, n) for r, n, _ in nodes]
    assert ("button", "Sign in") in [(r, n) for r, n, _ in nodes]


def test_sign_in_empty_submit_shows_focused_error_summary(page: Page, check_page) -> None:
    page.goto("/sign-in")
    page.get_by_role("button", name="Sign in").click()
    expect_error_summary(page, "Enter your email address", "Enter your password")
    expect(page).to_have_title(error_title_of("Sign in"))
    email = page.get_by_role("textbox", name="Email address")
    expect(email).to_have_accessible_description("Error: Enter your email address")
    expect(page.get_by_label("Password", exact=True)).to_have_accessible_description(
        "Error: Enter your password")
    check_page(page)
    # A summary link takes the person (and the focus) to the field.
    page.locator(".govuk-error-summary").get_by_role("link", name="Enter your password").click()
    expect(page.get_by_label("Password", exact=True)).to_be_focused()


def test_sign_in_wrong_password_keeps_email_and_clears_password(page: Page, check_page) -> None:
    page.goto("/sign-in")
    page.get_by_label("Email address").fill("manager@example.org")
    page.get_by_label("Password", exact=True).fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    message = ("The email address or password is not right. Check them and try again, or ask "
               "an administrator for a password reset code.")
    expect_error_summary(page, message)
    expect(page).to_have_url(re.compile(r"/sign-in$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.get_by_label("Email address")).to_have_value("manager@example.org")
    expect(page.get_by_label("Password", exact=True)).to_have_value("")
    check_page(page)
    # The message says nothing about which of the two was wrong.
    expect(page.locator("main")).not_to_contain_text("no account")


def test_sign_in_link_pages(page: Page, check_page) -> None:
    page.goto("/sign-in")
    page.get_by_role("link", name="Email me a sign-in link").click()
    expect(page).to_have_title(title_of("Get a sign-in link by e-mail"))
    email = page.get_by_role("textbox", name="Your email address")
    expect(email).to_have_attribute("autocomplete", "email")
    check_page(page)
    page.get_by_role("button", name="Send me a sign-in link").click()
    expect_error_summary(page, "Enter your email address")
    expect(email).to_have_accessible_description("Error: Enter your email address")
    check_page(page)
    email.fill("member@example.org")
    page.get_by_role("button", name="Send me a sign-in link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")
    expect(page.locator("main")).to_contain_text("If that address can use a sign-in link, we have sent one")
    check_page(page)
    page.goto("/sign-in/link/not-a-real-link")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in with your link")
    check_page(page)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("This sign-in link cannot be used")
    expect(page.get_by_role("link", name="Ask for a new sign-in link")).to_be_visible()
    check_page(page)


def test_a_member_chooses_how_to_sign_in_on_how_we_contact_you(page: Page, sign_in, check_page) -> None:
    sign_in(page, "member@example.org")
    page.goto("/account/preferences")
    expect(page).to_have_title(title_of("How we contact you"))
    choice = page.get_by_role("group", name="How do you want to sign in?")
    expect(choice.get_by_role("radio", name="Either")).to_be_checked()
    expect(choice.get_by_role("radio", name="With a link sent by e-mail")).to_have_accessible_description(
        "No password: we e-mail you a link that works for 15 minutes.")
    check_page(page)


# --- home ----------------------------------------------------------------------------------


def test_home_as_admin(page: Page, sign_in, check_page) -> None:
    sign_in(page, "admin@example.org")
    expect(page).to_have_title(title_of("Home"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Alex Admin")
    nav = page.get_by_role("navigation", name="Main")
    links = [" ".join(t.split()) for t in nav.get_by_role("link").all_inner_texts()]
    assert in_order(links, ["Home", "Projects", "Search", "Inbox", "Audit log", "Admin"]), " | ".join(links)
    # The service navigation marks the current item (aria-current "page" or "true").
    expect(nav.get_by_role("link", name="Home")).to_have_attribute("aria-current", CURRENT)
    expect(nav.get_by_role("link", name="Projects")).not_to_have_attribute("aria-current", CURRENT)
    card = page.get_by_role("region", name="Your projects")
    expect(card).to_contain_text("You are not on any project yet.")
    expect(card.get_by_role("link", name="See all projects")).to_have_attribute("href", "/projects/")
    expect(page.get_by_role("button", name="Sign out (Alex Admin)")).to_be_visible()
    check_page(page)


def test_home_as_staff(page: Page, sign_in, check_page) -> None:
    sign_in(page, "staff@example.org")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Sasha Staff")
    nav = page.get_by_role("navigation", name="Main")
    links = [" ".join(t.split()) for t in nav.get_by_role("link").all_inner_texts()]
    assert in_order(links, ["Home", "Projects", "Search", "Inbox", "Audit log"]), links
    assert "Admin" not in links and "Plugins" not in links and "Users" not in links
    expect(page.get_by_role("region", name="Your projects")).to_contain_text(
        re.compile(r"You are on \d+ projects?\."))
    check_page(page)


# --- administration ------------------------------------------------------------------------


def test_plugins_page(page: Page, sign_in, check_page) -> None:
    sign_in(page, "admin@example.org")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Administration")
    check_page(page)
    page.get_by_role("link", name="Plugins", exact=True).click()
    expect(page).to_have_title(title_of("Plugins"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Plugins")
    table = page.get_by_role("table", name="Plugins, their versions and status")
    core = table.get_by_role("row").filter(has=page.get_by_role("rowheader", name="core", exact=True))
    expect(core).to_contain_text("Enabled")
    check_page(page)


def test_users_list(page: Page, sign_in, check_page) -> None:
    sign_in(page, "admin@example.org")
    page.goto("/admin/users")
    expect(page.get_by_role("heading", level=1)).to_have_text("Users")
    expect(page.get_by_role("searchbox", name="Find by name or email address")).to_be_visible()
    table = page.get_by_role("table", name="User accounts")
    for name in ["Alex Admin", "Sasha Staff", "Harper HR"]:
        expect(table.get_by_role("link", name=name)).to_be_visible()
    check_page(page)


def test_add_user_form_with_errors(page: Page, sign_in, check_page) -> None:
    sign_in(page, "admin@example.org")
    page.goto("/admin/users")
    page.get_by_role("link", name="Add a user").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a user")
    page.get_by_label("Email address", exact=True).fill("not-an-email")
    page.get_by_role("button", name="Save").click()
    expect_error_summary(page, "Enter the person's name", "Enter an email address like name@example.org")
    expect(page).to_have_title(error_title_of("Add a user"))
    expect(page.get_by_label("Email address", exact=True)).to_have_value("not-an-email")
    expect(page.get_by_role("textbox", name="Name")).to_have_accessible_description(
        "Error: Enter the person's name")
    roles = page.get_by_role("group", name="Roles")
    for role in ("Administrator", "Co-production lead", "Safeguarding lead", "HR", "Staff",
                 "Network member", "Trainer"):  # the core's roles and the built-in plugins'
        expect(roles.get_by_role("checkbox", name=role, exact=True)).to_have_count(1)
    check_page(page)


def test_user_edit_page(page: Page, sign_in, check_page) -> None:
    sign_in(page, "admin@example.org")
    page.goto("/admin/users")
    page.get_by_role("table", name="User accounts").get_by_role("link", name="Sasha Staff").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sasha Staff")
    expect(page.get_by_role("textbox", name="Name")).to_have_value("Sasha Staff")
    expect(page.get_by_role("textbox", name="Email address", exact=True)).to_have_value(
        "staff@example.org")
    expect(page.get_by_role("group", name="Roles").get_by_role("checkbox", name="Staff")).to_be_checked()
    expect(page.get_by_role("group", name="Roles").get_by_role("checkbox", name="Administrator")
           ).not_to_be_checked()
    expect(page.get_by_role("textbox", name="Line manager's email address (optional)")).to_have_value(
        "manager@example.org")
    expect(page.get_by_role("button", name="Create a password reset code")).to_be_visible()
    expect(page.get_by_role("button", name="Deactivate account")).to_be_visible()
    expect(page.get_by_role("link", name="All users")).to_be_visible()
    check_page(page)


def test_audit_log(page: Page, sign_in, check_page) -> None:
    sign_in(page, "admin@example.org")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")
    table = page.get_by_role("table", name="Audit events, newest first")
    expect(table.get_by_role("row").filter(has_text="signed in").first).to_contain_text("Alex Admin")
    expect(page.get_by_role("form", name="Filter the audit log")).to_be_visible()
    check_page(page)


def test_audit_log_with_bad_dates(page: Page, sign_in, check_page) -> None:
    sign_in(page, "admin@example.org")
    page.goto("/audit/")
    page.get_by_label("From (YYYY-MM-DD)").fill("2026-13-01")
    page.get_by_role("button", name="Filter").click()
    expect_error_summary(page, "Enter the first day to show as year-month-day, like 2027-03-01")
    expect(page.get_by_label("From (YYYY-MM-DD)")).to_have_value("2026-13-01")
    expect(page.get_by_label("From (YYYY-MM-DD)")).to_have_accessible_description(
        "Error: Enter the first day to show as year-month-day, like 2027-03-01")
    check_page(page)


# --- projects ------------------------------------------------------------------------------


def test_projects_list(page: Page, sign_in, check_page) -> None:
    sign_in(page, "lead@example.org")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Projects").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Projects")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Projects")
           ).to_have_attribute("aria-current", CURRENT)
    expect(page.get_by_role("combobox", name="Stage")).to_have_value("")
    table = page.get_by_role("table", name="Projects, most recently changed first")
    expect(table.get_by_role("link", name="Redesign of the carers' assessment")).to_be_visible()
    expect(page.get_by_role("link", name="Start a project")).to_be_visible()
    check_page(page)


def test_start_project_form_with_errors(page: Page, sign_in, check_page) -> None:
    sign_in(page, "lead@example.org")
    page.goto("/projects/")
    page.get_by_role("link", name="Start a project").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Start a project")
    start = page.get_by_role("group", name="Start date (optional)")
    start.get_by_role("textbox", name="Day").fill("32")
    start.get_by_role("textbox", name="Month").fill("3")
    start.get_by_role("textbox", name="Year").fill("2027")
    page.get_by_role("button", name="Save project").click()
    expect_error_summary(page, "Enter the project's title", "Enter a real date, for example 27 3 2027")
    expect(page).to_have_title(error_title_of("Start a project"))
    expect(page.get_by_role("textbox", name="Project title")).to_have_accessible_description(
        "Error: Enter the project's title")
    start = page.get_by_role("group", name="Start date (optional)")
    expect(start.get_by_role("textbox", name="Day")).to_have_value("32")
    expect(start).to_contain_text("Error: Enter a real date, for example 27 3 2027")
    check_page(page)
    page.locator(".govuk-error-summary").get_by_role("link", name="Enter a real date").click()
    expect(start.get_by_role("textbox", name="Day")).to_be_focused()


def test_project_page(page: Page, sign_in, check_page) -> None:
    sign_in(page, "lead@example.org")
    page.goto("/projects/")
    page.get_by_role("link", name="Redesign of the carers' assessment").click()
    expect(page).to_have_title(title_of("Redesign of the carers' assessment"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Redesign of the carers' assessment")
    summary = page.locator(".govuk-summary-list")
    expect(summary.locator(".govuk-summary-list__row").filter(has_text="Owner")).to_contain_text("Lee Lead")
    expect(summary.locator(".govuk-summary-list__row").filter(has_text="Stage")).to_contain_text("Idea")
    expect(page.get_by_role("link", name="Change project details of Redesign of the carers' assessment")
           ).to_be_visible()
    expect(page.locator("main").get_by_role("listitem").filter(has_text="Sasha Staff")).to_be_visible()
    stage = page.get_by_role("group", name="Move the project to")
    expect(stage.get_by_role("radio", name="Idea")).to_be_checked()
    expect(stage.get_by_role("radio")).to_have_count(7)
    expect(page.get_by_role("textbox", name="Email address of the person to add")).to_be_visible()
    check_page(page)


# --- errors in the page shell --------------------------------------------------------------


def test_not_found_page(page: Page, sign_in, check_page) -> None:
    sign_in(page, "staff@example.org")
    response = page.goto("/no-such-page")
    assert response is not None and response.status == 404
    expect(page).to_have_title(title_of("Page not found"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.locator("main")).to_contain_text("check it is correct")
    home_link = page.locator("main").get_by_role("link", name="Go to the home page")
    expect(home_link).to_have_attribute("href", "/")
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()  # still inside the shell
    check_page(page)


def test_forbidden_page(page: Page, sign_in, check_page) -> None:
    sign_in(page, "staff@example.org")
    response = page.goto("/admin/plugins")
    assert response is not None and response.status == 403
    expect(page).to_have_title(title_of("You do not have permission to see this page"))
    expect(page.get_by_role("heading", level=1)).to_have_text("You do not have permission to see this page")
    main = page.locator("main")
    expect(main).to_contain_text("ask your co-production lead or an administrator")
    expect(main).to_contain_text("The permission needed is “admin.plugins”.")
    expect(main).not_to_contain_text("Every plugin the portal found")  # the page itself is not shown
    check_page(page)


# --- reflow at 320 CSS px (WCAG 1.4.10) ----------------------------------------------------


@pytest.mark.parametrize("who, path, heading", [
    (None, "/sign-in", "Sign in"),
    ("admin@example.org", "/", "Hello, Alex Admin"),
    ("staff@example.org", "/", "Hello, Sasha Staff"),
])
def test_no_horizontal_scroll_at_320px(page: Page, sign_in, who, path, heading) -> None:
    page.set_viewport_size({"width": 320, "height": 640})
    if who:
        sign_in(page, who)
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    scroll_width, client_width = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert client_width == 320
    assert scroll_width <= client_width, f"{path} is {scroll_width}px wide at a 320px viewport"
    # At this width the service navigation collapses behind a Menu button (GOV.UK JS).
    if who:
        menu = page.get_by_role("button", name="Menu")
        expect(menu).to_be_visible()
        expect(menu).to_have_attribute("aria-expanded", "false")


# --- brand: the organisation's, never GOV.UK's ---------------------------------------------


@pytest.mark.parametrize("who", [None, "admin@example.org"])
def test_header_and_footer_show_the_organisation_not_gov_uk(page: Page, sign_in, who) -> None:
    if who:
        sign_in(page, who)
    else:
        page.goto("/sign-in")
    header = page.get_by_role("banner")
    expect(header.get_by_role("link", name=ORG, exact=True)).to_be_visible()
    expect(header.locator("svg, img, .govuk-header__logotype")).to_have_count(0)  # no crown
    expect(header).not_to_contain_text("GOV.UK")
    footer = page.get_by_role("contentinfo")
    expect(footer).to_contain_text(f"© {ORG}")
    expect(footer).not_to_contain_text("Crown copyright")
    expect(footer.locator("svg, img, .govuk-footer__crown, .govuk-footer__copyright-logo")).to_have_count(0)
    icons = page.locator("link[rel~='icon'], link[rel='mask-icon'], link[rel='apple-touch-icon']")
    expect(icons).to_have_count(1)  # the portal's own icon, none of GOV.UK's
    expect(icons).to_have_attribute("href", "/static/favicon.svg")
