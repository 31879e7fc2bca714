"""What the pages and the hooks share: finding members, consent in force, recording involvement."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from coprod_portal import accounts, audit, events
from coprod_portal.db import utcnow

from .forms import ROLES
from .models import (
    NetworkAccessNeeds,
    NetworkConsent,
    NetworkInvolvement,
    NetworkMember,
    NetworkMemberGroup,
)

PLUGIN = "network"
SPECIAL_SUBJECT = "network_special"  # audit events about groups and access needs
MEMBER_SUBJECT = "network_member"


def actor_label(user: Any) -> str:
    return getattr(user, "display_name", "") or "System"


def member_for_user(session: Session, user: Any) -> NetworkMember | None:
    if getattr(user, "kind", "") != "staff":
        return None
    return session.exec(select(NetworkMember).where(NetworkMember.user_id == user.id)).first()


def link_member_to_account(session: Session, member_id: str, user_id: str) -> bool:
    """Link a member record to a portal account only while both are still free; True when linked.

    One conditional statement rather than read-then-write, so two leads linking at the same moment
    cannot overwrite each other's link: the second is told the record (or the account) was taken."""
    try:
        with session.begin_nested():
            linked = session.execute(
                update(NetworkMember)
                .where(col(NetworkMember.id) == member_id, col(NetworkMember.user_id).is_(None))
                .values(user_id=user_id, updated_at=utcnow())
            )
    except IntegrityError:  # the account was linked to another record a moment ago
        return False
    return int(getattr(linked, "rowcount", 0) or 0) == 1


def consent_in_force(session: Session, member_id: str, purpose: str) -> NetworkConsent | None:
    """The latest decision for ``purpose`` if it was a yes; None when never given or withdrawn."""
    latest = session.exec(
        select(NetworkConsent)
        .where(NetworkConsent.member_id == member_id, NetworkConsent.purpose == purpose)
        .order_by(col(NetworkConsent.on).desc(), col(NetworkConsent.recorded_at).desc())
    ).first()
    return latest if latest is not None and latest.given else None


def forget_special(session: Session, member_id: str, purpose: str) -> bool:
    """Delete the special-category data a withdrawn consent covered; True if anything was deleted."""
    deleted = False
    if purpose == "groups":
        for row in session.exec(select(NetworkMemberGroup).where(NetworkMemberGroup.member_id == member_id)):
            session.delete(row)
            deleted = True
    if purpose == "access_needs":
        needs = session.get(NetworkAccessNeeds, member_id)
        if needs is not None:
            session.delete(needs)
            deleted = True
    return deleted


def member_for_user_id(session: Session, user_id: str) -> NetworkMember | None:
    """The member record linked to a portal account, creating it from the account when missing."""
    member = session.exec(select(NetworkMember).where(NetworkMember.user_id == user_id)).first()
    if member is not None:
        return member
    user = session.get(accounts.User, user_id)
    if user is None:
        return None
    by_email = session.exec(select(NetworkMember).where(NetworkMember.email == user.email)).first()
    if by_email is not None and by_email.user_id is None:
        by_email.user_id = user.id
        session.add(by_email)
        return by_email
    member = NetworkMember(
        user_id=user.id,
        preferred_name=user.display_name or user.email,
        email=None if by_email is not None else user.email,
        status="active",
        status_reason="Added when another part of the portal recorded their involvement",
    )
    session.add(member)
    return member


def record_involvement(
    session: Session,
    actor: Any,
    member: NetworkMember,
    *,
    project_id: str | None,
    role: str,
    starts_on: date,
    ends_on: date | None = None,
    hours: float,
    preparation_hours: float = 0,
    mode: str = "in_person",
    status: str = "confirmed",
    note: str = "",
    source: str = PLUGIN,
    hours_cap_agreed: bool = False,
) -> NetworkInvolvement:
    """Add an involvement, audit it and queue ``portal_involvement_recorded`` (the caller commits)."""
    involvement = NetworkInvolvement(
        member_id=member.id,
        project_id=project_id or None,
        role=role,
        starts_on=starts_on,
        ends_on=ends_on or starts_on,
        hours=hours,
        preparation_hours=preparation_hours,
        mode=mode,
        status=status,
        note=note[:1000],
        source=source,
        hours_cap_agreed=hours_cap_agreed,
        recorded_by=actor_label(actor),
    )
    session.add(involvement)
    session.flush()
    audit.record(
        session,
        actor,
        f"recorded {status} involvement",
        MEMBER_SUBJECT,
        member.id,
        member.preferred_name,
        plugin=PLUGIN,
        detail=f"{ROLES.get(role, role)} on {starts_on.isoformat()}, {hours + preparation_hours:g} hours",
    )
    events.notify(
        session,
        "portal_involvement_recorded",
        involvement_id=involvement.id,
        project_id=involvement.project_id,
    )
    member.updated_at = utcnow()
    return involvement
