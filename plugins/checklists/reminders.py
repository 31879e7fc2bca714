"""Reminders of items due (a nightly job), reactions to other plugins' events, and the home-page card."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import case, func, or_
from sqlmodel import col, select

from coprod_portal import notifications
from coprod_portal.db import get_session, utcnow
from coprod_portal.freshness import remembered
from coprod_portal.i18n import _, in_language_of, ngettext
from coprod_portal.pages import local_time
from coprod_portal.projects import Project, ProjectTeamMember
from coprod_portal.search import contains
from coprod_portal.types import DashboardCard

from . import checklist as cl
from .models import Answer, AnswerChange, ProjectChecklist, ProjectPerson, RungRecord

REMIND_DAYS = 7
CARD_DAYS = 14


def checklist_path(project_id: str) -> str:
    return f"/checklists/projects/{project_id}"  # a path: jobs run without a request to build URLs from


def remind_due() -> None:
    """Attach checklists to projects without one, then tell owners about items due soon or overdue.

    Safe to run again: each answer is reminded once for its due date (changing the date re-arms it).
    """
    session = get_session()
    unattached = session.exec(
        select(Project).where(col(Project.id).not_in(select(ProjectChecklist.project_id)))
    ).all()
    for project in unattached:
        cl.attach(session, project)
    session.commit()
    refresh_people_everywhere()
    today = local_time(utcnow()).date()
    due = session.exec(
        select(Answer).where(
            col(Answer.status) == "",
            col(Answer.due_on).is_not(None),
            col(Answer.due_on) <= today + timedelta(days=REMIND_DAYS),
            col(Answer.reminded_on).is_(None),
        )
    ).all()
    by_project: dict[str, list[Answer]] = {}
    for answer in due:
        by_project.setdefault(answer.project_id, []).append(answer)
    for project_id, answers in by_project.items():
        project = session.get(Project, project_id)
        if project is None:
            continue
        overdue = sum(1 for a in answers if a.due_on and a.due_on < today)
        count = len(answers)
        for user_id in {project.owner_id, *(a.owner_id for a in answers if a.owner_id)}:
            with in_language_of(user_id):
                notifications.send(
                    user_id,
                    _("Checklist items due"),
                    _due_soon(project.title, count, overdue),
                    link=checklist_path(project.id),
                    category="checklists",
                    sensitive=False,
                    session=session,
                )
        for answer in answers:
            answer.reminded_on = today
            session.add(answer)
    session.commit()


def _due_soon(title: str, count: int, overdue: int) -> str:
    if overdue:
        return ngettext(
            "%(num)d item of the co-production checklist of ‘%(title)s’ is due within a week, "
            "%(overdue)d already overdue. Answer them on the checklist page.",
            "%(num)d items of the co-production checklist of ‘%(title)s’ are due within a week, "
            "%(overdue)d already overdue. Answer them on the checklist page.",
            count, title=title, overdue=overdue)
    return ngettext(
        "%(num)d item of the co-production checklist of ‘%(title)s’ is due within a week. "
        "Answer them on the checklist page.",
        "%(num)d items of the co-production checklist of ‘%(title)s’ are due within a week. "
        "Answer them on the checklist page.",
        count, title=title)


def stage_changed(project_id: str, to_stage: str) -> None:
    """Tell the owner which checklist sections are now due, and note the move in the history."""
    session = get_session()
    project = session.get(Project, project_id)
    if project is None:
        return
    checklist = cl.load(session, project)
    session.add(
        AnswerChange(
            project_id=project.id,
            item_ref="",
            item_text="",
            summary=f"The project moved to the {to_stage} stage",
        )
    )
    open_sections = [s for s in checklist.for_stage(to_stage) if not s.complete]
    if open_sections:
        titles = ", ".join(f"‘{s.title}’" for s in open_sections)
        with in_language_of(project.owner_id):
            notifications.send(
                project.owner_id,
                _("Checklist sections now due"),
                _("‘%(project)s’ is now at the %(stage)s stage. Complete %(sections)s of its "
                  "co-production checklist before it moves on.",
                  project=project.title, stage=to_stage, sections=titles),
                link=checklist_path(project.id),
                category="checklists",
                sensitive=False,
                session=session,
            )
    session.commit()


def contribution_withdrawn(contribution_id: str) -> None:
    """We keep only references, never content; note in each checklist's history that evidence went."""
    session = get_session()
    ref = f"lived_experience:contribution:{contribution_id}"
    for answer in session.exec(select(Answer).where(contains(col(Answer.evidence), ref))):
        if ref in cl.evidence_lines(answer.evidence):
            session.add(
                AnswerChange(
                    project_id=answer.project_id,
                    item_ref=answer.item_ref,
                    summary="A piece of evidence was withdrawn by the person who shared it; "
                    "it is no longer shown",
                )
            )
    session.commit()


def dashboard_cards(user: Any, today: date) -> list[DashboardCard]:
    """My projects' checklist items due in the next two weeks (or overdue), and the ones I answer for."""

    def counted() -> Any:
        mine = select(ProjectTeamMember.project_id).where(ProjectTeamMember.user_id == user.id)
        owned = select(Project.id).where(Project.owner_id == user.id)
        overdue_too = func.coalesce(func.sum(case((col(Answer.due_on) < today, 1), else_=0)), 0)
        return (
            select(func.count(), overdue_too)
            .select_from(Answer)
            .where(
                col(Answer.status) == "",
                col(Answer.due_on).is_not(None),
                col(Answer.due_on) <= today + timedelta(days=CARD_DAYS),
                or_(
                    col(Answer.owner_id) == user.id,
                    col(Answer.project_id).in_(mine),
                    col(Answer.project_id).in_(owned),
                ),
            )
        )

    # both counts in one pass, remembered until an answer or a project's team changes
    due, overdue = (int(n) for n in remembered(get_session(), ("checklists.due", user.id, today), counted))
    if not due:
        return []
    if overdue:
        text = ngettext("%(num)d checklist item is due on your projects in the next two weeks, "
                        "%(overdue)d overdue.",
                        "%(num)d checklist items are due on your projects in the next two weeks, "
                        "%(overdue)d overdue.", due, overdue=overdue)
    else:
        text = ngettext("%(num)d checklist item is due on your projects in the next two weeks.",
                        "%(num)d checklist items are due on your projects in the next two weeks.", due)
    return [
        DashboardCard(
            _("Checklist items due"),
            text,
            _("See your projects' checklists"),
            "plugin_checklists.portfolio",
            {"mine": "yes"},
            order=15,
        )
    ]


def blocked_card() -> list[DashboardCard]:
    """For leads: how many projects cannot move to their next stage yet (one indexed count)."""
    (blocked,) = remembered(
        get_session(),
        ("checklists.blocked",),
        lambda: select(func.count()).select_from(ProjectChecklist).where(col(ProjectChecklist.blocked)),
    )
    if not blocked:
        return []
    text = ngettext(
        "%(num)d project cannot move to its next stage "
        "until the co-production checklist sections for the stage are complete.",
        "%(num)d projects cannot move to their next stage "
        "until the co-production checklist sections for the stage are complete.", blocked)
    return [
        DashboardCard(
            _("Projects blocked at a stage gate"),
            text,
            _("See the blocked projects"),
            "plugin_checklists.portfolio",
            {"blocked": "yes"},
            order=16,
        )
    ]


def rate_card(user: Any) -> list[DashboardCard]:
    """For anyone involved in a project (network members): the projects they have not rated yet."""

    def unrated() -> Any:
        rated = select(RungRecord.project_id).where(RungRecord.by_id == user.id, RungRecord.kind == "rated")
        return (
            select(func.count())
            .select_from(ProjectPerson)
            .where(ProjectPerson.user_id == user.id, col(ProjectPerson.project_id).not_in(rated))
        )

    (count,) = remembered(get_session(), ("checklists.unrated", user.id), unrated)
    if not count:
        return []
    return [
        DashboardCard(
            _("How involved were you?"),
            ngettext("You took part in %(num)d project you have not rated yet. "
                     "Tell us how involved you felt: your answer is shown beside what staff say.",
                     "You took part in %(num)d projects you have not rated yet. "
                     "Tell us how involved you felt: your answer is shown beside what staff say.", count),
            _("Rate the projects you took part in"),
            "plugin_checklists.my_projects",
            order=6,
        )
    ]


def refresh_people_everywhere() -> int:
    """Ask again who is involved in every project (nightly: involvement recorded without an event)."""
    from .evaluation import refresh_people

    session = get_session()
    projects = session.exec(select(Project).order_by(col(Project.id))).all()
    for project in projects:
        refresh_people(session, project)
    session.commit()
    return len(projects)
