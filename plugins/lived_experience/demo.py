"""Demo data: staff@example.org takes part and has shared one contribution with the co-production
team, which the co-production lead has accepted."""

from __future__ import annotations

from sqlmodel import Session, select

from coprod_portal import accounts
from coprod_portal.db import utcnow
from coprod_portal.projects import Project

from . import service
from .access import EXPLANATION_VERSION, TEAM, WORDING_VERSION
from .models import ACCEPTED, LivedExperienceContribution, LivedExperienceProfile, LivedExperienceProjectLink

NARRATIVE = (
    "For three years I looked after my dad while working here. The hardest part was the first "
    "assessment: I was asked the same questions by three different people, and nobody told "
    "me what would happen next. What helped was one worker who wrote down what we had agreed and "
    "rang me when she said she would. I would like new assessments to start by asking what the family "
    "already knows and what they need first."
)


def seed(session: Session) -> None:
    staff = accounts.user_by_email(session, "staff@example.org")
    if staff is None or session.get(LivedExperienceProfile, staff.id) is not None:
        return
    session.add(LivedExperienceProfile(user_id=staff.id, explanation_version=EXPLANATION_VERSION))
    lead = accounts.user_by_email(session, "lead@example.org")
    c = LivedExperienceContribution(
        contributor_id=staff.id,
        pseudonym="Rowan Heron",
        visibility=TEAM,
        review_on=service.review_date(),
        review_state=ACCEPTED,
        reviewed_at=utcnow(),
        reviewed_by_id=lead.id if lead else None,
    )
    service.set_content(
        c,
        NARRATIVE,
        "assessments; first contact",
        {"kinds": [], "text": "Caring for a parent with a long illness"},
    )
    session.add(c)
    session.flush()
    service.give_visibility_consent(session, c, TEAM, WORDING_VERSION)
    project = session.exec(
        select(Project).where(Project.title == "Redesign of the carers' assessment")
    ).first()
    if project is not None:
        session.add(LivedExperienceProjectLink(contribution_id=c.id, project_id=project.id))
    session.commit()
