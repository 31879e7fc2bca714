"""Subject access and erasure: ideas someone sent, their ratings and rung claims, items they answer for."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from coprod_portal.i18n import _, _l
from coprod_portal.projects import Project
from coprod_portal.types import ErasureReport, SubjectRecords

from .checklist import RUNGS
from .forms import IDEA_STATUSES
from .models import Answer, AnswerChange, Feedback, Idea, ProjectPerson, RungRecord

SECTION = _l("Co-production checklists and ideas")


def export(session: Session, person: Any) -> SubjectRecords | None:
    if not person.user_id:
        return None
    records: list[dict[str, Any]] = []
    for idea in session.exec(
        select(Idea).where(Idea.submitted_by_id == person.user_id).order_by(col(Idea.created_at))
    ):
        records.append(
            {
                _("Idea you sent"): idea.title,
                _("What you wrote"): idea.description,
                _("Sent on"): idea.created_at.date(),
                _("Shown without your name"): idea.anonymous,
                _("Sent for"): idea.on_behalf_of or None,
                _("Status"): str(IDEA_STATUSES.get(idea.status, idea.status)),
                _("Reason or note"): idea.status_reason or None,
            }
        )
    for rung in session.exec(select(RungRecord).where(RungRecord.by_id == person.user_id)):
        project = session.get(Project, rung.project_id)
        records.append(
            {
                (_("Rung of the ladder you rated") if rung.kind == "rated"
                 else _("Rung of the ladder you claimed")): RUNGS.get(rung.rung, rung.rung),
                _("Project"): project.title if project else None,
                _("Your comment"): rung.comment or None,
                _("On"): rung.recorded_at.date(),
            }
        )
    for answer in session.exec(select(Answer).where(Answer.owner_id == person.user_id)):
        project = session.get(Project, answer.project_id)
        records.append(
            {
                _("Checklist item you are responsible for"): answer.item_ref,
                _("Project"): project.title if project else None,
                _("Due"): answer.due_on,
            }
        )
    return SubjectRecords(str(SECTION), tuple(records)) if records else None


def erase(session: Session, person: Any) -> ErasureReport | None:
    if not person.user_id:
        return None
    uid = person.user_id
    for idea in session.exec(select(Idea).where(Idea.submitted_by_id == uid)):
        idea.submitted_by_id, idea.anonymous, idea.on_behalf_of = None, True, ""
        session.add(idea)
    for rung in session.exec(select(RungRecord).where(RungRecord.by_id == uid)):
        if rung.kind == "rated":
            session.delete(rung)
        else:
            rung.by_id = None
            session.add(rung)
    for answer in session.exec(select(Answer).where(Answer.owner_id == uid)):
        answer.owner_id = None
        session.add(answer)
    for row in session.exec(select(Answer).where(Answer.updated_by_id == uid)):
        row.updated_by_id = None
        session.add(row)
    for change in session.exec(select(AnswerChange).where(AnswerChange.changed_by_id == uid)):
        change.changed_by_id = None
        session.add(change)
    for entry in session.exec(select(Feedback).where(Feedback.created_by_id == uid)):
        entry.created_by_id = None
        session.add(entry)
    for involved in session.exec(select(ProjectPerson).where(ProjectPerson.user_id == uid)):
        session.delete(involved)  # only a copy of what the network plugin knows: it erases its own
    return ErasureReport(
        str(SECTION),
        erased=(
            _("Your ratings of projects' rungs of the ladder"),
            _("Our copy of the list of projects you took part in"),
            _("Your name on ideas you sent, rung claims, checklist answers and their history"),
        ),
        kept=(
            (
                _("The ideas you sent, without your name"),
                _("Other people are working on them; nothing in them now points to you."),
            ),
        ),
    )
