"""Co-production checklists: every project starts with co-production, and is evaluated honestly.

Attaches the co-production checklist (the template version in force when the project was started)
to every project, with sections per stage that any plugin may add to; stops a project moving past a
stage until that stage's sections are answered; keeps template versions; records the planned,
claimed and member-rated rungs of the ladder of co-production, "you said, we did" entries, and
ideas from people who use services. Written only against the portal's public modules.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, render_template
from markupsafe import Markup

from coprod_portal.db import get_session
from coprod_portal.hookspecs import hookimpl
from coprod_portal.i18n import _, _l
from coprod_portal.permissions import can
from coprod_portal.projects import Project, is_on_project
from coprod_portal.types import DashboardCard, Migrations, NavItem, PeriodicJob, Permission, ProjectPanel

from . import checklist as cl
from . import demo, evaluation, ideas, privacy, reminders, scale, search, template_admin  # noqa: F401
from .views import bp, today

__version__ = "1.0.0"
PORTAL_VERSIONS = ">=0.1,<1"

STAFF = ("admin", "coproduction_lead", "safeguarding_lead", "hr", "staff")
LEADS = ("admin", "coproduction_lead")


@hookimpl
def portal_blueprints(app: Flask) -> Any:
    return bp


@hookimpl
def portal_migrations() -> Migrations:
    return Migrations("checklists", Path(__file__).parent / "migrations")


@hookimpl
def portal_permissions() -> list[Permission]:
    return [
        Permission("checklists.view", _l("See projects' co-production checklists and the portfolio"), STAFF),
        Permission(
            "checklists.answer",
            _l("Answer checklist items, claim a rung, write ‘you said, we did’ "
               "(the project's owner and team may too)"),
            LEADS,
        ),
        Permission("checklists.manage_templates", _l("Change the checklist template, in new versions"),
                   LEADS),
        Permission(
            "checklists.oversee", _l("See, across every project, which cannot move to their next stage"),
            LEADS,
        ),
        Permission(
            "checklists.rate_rung", _l("Rate the rung of the ladder of a project you were involved in"), ()
        ),
        Permission("checklists.submit_idea", _l("Send an idea and follow what happens to it"), STAFF),
        Permission("checklists.manage_ideas", _l("Read every idea and change its status"), LEADS),
        Permission("checklists.see_feedback", _l("Read the published ‘you said, we did’ entries"), STAFF),
    ]


@hookimpl
def portal_permission_allowed(user: Any, action: str, obj: Any) -> bool | None:
    account = getattr(user, "kind", "") == "staff" and getattr(user, "is_active", False)
    if action == "checklists.answer" and isinstance(obj, Project):
        return True if is_on_project(get_session(), obj, user) else None
    if action == "checklists.rate_rung":
        if not account:
            return None
        if isinstance(obj, Project):  # only members involved in the project rate it
            return getattr(user, "id", None) in evaluation.project_people(obj)
        return True  # anyone with an account reaches the page; the project decides
    if action in {"checklists.submit_idea", "checklists.see_feedback"} and account:
        return True  # network members too: their role is another plugin's
    if action == "audit.view_event" and getattr(obj, "plugin", None) == "checklists":
        return True if can(user, "checklists.manage_templates") else None
    return None


@hookimpl
def portal_nav_items(user: Any) -> list[NavItem]:
    return [
        NavItem(_l("Checklists"), "plugin_checklists.portfolio", order=30, permission="checklists.view"),
        NavItem(_l("Ideas"), "plugin_checklists.ideas", order=35, permission="checklists.submit_idea"),
    ]


@hookimpl
def portal_project_panels(project: Any, user: Any) -> list[ProjectPanel] | None:
    if not can(user, "checklists.view"):
        return None
    checklist = cl.load(get_session(), project)
    get_session().commit()  # its progress is stored (and a project older than the plugin gets its checklist)
    due = [s for s in checklist.sections if s.stage == project.stage and not s.complete]
    html = render_template(
        "checklists/_panel.html",
        project=project,
        checklist=checklist,
        due=due,
        started=any(i.answer is not None and i.answer.status for s in checklist.sections for i in s.items),
        next_stage=cl.next_stage(project.stage),
        late=cl.first_stage_is_late(checklist.record.first_stage),
        rungs=cl.RUNGS,
    )
    return [ProjectPanel(_("Co-production checklist"), Markup(html), order=10)]


@hookimpl
def portal_project_created(project: Any, session: Any) -> None:
    cl.attach_new(session, project)


@hookimpl
def portal_project_stage_blockers(project: Any, to_stage: str) -> list[str]:
    return cl.blockers(cl.load(get_session(), project), to_stage)


@hookimpl
def portal_project_stage_changed(project_id: str, from_stage: str, to_stage: str) -> None:
    reminders.stage_changed(project_id, to_stage)


@hookimpl
def portal_contribution_withdrawn(contribution_id: str) -> None:
    reminders.contribution_withdrawn(contribution_id)


@hookimpl
def portal_dashboard_cards(user: Any) -> list[DashboardCard]:
    if getattr(user, "kind", "") != "staff" or not getattr(user, "is_active", False):
        return []
    cards = reminders.rate_card(user)
    if can(user, "checklists.view"):
        cards += reminders.dashboard_cards(user, today())
    if can(user, "checklists.oversee"):
        cards += reminders.blocked_card()
    return cards


@hookimpl
def portal_involvement_recorded(involvement_id: str, project_id: str | None) -> None:
    evaluation.involvement_recorded(project_id)


@hookimpl
def portal_periodic_jobs() -> list[PeriodicJob]:
    return [
        PeriodicJob(
            "checklists.remind_due",
            reminders.remind_due,
            cron="0 7 * * *",
            description=_l("Tell project owners about checklist items due within a week or overdue; "
            "attach the checklist to any project that has none yet; store again who is involved "
            "in each project (for members' list of projects to rate)."),
        )
    ]


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
def portal_seed_demo(session: Any) -> None:
    demo.seed(session)


@hookimpl
def portal_seed_demo_done(session: Any) -> None:
    demo.link_others(session)


@hookimpl
def portal_seed_scale(session: Any, factor: float) -> None:
    scale.seed(session, factor)
