"""Demo data: a network of an ordinary year — 55 members involved in the portal's projects.

Involvement is linked to the projects that already exist (the core's and other plugins' demo
projects: this seeding runs last); the network's own projects are created only when missing, and
only as many as it takes to reach 25. Every demo fee is checked against the member's own caps,
like a real one: when it would not fit, the member took a reduced amount or declined it.

``member@example.org`` (role "Network member") signs in to see their own record and set their caps.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session, col, select

from coprod_portal import accounts
from coprod_portal.demo import ensure_user
from coprod_portal.projects import Project

from . import caps
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
UNLINKED_EMAIL = "newmember@example.org"
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
# created only when fewer than MIN_PROJECTS projects exist (for example with no other plugin on)
MORE_PROJECTS = [
    "Carers' week events",
    "Board recruitment panel",
    "Young carers' film",
    "Easy Read annual report",
    "Safeguarding policy review",
    "Hearing from people in care homes",
    "Co-production training for managers",
    "Personal budgets guide",
    "Blog series: living with dementia",
    "NICE guideline on social care for older people",
    "Accessible venues audit",
    "Benefits and involvement workshop",
    "Newsletter written by members",
    "Podcast on peer support",
    "Reviewing our annual survey",
    "Homelessness and care pathway",
    "Commissioning of carers' breaks",
    "Local Healthwatch partnership",
    "Quality checkers for supported living",
    "Equality impact assessment group",
    "Digital inclusion advisory group",
    "Direct payments peer network",
]
MIN_PROJECTS = 25
FIRST_NAMES = [
    "Amara",
    "Ben",
    "Chloe",
    "Dev",
    "Ellie",
    "Farah",
    "George",
    "Hana",
    "Isaac",
    "Jade",
    "Kofi",
    "Lily",
    "Mohammed",
    "Niamh",
    "Oscar",
    "Poppy",
    "Rahul",
    "Sofia",
    "Theo",
    "Uma",
    "Victor",
    "Wendy",
    "Yusuf",
    "Zara",
    "Alfie",
    "Bethan",
    "Callum",
    "Dina",
    "Ewan",
    "Fatima",
    "Gareth",
    "Harriet",
    "Imran",
    "Joy",
    "Liam",
    "Megan",
    "Nadia",
    "Patrick",
    "Ruth",
    "Sean",
    "Tasha",
    "Usman",
    "Vera",
    "Will",
    "Yasmin",
]
SURNAMES = ["Adeyemi", "Brown", "Campbell", "Davies", "Evans", "Fraser", "Green", "Hussain", "Jones"]
GROUP_CYCLE = [
    ["disabled"],
    ["mental_health"],
    ["carers"],
    ["older"],
    ["learning_difficulties"],
    ["disabled", "mental_health"],
    ["carers", "older"],
    [],
    ["other"],
    ["mental_health"],
]
ROLE_CYCLE = [
    "advisory_group",
    "interview_panel",
    "writer",
    "speaker",
    "trainer",
    "advisory_group",
    "video",
    "consultant",
    "blogger",
    "media",
    "nice_committee",
    "other",
]


def seed(session: Session) -> None:
    """Idempotent: adds the network only when the register is empty."""
    user, _ = ensure_user(session, MEMBER_EMAIL, "Maya Williams", ["network_member"])
    # an account made before its member record: the lead's list offers to link it
    ensure_user(session, UNLINKED_EMAIL, "Sam Newcomer", ["network_member"])
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
    _more_members(session, projects, today)


def _projects(session: Session, lead: accounts.User | None) -> list[Project]:
    found = _network_projects(session, lead)
    existing_ids = {p.id for p in found}
    others = session.exec(
        select(Project)
        .where(~col(Project.title).startswith("Scale project"))
        .order_by(col(Project.created_at), col(Project.title))
        .limit(100)
    ).all()
    found += [p for p in others if p.id not in existing_ids]
    missing = [t for t in MORE_PROJECTS if t not in {p.title for p in found}]
    while len(found) < MIN_PROJECTS and missing and lead is not None:
        project = Project(
            title=missing.pop(0), summary="Network members are involved.", owner_id=lead.id, stage="delivery"
        )
        session.add(project)
        found.append(project)
    session.flush()
    return found


def _network_projects(session: Session, lead: accounts.User | None) -> list[Project]:
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


def _more_members(session: Session, projects: list[Project], today: date) -> None:
    """45 more members, each involved a few times over the last year, across every project."""
    this_week, _ = week_window(today, 0)
    for n, first_name in enumerate(FIRST_NAMES):
        surname = SURNAMES[n % len(SURNAMES)]
        status = (
            "paused" if n % 15 == 7 else "left" if n % 15 == 11 else "applicant" if n % 15 == 14 else "active"
        )
        member = NetworkMember(
            preferred_name=f"{first_name} {surname}",
            email=f"{first_name.lower()}.{surname.lower()}@example.org",
            preferred_format=("standard", "easy_read", "large_print", "audio", "bsl", "phone")[n % 6],
            contact_by=("email", "phone", "post")[n % 3],
            status=status,
            status_reason="Started a full-time job" if status == "left" else "",
            weekly_cap_pence=(2000, None, 20350, None, 20400, None)[n % 6],
            week_starts=n % 7,
            period_cap_pence=42700 if n % 5 == 1 else 71000 if n % 5 == 3 else None,
            period_start_day=(n % 31) + 1 if n % 5 in (1, 3) else None,
            hours_cap=15.5 if n % 6 == 0 else None,
        )
        session.add(member)
        session.flush()
        _consents(session, member, today, GROUP_CYCLE[n % len(GROUP_CYCLE)])
        if status == "applicant":
            continue
        for round_ in range(2 + n % 4):
            project = projects[(n * 3 + round_ * 7) % len(projects)] if projects else None
            on = this_week - timedelta(days=10 + 29 * round_ + (n * 5) % 23)
            hours = (2, 3, 1.5, 6)[(n + round_) % 4]
            involvement = NetworkInvolvement(
                member_id=member.id,
                project_id=project.id if project else None,
                role=ROLE_CYCLE[(n + round_) % len(ROLE_CYCLE)],
                starts_on=on,
                ends_on=on,
                hours=hours,
                preparation_hours=1 if hours >= 2 else 0.5,
                mode="remote" if (n + round_) % 3 == 0 else "in_person",
                recorded_by="Lee Lead",
            )
            session.add(involvement)
            session.flush()
            _fee(session, member, involvement, on + timedelta(days=7), int(hours * 2000), n + round_)
            if (n + round_) % 4 == 0:
                session.add(
                    NetworkPayment(
                        member_id=member.id,
                        involvement_id=involvement.id,
                        kind="expense",
                        offered_pence=860 + 100 * (n % 9),
                        amount_pence=860 + 100 * (n % 9),
                        paid_on=on,
                        in_advance=n % 2 == 0,
                        description=("Bus fares", "Taxi to the venue", "Carer cover", "Lunch")[n % 4],
                        recorded_by="Lee Lead",
                    )
                )
            session.flush()


def _consents(session: Session, member: NetworkMember, today: date, groups: list[str]) -> None:
    for purpose in ("contact", "groups") if groups else ("contact",):
        session.add(
            NetworkConsent(
                member_id=member.id,
                purpose=purpose,
                given=True,
                on=today - timedelta(200),
                wording_version=CONSENT_WORDING_VERSION,
                recorded_by="Lee Lead",
            )
        )
    for group in groups:
        session.add(NetworkMemberGroup(member_id=member.id, group=group))


def _fee(
    session: Session,
    member: NetworkMember,
    involvement: NetworkInvolvement,
    paid_on: date,
    offered: int,
    n: int,
) -> None:
    """Offer a fee the way the pages do: what would cross a cap is reduced to what fits, or declined."""
    choice = "donated" if n % 11 == 5 else "declined" if n % 13 == 6 else "full"
    amount = offered if choice == "full" else 0
    breaches = caps.fee_breaches(session, member, paid_on, amount)
    if breaches:
        fits = min(b.fits for b in breaches)
        choice, amount = ("reduced", fits) if fits > 0 else ("declined", 0)
    session.add(
        NetworkPayment(
            member_id=member.id,
            involvement_id=involvement.id,
            kind="fee",
            offered_pence=offered,
            amount_pence=amount,
            choice=choice,
            charity="Carers Trust" if choice == "donated" else "",
            method="voucher" if n % 9 == 4 and choice != "declined" else "bank",
            paid_on=paid_on,
            recorded_by="Lee Lead",
        )
    )
