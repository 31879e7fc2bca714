"""Which GET pages each person may see, worked out from the permission every view declares.

Shared by the route × role matrix (tests/test_route_matrix.py) and the accessibility crawler
(tests/browser/test_crawl_a11y.py), so that both agree on the set of pages a role must reach.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import Flask
from flask_login import login_user
from sqlmodel import Session
from werkzeug.routing import Rule

from coprod_portal import accounts
from coprod_portal.permissions import can

# The demo account for each role: the crawls (accessibility, translations) go through the portal
# as each of them.
ROLES = {  # the demo account for each role
    "admin": "admin@example.org", "lead": "lead@example.org",
    "safeguarding": "safeguarding@example.org", "hr": "hr@example.org",
    "manager": "manager@example.org", "staff": "staff@example.org",
    "member": "member@example.org", "trainer": "trainer@example.org",
    "unlinked member": "newmember@example.org",  # the member role, no member record linked yet
}

# Each plugin's main forms, by the role that fills them in: sent with their text fields emptied,
# each must show the error summary, focused, linking to fields that exist, and pass the checks.
FORMS_WITH_ERRORS = {
    "admin": ["admin.new_user", "plugin_training.edit_platform"],
    "lead": ["projects.new_project", "plugin_network.new_member", "plugin_network.new_involvement",
             "plugin_network.new_expense", "plugin_network.fee", "plugin_checklists.claim_rung",
             "plugin_checklists.new_feedback", "plugin_checklists.templates",
             "plugin_lived_experience.index", "plugin_practice.new", "plugin_practice.review"],
    "staff": ["auth.change_password", "plugin_checklists.new_idea", "plugin_lived_experience.new",
              "plugin_lived_experience.checkin", "plugin_training.check"],
    "member": ["plugin_checklists.rate_rung", "plugin_practice.sign_off"],
    "trainer": ["plugin_training.edit", "plugin_training.module_sessions"],
}

# Pages with no permission of their own that every signed-in person reaches from the navigation.
SIGNED_IN_PAGES = {"core.home", "auth.change_password", "core.accessibility"}


def get_pages(app: Flask) -> Iterator[tuple[Rule, Any]]:
    """Every GET rule of the app with its view, static files left out."""
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint == "static" \
                or rule.endpoint.endswith(".static"):
            continue
        yield rule, app.view_functions[rule.endpoint]


def pages_a_person_may_see(app: Flask, email: str) -> dict[str, Rule]:
    """endpoint -> rule for each GET page whose declared permission ``email`` holds (asked of
    ``can`` without an object, as the ``@require`` decorator does), plus the signed-in pages."""
    allowed: dict[str, Rule] = {}
    with app.test_request_context(), Session(app.extensions["coprod_engine"]) as session:
        user = accounts.user_by_email(session, email)
        assert user is not None, f"no demo user {email}"
        login_user(user)
        for rule, view in get_pages(app):
            permission = getattr(view, "required_permission", None)
            if (permission and can(user, permission)) or rule.endpoint in SIGNED_IN_PAGES:
                allowed.setdefault(rule.endpoint, rule)
    return allowed
