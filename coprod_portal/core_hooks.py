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
from .freshness import remembered
from .hookspecs import hookimpl
from .i18n import _, _l, ngettext
from .permissions import can
from .projects import Project, ProjectTeamMember, is_on_project
from .types import DashboardCard, NavItem, Role


@hookimpl
def portal_roles() -> list[Role]:
    return [Role(name, label, description) for name, (label, description) in CORE_ROLES.items()]


@hookimpl
def portal_nav_items(user: Any) -> list[NavItem]:
    return [
        NavItem(_("Home"), "core.home", order=0, permission="core.view_home"),
        NavItem(_("Projects"), "projects.list_projects", order=20, permission="projects.view"),
        NavItem(_("Search"), "search.search", order=800, permission="search.use"),
        NavItem(_inbox_label(user), "inbox.index", order=850, permission="inbox.use"),
        NavItem(_("Audit log"), "audit.log", order=900, permission="audit.view"),
        NavItem(_("Admin"), "admin.index", order=950, permission="admin.index"),
    ]


@hookimpl
def portal_permission_allowed(user: Any, action: str, obj: Any) -> bool | None:
    """Owners and team members run their own projects; people see audit events about themselves."""
    if action in {"projects.edit", "projects.change_stage"} and isinstance(obj, Project):
        return True if is_on_project(get_session(), obj, user) else None
    if action == "audit.view_event" and getattr(obj, "plugin", None) == "core":
        about_me = obj.subject_type == "user" and obj.subject_id == getattr(user, "id", None)
        return True if about_me else None
    if action == "inbox.use" and getattr(user, "kind", "") == "staff":
        return True  # every staff account has an inbox, whatever its roles
    return None


@hookimpl
def portal_dashboard_cards(user: Any) -> list[DashboardCard]:
    if getattr(user, "kind", "") != "staff":
        return []
    # The card links to the project register: only for those who may open it (not members).
    cards = [_my_projects_card(user)] if can(user, "projects.view") else []
    if "admin" in user.role_names:
        failing = current_app.extensions["coprod_plugins"].failures
        if failing:
            names = ", ".join(escape(info.name) for info in failing)
            problems = _("Problems with: %(names)s.", names=names)
            cards.append(DashboardCard(
                _("Plugins need attention"), Markup(f"<p class='govuk-body'>{problems}</p>"),
                _("See the plugins page"), "admin.plugins", order=1))
        cards += _jobs_card()
    return cards


def _my_projects_card(user: Any) -> DashboardCard:
    def mine() -> Any:
        return select(func.count()).select_from(Project).where(or_(
            Project.owner_id == user.id,
            Project.id.in_(select(ProjectTeamMember.project_id).where(  # type: ignore[attr-defined]
                ProjectTeamMember.user_id == user.id)),
        ))

    (count,) = remembered(get_session(), ("core.my_projects", user.id), mine)
    text = _("You are not on any project yet.") if count == 0 else ngettext(
        "You are on %(num)d project.", "You are on %(num)d projects.", count)
    return DashboardCard(_("Your projects"), text, _("See all projects"), "projects.list_projects",
                         order=10)


@hookimpl
def portal_search(query: str, user: Any) -> list[Any]:
    """Projects the person may view; people, for those who manage users."""
    from .search import core_results

    return core_results(query, user)


# --- background jobs and notifications --------------------------------------------------------


def _inbox_label(user: Any) -> Any:
    from .notifications import inbox_label

    return inbox_label(user)


def _jobs_card() -> list[DashboardCard]:
    from .jobs import given_up_count

    count = given_up_count(get_session())
    if not count:
        return []
    text = ngettext("%(num)d background job gave up after all its tries and needs you.",
                    "%(num)d background jobs gave up after all their tries and need you.", count)
    return [DashboardCard(_("Background jobs need attention"), text, _("See background jobs"),
                          "jobs_admin.index", order=2)]


@hookimpl
def portal_jobs() -> list[Any]:
    """The core's jobs: e-mailing notifications."""
    from .notifications import core_jobs

    return core_jobs()


@hookimpl
def portal_periodic_jobs() -> list[Any]:
    """Forget failed sign-ins after the throttling window; forget job failures resolved long ago;
    remove stored files that no record points to."""
    from .auth import purge_login_attempts
    from .files import remove_orphan_files
    from .jobs import purge_resolved_failures
    from .types import PeriodicJob

    return [
        PeriodicJob("core.purge_login_attempts", purge_login_attempts, cron="7 * * * *",
                    description=_l("Deletes failed sign-in records older than the throttling window "
                                   "(they hold email and network addresses).")),
        PeriodicJob("core.purge_job_failures", purge_resolved_failures, cron="40 3 * * *",
                    description=_l("Deletes job failures that were resolved more than 30 days ago.")),
        PeriodicJob("core.remove_orphan_files", remove_orphan_files, cron="20 4 * * *",
                    description=_l("Removes stored files older than a day that no record points to "
                                   "(left by an upload interrupted before it was saved), and says "
                                   "how many.")),
    ]


@hookimpl
def portal_subject_export(person: Any) -> list[Any] | None:
    """The person's inbox messages and contact preferences."""
    from .notifications import subject_records

    return subject_records(get_session(), person.user_id) if person.user_id else None


@hookimpl
def portal_subject_erase(person: Any, session: Any) -> Any:
    """Delete the person's inbox messages and contact preferences."""
    from .notifications import erase_subject

    return erase_subject(session, person.user_id) if person.user_id else None
