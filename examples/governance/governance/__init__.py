"""Board & governance: an organisation's own plugin for the Co-production Portal.

Trustees and committee seats; each trustee's explicit consent to being counted as having lived
experience of using services; the board's figure ("4 of our 15 trustees"), shown only as an
aggregate through the portal's small-number rule; a dashboard card; and the project checklist
item "board informed". It imports only the portal's public modules.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from coprod_portal.db import get_session
from coprod_portal.hookspecs import hookimpl
from coprod_portal.i18n import _, _l
from coprod_portal.permissions import can
from coprod_portal.types import (
    ChecklistItem,
    ChecklistSection,
    DashboardCard,
    Migrations,
    NavItem,
    Permission,
    ProjectPanel,
    Role,
    TrainingModule,
)
from flask import Flask, current_app, render_template
from markupsafe import Markup
from sqlmodel import col, select

from . import demo, privacy
from .figures import board_figure
from .models import GovernanceBriefing
from .views import CONSENT_SUBJECT, bp

__version__ = "1.0.0"
PORTAL_VERSIONS = ">=0.1,<1"  # the portal checks this before it loads the plugin

DEFAULT_SETTINGS: dict[str, Any] = {
    "committees": ["Co-production committee", "Finance and audit committee"],
    "board_informed_by_stage": "design",
}


@hookimpl
def portal_startup(app: Flask) -> None:
    """Settings: PLUGIN_GOVERNANCE in the app's config, else COPROD_GOVERNANCE_* variables."""
    wanted = {**DEFAULT_SETTINGS, **_from_environment(), **(app.config.get("PLUGIN_GOVERNANCE") or {})}
    app.config["PLUGIN_GOVERNANCE"] = dict(DEFAULT_SETTINGS)  # safe values until the check passes
    problems = _setting_problems(wanted, app.config["PROJECT_STAGES"])
    if problems:
        raise ValueError("; ".join(problems) + ". The plugin runs with its default settings.")
    app.config["PLUGIN_GOVERNANCE"] = wanted


def _from_environment() -> dict[str, Any]:
    raw = os.environ.get("COPROD_GOVERNANCE_COMMITTEES")
    if raw is None:
        return {}
    return {"committees": [name.strip() for name in raw.split(",") if name.strip()]}


def _setting_problems(settings: dict[str, Any], stages: list[str]) -> list[str]:
    problems = []
    committees = settings["committees"]
    if not isinstance(committees, list) or not all(isinstance(c, str) and 0 < len(c) <= 100
                                                   for c in committees):
        problems.append("committees must be a list of names of 1 to 100 characters")
    if settings["board_informed_by_stage"] not in stages:
        problems.append(f"board_informed_by_stage must be one of the project stages ({', '.join(stages)})")
    return problems


@hookimpl
def portal_blueprints(app: Flask) -> Any:
    return bp  # named plugin_governance, mounted at /governance


@hookimpl
def portal_nav_items(user: Any) -> list[NavItem]:
    return [NavItem(_l("Board"), "plugin_governance.index", order=60, permission="governance.view")]


@hookimpl
def portal_roles() -> list[Role]:
    # plain text: the core joins role labels as strings (the demo's list of accounts)
    return [Role("governance_secretary", "Board secretary",
                 "Keeps the register of trustees and records their consent to be counted.")]


@hookimpl
def portal_permissions() -> list[Permission]:
    everyone = ("admin", "coproduction_lead", "safeguarding_lead", "hr", "staff")
    return [
        Permission("governance.view", _l("See the board, its committees and the board's figure"), everyone),
        Permission("governance.manage", _l("Add trustees and committee members, change their terms"),
                   ("admin", "governance_secretary")),
        Permission("governance.record_consent",
                   _l("Record or withdraw a trustee's consent to be counted as having lived experience"),
                   ("governance_secretary",)),
        Permission("governance.record_briefing", _l("Record that the board was told about a project"),
                   ("admin", "coproduction_lead", "governance_secretary")),
    ]


@hookimpl
def portal_permission_allowed(user: Any, action: str, obj: Any) -> bool | None:
    """Our audit events are seen only by people who may do what they record."""
    if action != "audit.view_event" or getattr(obj, "plugin", None) != "governance":
        return None
    needed = "governance.record_consent" if obj.subject_type == CONSENT_SUBJECT else "governance.manage"
    return True if can(user, needed) else None


@hookimpl
def portal_migrations() -> Migrations:
    return Migrations("governance", Path(__file__).parent / "migrations")


@hookimpl
def portal_dashboard_cards(user: Any) -> list[DashboardCard]:
    if not can(user, "governance.view"):
        return []
    figure = board_figure(get_session())
    return [DashboardCard(_("Board and governance"), figure.sentence, _("See the board"),
                          "plugin_governance.index", order=60)]


@hookimpl
def portal_checklist_sections(project: Any) -> list[ChecklistSection]:
    informed = get_session().exec(select(GovernanceBriefing.id).where(
        GovernanceBriefing.project_id == project.id)).first() is not None
    stage = current_app.config["PLUGIN_GOVERNANCE"]["board_informed_by_stage"]
    item = ChecklistItem("board_informed", _("The board has been told about this project"),
                         hint=_("Record the board meeting in the ‘Board’ section of the project's page."),
                         met=informed)
    return [ChecklistSection("governance", _("Board and governance"), stage, (item,))]


@hookimpl
def portal_training_modules() -> list[TrainingModule]:
    return [TrainingModule("governance.board_figure", _l("How we count lived experience on our board"),
                           _l("Why the board's figure is counted only with consent and shown only as a "
                              "total."),
                           "plugin_governance.about")]


@hookimpl
def portal_project_panels(project: Any, user: Any) -> list[ProjectPanel] | None:
    if not can(user, "governance.view"):
        return None
    briefings = get_session().exec(
        select(GovernanceBriefing).where(GovernanceBriefing.project_id == project.id)
        .order_by(col(GovernanceBriefing.briefed_on).desc())).all()
    html = render_template("governance/_project_panel.html", project=project, briefings=briefings,
                           may_record=can(user, "governance.record_briefing"))
    return [ProjectPanel(_("Board"), Markup(html), order=80)]


@hookimpl
def portal_seed_demo(session: Any) -> None:
    demo.seed(session)


@hookimpl
def portal_subject_export(person: Any) -> Any:
    return privacy.export(get_session(), person)


@hookimpl
def portal_subject_erase(person: Any, session: Any) -> Any:
    return privacy.erase(session, person)
