"""Every page, every role: a crawler signs in as each demo role, follows the links on each page
(breadth first, one instance of each route), runs axe-core (WCAG 2.0/2.1/2.2 A and AA rules) and
the accessible-name check on each, and then asserts it reached every GET page the role may see,
so a new page cannot escape the check.
"""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from playwright.sync_api import Browser, Page
from route_access import FORMS_WITH_ERRORS, ROLES, get_pages, pages_a_person_may_see
from sqlmodel import Session
from werkzeug.exceptions import HTTPException
from werkzeug.serving import make_server

from coprod_portal import accounts, notifications
from coprod_portal.testing import build_app, csrf_token, login

pytestmark = pytest.mark.browser

# Under pytest -n, the tests that read the crawls (crawl_as, scratch_crawl_as) stay on one worker:
# each role is crawled once per module, and on another worker it would be crawled again. The Welsh
# crawls are their own, and may run anywhere.
SHARES_THE_CRAWLS = pytest.mark.xdist_group("crawl")

AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                                     "wcag22aa"]},
               "resultTypes": ["violations"]}
MAX_PAGES = 150  # per role; far more than any role has, so reaching it means the crawl ran away

# Links the crawler does not follow, and why.
NOT_FOLLOWED = {
    "auth.logout": "signing out ends the crawl",
    "core.switch_language": "the same page in Welsh: stored on the account, it would change the "
                            "language of every later test (the Welsh pages: tests/test_translations.py)",
    "files.download": "a file, not a page",
    "plugin_network.report_csv": "a CSV download",
    "plugin_practice.feed": "an Atom feed, not a page; parsed in tests/practice",
}
# Pages a role may see that no link leads to, and why they are checked elsewhere.
NOT_LINKED = {
    "auth.login": "for visitors; checked in test_core_pages_a11y.py",
    "auth.reset_password": "only from a one-time link; checked in test_core_pages_a11y.py",
    "core.healthz": "for load balancers, not people",
    "core.switch_language": "not followed (see NOT_FOLLOWED): it redirects back to the page it is on",
    "files.download": "a file, not a page",
    "plugin_network.report_csv": "a CSV download",
    "plugin_training.lti_jwks": "the tool's public keys, for LMS platforms",
    "plugin_training.lti_login": "OIDC login initiation from an LMS",
    "plugin_training.deep_link": "only inside an LMS launch; checked in test_training_lti.py",
    "plugin_training.roster": "only inside an LMS launch; checked in test_training_lti.py",
    "plugin_training.lti_continue": "a step of an LMS launch",
    "plugin_training.lti_cookie_check": "a step of an LMS launch",
    "plugin_training.platform_jwks": "keys for one LMS platform, not a page",
    "plugin_training.lti_register": "dynamic registration, started by an LMS",
    "plugin_practice.feed": "an Atom feed for websites, not a page; parsed in tests/practice",
    "oidc.start": "a redirect to the identity provider; the journey is checked in test_sso_journey.py",
    "oidc.callback": "the identity provider's return; checked in test_sso_journey.py",
    "oidc.signed_out": "after signing out; checked in test_sso_journey.py",
    "sign_in_links.request_link": "for visitors; checked in test_core_pages_a11y.py",
    "sign_in_links.open_link": "only from a one-time e-mail link; checked in test_core_pages_a11y.py",
}
# Pages about a person's own records: a role with none in the demo data has no link there, so it
# is excused; the union test below still needs some role (or the named test) to reach each one.
ONLY_WITH_OWN_RECORDS = {
    "inbox.view": "a message in the person's own inbox",
    **{f"plugin_network.{name}": "a network member's own record: none is linked to the account yet"
       for name in ("my_caps", "my_letter", "my_statement")},
    "projects.edit": "a project the person owns or is on the team of",
    "plugin_checklists.answer_item": "a project the person is on the team of",
    "plugin_checklists.claim_rung": "a project the person is on the team of",
    "plugin_checklists.new_feedback": "a project the person is on the team of",
    "plugin_checklists.idea": "an idea the person sent (those who manage ideas see all)",
    "plugin_checklists.my_projects": "projects the person took part in as a network member",
    "plugin_checklists.rate_rung": "a project the person took part in as a network member",
    "plugin_checklists.template_item": "a draft version of the checklist template",
    "plugin_checklists.template_section": "a draft version of the checklist template",
    "plugin_lived_experience.new": "having chosen to take part (the opt-in is a form)",
    "plugin_lived_experience.checkin": "having chosen to take part (the opt-in is a form)",
    "plugin_lived_experience.shared": "having chosen to take part (the opt-in is a form)",
    "plugin_lived_experience.contribution": "a contribution of one's own or shared with one",
    "plugin_lived_experience.edit": "a contribution of one's own",
    "plugin_lived_experience.sharing": "a contribution of one's own",
    "plugin_lived_experience.named_use": "a contribution of one's own, named to the organisation",
    "plugin_lived_experience.submitted": "a contribution just sent",
    "plugin_lived_experience.review": "a contribution waiting for the lead's review",
    "plugin_training.certificate": "a module the person completed",
    "plugin_training.review": "a module version waiting for review",
    "plugin_training.platform_page": "a registered LMS platform",
    "plugin_training.edit_platform": "a registered LMS platform",
    "plugin_practice.edit": "a practice example the person writes or co-writes, still a draft",
    "plugin_practice.invite": "a draft practice example the person started",
    "plugin_practice.sign_off": "a draft practice example the person is invited to co-write",
    "plugin_practice.review": "a practice example waiting for review",
}
# Pages no demo role has a record for; each is checked with axe in the test named.
CHECKED_IN_A_JOURNEY = {
    "plugin_lived_experience.submitted": "test_lived_experience_journey.py",
    "plugin_lived_experience.review": "test_lived_experience_journey.py",
    "plugin_training.certificate": "test_training_lti.py",
}


# Each page is also checked, once (for the first role that reaches it), for layout: reflow at
# 320 CSS px (WCAG 1.4.10), text at 200 % with no clipped control (1.4.4) and targets of at least
# 24 x 24 CSS px or spaced as 2.5.8 allows.
WIDE = {"width": 1280, "height": 720}
NARROW = {"width": 320, "height": 640}
TOO_WIDE = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
SMALL_TARGETS = """() => {
  const shown = el => { const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    return r.width > 1 && r.height > 1 && s.visibility !== 'hidden' && s.display !== 'none'; };
  const targets = [...document.querySelectorAll(
      'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button]')]
    .filter(shown)
    // 2.5.8's inline exception: a link in a sentence or list item is sized by the text around it
    .filter(el => !(el.tagName === 'A' && getComputedStyle(el).display === 'inline'))
    // a radio or checkbox is drawn, and clicked, through its label (GOV.UK: 40 x 40 px)
    .filter(el => !(el.matches('input[type=radio], input[type=checkbox]') && el.labels.length));
  const rects = targets.map(el => el.getBoundingClientRect());
  const centre = r => [r.left + r.width / 2, r.top + r.height / 2];
  const distance = ([x, y], r) => Math.hypot(Math.max(r.left - x, 0, x - r.right),
                                             Math.max(r.top - y, 0, y - r.bottom));
  const small = rects.map(r => r.width < 23.5 || r.height < 23.5);
  return targets.flatMap((el, i) => {
    if (!small[i]) return [];
    const c = centre(rects[i]);
    // the spacing exception: a 24 px circle on its centre touches no other target
    const crowded = rects.some((r, j) => j !== i && (distance(c, r) < 12
        || (small[j] && Math.hypot(c[0] - centre(r)[0], c[1] - centre(r)[1]) < 24)));
    return crowded ? [`${el.outerHTML.slice(0, 120)} is ${Math.round(rects[i].width)}x${
        Math.round(rects[i].height)} px`] : [];
  });
}"""
CLIPPED_AT_200 = """() => {
  document.documentElement.style.fontSize = '200%';
  const clipped = [...document.querySelectorAll(
      'button, select, input:not([type=hidden]):not([type=radio]):not([type=checkbox]), .govuk-button')]
    .filter(el => el.getBoundingClientRect().width > 1)
    .filter(el => el.scrollHeight > el.clientHeight + 2 && getComputedStyle(el).overflowY !== 'visible')
    .map(el => el.outerHTML.slice(0, 120));
  document.documentElement.style.fontSize = '';
  return clipped;
}"""


def layout_problems(page: Page) -> list[str]:
    """Reflow at 320 px, clipped controls with text at 200 %, small targets (at both widths)."""
    problems = [f"{page.url}: target too small at 1280 px: {t}" for t in page.evaluate(SMALL_TARGETS)]
    problems += [f"{page.url}: clipped with text at 200 %: {c}" for c in page.evaluate(CLIPPED_AT_200)]
    page.set_viewport_size(NARROW)
    try:
        overflow = page.evaluate(TOO_WIDE)
        if overflow > 0:
            problems.append(f"{page.url}: scrolls sideways by {overflow} px at 320 CSS px wide")
        problems += [f"{page.url}: target too small at 320 px: {t}" for t in page.evaluate(SMALL_TARGETS)]
    finally:
        page.set_viewport_size(WIDE)
    return problems


@dataclass
class Crawl:
    """What one role's crawl saw: one URL per endpoint, and every problem on the way."""

    visited: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0


def endpoint_of(app: Flask, path: str, query: str = "") -> str | None:
    """The url_map endpoint a same-origin path belongs to (None when nothing matches)."""
    adapter = app.url_map.bind("localhost", query_args=query)
    try:
        endpoint, _ = adapter.match(path, method="GET")
    except HTTPException:
        return None
    return str(endpoint)


def links_on(page: Page) -> list[str]:
    """Every link a person could follow: not downloads, not ones that open something else."""
    return page.eval_on_selector_all(
        "a[href]:not([download])", "links => links.map(a => a.href)")


def axe_problems(axe: Axe, page: Page) -> list[str]:
    results = axe.run(page, options=AXE_OPTIONS)
    if not results.violations_count:
        return []
    return [f"axe on {page.url}:\n{results.generate_report()}"]


def crawl(page: Page, app: Flask, base_url: str, axe: Axe, assert_controls_named: Any,
          laid_out: set[str] | None = None) -> Crawl:
    """Breadth first from the home page, following same-origin links; one visit per endpoint.

    With ``laid_out``, pages whose endpoint is not in it yet also get the layout checks (and are
    added), so each page is checked once whichever role reaches it first."""
    started = time.perf_counter()
    result = Crawl()
    origin = urlsplit(base_url).netloc
    queue: deque[tuple[str, str]] = deque([("/", "the start")])
    queued = {"core.home"}
    while queue and len(result.visited) < MAX_PAGES:
        path, linked_from = queue.popleft()
        response = page.goto(path)
        here = urlsplit(page.url)
        endpoint = endpoint_of(app, here.path, here.query)
        status = response.status if response else 0
        if status != 200 or endpoint is None:
            result.problems.append(f"{path} (linked from {linked_from}) answered {status}")
            continue
        result.visited.setdefault(endpoint, path)
        queued.add(endpoint)
        result.problems += axe_problems(axe, page)
        if laid_out is not None and endpoint not in laid_out:
            laid_out.add(endpoint)
            result.problems += layout_problems(page)
        try:
            assert_controls_named(page)
        except AssertionError as error:
            result.problems.append(str(error))
        for href in links_on(page):
            link = urlsplit(href)
            if link.netloc != origin:
                continue
            target = endpoint_of(app, link.path, link.query)
            if target is None:
                result.problems.append(f"{page.url} links to {href}, which is not a page")
            elif target not in queued and target not in NOT_FOLLOWED and not target.endswith("static"):
                queued.add(target)
                queue.append((link.path + (f"?{link.query}" if link.query else ""), here.path))
    result.seconds = time.perf_counter() - started
    return result


@pytest.fixture(scope="module")
def crawl_as(browser: Browser, live_app: Flask, base_url: str, axe: Axe, sign_in: Any,
             assert_controls_named: Any) -> Callable[[str], Crawl]:
    """``crawl_as("lead")``: that role's crawl, done once per module in its own browser context."""
    done: dict[str, Crawl] = {}
    laid_out: set[str] = set()

    def crawl_for(role: str) -> Crawl:
        if role not in done:
            context = browser.new_context(base_url=base_url, locale="en-GB", viewport=WIDE)
            try:
                page = context.new_page()
                sign_in(page, ROLES[role])
                done[role] = crawl(page, live_app, base_url, axe, assert_controls_named,
                                   laid_out=laid_out)
            finally:
                context.close()
        return done[role]

    return crawl_for


@SHARES_THE_CRAWLS
@pytest.mark.parametrize("role", list(ROLES))
def test_each_page_a_role_reaches_has_no_accessibility_problems(crawl_as: Any, role: str) -> None:
    result = crawl_as(role)
    print(f"{role}: {len(result.visited)} pages in {result.seconds:.1f}s")
    assert not result.problems, "\n\n".join(result.problems)


@pytest.mark.parametrize("role", ["member", "staff"])
def test_a_welsh_readers_pages_have_no_accessibility_problems(
        browser: Browser, live_app: Flask, base_url: str, axe: Axe, sign_in: Any,
        assert_controls_named: Any, role: str) -> None:
    """A member and a staff contributor whose browser asks for Welsh: every page they reach is in
    Welsh (``lang="cy"``) and passes the same checks, layout included (Welsh words run longer)."""
    english = browser.new_context(base_url=base_url, locale="en-GB", viewport=WIDE)
    try:
        sign_in(english.new_page(), ROLES[role])  # the helper reads the English sign-in page
        cookies = english.cookies()
    finally:
        english.close()
    context = browser.new_context(base_url=base_url, locale="cy-GB", viewport=WIDE)
    try:
        context.add_cookies(cookies)
        page = context.new_page()
        result = crawl(page, live_app, base_url, axe, assert_controls_named, laid_out=set())
        page.goto("/")
        assert page.get_attribute("html", "lang") == "cy"
    finally:
        context.close()
    print(f"{role} in Welsh: {len(result.visited)} pages in {result.seconds:.1f}s")
    assert len(result.visited) > 10
    assert not result.problems, "\n\n".join(result.problems)


@SHARES_THE_CRAWLS
@pytest.mark.parametrize("role", list(ROLES))
def test_a_role_reaches_every_page_it_may_see(crawl_as: Any, live_app: Flask, role: str) -> None:
    """Pages with URL arguments count when one instance was visited. A role is excused only from
    pages about records of its own that it has none of (ONLY_WITH_OWN_RECORDS); the next test
    makes sure some other role reaches those."""
    result = crawl_as(role)
    may_see = pages_a_person_may_see(live_app, ROLES[role])
    missing = sorted(set(may_see) - set(result.visited) - set(NOT_LINKED) - set(ONLY_WITH_OWN_RECORDS))
    assert not missing, (f"{role} may see these pages but no link led the crawler to them: {missing}; "
                         f"visited {sorted(result.visited)}")


@SHARES_THE_CRAWLS
def test_every_page_is_checked_for_at_least_one_role(crawl_as: Any, scratch_crawl_as: Any,
                                                     live_app: Flask) -> None:
    """A page nobody reaches escapes the checks above: there are none."""
    reached = {endpoint for role in ROLES for endpoint in crawl_as(role).visited}
    reached |= {endpoint for role in SCRATCH_PAGES for endpoint in scratch_crawl_as(role).visited}
    pages = {rule.endpoint for rule, _ in get_pages(live_app)}
    unreached = sorted(pages - reached - set(NOT_LINKED) - set(CHECKED_IN_A_JOURNEY))
    assert not unreached, f"no role's crawl reached these pages: {unreached}"


# --- a scratch portal: records the demo lacks, and forms sent with mistakes ------------------

# What each role's crawl of the scratch portal must reach there: pages about records the demo lacks.
SCRATCH_PAGES = {
    "admin": {"plugin_training.platform_page", "plugin_training.edit_platform"},
    "lead": {"inbox.view", "plugin_checklists.template_section", "plugin_checklists.template_item",
             "plugin_training.review"},
    "staff": {"plugin_lived_experience.named_use"},
}
LMS = "https://moodle.example.org"


def register_an_lms(app: Flask) -> None:
    """Through ``flask lti register``, as an administrator would, so there is a registration to open."""
    result = app.test_cli_runner().invoke(args=[
        "lti", "register", "--name", "Carers' Moodle", "--issuer", LMS, "--client-id", "portal-tool",
        "--deployment-id", "1", "--auth-login-url", f"{LMS}/mod/lti/auth.php",
        "--token-url", f"{LMS}/mod/lti/token.php", "--jwks-url", f"{LMS}/mod/lti/certs.php"])
    assert result.exit_code == 0, result.output


def send_a_module_for_review(app: Flask) -> None:
    """The trainer opens the draft of a module of theirs and sends it, so the lead has one waiting."""
    client = login(app.test_client(), ROLES["trainer"])
    authoring = client.get("/training/authoring").get_data(as_text=True)
    found = re.search(r'/training/authoring/([^/"]+)/edit"', authoring)
    assert found, "the trainer has no module to edit"
    key = found.group(1)
    assert client.get(f"/training/authoring/{key}/edit").status_code == 200
    sent = client.post(f"/training/authoring/{key}/submit",
                       data={"csrf_token": csrf_token(client, "/training/authoring")})
    assert sent.status_code == 302 and sent.location.endswith("/training/authoring"), sent.location


def share_a_contribution_in_public_with_a_name(app: Flask) -> None:
    """The staff member makes their contribution public and agrees to one use of their name."""
    client = login(app.test_client(), ROLES["staff"])
    found = re.search(r'/lived_experience/contributions/([^/"]+)"',
                      client.get("/lived_experience/").get_data(as_text=True))
    assert found, "the staff member has no contribution"
    page = f"/lived_experience/contributions/{found.group(1)}"
    for path, fields in ((f"{page}/sharing", {"visibility": "public", "consent": "y"}),
                         (f"{page}/named-use", {"use_description": "A quote in the 2027 annual report",
                                                "consent": "y"})):
        sent = client.post(path, data={**fields, "csrf_token": csrf_token(client, path)})
        assert sent.status_code == 302 and sent.location.endswith(page), (path, sent.status_code)


@pytest.fixture(scope="module")
def scratch_portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, str]]:
    """A second portal for this module alone, so what it records never reaches other tests."""
    folder = tmp_path_factory.mktemp("crawl-scratch")
    app = build_app(folder, config={"DATABASE_URL": f"sqlite:///{folder / 'portal.db'}"})
    with app.app_context(), Session(app.extensions["coprod_engine"]) as session:
        lead = accounts.user_by_email(session, ROLES["lead"])
        assert lead is not None
        notifications.send(lead.id, "The ideas meeting moved", "It is now on Thursday at 2pm.",
                           session=session)
        session.commit()
    register_an_lms(app)
    send_a_module_for_review(app)
    share_a_contribution_in_public_with_a_name(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="crawl-scratch", daemon=True)
    thread.start()
    try:
        yield app, f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def scratch_crawl_as(browser: Browser, scratch_portal: tuple[Flask, str], axe: Axe, sign_in: Any,
                     assert_controls_named: Any) -> Callable[[str], Crawl]:
    """``scratch_crawl_as("lead")``: that role's crawl of the scratch portal, done once per module.
    The lead first starts a draft version of the checklist template."""
    app, url = scratch_portal
    done: dict[str, Crawl] = {}

    def crawl_for(role: str) -> Crawl:
        if role not in done:
            context = browser.new_context(base_url=url, locale="en-GB", viewport=WIDE)
            try:
                page = context.new_page()
                sign_in(page, ROLES[role])
                if role == "lead":
                    page.goto("/checklists/templates")
                    page.get_by_label("What will change in this version?").fill("Clearer hints")
                    page.get_by_role("button", name="Start a new draft version").click()
                # layout: only the pages the shared crawls cannot reach
                done[role] = crawl(page, app, url, axe, assert_controls_named,
                                   laid_out=set(app.view_functions) - set(SCRATCH_PAGES[role]))
            finally:
                context.close()
        return done[role]

    return crawl_for


@SHARES_THE_CRAWLS
@pytest.mark.parametrize("role", list(SCRATCH_PAGES))
def test_pages_that_need_records_the_demo_lacks_have_no_accessibility_problems(
    scratch_crawl_as: Any, role: str,
) -> None:
    result = scratch_crawl_as(role)
    print(f"{role} in the scratch portal: {len(result.visited)} pages in {result.seconds:.1f}s")
    assert not result.problems, "\n\n".join(result.problems)
    missing = sorted(SCRATCH_PAGES[role] - set(result.visited))
    assert not missing, f"{role}'s crawl of the scratch portal did not reach {missing}"


EMPTY_THE_MAIN_FORM = """() => {
  const forms = [...document.querySelectorAll('main form')].filter(
      f => (f.getAttribute('method') || '').toLowerCase() === 'post');
  const count = f => f.querySelectorAll('input:not([type=hidden]), textarea, select').length;
  const form = forms.sort((a, b) => count(b) - count(a))[0];
  if (!form) return null;
  const typed = 'input[type=text], input[type=email], input[type=number], input[type=password], '
                + 'input:not([type]), textarea';
  for (const el of form.querySelectorAll(typed)) {
    el.value = '';
  }
  const submits = form.querySelectorAll('button:not([type=button]), input[type=submit]');
  submits[submits.length - 1].setAttribute('data-crawl-submit', '');
  return submits.length;
}"""
SUMMARY_TARGETS = """() => [...document.querySelectorAll('.govuk-error-summary a[href^="#"]')].map(a => {
  const target = document.getElementById(a.getAttribute('href').slice(1));
  return {link: a.innerText, found: !!target,
          field: !!target && target.matches('input, textarea, select, fieldset, [role=group]')};
})"""


def form_problems(page: Page, path: str, axe: Axe, assert_controls_named: Any) -> list[str]:
    """Send the main form on ``path`` emptied; what is wrong with the page that comes back."""
    page.goto(path)
    if not page.evaluate(EMPTY_THE_MAIN_FORM):
        return [f"no form to send on {path}"]
    page.locator("[data-crawl-submit]").click()
    page.wait_for_load_state()
    summary = page.locator(".govuk-error-summary")
    if not summary.count():
        return [f"{path}: no error summary after sending the form emptied (now at {page.url})"]
    problems = []
    if not summary.evaluate("el => el === document.activeElement"):
        problems.append(f"{path}: the error summary did not take focus")
    if not page.title().startswith("Error: "):
        problems.append(f"{path}: the title does not start with 'Error: ' ({page.title()})")
    targets = page.evaluate(SUMMARY_TARGETS)
    if not targets or not all(t["found"] and t["field"] for t in targets):
        problems.append(f"{path}: error summary links must lead to fields: {targets}")
    problems += axe_problems(axe, page)
    try:
        assert_controls_named(page)
    except AssertionError as error:
        problems.append(str(error))
    return problems


@SHARES_THE_CRAWLS
@pytest.mark.parametrize("role", list(FORMS_WITH_ERRORS))
def test_main_forms_sent_with_mistakes_show_linked_focused_errors_without_accessibility_problems(
    browser: Browser, scratch_portal: tuple[Flask, str], crawl_as: Any, scratch_crawl_as: Any, axe: Axe,
    sign_in: Any, assert_controls_named: Any, role: str,
) -> None:
    """In the scratch portal, so a form that is sent after all changes nothing other tests see.
    Addresses come from the role's crawl of the scratch portal where there is one (the lead's forms
    are about projects, which other tests add to the shared portal), else from its shared crawl."""
    visited = (scratch_crawl_as(role) if role in SCRATCH_PAGES else crawl_as(role)).visited
    unreached = [endpoint for endpoint in FORMS_WITH_ERRORS[role] if endpoint not in visited]
    assert not unreached, f"{role}'s crawl did not reach {unreached}"
    context = browser.new_context(base_url=scratch_portal[1], locale="en-GB")
    try:
        page = context.new_page()
        sign_in(page, ROLES[role])
        problems = [p for endpoint in FORMS_WITH_ERRORS[role]
                    for p in form_problems(page, visited[endpoint], axe, assert_controls_named)]
    finally:
        context.close()
    assert not problems, "\n\n".join(problems)
