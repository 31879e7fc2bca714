"""What the pages, hooks and jobs share: queries, withdrawal, audit and the retention review."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from coprod_portal import audit, events, notifications
from coprod_portal.accounts import User
from coprod_portal.db import utcnow
from coprod_portal.i18n import _, in_language_of

from . import crypto
from .access import LEAD_ONLY, NAMED, ORDER, TEAM, is_hr
from .forms import CONTENT_NOTE_KINDS
from .models import (
    ACCEPTED,
    SUBMITTED,
    WAITING,
    WITHDRAWN,
    LivedExperienceConsent,
    LivedExperienceContribution,
    LivedExperienceProjectLink,
)

PLUGIN = "lived_experience"
CONTRIBUTION = "lived_experience_contribution"
CHECKIN = "lived_experience_checkin"
PROFILE = "lived_experience_profile"
READ = "read a lived-experience contribution"
GENERIC_LABEL = "a lived-experience contribution"
REVIEW_DAYS = 365


def record(
    session: Session,
    actor: Any,
    action: str,
    subject_type: str,
    subject_id: str,
    label: str = GENERIC_LABEL,
    detail: str = "",
) -> None:
    """Audit, with a label that never names the contributor or carries content."""
    audit.record(session, actor, action, subject_type, subject_id, label, plugin=PLUGIN, detail=detail)


def today() -> date:
    return utcnow().date()


def review_date() -> date:
    days = current_app.config.get("PLUGIN_LIVED_EXPERIENCE", {}).get("review_days", REVIEW_DAYS)
    return today() + timedelta(days=days)


# --- reading the encrypted parts ---------------------------------------------------------------


def narrative(c: LivedExperienceContribution) -> str:
    return crypto.decrypt(c.narrative_token) or ""


def topics(c: LivedExperienceContribution) -> str:
    return crypto.decrypt(c.topics_token) or ""


def content_note(c: LivedExperienceContribution) -> dict[str, Any] | None:
    """{"kinds": [...], "text": ...} or None when the contributor said it is not distressing."""
    raw = crypto.decrypt(c.content_note_token)
    return json.loads(raw) if raw else None


def content_note_words(note: dict[str, Any] | None) -> list[str]:
    if not note:
        return []
    words = [str(CONTENT_NOTE_KINDS.get(k, k)) for k in note.get("kinds", [])]
    return words + ([note["text"]] if note.get("text") else [])


def review_note(c: LivedExperienceContribution) -> str:
    return crypto.decrypt(c.review_note_token) or ""


def public_wording(c: LivedExperienceContribution) -> str:
    return crypto.decrypt(c.public_wording_token) or ""


def back_to_review(c: LivedExperienceContribution) -> None:
    """The contributor changed what they wrote: the lead reviews it again, and any wording they
    approved for public use no longer stands. The lead's earlier note stays for them to read."""
    c.review_state = WAITING
    c.public_wording_token = None
    c.wording_approved_at = None


def set_content(
    c: LivedExperienceContribution, text: str, topic_text: str, note: dict[str, Any] | None
) -> None:
    c.narrative_token = crypto.encrypt(text.strip())
    c.topics_token = crypto.encrypt(topic_text.strip())
    c.content_note_token = crypto.encrypt(json.dumps(note)) if note else None
    c.updated_at = utcnow()


# --- who sees what, as a query (the same rules as access.may_see) -----------------------------


def visible_query(user: Any, include_own: bool = False, columns: tuple[Any, ...] = ()) -> Any:
    """Submitted contributions ``user`` may read, newest first (others' only once accepted, except
    for the co-production lead, who reviews them): whole records, or just ``columns`` of them."""
    roles = getattr(user, "role_names", frozenset())
    selected = select(*columns) if columns else select(LivedExperienceContribution)
    if getattr(user, "kind", "") != "staff" or not user.is_active:
        return selected.where(col(LivedExperienceContribution.id).is_(None))
    allowed = [v for v in ORDER if v not in (LEAD_ONLY, TEAM)] if "staff" in roles else []
    if roles & {"coproduction_lead", "coproduction_team"}:
        allowed.append(TEAM)
    if "coproduction_lead" in roles:
        allowed.append(LEAD_ONLY)
    named = col(LivedExperienceContribution.visibility).in_(NAMED)
    managed = col(User.line_manager_id) == user.id
    others = and_(
        col(LivedExperienceContribution.visibility).in_(allowed),
        named if is_hr(user) else or_(named, col(User.line_manager_id).is_(None), ~managed),
    )
    if "coproduction_lead" not in roles:
        others = and_(others, LivedExperienceContribution.review_state == ACCEPTED)
    mine = LivedExperienceContribution.contributor_id == user.id
    condition = or_(mine, others) if include_own else and_(~mine, others)
    return (
        selected
        .join(User, col(User.id) == col(LivedExperienceContribution.contributor_id))
        .where(LivedExperienceContribution.status == SUBMITTED, condition)
        .order_by(col(LivedExperienceContribution.created_at).desc(), col(LivedExperienceContribution.id))
    )


# --- consent -------------------------------------------------------------------------------------


def active_consents(session: Session, contribution_id: str) -> list[LivedExperienceConsent]:
    return list(
        session.exec(
            select(LivedExperienceConsent)
            .where(
                LivedExperienceConsent.contribution_id == contribution_id,
                col(LivedExperienceConsent.ended_at).is_(None),
            )
            .order_by(col(LivedExperienceConsent.given_at))
        )
    )


def consent_history(session: Session, contribution_id: str) -> list[LivedExperienceConsent]:
    return list(
        session.exec(
            select(LivedExperienceConsent)
            .where(LivedExperienceConsent.contribution_id == contribution_id)
            .order_by(col(LivedExperienceConsent.given_at).desc())
        )
    )


def give_visibility_consent(
    session: Session, c: LivedExperienceContribution, visibility: str, wording_version: str
) -> None:
    """End the consent for the old visibility (and any named uses it no longer allows); record the new."""
    now = utcnow()
    for consent in active_consents(session, c.id):
        if consent.purpose in ORDER or visibility != "public":
            consent.ended_at, consent.ended_because = now, "changed"
            session.add(consent)
    c.visibility = visibility
    c.updated_at = now
    session.add(
        LivedExperienceConsent(
            contribution_id=c.id,
            contributor_id=c.contributor_id,
            purpose=visibility,
            wording_version=wording_version,
            given_at=now,
        )
    )


# --- withdrawal ---------------------------------------------------------------------------------


def withdraw(
    session: Session, actor: Any, c: LivedExperienceContribution, because: str = "withdrawn"
) -> None:
    """Withdraw in one step: the text goes, consents end, links go, the event is raised on commit."""
    now = utcnow()
    c.status, c.withdrawn_at, c.updated_at = WITHDRAWN, now, now
    c.narrative_token = c.content_note_token = c.topics_token = None
    c.review_note_token = c.public_wording_token = None
    session.add(c)
    for link in session.exec(
        select(LivedExperienceProjectLink).where(LivedExperienceProjectLink.contribution_id == c.id)
    ):
        session.delete(link)
    for consent in active_consents(session, c.id):
        consent.ended_at, consent.ended_because = now, because
        session.add(consent)
    record(session, actor, "withdrew a lived-experience contribution", CONTRIBUTION, c.id)
    events.notify(session, "portal_contribution_withdrawn", contribution_id=c.id)


# --- retention review ---------------------------------------------------------------------------


def retention_review(session: Session) -> int:
    """Ask each contributor whose contribution is past its review date to keep, change or withdraw it.

    Safe to repeat: a contribution is flagged once per review date.
    """
    due = session.exec(
        select(LivedExperienceContribution).where(
            LivedExperienceContribution.status == SUBMITTED,
            col(LivedExperienceContribution.review_on) <= today(),
            col(LivedExperienceContribution.review_notified_at).is_(None),
        )
    ).all()
    urls = current_app.url_map.bind("portal")
    for c in due:
        link = urls.build("plugin_lived_experience.contribution", {"contribution_id": c.id})
        with in_language_of(c.contributor_id):
            notifications.send(
                c.contributor_id,
                _("Time to review a contribution you shared"),
                _(
                    "You shared a contribution under the pseudonym %(pseudonym)s. We do not keep "
                    "anything for ever without asking: please choose whether to keep it for another "
                    "year, change it or withdraw it.",
                    pseudonym=c.pseudonym,
                ),
                link=link,
                category="lived-experience",
                sensitive=True,
                session=session,
                easy_read=_(
                    "You shared your experience with us. Do you want us to keep it? "
                    "You can keep it, change it or take it back."
                ),
            )
        c.review_notified_at = utcnow()
        session.add(c)
        record(session, None, "asked the contributor to review a contribution", CONTRIBUTION, c.id)
    session.commit()
    return len(due)
