"""The training plugin's tables; every name starts with ``training_``.

Module content is versioned: each version is a JSON document (lessons, Easy Read text, quiz)
that goes draft → in review → published (or back to draft with the reviewer's comments).
LTI state lives here too, so every worker sees it: platform registrations, the tool's keys,
nonces (used up once), launches and grades waiting to go back to the platform.
"""

# No "from __future__ import annotations": SQLModel needs real annotations.
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from coprod_portal.db import new_id, utcnow


class TrainingModule(SQLModel, table=True):
    """A module of the course; its content is in its versions."""

    __tablename__ = "training_module"
    key: str = Field(primary_key=True, max_length=60)
    title: str = Field(max_length=200)
    published_version: int | None = None
    created_at: datetime = Field(default_factory=utcnow)


class TrainingVersion(SQLModel, table=True):
    """One version of a module: draft, in_review, published, retired or returned."""

    __tablename__ = "training_version"
    __table_args__ = (UniqueConstraint("module_key", "number", name="uq_training_version_number"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    module_key: str = Field(foreign_key="training_module.key", index=True, max_length=60)
    number: int
    status: str = Field(default="draft", max_length=20)
    content: str = Field(sa_type=sa.Text)
    author_id: str | None = Field(default=None, max_length=32)
    review_note: str = Field(default="", max_length=1000)
    reviewed_by: str | None = Field(default=None, max_length=32)
    published_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class TrainingTrainer(SQLModel, table=True):
    """A trainer who may edit a module (and is credited on it)."""

    __tablename__ = "training_trainer"
    module_key: str = Field(foreign_key="training_module.key", primary_key=True, max_length=60)
    user_id: str = Field(primary_key=True, max_length=32)


class TrainingLiveSession(SQLModel, table=True):
    """A module taught live (in a room or online), recorded after it happened; each trainer who
    delivered it has one ``TrainingDelivery`` pointing here."""

    __tablename__ = "training_live_session"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    module_key: str = Field(foreign_key="training_module.key", index=True, max_length=60)
    on: date
    hours: float
    online: bool = False
    place: str = Field(default="", max_length=200)
    attendees: int
    recorded_by: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(default_factory=utcnow)


class TrainingDelivery(SQLModel, table=True):
    """One delivery by one trainer (a published version, or a live session), to be priced.

    ``involvement_id`` is None until the involvement hook has recorded it (the network plugin
    may be off); a job tries again later. ``session_key`` ("module:day:trainer", live sessions
    only) is unique, so the same trainer's session of a module on one day is paid once however
    often, or by however many people, it is recorded.
    """

    __tablename__ = "training_delivery"
    __table_args__ = (UniqueConstraint("session_key", name="uq_training_delivery_session"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    module_key: str = Field(max_length=60, index=True)
    version: int | None = None
    kind: str = Field(default="publication", max_length=20)
    trainer_id: str = Field(max_length=32, index=True)
    on: date
    hours: float = 0
    note: str = Field(default="", max_length=500)
    involvement_id: str | None = Field(default=None, max_length=64)
    attempts: int = 0
    session_id: str | None = Field(
        default=None, foreign_key="training_live_session.id", index=True, max_length=32
    )
    session_key: str | None = Field(default=None, max_length=140)
    created_at: datetime = Field(default_factory=utcnow)


class TrainingProgress(SQLModel, table=True):
    """A learner's place in a module (staff user ``u:<id>`` or LTI learner ``l:<id>``)."""

    __tablename__ = "training_progress"
    __table_args__ = (UniqueConstraint("learner_ref", "module_key", name="uq_training_progress"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    learner_ref: str = Field(max_length=40, index=True)
    module_key: str = Field(max_length=60, index=True)
    version: int
    lessons_done: str = Field(default="[]", sa_type=sa.Text)
    last_lesson: str = Field(default="", max_length=60)
    score: int | None = None
    out_of: int | None = None
    completed_at: datetime | None = None
    updated_at: datetime = Field(default_factory=utcnow)


class TrainingPlatform(SQLModel, table=True):
    """An LMS registered with the tool (status active or pending)."""

    __tablename__ = "training_platform"
    __table_args__ = (UniqueConstraint("issuer", "client_id", name="uq_training_platform"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    name: str = Field(max_length=200)
    issuer: str = Field(max_length=255, index=True)
    client_id: str = Field(max_length=255)
    deployment_ids: str = Field(default="", sa_type=sa.Text)  # one a line
    auth_login_url: str = Field(max_length=500)
    token_url: str = Field(max_length=500)
    jwks_url: str = Field(max_length=500)
    audience: str = Field(default="", max_length=500)
    frame_origins: str = Field(default="", sa_type=sa.Text)  # one a line
    status: str = Field(default="active", max_length=20)
    jwks_cache: str = Field(default="", sa_type=sa.Text)
    jwks_fetched_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)

    @property
    def deployments(self) -> list[str]:
        return [d.strip() for d in self.deployment_ids.splitlines() if d.strip()]

    @property
    def origins(self) -> list[str]:
        return origins_in(self.frame_origins)


def origins_in(frame_origins: str) -> list[str]:
    """The page origins written one per line in a registration's ``frame_origins``."""
    return [o.strip() for o in frame_origins.splitlines() if o.strip()]


class TrainingToolKey(SQLModel, table=True):
    """One of the tool's RSA keys, belonging to one platform registration; the private key is
    encrypted with a key derived from the app's secret."""

    __tablename__ = "training_tool_key"
    kid: str = Field(primary_key=True, max_length=64)
    # The registration this key signs for; None only for keys from before keys were per
    # registration (retired by migration training_0002, published until their overlap ends).
    platform_id: str | None = Field(
        default=None, foreign_key="training_platform.id", index=True, max_length=32
    )
    private_key: str = Field(sa_type=sa.Text)
    public_jwk: str = Field(sa_type=sa.Text)
    created_at: datetime = Field(default_factory=utcnow)
    retired_at: datetime | None = None


class TrainingNonce(SQLModel, table=True):
    """A nonce we issued at OIDC login, with its state; used up by the first valid launch."""

    __tablename__ = "training_nonce"
    state: str = Field(primary_key=True, max_length=80)
    nonce: str = Field(unique=True, max_length=80)
    platform_id: str = Field(max_length=32)
    target_link_uri: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    used_at: datetime | None = None


class TrainingLaunch(SQLModel, table=True):
    """What a platform told us at launch (context, roles, AGS and NRPS endpoints)."""

    __tablename__ = "training_launch"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    platform_id: str = Field(max_length=32, index=True)
    learner_id: str = Field(max_length=32, index=True)
    module_key: str = Field(default="", max_length=60)
    context_id: str = Field(default="", max_length=255)
    context_title: str = Field(default="", max_length=255)
    roles: str = Field(default="", sa_type=sa.Text)
    lineitem_url: str = Field(default="", max_length=500)
    lineitems_url: str = Field(default="", max_length=500)
    ags_scopes: str = Field(default="", sa_type=sa.Text)
    nrps_url: str = Field(default="", max_length=500)
    claims: str = Field(default="{}", sa_type=sa.Text)
    created_at: datetime = Field(default_factory=utcnow)


class TrainingGrade(SQLModel, table=True):
    """A score waiting to reach (or that reached) the platform's gradebook."""

    __tablename__ = "training_grade"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    launch_id: str = Field(max_length=32, index=True)
    progress_id: str = Field(max_length=32)
    score: int
    out_of: int
    status: str = Field(default="waiting", max_length=20)
    attempts: int = 0
    last_error: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None


class TrainingRegistrationLink(SQLModel, table=True):
    """A one-time link an LMS administrator pastes into their LMS for LTI Dynamic Registration.

    Only a hash of its token is kept (the link is shown once). ``lms_host`` is the host, as the
    portal administrator typed it, that the LMS's configuration must be fetched from.
    """

    __tablename__ = "training_registration_link"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    token_hash: str = Field(unique=True, max_length=64)
    name: str = Field(max_length=200)
    lms_host: str = Field(max_length=255)
    created_by: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None
    platform_id: str | None = Field(default=None, max_length=32)
