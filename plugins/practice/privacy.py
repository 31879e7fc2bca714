"""Subject access and erasure: examples someone wrote, examples they co-wrote, and their consent."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from coprod_portal.i18n import _, _l
from coprod_portal.types import ErasureReport, SubjectRecords

from .access import STATUSES
from .models import PracticeCoauthor, PracticeExample

SECTION = _l("Practice examples")


def export(session: Session, person: Any) -> SubjectRecords | None:
    if not person.user_id:
        return None
    records: list[dict[str, Any]] = []
    for example in session.exec(select(PracticeExample).where(PracticeExample.author_id == person.user_id)
                                .order_by(col(PracticeExample.created_at))):
        records.append({_("Practice example you wrote"): example.title,
                        _("Status"): str(STATUSES[example.status]),
                        _("Contact given"): example.contact or None,
                        _("Started on"): example.created_at.date()})
    for row in session.exec(select(PracticeCoauthor).where(PracticeCoauthor.user_id == person.user_id)):
        example = session.get(PracticeExample, row.example_id)
        records.append({
            _("Practice example you co-wrote"): example.title if example else None,
            _("Your part, in your words"): row.words or None,
            _("Invited on"): row.invited_at.date(),
            _("You agreed on"): row.agreed_at.date() if row.agreed_at else None,
            _("You withdrew your consent on"): row.withdrawn_at.date() if row.withdrawn_at else None,
        })
    reviewed = select(PracticeExample).where(PracticeExample.reviewed_by_id == person.user_id)
    for example in session.exec(reviewed):
        records.append({_("Practice example you reviewed"): example.title,
                        _("Your note"): example.review_note or None})
    return SubjectRecords(str(SECTION), tuple(records)) if records else None


def erase(session: Session, person: Any) -> ErasureReport | None:
    """Their co-authorships and consents go with their words; what they wrote alone is deleted
    unless it is published, when it stays without their name or contact (it names nobody)."""
    if not person.user_id:
        return None
    uid = person.user_id
    for row in session.exec(select(PracticeCoauthor).where(PracticeCoauthor.user_id == uid)):
        example = session.get(PracticeExample, row.example_id)
        if example is not None and example.status in ("published", "in_review"):
            example.status, example.published_at = "draft", None  # checked again before anyone reads it
            session.add(example)
        session.delete(row)
    kept = False
    for example in session.exec(select(PracticeExample).where(PracticeExample.author_id == uid)):
        if example.status == "published":
            example.author_id, example.contact, kept = None, "", True
            session.add(example)
        else:
            for other in session.exec(select(PracticeCoauthor).where(
                    PracticeCoauthor.example_id == example.id)):
                session.delete(other)
            session.flush()
            session.delete(example)
    for example in session.exec(select(PracticeExample).where(PracticeExample.reviewed_by_id == uid)):
        example.reviewed_by_id = None
        session.add(example)
    return ErasureReport(
        str(SECTION),
        erased=(_("Your parts of practice examples you co-wrote, in your words, and your consent to them"),
                _("Practice examples you wrote that were not published"),
                _("Your name on examples you wrote or reviewed"),
                _("Examples you co-wrote go back to draft, so their writers check your part is gone")),
        kept=((_("Published practice examples you wrote, without your name or contact"),
               _("They tell others what was learned, and name nobody.")),) if kept else (),
    )
