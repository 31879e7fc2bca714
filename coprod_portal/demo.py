"""Demo data for ``flask --app wsgi seed-demo`` and ``make run``: safe to run again."""

from __future__ import annotations

from flask import current_app
from sqlmodel import Session, col, select

from . import accounts
from .projects import Project, ProjectTeamMember

DEMO_PASSWORD = "demo-password-2026"

# email, name, roles, line manager's email
DEMO_USERS: list[tuple[str, str, list[str], str | None]] = [
    ("admin@example.org", "Alex Admin", ["admin", "staff"], None),
    ("lead@example.org", "Lee Lead", ["coproduction_lead", "staff"], None),
    ("safeguarding@example.org", "Sam Safeguarding", ["safeguarding_lead", "staff"], None),
    ("hr@example.org", "Harper HR", ["hr", "staff"], None),
    ("manager@example.org", "Morgan Manager", ["staff"], None),
    ("staff@example.org", "Sasha Staff", ["staff"], "manager@example.org"),
]


def ensure_user(session: Session, email: str, name: str, roles: list[str]) -> tuple[accounts.User, bool]:
    """Find or create a demo account; plugins use this for their own demo people."""
    known = current_app.extensions["coprod_roles"]
    user = accounts.user_by_email(session, email)
    if user is not None:
        return user, False
    user = accounts.create_user(session, email, name, [r for r in roles if r in known],
                                DEMO_PASSWORD)
    return user, True


def demo_accounts(session: Session) -> list[tuple[str, str]]:
    """Every active demo account (core's and plugins') with its roles' labels, for the welcome text."""
    labels = {name: role.label for name, role in current_app.extensions["coprod_roles"].items()}
    users = session.exec(select(accounts.User).where(
        col(accounts.User.email).like("%@example.org"), col(accounts.User.active))).all()
    return sorted((u.email, ", ".join(sorted(str(labels.get(r, r)) for r in u.role_names))) for u in users)


def seed(session: Session) -> int:
    """Create demo users and projects if missing, then let every plugin add its own."""
    created = 0
    for email, name, roles, _ in DEMO_USERS:
        created += ensure_user(session, email, name, roles)[1]
    session.flush()
    for email, _, _, manager_email in DEMO_USERS:
        if manager_email:
            user, manager = (accounts.user_by_email(session, e) for e in (email, manager_email))
            if user and manager and not user.line_manager_id:
                user.line_manager_id = manager.id
    _demo_projects(session)
    session.commit()
    host = current_app.extensions["coprod_plugins"]
    host.call("portal_seed_demo", session=session)
    session.commit()
    host.call("portal_seed_demo_done", session=session)
    session.commit()
    return created


def _demo_projects(session: Session) -> None:
    lead = accounts.user_by_email(session, "lead@example.org")
    staff = accounts.user_by_email(session, "staff@example.org")
    if lead is None or staff is None:
        return
    for title, summary, owner in [
        ("Redesign of the carers' assessment", "Work with carers to redesign how we assess their "
         "needs, from the first conversation to the written plan.", lead),
        ("Easy Read information on direct payments", "Produce Easy Read guides with people with "
         "learning difficulties, who check every draft.", staff),
    ]:
        exists = session.exec(select(Project).where(Project.title == title)).first()
        if exists is None:
            project = Project(title=title, summary=summary, owner_id=owner.id, stage="idea")
            session.add(project)
            if owner is lead:
                session.add(ProjectTeamMember(project_id=project.id, user_id=staff.id))


SCALE_PROJECTS = 2000


def seed_scale(session: Session, factor: float = 1.0) -> int:
    """The large benchmark data set: the core's projects, then every plugin's share."""
    from sqlalchemy import insert

    from .db import new_id, utcnow

    owner = accounts.user_by_email(session, "lead@example.org")
    if owner is None:
        raise RuntimeError("Run seed-demo first: the scale data set builds on the demo users.")
    count = int(SCALE_PROJECTS * factor)
    stages = current_app.config["PROJECT_STAGES"]
    now = utcnow()
    rows = [{"id": new_id(), "title": f"Scale project {n:05d}", "summary": "Benchmark data.",
             "owner_id": owner.id, "stage": stages[n % len(stages)], "created_at": now,
             "updated_at": now} for n in range(count)]
    for start in range(0, len(rows), 1000):
        session.execute(insert(Project), rows[start:start + 1000])
    session.commit()
    current_app.extensions["coprod_plugins"].call("portal_seed_scale", session=session, factor=factor)
    session.commit()
    return count
