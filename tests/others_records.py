"""Records that belong to someone else, each holding a string nobody else may ever be shown.

The authorization tests fill every URL argument with these records' ids and search every page
for the strings: a page that shows one to a person not named beside it is a leak.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask import Flask
from sqlmodel import col, select
from werkzeug.datastructures import FileStorage

from coprod_portal import accounts, audit, db, files, notifications
from coprod_portal.db import new_id
from coprod_portal.projects import Project

LEAD, ADMIN, HR, STAFF = "lead@example.org", "admin@example.org", "hr@example.org", "staff@example.org"
LEARNER_NAME, OTHER_LEARNER = "Ada Learner", "Ottoline Learnerton"

# the sensitive string → the people who may see it (on any page at all); plain words only, so that
# HTML escaping cannot hide one from the search
SECRETS: dict[str, frozenset[str]] = {
    "Quentin Marlowe": frozenset({LEAD}),  # a network member: names are for the network's managers
    "needs a quiet room with a hearing loop": frozenset({LEAD}),  # access needs (special category)
    "173.29": frozenset({LEAD}),  # a fee paid to that member
    "taxi home from the panel": frozenset({LEAD}),  # an expense's description
    "receipt for the taxi of Quentin": frozenset({LEAD}),  # the receipt itself
    "asked the same questions by three different people": frozenset({LEAD, STAFF}),  # lived experience
    "audit detail only admins read": frozenset({ADMIN}),  # a core audit event about a project
    "audit detail about Sasha": frozenset({ADMIN, STAFF}),  # people see the events about themselves
    "a private note in the inbox of Harper": frozenset({HR}),  # someone else's notification
    "an idea Harper sent in": frozenset({HR, ADMIN, LEAD}),  # an idea: its author and who manages ideas
    OTHER_LEARNER: frozenset(),  # another LMS learner: nobody browsing the portal
    "a draft practice example Sasha is writing": frozenset({STAFF, LEAD, ADMIN}),  # its writer, and reviewers
}


@dataclass
class World:
    """Ids of other people's records, by the URL argument names that address them."""

    ids: dict[str, Any] = field(default_factory=dict)


def seed(app: Flask) -> World:
    """Add the records (once per app) and return their ids."""
    from plugins.network.models import (
        NetworkAccessNeeds,
        NetworkInvolvement,
        NetworkMember,
        NetworkMemberGroup,
        NetworkPayment,
    )

    world = World()
    with app.test_request_context():
        db_session = db.get_session()
        user = {e: accounts.user_by_email(db_session, e) for e in (LEAD, ADMIN, HR, STAFF)}
        project = db_session.exec(select(Project).where(
            Project.title == "Redesign of the carers' assessment")).one()
        member = NetworkMember(preferred_name="Quentin Marlowe", email="quentin@example.net",
                               status="active")
        db_session.add(member)
        db_session.flush()
        db_session.add(NetworkAccessNeeds(member_id=member.id, text="needs a quiet room with a hearing loop"))
        db_session.add(NetworkMemberGroup(member_id=member.id, group="mental_health"))
        day = date.today() - timedelta(days=3)
        involvement = NetworkInvolvement(member_id=member.id, project_id=project.id, role="interview_panel",
                                         starts_on=day, ends_on=day, hours=2)
        db_session.add(involvement)
        db_session.flush()
        fee = NetworkPayment(member_id=member.id, involvement_id=involvement.id, kind="fee",
                             offered_pence=17329, amount_pence=17329, paid_on=day)
        receipt = files.save_upload(
            FileStorage(io.BytesIO(b"%PDF-1.4\n% receipt for the taxi of Quentin\n%%EOF\n"),
                        filename="quentin-receipt.pdf"),
            plugin="network", purpose="receipt", uploaded_by=user[LEAD].id)
        expense = NetworkPayment(member_id=member.id, kind="expense", amount_pence=1250, paid_on=day,
                                 description="taxi home from the panel", receipt_file_id=receipt.id)
        db_session.add_all([fee, expense])
        db_session.flush()
        files_row = db_session.get(files.UploadedFile, receipt.id)
        files_row.subject_ref = f"network:payment:{expense.id}"
        audit.record(db_session, user[ADMIN], "looked at a project", "project", project.id,
                     project.title, detail="audit detail only admins read")
        audit.record(db_session, user[ADMIN], "looked at an account", "user", user[STAFF].id,
                     "Sasha Staff", detail="audit detail about Sasha")
        note = notifications.send(user[HR].id, "For Harper", "a private note in the inbox of Harper",
                                  session=db_session)
        idea = _idea(db_session, user[HR].id)
        example = _practice_example(db_session, user[STAFF].id)
        world.ids.update(
            project_id=project.id, member_id=member.id, involvement_id=involvement.id,
            payment_id=fee.id, user_id=user[STAFF].id, notification_id=note.id, idea_id=idea,
            file_id=receipt.id, example_id=example, code="cy", language="cy",
            **_other_plugins_ids(db_session, user[STAFF].id))
        _other_learner(db_session)
        db_session.commit()
    return world


def _idea(session: Any, author_id: str) -> str:
    from plugins.checklists.models import Idea

    idea = Idea(title="Harper's idea", description="an idea Harper sent in", submitted_by_id=author_id)
    session.add(idea)
    session.flush()
    return idea.id


def _practice_example(session: Any, author_id: str) -> str:
    from plugins.practice.models import PracticeExample

    example = PracticeExample(title="Sasha's example", situation="a draft practice example Sasha is writing",
                              stage="idea", rung="co_design", author_id=author_id)
    session.add(example)
    session.flush()
    return example.id


def _other_plugins_ids(session: Any, staff_id: str) -> dict[str, Any]:
    """Staff's lived-experience records, the checklist template, the training course."""
    from plugins.checklists.models import Feedback, TemplateItem, TemplateSection, TemplateVersion
    from plugins.lived_experience.models import (
        LivedExperienceCheckin,
        LivedExperienceConsent,
        LivedExperienceContribution,
    )
    from training.models import TrainingVersion

    contribution = session.exec(select(LivedExperienceContribution).where(
        LivedExperienceContribution.contributor_id == staff_id)).first()
    checkin = LivedExperienceCheckin(user_id=staff_id, how_to_reach="email")
    session.add(checkin)
    consent = session.exec(select(LivedExperienceConsent).where(
        LivedExperienceConsent.contribution_id == contribution.id)).first()
    version = session.exec(select(TemplateVersion).order_by(col(TemplateVersion.number))).first()
    section = session.exec(select(TemplateSection).where(TemplateSection.version_id == version.id)).first()
    item = session.exec(select(TemplateItem).where(TemplateItem.section_id == section.id)).first()
    feedback = session.exec(select(Feedback)).first()
    module = session.exec(select(TrainingVersion)).first()
    session.flush()
    return {
        "contribution_id": contribution.id, "checkin_id": checkin.id,
        "consent_id": consent.id if consent else new_id(), "version_id": version.id,
        "section_id": section.id, "item_id": item.id, "ref": f"{section.key}.{item.key}",
        "entry_id": feedback.id if feedback else new_id(), "key": module.module_key,
        "lesson_key": _first_lesson(module), "number": module.number, "year": date.today().year,
        "token": "not-a-reset-code", "failure_id": new_id(), "platform_id": new_id(),
        "link_id": new_id(),
    }


def _first_lesson(version: Any) -> str:
    import json

    for name in ("lessons", "content", "body"):
        raw = getattr(version, name, None)
        if raw:
            data = json.loads(raw) if isinstance(raw, str) else raw
            lessons = data.get("lessons", data) if isinstance(data, dict) else data
            if lessons:
                return lessons[0]["key"]
    return "introduction"


def _other_learner(session: Any) -> None:
    """An LMS learner who is not the one the tests launch, with a finished module."""
    from training.models import TrainingProgress, TrainingVersion

    learner = accounts.learner_for(session, "https://other-lms.example.org", "other-1", OTHER_LEARNER)
    session.flush()
    version = session.exec(select(TrainingVersion)).first()
    session.add(TrainingProgress(learner_ref=f"l:{learner.id}", module_key=version.module_key,
                                 version=version.number, score=5, out_of=5))
