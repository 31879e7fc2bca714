"""Append-only audit events: who did or read what, when, and why.

Plugins call :func:`record` for every read of sensitive data and every change that matters.
The event is added to the caller's session, so it commits (or rolls back) together with the
action it describes. Events are never changed or deleted through the portal: a flush that
tries to is refused. Who may see an event is decided per event through the permission
``audit.view_event`` — the plugin that wrote it votes (see ``portal_permission_allowed``).
"""

# No "from __future__ import annotations": SQLModel needs real annotations.
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, Session, SQLModel

from .db import utcnow


class AuditEvent(SQLModel, table=True):
    """One thing that happened. ``detail`` must never carry special-category content."""

    __tablename__ = "core_audit_event"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor_id: str | None = Field(default=None, index=True, max_length=32)
    actor_label: str = Field(default="", max_length=200)
    action: str = Field(max_length=100, index=True)
    subject_type: str = Field(default="", max_length=60)
    subject_id: str = Field(default="", max_length=64, index=True)
    subject_label: str = Field(default="", max_length=200)
    reason: str = Field(default="", max_length=500)
    plugin: str = Field(default="core", max_length=40)
    detail: str = Field(default="", max_length=1000)


class AuditIsAppendOnly(RuntimeError):
    """Raised when code tries to change or delete an audit event."""


def record(
    session: Session,
    actor: Any,
    action: str,
    subject_type: str = "",
    subject_id: str = "",
    subject_label: str = "",
    reason: str = "",
    plugin: str = "core",
    detail: str = "",
) -> AuditEvent:
    """Add an audit event to ``session``; it is saved when the caller commits."""
    event = AuditEvent(
        actor_id=getattr(actor, "id", None) or None,
        actor_label=_label(actor),
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        subject_label=subject_label[:200],
        reason=reason[:500],
        plugin=plugin,
        detail=detail[:1000],
    )
    session.add(event)
    return event


def _label(actor: Any) -> str:
    if actor is None or getattr(actor, "is_anonymous", True):
        return "Visitor" if actor is not None else "System"
    if getattr(actor, "kind", "") == "learner":
        return f"Learner {actor.display_name or actor.id[:8]}"
    return f"{actor.display_name} <{actor.email}>"


@sa.event.listens_for(Session, "before_flush")
def _refuse_changes(session: Session, _context: Any, _instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditIsAppendOnly("Audit events cannot be changed or deleted.")
