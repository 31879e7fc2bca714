"""Demo data: a small network with involvement, fees, an expense and involvement waiting to be priced.

``member@example.org`` (role "Network member") signs in to see their own record and set their caps.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session, select

from coprod_portal import accounts
from coprod_portal.demo import ensure_user
from coprod_portal.projects import Project

from .caps import week_window
from .forms import CONSENT_WORDING_VERSION
from .models import (
    NetworkAccessNeeds,
    NetworkConsent,
    NetworkInvolvement,
    NetworkMember,
    NetworkMemberGroup,
    NetworkPayment,
    NetworkProjectBudget,
)

MEMBER_EMAIL = "member@example.org"
# preferred name, email, format, status, groups, weekly cap (pence), hours cap
MEMBERS = [
    ("Maya Williams", MEMBER_EMAIL, "standard", "active", ["carers"], 2000, 16.0),
    ("Tom Okoro", "tom.okoro@example.org", "easy_read", "active", ["learning_difficulties"], None, None),
    ("Rosa Delgado", "rosa.delgado@example.org", "large_print", "active", ["older", "disabled"], 20350, None),
    ("Jordan Price", "jordan.price@example.org", "standard", "active", ["mental_health"], None, None),
    ("Aisha Rahman", "aisha.rahman@example.org", "bsl", "active", ["disabled"], None, None),
    ("Kieran Walsh", "kieran.walsh@example.org", "standard", "active", ["care_experienced"], None, None),
    ("Beatrice Mensah", "beatrice.mensah@example.org", "audio", "paused", ["prefer_not"], None, None),
    ("Owen Hughes", "owen.hughes@example.org", "phone", "active", ["carers", "older"], 20400, None),
    ("Priya Nair", "priya.nair@example.org", "standard", "applicant", [], None, None),
    ("Daniel Kowalski", "daniel.kowalski@example.org", "standard", "left", [], None, None),
]
PROJECTS = [
    ("Recruiting our new director of care", "Network members sit on the interview panel."),
    ("Mental health crisis line review", "An advisory group of people who have used the crisis line."),
    ("Annual co-production conference", "Members plan the day and speak at it."),
]


def seed(session: Session) -> None:
    """Idempotent: adds the network only when the register is empty."""
    user, _ = ensure_user(session, MEMBER_EMAIL, "Maya Williams", ["network_member"])
    session.flush()
    if session.exec(select(NetworkMember)).first() is not None:
        return
    lead = accounts.user_by_email(session, "lead@example.org")
    projects = _projects(session, lead)
    today = date.today()
    members = []
    for name, email, fmt, status, groups, weekly, hours in MEMBERS:
        member = NetworkMember(
            preferred_name=name,
            email=email,
            preferred_format=fmt,
            status=status,
            status_reason="Moved away" if status == "left" else "",
            weekly_cap_pence=weekly,
            hours_cap=hours,
            user_id=user.id if email == MEMBER_EMAIL else None,
        )
        if email == MEMBER_EMAIL:
            member.period_cap_pence, member.period_start_day = 42700, 31
        session.add(member)
        session.flush()
        members.append(member)
        session.add(
            NetworkConsent(
                member_id=member.id,
                purpose="contact",
                given=True,
                on=today - timedelta(300),
                wording_version=CONSENT_WORDING_VERSION,
                recorded_by="Lee Lead",
            )
        )
        if groups:
            session.add(
                NetworkConsent(
                    member_id=member.id,
                    purpose="groups",
                    given=True,
                    on=today - timedelta(300),
                    wording_version=CONSENT_WORDING_VERSION,
                    recorded_by="Lee Lead",
                )
            )
            for group in groups:
                session.add(NetworkMemberGroup(member_id=member.id, group=group))
    session.add(
        NetworkConsent(
            member_id=members[4].id,
            purpose="access_needs",
            given=True,
            on=today - timedelta(300),
            wording_version=CONSENT_WORDING_VERSION,
            recorded_by="Lee Lead",
        )
    )
    session.add(
        NetworkAccessNeeds(
            member_id=members[4].id, text="I need a BSL interpreter, and papers a week before the meeting."
        )
    )
    session.flush()
    _involvement(session, members, projects, today)


def _projects(session: Session, lead: accounts.User | None) -> list[Project]:
    found = []
    for title, summary in PROJECTS:
        project = session.exec(select(Project).where(Project.title == title)).first()
        if project is None and lead is not None:
            project = Project(title=title, summary=summary, owner_id=lead.id, stage="delivery")
            session.add(project)
        if project is not None:
            found.append(project)
    existing = session.exec(
        select(Project).where(Project.title == "Redesign of the carers' assessment")
    ).first()
    if existing is not None:
        found.append(existing)
    session.flush()
    for project in found[:2]:
        if session.get(NetworkProjectBudget, project.id) is None:
            session.add(
                NetworkProjectBudget(
                    project_id=project.id,
                    fees_pence=150000,
                    expenses_pence=30000,
                    access_pence=60000,
                    updated_by="Lee Lead",
                )
            )
    return found


def _involvement(
    session: Session, members: list[NetworkMember], projects: list[Project], today: date
) -> None:
    roles = ["interview_panel", "advisory_group", "speaker", "advisory_group"]
    this_week, _ = week_window(today, 0)
    for index, member in enumerate(members[:8]):
        for round_ in range(3):
            project = projects[(index + round_) % len(projects)] if projects else None
            on = this_week - timedelta(days=14 + 21 * round_ + index)
            involvement = NetworkInvolvement(
                member_id=member.id,
                project_id=project.id if project else None,
                role=roles[(index + round_) % len(roles)],
                starts_on=on,
                ends_on=on,
                hours=3,
                preparation_hours=1,
                mode="remote" if index % 2 else "in_person",
                recorded_by="Lee Lead",
            )
            session.add(involvement)
            session.flush()
            fee = 2000 if member.weekly_cap_pence == 2000 else 7500
            choice = (
                "donated"
                if (index, round_) == (3, 1)
                else "declined"
                if (index, round_) == (5, 0)
                else "full"
            )
            session.add(
                NetworkPayment(
                    member_id=member.id,
                    involvement_id=involvement.id,
                    kind="fee",
                    offered_pence=fee,
                    amount_pence=fee if choice == "full" else 0,
                    choice=choice,
                    charity="Mind" if choice == "donated" else "",
                    paid_on=on + timedelta(days=7),
                    recorded_by="Lee Lead",
                )
            )
            if round_ == 0:
                session.add(
                    NetworkPayment(
                        member_id=member.id,
                        involvement_id=involvement.id,
                        kind="expense",
                        offered_pence=1240,
                        amount_pence=1240,
                        paid_on=on - timedelta(days=2),
                        in_advance=True,
                        description="Return train ticket",
                        recorded_by="Lee Lead",
                    )
                )
    # training recorded these through portal_record_involvement; the lead has not priced them yet
    for member in (members[0], members[2]):
        session.add(
            NetworkInvolvement(
                member_id=member.id,
                role="trainer",
                starts_on=today - timedelta(days=3),
                ends_on=today - timedelta(days=3),
                hours=2,
                status="pending",
                source="another plugin",
                note="Delivered ‘Paying people who receive benefits’",
                recorded_by="Training",
            )
        )
