"""Notifications: an inbox for every staff user, and e-mail when they want it.

Plugins send through one API::

    from coprod_portal import notifications

    notifications.send(user.id, "Your claim was paid", "We paid £12.40 on 3 March.",
                       link=url_for("plugin_network.claim", claim_id=claim.id),
                       category="payments", sensitive=False)
    notifications.send_to_role("safeguarding_lead", "Wellbeing check-in requested",
                               "A member of staff asked for a check-in.", link=...)

The notification is added to the caller's database session, so it is saved (or not) with
the caller's own work when the caller commits. If e-mail is set up (``COPROD_SMTP_HOST``)
and the person wants e-mail, the job ``core.send_notification_email`` is queued after that
commit. **An e-mail never carries the content of a sensitive notification** (the default):
it says there is a new message and links to it in the portal. Each person chooses on
/account/preferences whether they get e-mail and in which format (standard, large print,
Easy Read, plain text); give an ``easy_read`` version of the text and people who chose
Easy Read see that one, in the portal and in non-sensitive e-mails.
"""

# No "from __future__ import annotations": this module defines SQLModel tables.
import logging
import re
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask, current_app
from markupsafe import Markup
from sqlalchemy import func
from sqlmodel import Field, Session, SQLModel, col, select

from . import jobs, mail
from .accounts import User, UserRole
from .db import get_session, new_id, utcnow
from .freshness import remembered
from .i18n import _, _l, in_language_of
from .types import Job

log = logging.getLogger(__name__)

EMAIL_JOB = "core.send_notification_email"
# code -> (label, hint); the labels are lazy texts: str() them where a real string is needed
FORMATS: dict[str, tuple[Any, Any]] = {
    "standard": (_l("Standard"), _l("Ordinary text, with a simple web page version.")),
    "large_print": (_l("Large print"), _l("Big, clear text in the e-mail.")),
    "easy_read": (_l("Easy Read"), _l("Short sentences in plain words, when the sender has written them.")),
    "plain_text": (_l("Plain text"),
                   _l("Text only, with no formatting. Good for screen readers and Braille.")),
}
CATEGORY = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,59}$")
MAX_BODY = 20_000


class Notification(SQLModel, table=True):
    """One message in one person's inbox. Only that person can open it."""

    __tablename__ = "core_notification"
    __table_args__ = (
        sa.Index("ix_core_notification_user_read", "user_id", "read_at"),
        sa.Index("ix_core_notification_user_created", "user_id", "created_at"),
    )
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    user_id: str = Field(foreign_key="core_user.id", max_length=32)
    title: str = Field(max_length=200)
    body: str = Field(default="", sa_type=sa.Text)
    easy_read: str | None = Field(default=None, sa_type=sa.Text)
    link: str | None = Field(default=None, max_length=500)
    category: str = Field(default="general", max_length=60)
    sensitive: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    read_at: datetime | None = None


class ContactPreference(SQLModel, table=True):
    """How one person wants to hear from the portal. Only they see it: a format can hint at a
    disability, so it is treated like an access need."""

    __tablename__ = "core_contact_preference"
    user_id: str = Field(foreign_key="core_user.id", primary_key=True, max_length=32)
    email: bool = True
    format: str = Field(default="standard", max_length=20)
    updated_at: datetime = Field(default_factory=utcnow)


# --- sending ----------------------------------------------------------------------------------


def send(user_id: str, title: str, body: str, link: str | None = None, category: str = "general",
         sensitive: bool = True, easy_read: str | None = None, *,
         session: Session | None = None) -> Notification:
    """Put a notification in one person's inbox, and queue an e-mail after the caller commits.

    ``link`` is a path in the portal (``url_for(...)``), shown as a button. ``sensitive``
    (the default) keeps the content out of e-mail: set it to False only when the title and
    body may travel over e-mail and sit in a mailbox. Raises ValueError for an unknown user
    or bad values. ``session`` defaults to the request's (or job's) session; commit it.
    """
    session = session or get_session()
    _check(title, body, link, category, easy_read)
    user = session.get(User, user_id)
    if user is None:
        raise ValueError(f"There is no user with the id {user_id!r} to send a notification to.")
    return _add(session, user, title, body, link, category, sensitive, easy_read)


def send_to_role(role: str, title: str, body: str, link: str | None = None, category: str = "general",
                 sensitive: bool = True, easy_read: str | None = None, *,
                 session: Session | None = None) -> list[Notification]:
    """Send the same notification to every active user who holds ``role``.

    Returns what was sent; an empty list means nobody holds the role (this is logged as a
    warning, because a safeguarding request that reaches nobody must be noticed). Raises
    ValueError for a role the portal does not know.
    """
    session = session or get_session()
    _check(title, body, link, category, easy_read)
    if role not in current_app.extensions["coprod_roles"]:
        raise ValueError(f"There is no role called {role!r}; roles are declared by the core and plugins.")
    users = session.exec(
        select(User).join(UserRole, col(UserRole.user_id) == col(User.id))
        .where(UserRole.role == role, col(User.active).is_(True)).order_by(User.email)
    ).all()
    if not users:
        log.warning("a %s notification for role %s reached nobody: no active user has the role",
                    category, role)
    return [_add(session, user, title, body, link, category, sensitive, easy_read) for user in users]


def _check(title: str, body: str, link: str | None, category: str, easy_read: str | None) -> None:
    if not (title or "").strip() or len(title) > 200:
        raise ValueError("A notification needs a title of 1 to 200 characters.")
    if len(body or "") > MAX_BODY or len(easy_read or "") > MAX_BODY:
        raise ValueError(f"A notification's text must be {MAX_BODY:,} characters or fewer.")
    if link is not None:
        parts = urlsplit(link)
        if not link.startswith("/") or link.startswith("//") or parts.scheme or parts.netloc \
                or len(link) > 500:
            raise ValueError(f"The link {link!r} must be a path in the portal, such as url_for(...) "
                             "gives: it starts with a single /.")
    if not CATEGORY.match(category or ""):
        raise ValueError(f"The category {category!r} must be a short name in lower-case letters, "
                         "digits, _, . or -.")


def _add(session: Session, user: User, title: str, body: str, link: str | None, category: str,
         sensitive: bool, easy_read: str | None) -> Notification:
    note = Notification(user_id=user.id, title=title.strip(), body=body or "", link=link,
                        category=category, sensitive=bool(sensitive), easy_read=easy_read or None)
    session.add(note)
    if user.active and mail.settings(current_app) is not None and preference(session, user.id).email:
        jobs.enqueue_after_commit(session, EMAIL_JOB, notification_id=note.id)
    return note


# --- the inbox --------------------------------------------------------------------------------


def unread_count(session: Session, user_id: str) -> int:
    """How many of this person's notifications are unread (one indexed count, remembered until
    a notification is written: it is in the navigation of every page)."""
    def unread() -> Any:
        return select(func.count()).select_from(Notification).where(
            Notification.user_id == user_id, col(Notification.read_at).is_(None))

    (count,) = remembered(session, ("core.unread_notifications", user_id), unread)
    return int(count)


def inbox_label(user: Any) -> Markup:
    """The navigation label: "Inbox (3)" on screen, "Inbox 3 unread" to a screen reader.

    The bracketed count is hidden from assistive technology and the words are hidden from
    sight, so neither reads "3 )" or "(3 unread )" (GOV.UK's visually-hidden class adds spaces).
    """
    count = unread_count(get_session(), user.id) if getattr(user, "kind", "") == "staff" else 0
    if not count:
        return Markup(_("Inbox"))
    return Markup(_('Inbox <span aria-hidden="true">(%(count)s)</span>'
                    '<span class="govuk-visually-hidden">%(count)s unread</span>', count=count))


def inbox_query(user_id: str) -> Any:
    return select(Notification).where(Notification.user_id == user_id).order_by(
        col(Notification.created_at).desc(), col(Notification.id).desc())


def mark_read(session: Session, note: Notification) -> None:
    if note.read_at is None:
        note.read_at = utcnow()
        session.add(note)


def mark_all_read(session: Session, user_id: str) -> int:
    """Mark every unread notification of this person read; returns how many there were."""
    result = session.execute(sa.update(Notification).where(
        col(Notification.user_id) == user_id, col(Notification.read_at).is_(None)
    ).values(read_at=utcnow()))
    return int(getattr(result, "rowcount", 0) or 0)


def text_for(note: Notification, fmt: str) -> str:
    """The text this person should read: the Easy Read version when they chose it and it exists."""
    return note.easy_read if fmt == "easy_read" and note.easy_read else note.body


# --- contact preferences ----------------------------------------------------------------------


def preference(session: Session, user_id: str) -> ContactPreference:
    """This person's contact preferences: the ones they saved, else e-mail on and the format a plugin
    holds for them (``portal_preferred_format``: what a network member asked for when they joined),
    else standard. The unsaved answer is not added to the session."""
    found = session.get(ContactPreference, user_id)
    if found is not None:
        return found
    return ContactPreference(user_id=user_id, format=_format_from_plugins(user_id))


def _format_from_plugins(user_id: str) -> str:
    host = current_app.extensions.get("coprod_plugins")
    if host is None:
        return "standard"
    answers = (answer for _, answer in host.call("portal_preferred_format", user_id=user_id))
    return next((answer for answer in answers if answer in FORMATS), "standard")


def set_preference(session: Session, user_id: str, email: bool, fmt: str) -> ContactPreference:
    if fmt not in FORMATS:
        raise ValueError(f"{fmt!r} is not one of the formats: {', '.join(FORMATS)}.")
    pref = session.get(ContactPreference, user_id) or ContactPreference(user_id=user_id)
    pref.email = bool(email)
    pref.format = fmt
    pref.updated_at = utcnow()
    session.add(pref)
    return pref


# --- e-mail -----------------------------------------------------------------------------------


def send_email_job(notification_id: str) -> None:
    """Job ``core.send_notification_email``: e-mail one notification, if it still should be."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    settings = mail.settings(app)
    session = get_session()
    note = session.get(Notification, notification_id)
    if settings is None or note is None or note.read_at is not None:
        return  # e-mail switched off, notification erased, or already read in the portal
    user = session.get(User, note.user_id)
    pref = preference(session, note.user_id)
    if user is None or not user.active or not pref.email:
        return
    mail.deliver(settings, email_for(app, settings, note, user, pref.format))


def email_for(app: Flask, settings: mail.MailSettings, note: Notification, user: User,
              fmt: str) -> Any:
    """Build the e-mail for one notification in the person's format.

    Sensitive: a generic subject and text with the link only. Large print: an HTML part
    with large text. Plain text: no HTML part. Easy Read: the sender's Easy Read text.
    """
    path = app.url_map.bind("portal").build("inbox.view", {"notification_id": note.id})
    context = {
        "name": user.display_name,
        "service_name": app.config["SERVICE_NAME"],
        "organisation_name": app.config["ORGANISATION_NAME"],
        "url": settings.base_url + path,
        "preferences_url": settings.base_url + app.url_map.bind("portal").build("preferences.edit"),
        "sensitive": note.sensitive,
        "title": note.title,
        "text": "" if note.sensitive else text_for(note, fmt),
        "format": fmt,
        "font_size": {"large_print": 24, "easy_read": 21}.get(fmt, 19),
    }
    with in_language_of(user):
        subject = (_("You have a new message in the %(service)s", service=context["service_name"])
                   if note.sensitive else note.title)
        text = app.jinja_env.get_template("mail/notification.txt").render(**context)
        html = None if fmt == "plain_text" else app.jinja_env.get_template(
            "mail/notification.html").render(**context)
    return mail.message(settings, user.email, subject, text, html, context["service_name"])


# --- subject access and erasure ---------------------------------------------------------------


def subject_records(session: Session, user_id: str) -> list[Any]:
    """This person's messages and contact preferences, for a subject access request."""
    from .types import SubjectRecords

    notes = session.exec(inbox_query(user_id)).all()
    sections = []
    if notes:
        sections.append(SubjectRecords("Messages in your inbox", tuple(
            {"Received": n.created_at, "Title": n.title, "Message": n.body,
             "Easy Read version": n.easy_read, "Link": n.link, "Category": n.category,
             "Read": n.read_at} for n in notes)))
    pref = session.get(ContactPreference, user_id)
    if pref is not None:
        sections.append(SubjectRecords("How we contact you", ({
            "E-mail about new messages": "yes" if pref.email else "no",
            "Format": str(FORMATS.get(pref.format, (pref.format, ""))[0]), "Chosen": pref.updated_at},)))
    return sections


def erase_subject(session: Session, user_id: str) -> Any:
    """Delete this person's messages and contact preferences (in ``session``; the caller commits)."""
    from .types import ErasureReport

    session.execute(sa.delete(Notification).where(col(Notification.user_id) == user_id))
    session.execute(sa.delete(ContactPreference).where(col(ContactPreference.user_id) == user_id))
    return ErasureReport("Inbox and contact preferences",
                         erased=("Messages in the inbox", "Contact preferences (e-mail, format)"))


def core_jobs() -> list[Job]:
    return [Job(EMAIL_JOB, send_email_job, retries=8, retry_delay_seconds=60,
                description=_l("E-mails a notification to someone who wants e-mail, without the "
                               "content of sensitive ones. Retries for about three hours if the mail "
                               "server is down."))]


def init_app(app: Flask) -> None:
    """Read the mail settings (``COPROD_SMTP_*``); without a host, notifications stay in the inbox."""
    mail.init_app(app)
