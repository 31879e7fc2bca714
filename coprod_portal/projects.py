"""The project register: a small, neutral record that plugins fill through hooks.

The core knows a project's title, owner, team, stage and dates, and nothing about
co-production. Plugins add panels to the project page and may block a stage move
(``portal_project_stage_blockers``); the co-production checklist is such a plugin.
"""

# No "from __future__ import annotations": SQLModel needs real annotations.
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlmodel import Field, Session, SQLModel, select

from .db import new_id, utcnow
from .i18n import _l

# The rungs of the ladder of co-production, lowest first: the one vocabulary for how far people
# were involved, so a rung planned in a checklist and a rung claimed in a practice example (two
# plugins that never import each other) read the same. The codes are stored; the labels are
# translated when shown (``str()`` one where a plain string is needed).
RUNGS = {
    "coercion": _l("Coercion"),
    "educating": _l("Educating"),
    "informing": _l("Informing"),
    "consultation": _l("Consultation"),
    "engagement": _l("Engagement"),
    "co_design": _l("Co-design"),
    "co_production": _l("Co-production"),
}

# The default stages' names as they read inside a sentence ("at the design stage"). A stage an
# organisation adds in COPROD_PROJECT_STAGES has no translation and is shown as it is written.
STAGE_NAMES = {
    "idea": _l("idea"),
    "design": _l("design"),
    "development": _l("development"),
    "commissioning": _l("commissioning"),
    "delivery": _l("delivery"),
    "review": _l("review"),
    "closed": _l("closed"),
}


class Project(SQLModel, table=True):
    """One piece of the organisation's work, from idea to closed."""

    __tablename__ = "core_project"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    title: str = Field(max_length=200)
    summary: str = Field(default="", max_length=4000)
    owner_id: str = Field(foreign_key="core_user.id", index=True, max_length=32)
    stage: str = Field(default="idea", max_length=40, index=True)
    starts_on: date | None = None
    ends_on: date | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ProjectTeamMember(SQLModel, table=True):
    """A member of staff on the project's team."""

    __tablename__ = "core_project_team"
    project_id: str = Field(foreign_key="core_project.id", primary_key=True, max_length=32)
    user_id: str = Field(foreign_key="core_user.id", primary_key=True, max_length=32)


def stages() -> list[str]:
    """The configured stages, in order (COPROD_PROJECT_STAGES)."""
    return list(current_app.config["PROJECT_STAGES"])


def stage_name(stage: str) -> str:
    """A stage's name in the reader's language, for use inside a sentence: "design"."""
    name = STAGE_NAMES.get(stage)
    return str(name) if name is not None else stage


def stage_label(stage: str) -> str:
    """A stage's name as a label or heading: "Design" (an added stage: capitalised as before)."""
    name = STAGE_NAMES.get(stage)
    if name is None:
        return stage.capitalize()
    text = str(name)
    return text[:1].upper() + text[1:]


def team_ids(session: Session, project: Project) -> list[str]:
    return list(session.exec(
        select(ProjectTeamMember.user_id).where(ProjectTeamMember.project_id == project.id)
    ))


def is_on_project(session: Session, project: Project, user: Any) -> bool:
    """Owner or team member: the people who run the project day to day."""
    if getattr(user, "kind", "") != "staff":
        return False
    return project.owner_id == user.id or user.id in team_ids(session, project)


def stage_blockers(project: Project, to_stage: str) -> list[str]:
    """Every reason any plugin gives for not moving ``project`` to ``to_stage``."""
    host = current_app.extensions["coprod_plugins"]
    reasons = host.items("portal_project_stage_blockers", project=project, to_stage=to_stage)
    return [str(reason) for reason in reasons if reason]


@sa.event.listens_for(Session, "before_flush")
def _announce_new_projects(session: Session, _context: Any, _instances: Any) -> None:
    """Tell plugins about every new project in the flush that inserts it (``portal_project_created``).

    A session event rather than a call in the core's form: a project made by any plugin, in any
    order of loading, gets what every project must have (its checklist) in the same transaction.
    """
    new = [obj for obj in session.new if isinstance(obj, Project)]
    if not new or not has_app_context() or "coprod_plugins" not in current_app.extensions:
        return
    host = current_app.extensions["coprod_plugins"]
    with session.no_autoflush:
        for project in new:
            host.call("portal_project_created", project=project, session=session)
