"""How a member wants to read: the format in their network record, shared with the portal.

A member tells us their preferred format when they join (``NetworkMember.preferred_format``). The
portal's own setting (/account/preferences) covers the formats it can show on screen and in e-mail,
so the record answers ``portal_preferred_format`` for members who have not chosen there, and a new
choice recorded by the team is saved there too: the latest choice is the one in force.
Audio, BSL and "phone only" have no on-screen equivalent; they leave the portal's setting alone.
"""

from __future__ import annotations

from sqlmodel import Session, select

from coprod_portal import notifications

from .models import NetworkMember

PORTAL_FORMATS = {"standard": "standard", "easy_read": "easy_read", "large_print": "large_print"}


def portal_format(user_id: str, session: Session) -> str | None:
    """The portal format matching the record linked to this account, if it has one."""
    query = select(NetworkMember.preferred_format).where(NetworkMember.user_id == user_id)
    found = session.exec(query).first()
    return PORTAL_FORMATS.get(found) if found else None


def share_new_choice(session: Session, member: NetworkMember, before: str | None) -> None:
    """A format newly recorded for a member with an account becomes their portal format too."""
    fmt = PORTAL_FORMATS.get(member.preferred_format)
    if member.user_id is None or fmt is None or member.preferred_format == before:
        return
    current = notifications.preference(session, member.user_id)
    if current.format != fmt:
        notifications.set_preference(session, member.user_id, current.email, fmt)
