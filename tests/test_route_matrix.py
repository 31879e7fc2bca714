"""Every page checks who may see it: a route × role matrix generated from the permission each
view declares (``@require``), so a new page cannot escape it."""

import pytest
from flask_login import login_user
from sqlmodel import Session

from coprod_portal import accounts
from coprod_portal.permissions import can
from coprod_portal.testing import login

# Pages that declare no permission, and why each is right to.
PUBLIC_OR_SELF_CHECKED = {
    "core.home": "any signed-in person; shows only what their permissions allow",
    "auth.change_password": "signed-in staff change their own password",
    "auth.login": "the sign-in page",
    "auth.reset_password": "a one-time reset link is its own proof",
    "sign_in_links.request_link": "asking for a sign-in link by e-mail: for visitors",
    "sign_in_links.open_link": "a one-time sign-in link, bound to the browser that asked, is its own proof",
    "oidc.start": "starts single sign-on: sends a visitor to the identity provider",
    "oidc.callback": "the identity provider's answer; its state, code and ID token are the proof",
    "oidc.signed_out": "the page a visitor sees after signing out at the identity provider",
    "core.healthz": "for load balancers",
    "core.accessibility": "the accessibility statement: for everyone, visitors too",
    "core.switch_language": "the link to the same page in another language: for everyone, visitors too",
    "files.download": "each file asks its owning plugin (portal_file_allowed)",
    "plugin_training.lti_jwks": "the tool's public keys, for LMS platforms",
    "plugin_training.lti_login": "OIDC login initiation from an LMS",
    "plugin_training.lti_cookie_check": "inside an LMS frame after login; its single-use token is the key",
    "plugin_training.lti_continue": "a single-use token carries an LMS login to a new window",
    "plugin_training.platform_jwks": "one LMS registration's public keys, for that LMS",
    "plugin_training.lti_register": "an LMS opening a one-time registration link (the link is the proof)",
    "plugin_practice.public": "practice examples published for everyone, for the organisation's website",
    "plugin_practice.public_example": "one of them; any other example is not found",
    "plugin_practice.feed": "the Atom feed of the same examples",
}
# Pages that need more than a permission: only reachable within a context.
NEEDS_CONTEXT = {
    "plugin_training.deep_link": "only inside a deep-linking launch from an LMS",
    "plugin_training.roster": "an instructor's roster, only inside a launch from their LMS course",
}
DEMO = ["admin@example.org", "lead@example.org", "safeguarding@example.org", "hr@example.org",
        "manager@example.org", "staff@example.org", "member@example.org", "trainer@example.org",
        "newmember@example.org"]  # the member role, but no member record linked to the account


def _pages(app):
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue
        yield rule, app.view_functions[rule.endpoint]


def test_every_page_declares_a_permission_or_says_why_not(app):
    undeclared = {rule.endpoint for rule, view in _pages(app)
                  if not getattr(view, "required_permission", None)}
    assert undeclared == set(PUBLIC_OR_SELF_CHECKED)


def test_visitors_are_sent_to_sign_in_from_every_page_that_needs_a_permission(app):
    client = app.test_client()
    for rule, view in _pages(app):
        if rule.arguments or not getattr(view, "required_permission", None):
            continue
        response = client.get(rule.rule)
        assert response.status_code == 302 and "/sign-in" in response.location, rule.rule


@pytest.mark.parametrize("email", DEMO)
def test_each_role_sees_exactly_the_pages_its_permissions_allow(app, email):
    with Session(app.extensions["coprod_engine"]) as session:
        user = accounts.user_by_email(session, email)
        assert user is not None
    client = login(app.test_client(), email)
    checked = 0
    for rule, view in _pages(app):
        permission = getattr(view, "required_permission", None)
        if rule.arguments or not permission:
            continue
        with app.test_request_context():
            with Session(app.extensions["coprod_engine"]) as session:
                login_user(session.get(accounts.User, user.id))
                allowed = can(session.get(accounts.User, user.id), permission)
        response = client.get(rule.rule, follow_redirects=False)
        text = response.get_data(as_text=True)
        if rule.endpoint in NEEDS_CONTEXT:
            assert response.status_code in (400, 403) and "Skip to main content" in text, rule.rule
        elif allowed:
            assert response.status_code in (200, 302), (email, rule.rule, response.status_code)
            assert "You do not have permission" not in text, (email, rule.rule)
        else:
            assert response.status_code in (403, 404), (email, rule.rule, response.status_code)
            assert "Skip to main content" in text, (email, rule.rule)  # a page in the shell, not a crash
        checked += 1
    assert checked > 20
