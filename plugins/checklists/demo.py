"""Demo data: 26 projects at different stages with real checklists, rungs, feedback and ideas."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app
from sqlmodel import Session, col, select

from coprod_portal import accounts
from coprod_portal.db import get_session, utcnow
from coprod_portal.projects import Project, ProjectTeamMember, stages

from . import checklist as cl
from . import evaluation
from .models import Answer, Feedback, Idea, RungRecord

# title, stage, first stage of involvement, planned rung
PROJECTS = [
    ("Short breaks directory", "idea", "", ""),
    ("Welcome pack for new home care clients", "idea", "design", "co_design"),
    ("Day centre menus with members", "design", "idea", "co_production"),
    ("Accessible complaints process", "design", "design", "co_design"),
    ("Transport to day services", "design", "development", "consultation"),
    ("Peer support when caring starts", "development", "idea", "co_production"),
    ("Reablement leaflet in Easy Read", "development", "design", "co_design"),
    ("Digital skills sessions", "development", "design", "engagement"),
    ("Hospital discharge checklist", "commissioning", "development", "consultation"),
    ("Commissioning of advocacy services", "commissioning", "idea", "co_production"),
    ("Respite care tender panel", "commissioning", "design", "co_design"),
    ("Direct payments support line", "delivery", "idea", "co_production"),
    ("Dementia-friendly library hours", "delivery", "design", "co_design"),
    ("Website for young people who care", "delivery", "design", "co_production"),
    ("Autism awareness training for staff", "delivery", "development", "engagement"),
    ("Shared Lives recruitment", "delivery", "commissioning", "informing"),
    ("Review of the strategy for unpaid care", "review", "idea", "co_production"),
    ("Mental health crisis cafe", "review", "design", "co_design"),
    ("Learning disability health checks", "review", "design", "consultation"),
    ("Home adaptations waiting list", "review", "development", "engagement"),
    ("Befriending scheme evaluation", "closed", "idea", "co_production"),
    ("Sensory loss service review", "closed", "design", "co_design"),
    ("Winter wellbeing calls", "closed", "delivery", "informing"),
    ("Supported employment fair", "closed", "design", "co_production"),
]
CORE_DEMO = {"Redesign of the carers' assessment": 4, "Easy Read information on direct payments": 2}
NOT_APPLICABLE = {
    "payments_on_time": "Nobody is paid on this project: members volunteered to test the "
    "leaflet and chose not to take a fee; expenses only."
}


def seed(session: Session) -> None:
    lead = accounts.user_by_email(session, "lead@example.org")
    staff = accounts.user_by_email(session, "staff@example.org")
    if lead is None or staff is None or not any(s in stages() for s in ("idea", "design")):
        return
    order = stages()
    for n, (title, stage, first, rung) in enumerate(PROJECTS):
        if stage not in order:
            continue
        project = session.exec(select(Project).where(Project.title == title)).first()
        if project is None:
            owner = lead if n % 2 else staff
            project = Project(
                title=title, owner_id=owner.id, stage=stage, summary=f"A demo project at the {stage} stage."
            )
            session.add(project)
            session.flush()
            if owner is lead:
                session.add(ProjectTeamMember(project_id=project.id, user_id=staff.id))
            _answer(session, project, lead, order.index(stage), first, rung, partly=None)
            _evaluate(session, project, lead, stage, rung, n)
    for title, answered in CORE_DEMO.items():
        project = session.exec(select(Project).where(Project.title == title)).first()
        if (
            project is not None
            and session.exec(select(Answer).where(Answer.project_id == project.id)).first() is None
        ):
            _answer(session, project, lead, 0, "idea", "co_production", partly=answered)
    _ideas(session, staff, lead)
    session.commit()


def link_others(session: Session) -> None:
    """Once every plugin's demo is in: answer their projects' checklists, store who takes part."""
    lead = accounts.user_by_email(session, "lead@example.org")
    if lead is not None:
        _answer_others(session, lead, stages())
        session.commit()
    involve_member()


MEMBER_EMAIL = "member@example.org"  # the network plugin's demo member
MEMBER_PROJECT = "Direct payments support line"


def involve_member() -> None:
    """Make sure the demo member took part in a project, so they can rate its rung.

    The network plugin's demo usually involves them already (its projects); only when no plugin
    says they are involved anywhere is an involvement recorded through ``portal_record_involvement``
    (never before the network plugin has made their account: then its own demo involves them).
    Then every demo project's list of people and progress is stored (members' "projects to rate"
    list, the portfolio and the "blocked at a gate" card read them).
    The hooks use the request's session, so this runs after the seed's own commit.
    """
    session = get_session()
    member = accounts.user_by_email(session, MEMBER_EMAIL)
    projects = session.exec(select(Project).where(col(Project.title).not_like("Scale project %"))).all()
    if member is not None and not any(member.id in evaluation.project_people(p) for p in projects):
        project = next((p for p in projects if p.title == MEMBER_PROJECT), None)
        if project is not None:
            current_app.extensions["coprod_plugins"].first(
                "portal_record_involvement",
                user_id=member.id,
                project_id=project.id,
                role="advisory_group",
                on=utcnow().date() - timedelta(days=40),
                hours=2.0,
                status="confirmed",
                note="Advisory group: shaped the support line's opening hours",
            )
            session.commit()
    for project in projects:
        evaluation.refresh_people(session, project)
        cl.load(session, project)  # stores each checklist's progress, now that it is answered
    session.commit()


def _answer_others(session: Session, lead: Any, order: list[str]) -> None:
    """Other plugins' demo projects (the network's) get checklists answered up to their stage.

    Runs once every plugin's demo is in (``portal_seed_demo_done``), so their projects exist; a
    project that already has answers is left as it is, so seeding twice changes nothing.
    """
    ours = {title for title, *_ in PROJECTS} | set(CORE_DEMO)
    answered = select(Answer.project_id).distinct()
    others = session.exec(
        select(Project).where(
            ~col(Project.title).startswith("Scale project"),
            col(Project.title).not_in(ours),
            col(Project.id).not_in(answered),
            col(Project.stage).in_(order),
        ).order_by(col(Project.title))
    ).all()
    for project in others:
        _answer(session, project, lead, order.index(project.stage), "idea", "co_design", partly=None)


def _answer(
    session: Session, project: Project, by: Any, upto: int, first: str, rung: str, partly: int | None
) -> None:
    """Answer every section of the stages before ``upto``; part of the current stage's."""
    checklist = cl.load(session, project)
    now, today = utcnow(), utcnow().date()
    for section in checklist.sections:
        at = cl.stage_index(section.stage)
        if at is None or at > upto or section.provider:
            continue
        current = at == upto
        for k, item in enumerate(section.items):
            limit = partly if partly is not None else len(section.items) // 2
            if current and k >= limit:
                session.add(
                    Answer(
                        project_id=project.id,
                        item_ref=item.ref,
                        owner_id=project.owner_id,
                        due_on=today + timedelta(days=(k - limit) * 5 - 3),
                        updated_at=now,
                    )
                )
                continue
            value = first if item.kind == "first_stage" else rung if item.kind == "planned_rung" else ""
            if item.kind and not value:
                continue
            if item.key in NOT_APPLICABLE and len(project.title) % 2:
                session.add(
                    Answer(
                        project_id=project.id,
                        item_ref=item.ref,
                        status="not_applicable",
                        reason=NOT_APPLICABLE[item.key],
                        updated_by_id=by.id,
                        updated_at=now,
                    )
                )
                continue
            session.add(
                Answer(
                    project_id=project.id,
                    item_ref=item.ref,
                    status="yes",
                    value=value,
                    notes="Agreed at the planning meeting with network members.",
                    updated_by_id=by.id,
                    updated_at=now,
                )
            )
            if item.kind == "first_stage":
                checklist.record.first_stage = value
            elif item.kind == "planned_rung":
                checklist.record.planned_rung = value
    session.add(checklist.record)


def _evaluate(session: Session, project: Project, lead: Any, stage: str, rung: str, n: int) -> None:
    if stage not in ("delivery", "review", "closed") or not rung:
        return
    session.add(
        RungRecord(
            project_id=project.id,
            kind="claimed",
            rung=rung,
            by_id=lead.id,
            comment="Members shaped the plan and ran two of the sessions.",
        )
    )
    session.add(
        Feedback(
            project_id=project.id,
            published=n % 3 != 0,
            changed=n % 4 != 0,
            you_said="The meetings were too early for people who need support in the morning.",
            we_did=(
                "We moved every meeting to the afternoon."
                if n % 4 != 0
                else "We could not move the meetings, because the venue is only free in the "
                "morning; we now pay for a taxi and a personal assistant's extra hour."
            ),
            created_by_id=lead.id,
        )
    )


def _ideas(session: Session, staff: Any, lead: Any) -> None:
    if session.exec(select(Idea)).first() is not None:
        return
    adopted = session.exec(select(Project).where(Project.title == "Peer support when caring starts")).first()
    session.add(
        Idea(
            title="A buddy for every new carer",
            submitted_by_id=staff.id,
            description="Someone who has been caring for a while could meet a new carer for a cup of tea.",
            status="adopted" if adopted else "discussed",
            project_id=adopted.id if adopted else None,
            status_reason="The network's group of unpaid carer members is now co-producing it.",
        )
    )
    session.add(
        Idea(
            title="Easy Read menus at the day centre",
            submitted_by_id=staff.id,
            on_behalf_of="a member of our learning disability group",
            description="Pictures of the food next to the words, so everyone can choose.",
        )
    )
    session.add(
        Idea(
            title="Evening drop-in for people who work and care",
            submitted_by_id=staff.id,
            anonymous=True,
            description="Many of us work in the day; a monthly evening session would help.",
            status="not_taken_forward",
            status_reason="The building closes at six; we are asking the library for a room instead.",
        )
    )
