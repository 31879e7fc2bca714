"""An outside plugin whose demo data starts a project of its own (tests of the demo data)."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from coprod_portal import accounts
from coprod_portal.hookspecs import hookimpl
from coprod_portal.projects import Project

TITLE = "Community outreach in the market square"


@hookimpl
def portal_seed_demo(session: Any) -> None:
    lead = accounts.user_by_email(session, "lead@example.org")
    if lead is not None and session.exec(select(Project).where(Project.title == TITLE)).first() is None:
        session.add(Project(title=TITLE, owner_id=lead.id, stage="design", summary="Outreach stalls."))
