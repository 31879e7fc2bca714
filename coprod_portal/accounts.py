"""People who use the portal: staff accounts with roles, and LTI learners.

A staff account (``User``) signs in with a password or a trusted intranet header. A learner
launched from an LMS (``Learner``) is a separate kind of principal, known by the platform's
issuer and the learner's subject id; learners never get a portal password.
"""

# No "from __future__ import annotations" here: SQLModel relationships need real annotations.
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import UniqueConstraint
from sqlmodel import Field, Relationship, Session, SQLModel, select

from .db import get_session, new_id, utcnow
from .i18n import _, _l

# role -> (label, description), translated when shown
CORE_ROLES: dict[str, tuple[str, str]] = {
    "admin": (_l("Administrator"), _l("Manages users, roles and plugins.")),
    "coproduction_lead": (_l("Co-production lead"), _l("Leads co-production work across projects.")),
    "safeguarding_lead": (_l("Safeguarding lead"), _l("Receives safeguarding and wellbeing concerns.")),
    "hr": (_l("HR"), _l("Human resources. Never sees lived-experience contributions.")),
    "staff": (_l("Staff"), _l("Any member of staff.")),
}
MIN_PASSWORD_LENGTH = 12
_hashers: dict[int, PasswordHasher] = {}


def _hasher() -> PasswordHasher:
    """Argon2id with the configured memory cost (PASSWORD_HASH_MEMORY_KIB; tests use less)."""
    from flask import current_app, has_app_context

    memory = current_app.config["PASSWORD_HASH_MEMORY_KIB"] if has_app_context() else 65536
    if memory not in _hashers:
        _hashers[memory] = PasswordHasher(memory_cost=memory, time_cost=3 if memory >= 65536 else 1)
    return _hashers[memory]


class UserRole(SQLModel, table=True):
    """A role given to a user; roles are names, declared by the core and by plugins."""

    __tablename__ = "core_user_role"
    user_id: str = Field(foreign_key="core_user.id", primary_key=True, max_length=32)
    role: str = Field(primary_key=True, max_length=64)
    user: "User" = Relationship(back_populates="role_links")


class User(SQLModel, table=True):
    """A staff account. Leavers are deactivated, never deleted, so their history stays."""

    __tablename__ = "core_user"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    email: str = Field(unique=True, index=True, max_length=254)
    display_name: str = Field(max_length=200)
    password_hash: str | None = Field(default=None, max_length=255)
    active: bool = True
    session_token: str = Field(default_factory=new_id, max_length=32)
    line_manager_id: str | None = Field(default=None, foreign_key="core_user.id", max_length=32)
    created_at: datetime = Field(default_factory=utcnow)
    deactivated_at: datetime | None = None
    # "password", "link" (a sign-in link sent by e-mail) or "either": the person's own choice
    sign_in_method: str = Field(default="either", max_length=10)
    # the language the person chose ("en", "cy"); None until they choose (the browser decides)
    language: str | None = Field(default=None, max_length=8)
    role_links: list[UserRole] = Relationship(
        back_populates="user",
        sa_relationship_kwargs={"lazy": "selectin", "cascade": "all, delete-orphan"},
    )

    kind: ClassVar[str] = "staff"

    @property
    def role_names(self) -> frozenset[str]:
        return frozenset(link.role for link in self.role_links)

    # flask-login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """Includes the session token: changing the password ends every other session."""
        return f"u:{self.id}:{self.session_token}"


class UserIdentity(SQLModel, table=True):
    """A staff account's identity at an OpenID provider (single sign-on). Once linked, the
    provider's subject says who is signing in, not the email address, which can change or be
    given to someone else; a second subject claiming the same email is refused."""

    __tablename__ = "core_user_identity"
    __table_args__ = (UniqueConstraint("issuer", "subject", name="uq_core_user_identity"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    user_id: str = Field(foreign_key="core_user.id", index=True, max_length=32)
    issuer: str = Field(max_length=255)
    subject: str = Field(max_length=255)
    linked_at: datetime = Field(default_factory=utcnow)


class Learner(SQLModel, table=True):
    """A learner launched from an LMS, identified by (issuer, subject); no password."""

    __tablename__ = "core_learner"
    __table_args__ = (UniqueConstraint("issuer", "subject", name="uq_core_learner_identity"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    issuer: str = Field(max_length=255, index=True)
    subject: str = Field(max_length=255)
    display_name: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow)

    kind: ClassVar[str] = "learner"
    role_names: ClassVar[frozenset[str]] = frozenset({"learner"})
    is_authenticated: ClassVar[bool] = True
    is_active: ClassVar[bool] = True
    is_anonymous: ClassVar[bool] = False

    def get_id(self) -> str:
        return f"l:{self.id}"


@dataclass(frozen=True)
class Anonymous:
    """Nobody signed in."""

    kind: str = "anonymous"
    id: str = ""
    display_name: str = "Visitor"
    role_names: frozenset[str] = frozenset()
    is_authenticated: bool = False
    is_active: bool = False
    is_anonymous: bool = True

    def get_id(self) -> None:
        return None


class PasswordReset(SQLModel, table=True):
    """A one-time code an admin passes on to someone who cannot sign in. Only its hash is kept."""

    __tablename__ = "core_password_reset"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    user_id: str = Field(foreign_key="core_user.id", index=True, max_length=32)
    token_hash: str = Field(unique=True, max_length=64)
    created_by: str = Field(foreign_key="core_user.id", max_length=32)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None


# --- passwords -----------------------------------------------------------------------------


# The passwords of 12 characters or more that top the published lists of leaked passwords
# (compared without case, spaces or punctuation). Shorter ones are refused by length already.
COMMON_PASSWORDS = frozenset({
    "123456789012", "1234567890123", "12345678901234", "123456123456", "123123123123",
    "111111111111", "000000000000", "1q2w3e4r5t6y", "1qaz2wsx3edc", "zaq12wsxcde3",
    "qwertyuiop12", "qwerty123456", "qwertyuiopas", "qwertyuiopasdfghjkl", "asdfghjkl123",
    "abcdefghijkl", "abc123abc123", "password1234", "password12345", "password123456",
    "passwordpassword", "passw0rd1234", "iloveyou1234", "welcome12345", "welcome123456",
    "letmein12345", "changeme1234", "administrator", "football1234", "baseball1234",
    "sunshine1234", "princess1234", "monkey123456", "dragon123456", "superman1234",
    "trustno1trustno1", "correcthorsebatterystaple",
})


def password_problem(password: str, email: str = "") -> str | None:
    """Why a new password is refused, or None. Long passphrases are welcome (spaces, any
    language); no composition rules — only length, the most common passwords, and the email."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("Enter a password of at least %(number)s characters. A few ordinary words in a row "
                 "make a good one.", number=MIN_PASSWORD_LENGTH)
    if len(password) > 1000:
        return _("Enter a password of 1,000 characters or fewer.")
    plain = "".join(ch for ch in password.casefold() if ch.isalnum())
    if plain in COMMON_PASSWORDS or len(set(password.casefold()) - {" "}) < 4:
        return _("This password is one of the most common ones, which are tried first by anyone "
                 "guessing. Choose another: a few ordinary words in a row make a good one.")
    if email and _built_on_email(password.casefold(), normalise_email(email)):
        return _("Your password must not contain your email address. Choose a few ordinary words "
                 "instead.")
    return None


def _built_on_email(password: str, email: str) -> bool:
    """The whole address, or the name before the @ with too little else around it."""
    local = email.partition("@")[0]
    if email in password:
        return True
    return len(local) >= 4 and local in password and len(password.replace(local, "")) < MIN_PASSWORD_LENGTH


def set_password(user: User, password: str) -> None:
    """Hash with Argon2id and rotate the session token so other sessions end."""
    user.password_hash = _hasher().hash(password)
    user.session_token = new_id()


def check_password(user: User | None, password: str) -> bool:
    """Constant-ish time whether or not the account exists, so timing reveals nothing."""
    if user is None or not user.password_hash:
        _safe_verify(_dummy_hash(), password)
        return False
    return _safe_verify(user.password_hash, password)


_dummies: dict[int, str] = {}


def _dummy_hash() -> str:
    """A hash made with the current settings, checked when the account does not exist."""
    hasher = _hasher()
    if id(hasher) not in _dummies:
        _dummies[id(hasher)] = hasher.hash("not a real password, used to even out timing")
    return _dummies[id(hasher)]


def _safe_verify(hashed: str, password: str) -> bool:
    try:
        return _hasher().verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


# --- finding and changing accounts ---------------------------------------------------------


def normalise_email(email: str) -> str:
    return email.strip().lower()


def user_by_email(session: Session, email: str) -> User | None:
    return session.exec(select(User).where(User.email == normalise_email(email))).first()


def create_user(
    session: Session, email: str, display_name: str, roles: list[str], password: str | None = None
) -> User:
    """Add a staff account (the caller commits). Roles are checked by the caller."""
    user = User(email=normalise_email(email), display_name=display_name.strip())
    if password:
        set_password(user, password)
    user.role_links = [UserRole(user_id=user.id, role=role) for role in sorted(set(roles))]
    session.add(user)
    return user


def set_roles(user: User, roles: list[str]) -> None:
    """Replace the user's roles with exactly these."""
    keep = set(roles)
    user.role_links = [link for link in user.role_links if link.role in keep] + [
        UserRole(user_id=user.id, role=role) for role in sorted(keep - user.role_names)
    ]


def deactivate(user: User) -> None:
    """A leaver: cannot sign in, every session ends, history is kept."""
    user.active = False
    user.deactivated_at = utcnow()
    user.session_token = new_id()


def reactivate(user: User) -> None:
    user.active = True
    user.deactivated_at = None


def learner_for(session: Session, issuer: str, subject: str, display_name: str = "") -> Learner:
    """Find or create the learner for an LMS identity (the caller commits)."""
    learner = session.exec(
        select(Learner).where(Learner.issuer == issuer, Learner.subject == subject)
    ).first()
    if learner is None:
        learner = Learner(issuer=issuer, subject=subject, display_name=display_name)
        session.add(learner)
    elif display_name and learner.display_name != display_name:
        learner.display_name = display_name
    return learner


# --- one-time reset codes ------------------------------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_reset(session: Session, user: User, admin: User, hours: int) -> str:
    """Create a one-time reset code; returns the code, which is shown once and never stored."""
    token = secrets.token_urlsafe(24)
    session.add(PasswordReset(
        user_id=user.id, token_hash=_digest(token), created_by=admin.id,
        expires_at=utcnow() + timedelta(hours=hours),
    ))
    return token


def find_reset(session: Session, token: str) -> PasswordReset | None:
    """The reset for a code if it is unused and in date."""
    reset = session.exec(select(PasswordReset).where(PasswordReset.token_hash == _digest(token))).first()
    if reset is None or reset.used_at is not None or reset.expires_at < utcnow():
        return None
    return reset


def stored_language(user_id: str) -> str | None:
    """The language the account ``user_id`` chose (None: none chosen, or no such account); the
    i18n module asks it through ``i18n.init_app``, as it never imports accounts itself."""
    user = get_session().get(User, user_id)
    return user.language if user is not None else None
