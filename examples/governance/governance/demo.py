"""Demo data: a board of 15 trustees, 4 of whom agreed to be counted and to the figure being published."""

from __future__ import annotations

from datetime import timedelta

from coprod_portal import accounts
from coprod_portal.projects import Project
from sqlmodel import Session, select

from .figures import today
from .forms import CONSENT_WORDING_VERSION
from .models import GovernanceBriefing, GovernanceLivedExperience, GovernancePerson, GovernanceSeat

# name, role on the board, counted as having lived experience (with consent to publish)
TRUSTEES = [
    ("Adaeze Okafor", "chair", True), ("Bernard Lowe", "vice_chair", False),
    ("Carys Pritchard", "treasurer", False), ("Dilip Rao", "trustee", True),
    ("Elin Hughes", "trustee", False), ("Farah Siddiqui", "trustee", True),
    ("Gareth Byrne", "trustee", False), ("Hannah Cole", "trustee", False),
    ("Imran Sheikh", "trustee", False), ("Joan McBride", "trustee", True),
    ("Kwame Asante", "trustee", False), ("Lucy Tran", "trustee", False),
    ("Marek Nowak", "trustee", False), ("Nia Evans", "trustee", False),
    ("Oliver Grant", "trustee", False),
]
COMMITTEE = "Co-production committee"
DEMO_SECRETARY = "admin@example.org"  # in the demo, the administrator is also the board secretary


def seed(session: Session) -> None:
    """Idempotent: adds the board only when the register is empty."""
    _make_secretary(session)
    if session.exec(select(GovernancePerson)).first() is not None:
        return
    start = today() - timedelta(days=400)
    for index, (name, role, counted) in enumerate(TRUSTEES):
        person = GovernancePerson(name=name)
        session.add(person)
        session.flush()  # the person's row first: the seat and the consent refer to it
        session.add(GovernanceSeat(person_id=person.id, role=role, starts_on=start + timedelta(days=index)))
        if counted:
            session.add(GovernanceLivedExperience(
                person_id=person.id, consent_given_on=start, evidence="signed_form",
                wording_version=CONSENT_WORDING_VERSION, publish_agreed=True))
        if index in (0, 3):
            role = "chair" if index == 0 else "member"
            session.add(GovernanceSeat(person_id=person.id, body=COMMITTEE, role=role, starts_on=start))
    co_opted = GovernancePerson(name="Priya Shah")
    session.add(co_opted)
    session.flush()
    session.add(GovernanceSeat(person_id=co_opted.id, body=COMMITTEE, role="co_opted", starts_on=start))
    _brief_board(session)


def _make_secretary(session: Session) -> None:
    user = accounts.user_by_email(session, DEMO_SECRETARY)
    if user is not None and "governance_secretary" not in user.role_names:
        accounts.set_roles(user, [*user.role_names, "governance_secretary"])


def _brief_board(session: Session) -> None:
    title = "Redesign of the carers' assessment"  # a demo project of the core
    project = session.exec(select(Project).where(Project.title == title)).first()
    if project is not None:
        session.add(GovernanceBriefing(project_id=project.id, briefed_on=today() - timedelta(days=30),
                                       note="The chair presented the plan and the budget for carers' fees."))
