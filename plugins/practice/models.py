"""Tables of the practice plugin. No "from __future__ import annotations": SQLModel needs real ones."""

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from coprod_portal.db import new_id, utcnow


class PracticeExample(SQLModel, table=True):
    """One practice example: what was done, with whom (groups and roles, never names), what changed.

    ``author_id`` is the person who started it (the "lead author"); co-authors are rows of
    ``PracticeCoauthor``. ``tags`` holds checklist item references such as ``startup.involve``,
    one a line, so a checklist item can offer the examples tagged with it.
    """

    __tablename__ = "practice_example"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    title: str = Field(max_length=200)
    situation: str = Field(default="", max_length=4000)
    who_involved: str = Field(default="", max_length=2000)
    what_was_done: str = Field(default="", max_length=4000)
    stage: str = Field(default="", max_length=40, index=True)
    rung: str = Field(default="", max_length=40)
    what_changed: str = Field(default="", max_length=4000)
    what_was_hard: str = Field(default="", max_length=4000)
    costs_and_payment: str = Field(default="", max_length=2000)
    contact: str = Field(default="", max_length=200)
    easy_read: str = Field(default="", max_length=4000)
    tags: str = Field(default="", max_length=1000)
    project_id: str | None = Field(default=None, foreign_key="core_project.id", index=True, max_length=32)
    visibility: str = Field(default="staff", max_length=20)
    status: str = Field(default="draft", max_length=20, index=True)
    author_id: str | None = Field(default=None, foreign_key="core_user.id", index=True, max_length=32)
    review_note: str = Field(default="", max_length=2000)
    reviewed_by_id: str | None = Field(default=None, foreign_key="core_user.id", max_length=32)
    reviewed_at: datetime | None = None
    published_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    @property
    def tag_list(self) -> list[str]:
        return [t for t in self.tags.split() if t]


class PracticeCoauthor(SQLModel, table=True):
    """A co-author of an example and their consent: the row exists from the invitation; ``agreed_at``
    is set when they sign off in their own words; ``withdrawn_at`` when they withdraw, which hides
    the example everywhere until their part is removed (this row deleted)."""

    __tablename__ = "practice_coauthor"
    __table_args__ = (UniqueConstraint("example_id", "user_id", name="uq_practice_coauthor_example_user"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    example_id: str = Field(foreign_key="practice_example.id", index=True, max_length=32)
    user_id: str = Field(foreign_key="core_user.id", index=True, max_length=32)
    words: str = Field(default="", max_length=4000)
    invited_at: datetime = Field(default_factory=utcnow)
    agreed_at: datetime | None = None
    withdrawn_at: datetime | None = None

    @property
    def stands(self) -> bool:
        return self.agreed_at is not None and self.withdrawn_at is None
