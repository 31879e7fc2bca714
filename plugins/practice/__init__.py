"""Practice examples: what worked, written with the people involved, offered where staff plan.

Staff and network members write examples together; each co-author signs off in their own words and
may withdraw their consent, which hides the example everywhere until their part is removed. The
co-production lead reviews and publishes them for staff, for staff and members, or for everyone on a
public page and Atom feed. Checklist items offer the examples tagged with them (through
``portal_practice_examples``), and a project's page suggests examples for its stage. Written only
against the portal's public modules.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, render_template, url_for
from markupsafe import Markup

from coprod_portal.db import get_session
from coprod_portal.hookspecs import hookimpl
from coprod_portal.i18n import _, _l
from coprod_portal.permissions import can
from coprod_portal.types import Migrations, NavItem, Permission, ProjectPanel, Suggestion

from . import access, demo, privacy, search
from .commands import cli
from .views import bp

__version__ = "1.0.0"
PORTAL_VERSIONS = ">=0.1,<1"

LEADS = ("admin", "coproduction_lead")
MAX_SUGGESTIONS = 5


@hookimpl
def portal_blueprints(app: Flask) -> Any:
    return bp


@hookimpl
def portal_startup(app: Flask) -> None:
    app.cli.add_command(cli)


@hookimpl
def portal_migrations() -> Migrations:
    return Migrations("practice", Path(__file__).parent / "migrations")


@hookimpl
def portal_permissions() -> list[Permission]:
    return [
        Permission("practice.view", _l("Read the practice examples published for you"), ()),
        Permission("practice.write", _l("Write practice examples, and co-write those you are invited to"),
                   ()),
        Permission("practice.review", _l("Review practice examples: publish, ask for changes, decline"),
                   LEADS),
    ]


@hookimpl
def portal_permission_allowed(user: Any, action: str, obj: Any) -> bool | None:
    if action in {"practice.view", "practice.write"} and access.has_account(user):
        return True  # staff and network members with an account: the network's role is another plugin's
    if action == "audit.view_event" and getattr(obj, "plugin", None) == "practice":
        return True if can(user, "practice.review") else None
    return None


@hookimpl
def portal_nav_items(user: Any) -> list[NavItem]:
    return [NavItem(_l("Practice examples"), "plugin_practice.index", order=40, permission="practice.view")]


@hookimpl
def portal_practice_examples(item_ref: str, stage: str, rung: str, user: Any) -> list[Suggestion]:
    """Published examples this person may read: those tagged with the item first, then others at the
    same stage (and rung, when one is planned)."""
    if not can(user, "practice.view"):
        return []
    examples = access.published_for(get_session(), user)
    tagged = [e for e in examples if item_ref and item_ref in e.tag_list]
    alike = [e for e in examples if e not in tagged and e.stage == stage and (not rung or e.rung == rung)]
    return [_suggestion(e) for e in (tagged + alike)[:MAX_SUGGESTIONS]]


def _suggestion(example: Any) -> Suggestion:
    return Suggestion(example.title, url_for("plugin_practice.view", example_id=example.id),
                      _first_words(example.what_was_done))


def _first_words(text: str, width: int = 160) -> str:
    return text if len(text) <= width else text[: width - 1].rsplit(" ", 1)[0] + "…"


@hookimpl
def portal_project_panels(project: Any, user: Any) -> list[ProjectPanel] | None:
    if not can(user, "practice.view"):
        return None
    examples = [e for e in access.published_for(get_session(), user) if e.stage == project.stage]
    html = render_template("practice/_panel.html", project=project, examples=examples[:MAX_SUGGESTIONS],
                           may_write=can(user, "practice.write"))
    return [ProjectPanel(_("How others did it"), Markup(html), order=60)]


@hookimpl
def portal_search(query: str, user: Any) -> list[Any]:
    return search.results(query, user)


@hookimpl
def portal_subject_export(person: Any) -> Any:
    return privacy.export(get_session(), person)


@hookimpl
def portal_subject_erase(person: Any, session: Any) -> Any:
    return privacy.erase(session, person)


@hookimpl
def portal_seed_demo_done(session: Any) -> None:
    demo.seed(session)
