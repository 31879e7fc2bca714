"""Tables of the checklists plugin. No "from __future__ import annotations": SQLModel needs real ones."""

from datetime import date, datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from coprod_portal.db import new_id, utcnow

# --- the template, in versions -------------------------------------------------------------------


class TemplateVersion(SQLModel, table=True):
    """One version of the checklist template. Published versions are never changed again."""

    __tablename__ = "checklists_template_version"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    number: int = Field(index=True, unique=True)
    note: str = Field(default="", max_length=500)
    published_at: datetime | None = None  # None: a draft, still being edited
    created_at: datetime = Field(default_factory=utcnow)
    created_by_id: str | None = Field(default=None, max_length=32)


class TemplateSection(SQLModel, table=True):
    __tablename__ = "checklists_template_section"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    version_id: str = Field(foreign_key="checklists_template_version.id", index=True, max_length=32)
    key: str = Field(max_length=40)
    title: str = Field(max_length=200)
    stage: str = Field(max_length=40)
    position: int = 0


class TemplateItem(SQLModel, table=True):
    __tablename__ = "checklists_template_item"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    section_id: str = Field(foreign_key="checklists_template_section.id", index=True, max_length=32)
    key: str = Field(max_length=40)
    text: str = Field(max_length=500)
    hint: str = Field(default="", max_length=1000)
    kind: str = Field(default="", max_length=20)  # "", "first_stage" or "planned_rung"
    position: int = 0


# --- one project's checklist ---------------------------------------------------------------------


class ProjectChecklist(SQLModel, table=True):
    """A project's checklist: the template version it was started with, and what it planned."""

    __tablename__ = "checklists_project"
    project_id: str = Field(foreign_key="core_project.id", primary_key=True, max_length=32)
    version_id: str = Field(foreign_key="checklists_template_version.id", index=True, max_length=32)
    first_stage: str = Field(default="", max_length=40, index=True)
    planned_rung: str = Field(default="", max_length=40)
    attached_at: datetime = Field(default_factory=utcnow)
    # stored progress, refreshed whenever the checklist is loaded or answered (see checklist.py)
    done_count: int = 0
    total_count: int = 0
    blocked: bool = Field(default=False, index=True)  # may not move to the next stage yet
    status_at: datetime | None = None


class ProjectPerson(SQLModel, table=True):
    """Someone involved in a project, as the plugins that know (the network plugin) last said.

    Only a list to offer members the projects they may rate: the rating page asks again."""

    __tablename__ = "checklists_project_person"
    project_id: str = Field(foreign_key="core_project.id", primary_key=True, max_length=32)
    user_id: str = Field(foreign_key="core_user.id", primary_key=True, index=True, max_length=32)


class Answer(SQLModel, table=True):
    """The answer to one item; ``item_ref`` is ``section.item`` for the template's items and
    ``plugin:section.item`` for items another plugin adds."""

    __tablename__ = "checklists_answer"
    # "items due on my projects" (the home page card) is answered from these indexes alone
    __table_args__ = (
        Index("ix_checklists_answer_project_due", "project_id", "status", "due_on"),
        Index("ix_checklists_answer_owner_due", "owner_id", "status", "due_on"),
    )
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    project_id: str = Field(foreign_key="core_project.id", index=True, max_length=32)
    item_ref: str = Field(max_length=200)
    status: str = Field(default="", max_length=20)  # "", "yes", "not_applicable"
    reason: str = Field(default="", max_length=2000)
    notes: str = Field(default="", max_length=4000)
    value: str = Field(default="", max_length=40)
    evidence: str = Field(default="", max_length=4000)  # one link or reference a line
    owner_id: str | None = Field(default=None, foreign_key="core_user.id", index=True, max_length=32)
    due_on: date | None = Field(default=None, index=True)
    reminded_on: date | None = None
    updated_by_id: str | None = Field(default=None, max_length=32)
    updated_at: datetime = Field(default_factory=utcnow)


class AnswerChange(SQLModel, table=True):
    """The history of a project's checklist: who changed what, when."""

    __tablename__ = "checklists_answer_change"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    project_id: str = Field(foreign_key="core_project.id", index=True, max_length=32)
    item_ref: str = Field(max_length=200)
    item_text: str = Field(default="", max_length=500)
    summary: str = Field(max_length=1000)
    changed_by_id: str | None = Field(default=None, max_length=32)
    changed_at: datetime = Field(default_factory=utcnow)


# --- evaluation ------------------------------------------------------------------------------------


class RungRecord(SQLModel, table=True):
    """A rung of the ladder of co-production: claimed by staff, or rated by a member involved."""

    __tablename__ = "checklists_rung"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    project_id: str = Field(foreign_key="core_project.id", index=True, max_length=32)
    kind: str = Field(max_length=20)  # "claimed" or "rated"
    rung: str = Field(max_length=40)
    comment: str = Field(default="", max_length=2000)
    by_id: str | None = Field(default=None, foreign_key="core_user.id", index=True, max_length=32)
    recorded_at: datetime = Field(default_factory=utcnow)


class Feedback(SQLModel, table=True):
    """A "you said, we did" entry."""

    __tablename__ = "checklists_feedback"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    project_id: str = Field(foreign_key="core_project.id", index=True, max_length=32)
    you_said: str = Field(max_length=2000)
    we_did: str = Field(max_length=2000)
    changed: bool = True  # False: we could not change it, and we_did says why
    published: bool = False
    created_by_id: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(default_factory=utcnow)


class Idea(SQLModel, table=True):
    """An idea from a network member or member of staff, and what became of it."""

    __tablename__ = "checklists_idea"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    title: str = Field(max_length=200)
    description: str = Field(max_length=4000)
    submitted_by_id: str | None = Field(default=None, foreign_key="core_user.id", index=True, max_length=32)
    anonymous: bool = False
    on_behalf_of: str = Field(default="", max_length=200)  # a supporter submitted it for this person
    status: str = Field(default="received", max_length=30, index=True)
    status_reason: str = Field(default="", max_length=2000)
    project_id: str | None = Field(default=None, foreign_key="core_project.id", max_length=32)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
