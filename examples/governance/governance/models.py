"""The plugin's tables. Every name starts with ``governance_``, the plugin's own namespace.

Lived experience is special-category data. ``GovernanceLivedExperience`` has a row for a
person only while that person consents to being counted; without consent nothing about their
lived experience is stored at all, and withdrawing consent deletes the row.
"""

# No "from __future__ import annotations": SQLModel needs real annotations.
from datetime import date, datetime

from coprod_portal.db import new_id, utcnow
from sqlmodel import Field, SQLModel

BOARD = "board"  # the body every trustee's seat belongs to; committees are named in settings


class GovernancePerson(SQLModel, table=True):
    """A trustee or committee member. Board membership is public, so names are not secret."""

    __tablename__ = "governance_person"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    name: str = Field(max_length=200)
    email: str | None = Field(default=None, max_length=254, index=True)
    created_at: datetime = Field(default_factory=utcnow)


class GovernanceSeat(SQLModel, table=True):
    """A seat on the board or a committee, held by one person for a term."""

    __tablename__ = "governance_seat"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    person_id: str = Field(foreign_key="governance_person.id", index=True, max_length=32)
    body: str = Field(default=BOARD, max_length=100)
    role: str = Field(max_length=40)
    starts_on: date
    ends_on: date | None = None
    updated_at: datetime = Field(default_factory=utcnow)

    def is_current(self, today: date) -> bool:
        return self.starts_on <= today and (self.ends_on is None or self.ends_on >= today)


class GovernanceLivedExperience(SQLModel, table=True):
    """A person's explicit consent to being counted as having lived experience of using services.

    The row *is* the consent: it exists only while the person consents.
    """

    __tablename__ = "governance_lived_experience"
    person_id: str = Field(foreign_key="governance_person.id", primary_key=True, max_length=32)
    consent_given_on: date
    evidence: str = Field(max_length=40)
    wording_version: str = Field(max_length=20)
    publish_agreed: bool = False
    recorded_by_id: str | None = Field(default=None, max_length=32)
    recorded_at: datetime = Field(default_factory=utcnow)


class GovernanceBriefing(SQLModel, table=True):
    """The board was told about a project (the checklist item "board informed")."""

    __tablename__ = "governance_briefing"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    project_id: str = Field(foreign_key="core_project.id", index=True, max_length=32)
    briefed_on: date
    note: str = Field(default="", max_length=500)
    recorded_by_id: str | None = Field(default=None, max_length=32)
    recorded_at: datetime = Field(default_factory=utcnow)
