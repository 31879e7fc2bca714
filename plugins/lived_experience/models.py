"""The plugin's tables. Every name starts with ``lived_experience_``.

A contribution's narrative, its content note and the topics it may inform are special-category
data: they are stored only as Fernet ciphertext (see ``crypto.py``), and are emptied when the
contributor withdraws. What stays after withdrawal is what shows that consent was given and
withdrawn lawfully: dates, purposes and wording versions, never the narrative.
"""

# No "from __future__ import annotations": SQLModel needs real annotations.
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from coprod_portal.db import new_id, utcnow

SUBMITTED = "submitted"
WITHDRAWN = "withdrawn"

# the co-production lead's review; only accepted contributions are read by anyone but the
# contributor and the lead, or used as evidence
WAITING = "waiting"
ACCEPTED = "accepted"
CHANGES = "changes_requested"
DECLINED = "declined"


class LivedExperienceProfile(SQLModel, table=True):
    """A member of staff who chose to take part. The row exists only while they do."""

    __tablename__ = "lived_experience_profile"
    user_id: str = Field(foreign_key="core_user.id", primary_key=True, max_length=32)
    opted_in_at: datetime = Field(default_factory=utcnow)
    explanation_version: str = Field(max_length=20)


class LivedExperienceContribution(SQLModel, table=True):
    """One contribution. ``*_token`` columns hold ciphertext only; None once withdrawn."""

    __tablename__ = "lived_experience_contribution"
    __table_args__ = (
        sa.Index("ix_lived_experience_contribution_review", "status", "review_state", "created_at"),
    )
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    contributor_id: str = Field(foreign_key="core_user.id", index=True, max_length=32)
    pseudonym: str = Field(max_length=40)
    visibility: str = Field(max_length=30)
    status: str = Field(default=SUBMITTED, max_length=20, index=True)
    narrative_token: str | None = Field(default=None, sa_type=sa.Text)
    content_note_token: str | None = Field(default=None, sa_type=sa.Text)
    topics_token: str | None = Field(default=None, sa_type=sa.Text)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    withdrawn_at: datetime | None = None
    review_on: date
    review_notified_at: datetime | None = None
    review_state: str = Field(default=WAITING, max_length=20)
    review_note_token: str | None = Field(default=None, sa_type=sa.Text)  # the lead's note, encrypted
    reviewed_at: datetime | None = None
    reviewed_by_id: str | None = Field(default=None, max_length=32)
    public_wording_token: str | None = Field(default=None, sa_type=sa.Text)  # proposed for public use
    wording_approved_at: datetime | None = None  # the contributor approved public_wording


class LivedExperienceProjectLink(SQLModel, table=True):
    """A project this contribution may inform (chosen by the contributor)."""

    __tablename__ = "lived_experience_project_link"
    contribution_id: str = Field(
        foreign_key="lived_experience_contribution.id", primary_key=True, max_length=32
    )
    project_id: str = Field(foreign_key="core_project.id", primary_key=True, max_length=32)


class LivedExperienceConsent(SQLModel, table=True):
    """Consent to one purpose (a visibility, or one named public use), dated, with its wording.

    Consent records are kept after withdrawal (without any narrative): they show what was
    agreed, when, and when it ended.
    """

    __tablename__ = "lived_experience_consent"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    contribution_id: str = Field(foreign_key="lived_experience_contribution.id", index=True, max_length=32)
    contributor_id: str = Field(foreign_key="core_user.id", index=True, max_length=32)
    purpose: str = Field(max_length=30)
    use_description: str = Field(default="", max_length=200)
    wording_version: str = Field(max_length=20)
    given_at: datetime = Field(default_factory=utcnow)
    ended_at: datetime | None = None
    ended_because: str = Field(default="", max_length=40)


class LivedExperienceCheckin(SQLModel, table=True):
    """A request to talk to the safeguarding lead. It never holds any contribution text."""

    __tablename__ = "lived_experience_checkin"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    user_id: str = Field(foreign_key="core_user.id", index=True, max_length=32)
    how_to_reach: str = Field(max_length=30)
    when_suits: str = Field(default="", max_length=30)
    asked_at: datetime = Field(default_factory=utcnow)
    closed_at: datetime | None = None
    closed_by_id: str | None = Field(default=None, max_length=32)
