"""Staff lived-experience contributions: contribute safely, stay in control.

Staff who have used services or cared for someone opt in and share that experience with
co-production work. Each contribution has its own visibility (most restrictive by default),
consent per purpose with its wording version, a content note, encryption at rest, an audit
event for every read (which the contributor can see), withdrawal in one step, wellbeing
check-ins with the safeguarding lead, and a yearly retention review. Line managers and HR never
see a contribution, its existence or its audit trail unless the contributor chose to be named.
It imports only the portal's public modules.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click
from flask import Flask, url_for
from flask.cli import with_appcontext
from sqlalchemy import func
from sqlmodel import col, select

from coprod_portal import events
from coprod_portal.db import get_session
from coprod_portal.freshness import remembered
from coprod_portal.hookspecs import hookimpl
from coprod_portal.i18n import _, _l, ngettext
from coprod_portal.keys import BATCH_SIZE, reencrypt_rows
from coprod_portal.permissions import can
from coprod_portal.search import MAX_RESULTS_PER_GROUP, matches
from coprod_portal.types import (
    DashboardCard,
    ErasureReport,
    Migrations,
    NavItem,
    PeriodicJob,
    Permission,
    Reference,
    Role,
    SearchResult,
    SubjectRecords,
)

from . import access, crypto, demo, scale, service
from .access import VISIBILITY
from .forms import REACH, WHEN
from .models import (
    SUBMITTED,
    WAITING,
    LivedExperienceCheckin,
    LivedExperienceConsent,
    LivedExperienceContribution,
    LivedExperienceProfile,
    LivedExperienceProjectLink,
)
from .views import ENDED_BECAUSE, bp

__version__ = "0.1.0"
PORTAL_VERSIONS = ">=0.1,<1"

PLUGIN = service.PLUGIN
REF_PREFIX = "lived_experience:contribution:"
SECTION = "Lived experience you shared"


@hookimpl
def portal_startup(app: Flask) -> None:
    """Settings: PLUGIN_LIVED_EXPERIENCE {"keys", "review_days"}, else COPROD_LIVED_EXPERIENCE_*."""
    settings = dict(app.config.get("PLUGIN_LIVED_EXPERIENCE") or {})
    days = settings.get(
        "review_days", os.environ.get("COPROD_LIVED_EXPERIENCE_REVIEW_DAYS", service.REVIEW_DAYS)
    )
    try:
        settings["review_days"] = int(days)
        if not 1 <= settings["review_days"] <= 3 * 365:
            raise ValueError
    except (TypeError, ValueError):
        raise ValueError(
            "COPROD_LIVED_EXPERIENCE_REVIEW_DAYS must be a whole number of days from 1 to 1095"
        ) from None
    app.config["PLUGIN_LIVED_EXPERIENCE"] = settings
    app.extensions["lived_experience_fernet"] = crypto.load_keys(app, settings.get("keys"))
    app.cli.add_command(_cli)


@click.group("lived-experience", help="Staff lived-experience contributions.")
def _cli() -> None:
    pass


ENCRYPTED_COLUMNS = ["narrative_token", "content_note_token", "topics_token", "review_note_token",
                     "public_wording_token"]


@_cli.command(
    "rotate-key",
    help="Re-encrypt every contribution with the first (newest) key in "
    "COPROD_LIVED_EXPERIENCE_KEY. Keep the old keys listed until it is done. Safe to run while "
    "the portal serves; if interrupted, run it again: it skips what is already done.",
)
@click.option("--batch-size", type=click.IntRange(1, 10_000), default=BATCH_SIZE, show_default=True,
              help="Contributions re-encrypted (and committed) at a time.")
@with_appcontext
def _rotate_key(batch_size: int) -> None:
    """Ciphertext already on the newest key is told apart by decrypting it with that key alone
    (Fernet tokens do not name their key): no key-id column to keep in step with the keys, and
    a run that stopped half-way is finished by running it again."""
    report = reencrypt_rows(
        get_session(),
        LivedExperienceContribution.__table__,  # type: ignore[attr-defined]
        ENCRYPTED_COLUMNS,
        is_current=crypto.is_newest,
        rotate=crypto.rotate,
        batch_size=batch_size,
        after_batch=lambda so_far: click.echo(so_far.progress()),
    )
    click.echo(report.summary("contribution(s)"))
    if not report.changed_meanwhile:
        click.echo("You can now remove the old keys.")


@hookimpl
def portal_blueprints(app: Flask) -> Any:
    return bp


@hookimpl
def portal_migrations() -> Migrations:
    return Migrations(PLUGIN, Path(__file__).parent / "migrations")


@hookimpl
def portal_roles() -> list[Role]:
    return [
        Role(
            "coproduction_team",
            "Co-production team",
            "Works with the co-production lead; reads lived experience shared with the team.",
        )
    ]


@hookimpl
def portal_permissions() -> list[Permission]:
    return [
        Permission(
            "lived_experience.contribute",
            "Share your own lived experience, and stay in control of it",
            ("staff",),
        ),
        Permission(
            "lived_experience.read",
            "Read lived-experience contributions shared with you",
            ("coproduction_lead", "coproduction_team", "staff"),
        ),
        Permission(
            "lived_experience.review",
            "See every contribution shared with the co-production lead",
            ("coproduction_lead",),
        ),
        Permission(
            "lived_experience.view_checkins",
            "See and answer wellbeing check-in requests",
            ("safeguarding_lead",),
        ),
    ]


@hookimpl
def portal_permission_allowed(user: Any, action: str, obj: Any) -> bool | None:
    """Contributions: visibility decides; own ones: only their author. Audit events: see _may_see_event."""
    if action == "audit.view_event" and getattr(obj, "plugin", None) == PLUGIN:
        return _may_see_event(user, obj)
    if not action.startswith("lived_experience."):
        return None
    if getattr(user, "kind", "") != "staff":
        return False
    if isinstance(obj, LivedExperienceContribution):
        if action == "lived_experience.read":
            return access.may_see(user, obj)
        return obj.contributor_id == user.id
    if action == "lived_experience.review" and access.is_hr(user):
        return False
    return None


def _may_see_event(user: Any, event: Any) -> bool:
    """The contributor sees every event about their contributions (who read them and when); the
    safeguarding lead sees check-in events. Nobody else, HR and line managers included."""
    if getattr(user, "kind", "") != "staff" or not getattr(user, "is_active", False):
        return False
    session = get_session()
    if event.subject_type == service.CONTRIBUTION:
        c = session.get(LivedExperienceContribution, event.subject_id)
        return c is not None and c.contributor_id == user.id
    if event.subject_type == service.PROFILE:
        return event.subject_id == user.id
    if event.subject_type == service.CHECKIN:
        found = session.get(LivedExperienceCheckin, event.subject_id)
        if found is not None and found.user_id == user.id:
            return True
        return "safeguarding_lead" in user.role_names and not access.is_hr(user)
    return False


@hookimpl
def portal_nav_items(user: Any) -> list[NavItem]:
    return [
        NavItem(
            _("Your experience"),
            "plugin_lived_experience.index",
            order=70,
            permission="lived_experience.contribute",
        )
    ]


@hookimpl
def portal_dashboard_cards(user: Any) -> list[DashboardCard]:
    if getattr(user, "kind", "") != "staff":
        return []
    cards = []
    session = get_session()
    if can(user, "lived_experience.review"):
        (count,) = remembered(
            session,
            # what visible_query reads of the person besides the tables: who they are and their roles
            ("lived_experience.waiting", user.id, user.is_active, user.role_names),
            lambda: select(func.count()).select_from(
                service.visible_query(user)
                .where(LivedExperienceContribution.review_state == WAITING)
                .order_by(None)
                .subquery()
            ),
        )
        cards.append(
            DashboardCard(
                _("Lived experience to review"),
                _("Nothing is waiting for your review.")
                if not count
                else ngettext(
                    "%(num)d contribution is waiting for your review.",
                    "%(num)d contributions are waiting for your review.",
                    count,
                ),
                _("Review contributions"),
                "plugin_lived_experience.review_list",
                order=64,
            )
        )
    if not can(user, "lived_experience.view_checkins"):
        return cards
    (waiting,) = remembered(
        session,
        ("lived_experience.open_checkins",),
        lambda: select(func.count())
        .select_from(LivedExperienceCheckin)
        .where(col(LivedExperienceCheckin.closed_at).is_(None)),
    )
    body = (
        _("Nobody is waiting for a wellbeing conversation.")
        if not waiting
        else ngettext(
            "%(num)d member of staff asked for a wellbeing conversation.",
            "%(num)d members of staff asked for a wellbeing conversation.",
            waiting,
        )
    )
    cards.append(
        DashboardCard(
            _("Wellbeing check-ins"),
            body,
            _("See check-in requests"),
            "plugin_lived_experience.checkins",
            order=65,
        )
    )
    return cards


@hookimpl
def portal_periodic_jobs() -> list[PeriodicJob]:
    return [
        PeriodicJob(
            "lived_experience.retention_review",
            _retention_job,
            cron="0 6 * * *",
            description=_l("Asks contributors whose contributions are past their review date to "
            "keep, change or withdraw them."),
        )
    ]


def _retention_job() -> None:
    service.retention_review(get_session())


@hookimpl
def portal_resolve_reference(ref: str, user: Any) -> Reference | None:
    if not ref.startswith(REF_PREFIX):
        return None
    c = get_session().get(LivedExperienceContribution, ref[len(REF_PREFIX) :])
    if c is None or c.status != SUBMITTED:
        return Reference(_("Withdrawn by the person who shared it"), None, withdrawn=True)
    if not access.may_see(user, c):
        return Reference(_("Evidence that is not shared with you"))
    return Reference(access.label(c), url_for("plugin_lived_experience.contribution", contribution_id=c.id))


@hookimpl
def portal_search(query: str, user: Any) -> list[SearchResult]:
    if getattr(user, "kind", "") != "staff" or not can(user, "lived_experience.read"):
        return []
    results = []
    for c in get_session().exec(service.visible_query(user, include_own=True).limit(2000)):
        if not access.may_see(user, c):
            continue
        name = c.pseudonym if c.contributor_id == user.id else access.shown_name(c)
        if matches(name, query) or matches(service.topics(c), query) or matches(service.narrative(c), query):
            results.append(
                SearchResult(
                    access.label(c)
                    if c.contributor_id != user.id
                    else _("Your contribution as %(pseudonym)s", pseudonym=c.pseudonym),
                    url_for("plugin_lived_experience.contribution", contribution_id=c.id),
                    _(
                        "Lived experience. Opening it is recorded, and the person who "
                        "shared it can see that you read it."
                    ),
                    _("Lived experience"),
                )
            )
        if len(results) >= MAX_RESULTS_PER_GROUP:
            break
    return results


@hookimpl
def portal_seed_demo(session: Any) -> None:
    demo.seed(session)


@hookimpl
def portal_seed_scale(session: Any, factor: float) -> None:
    scale.seed(session, factor)


@hookimpl
def portal_subject_export(person: Any) -> Any:
    if not person.user_id:
        return None
    session = get_session()
    profile = session.get(LivedExperienceProfile, person.user_id)
    contributions = session.exec(
        select(LivedExperienceContribution)
        .where(LivedExperienceContribution.contributor_id == person.user_id)
        .order_by(col(LivedExperienceContribution.created_at))
    ).all()
    checkins = session.exec(
        select(LivedExperienceCheckin).where(LivedExperienceCheckin.user_id == person.user_id)
    ).all()
    if profile is None and not contributions and not checkins:
        return None
    records: list[dict[str, Any]] = []
    if profile is not None:
        records.append(
            {
                _("Chose to take part"): profile.opted_in_at,
                _("Version of the explanation you read"): profile.explanation_version,
            }
        )
    for c in contributions:
        records.append(
            {
                _("Contribution shared"): c.created_at,
                _("Pseudonym"): c.pseudonym,
                _("Who could read it"): str(VISIBILITY.get(c.visibility, (c.visibility,))[0]),
                _("Status"): _("withdrawn") if c.status != SUBMITTED else _("shared"),
                _("Withdrawn"): c.withdrawn_at,
                _("Your experience"): service.narrative(c) if c.status == SUBMITTED else None,
                _("Topics"): service.topics(c) if c.status == SUBMITTED else None,
                _("Content note"): ", ".join(service.content_note_words(service.content_note(c))) or None,
                _("Review date"): c.review_on,
            }
        )
        for consent in session.exec(
            select(LivedExperienceConsent)
            .where(LivedExperienceConsent.contribution_id == c.id)
            .order_by(col(LivedExperienceConsent.given_at))
        ):
            records.append(
                {
                    _("Consent for"): _consent_purpose(consent),
                    _("Given"): consent.given_at,
                    _("Wording version"): consent.wording_version,
                    _("Ended"): consent.ended_at,
                    _("Why it ended"): _text_or_none(
                        ENDED_BECAUSE.get(consent.ended_because, consent.ended_because or None)
                    ),
                }
            )
    for r in checkins:
        records.append(
            {
                _("Asked for a wellbeing conversation"): r.asked_at,
                _("How"): _text_or_none(REACH.get(r.how_to_reach)),
                _("When"): _text_or_none(WHEN.get(r.when_suits)),
                _("Closed"): r.closed_at,
            }
        )
    return SubjectRecords(
        _("Lived experience you shared"),
        tuple(records),
        note=_("Withdrawn contributions have no text: it was deleted when you withdrew."),
    )


def _consent_purpose(consent: LivedExperienceConsent) -> str:
    """What a consent was for, in words: a visibility, or one named public use."""
    known = consent.purpose in VISIBILITY
    purpose = str(VISIBILITY[consent.purpose][0]) if known else _("A named public use")
    if not consent.use_description:
        return purpose
    return _("%(purpose)s: %(use)s", purpose=purpose, use=consent.use_description)


def _text_or_none(text: Any) -> str | None:
    """A label looked up at import time, as text in the reader's language (None stays None)."""
    return None if text is None else str(text)


@hookimpl
def portal_subject_erase(person: Any, session: Any) -> Any:
    if not person.user_id:
        return None
    contributions = session.exec(
        select(LivedExperienceContribution).where(
            LivedExperienceContribution.contributor_id == person.user_id
        )
    ).all()
    for c in contributions:
        if c.status == SUBMITTED:
            events.notify(session, "portal_contribution_withdrawn", contribution_id=c.id)
        for row in session.exec(
            select(LivedExperienceProjectLink).where(LivedExperienceProjectLink.contribution_id == c.id)
        ):
            session.delete(row)
        for row in session.exec(
            select(LivedExperienceConsent).where(LivedExperienceConsent.contribution_id == c.id)
        ):
            session.delete(row)
    session.flush()
    for c in contributions:
        session.delete(c)
    for row in session.exec(
        select(LivedExperienceCheckin).where(LivedExperienceCheckin.user_id == person.user_id)
    ):
        session.delete(row)
    profile = session.get(LivedExperienceProfile, person.user_id)
    if profile is not None:
        session.delete(profile)
    return ErasureReport(
        SECTION,
        erased=(
            "Your choice to take part",
            "Every contribution, with its text, topics and content note",
            "Your consent records",
            "Your wellbeing check-in requests",
        ),
        kept=(
            (
                "Audit log entries saying when a contribution was shared, read or withdrawn, "
                "without its text",
                "The audit log cannot be changed: it shows that your data was handled lawfully.",
            ),
        ),
    )
