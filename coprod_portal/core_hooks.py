"""The core's own answers to the contract, registered like a plugin named "core".

Writing them as hook implementations keeps one path for navigation, cards, roles and
permission votes: the core has no private shortcut that plugins lack.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from markupsafe import Markup, escape
from sqlalchemy import func, or_
from sqlmodel import select

from .accounts import CORE_ROLES
from .db import get_session
from .hookspecs import hookimpl
from .projects import Project, ProjectTeamMember, is_on_project
from .types import DashboardCard, NavItem, Role


@hookimpl
def portal_roles() -> list[Role]:
    return [Role(name, label, description) for name, (label, description) in CORE_ROLES.items()]


@hookimpl
def portal_nav_items(user: Any) -> list[NavItem]:
    return [
        NavItem("Home", "core.home", order=0, permission="core.view_home"),
        NavItem("Projects", "projects.list_projects", order=20, permission="projects.view"),
        NavItem("Audit log", "audit.log", order=900, permission="audit.view"),
        NavItem("Users", "admin.users", order=950, permission="admin.users"),
        NavItem("Plugins", "admin.plugins", order=960, permission="admin.plugins"),
    ]


@hookimpl
def portal_permission_allowed(user: Any, action: str, obj: Any) -> bool | None:
    """Owners and team members run their own projects; people see audit events about themselves."""
    if action in {"projects.edit", "projects.change_stage"} and isinstance(obj, Project):
        return True if is_on_project(get_session(), obj, user) else None
    if action == "audit.view_event" and getattr(obj, "plugin", None) == "core":
        about_me = obj.subject_type == "user" and obj.subject_id == getattr(user, "id", None)
        return True if about_me else None
    return None


@hookimpl
def portal_dashboard_cards(user: Any) -> list[DashboardCard]:
    if getattr(user, "kind", "") != "staff":
        return []
    cards = [_my_projects_card(user)]
    if "admin" in user.role_names:
        failing = current_app.extensions["coprod_plugins"].failures
        if failing:
            names = ", ".join(escape(info.name) for info in failing)
            cards.append(DashboardCard(
                "Plugins need attention", Markup(f"<p class='govuk-body'>Problems with: {names}.</p>"),
                "See the plugins page", "admin.plugins", order=1))
    return cards


def _my_projects_card(user: Any) -> DashboardCard:
    session = get_session()
    mine = select(func.count()).select_from(Project).where(or_(
        Project.owner_id == user.id,
        Project.id.in_(select(ProjectTeamMember.project_id).where(  # type: ignore[attr-defined]
            ProjectTeamMember.user_id == user.id)),
    ))
    count = int(session.exec(mine).one())
    text = "You are not on any project yet." if count == 0 else (
        f"You are on {count} project{'s' if count != 1 else ''}.")
    return DashboardCard("Your projects", text, "See all projects", "projects.list_projects", order=10)
