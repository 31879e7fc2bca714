"""Signing in with a one-time link sent by e-mail, for network members who struggle with passwords.

A link works once, for 15 minutes, and only in the browser that asked for it: asking sets a
random nonce in a cookie, and only the hash of that nonce (and of the link's token) is kept.
Whoever asks, for whatever address, sees the same page, so the page never reveals whether an
address has an account. Requests are throttled per e-mail address, per account and per client
address through the sign-in throttle (``core_login_attempt``). Opening the link shows a "Sign
in" button: e-mail scanners that fetch links do not use it up, only the person's POST does.
"""

# No "from __future__ import annotations": this module defines a SQLModel table.
import hashlib
import logging
import secrets
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Flask, current_app, make_response, redirect, render_template, request, url_for
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from sqlmodel import Field, Session, SQLModel, col, select
from wtforms import EmailField, SubmitField
from wtforms.validators import DataRequired, Length

from . import accounts, audit, auth, mail, notifications
from .accounts import Anonymous, User
from .db import get_session, new_id, utcnow
from .forms import PortalForm, csrf_checked_by_form
from .i18n import _, _l, in_language_of

log = logging.getLogger(__name__)
bp = Blueprint("sign_in_links", __name__, url_prefix="/sign-in/link")

LIFETIME = timedelta(minutes=15)
BROWSER_COOKIE = "coprod_sign_in_browser"


class SignInLink(SQLModel, table=True):
    """One sign-in link. Only hashes are kept: the database alone cannot sign anyone in."""

    __tablename__ = "core_sign_in_link"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    user_id: str = Field(foreign_key="core_user.id", index=True, max_length=32)
    token_hash: str = Field(unique=True, max_length=64)
    browser_hash: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime = Field(index=True)
    used_at: datetime | None = None


class LinkRequestForm(PortalForm):
    email = EmailField(_l("Email address"), widget=GovTextInput(), validators=[
        DataRequired(_l("Enter your email address")),
        Length(max=254, message=_l("Enter a shorter email address"))])
    submit = SubmitField(_l("Send me a sign-in link"), widget=GovSubmitInput())


class UseLinkForm(PortalForm):
    submit = SubmitField(_l("Sign in"), widget=GovSubmitInput())


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


# --- asking for a link ------------------------------------------------------------------------


@bp.route("", methods=["GET", "POST"])
@csrf_checked_by_form
def request_link() -> Any:
    if current_app.config["SIGN_IN_LINKS"] == "off":
        return render_template("auth/link_off.html"), 404
    form = LinkRequestForm()
    if not form.validate_on_submit():
        return render_template("auth/link_request.html", form=form), 400 if form.errors else 200
    browser = request.cookies.get(BROWSER_COOKIE) or secrets.token_urlsafe(32)
    _send_link_if_allowed(form.email.data, browser)
    response = make_response(render_template("auth/link_sent.html"))
    response.set_cookie(BROWSER_COOKIE, browser, max_age=int(LIFETIME.total_seconds()),
                        path=bp.url_prefix, httponly=True, samesite="Lax",
                        secure=bool(current_app.config["SESSION_COOKIE_SECURE"]))
    return response


def _send_link_if_allowed(email: str, browser: str) -> None:
    """Send a link when the address may have one and no limit is reached; otherwise nothing.

    Every request counts towards the limits, known address or not, so the limits cannot be
    used to learn which addresses have accounts.
    """
    session = get_session()
    cfg = current_app.config
    user = accounts.user_by_email(session, email)
    address = request.remote_addr or "unknown"
    keys = {f"link-email:{accounts.normalise_email(email)}": cfg["LOGIN_LIMIT_PER_ACCOUNT"],
            f"link-address:{address}": cfg["LOGIN_LIMIT_PER_ADDRESS"]}
    if user is not None:
        keys[f"link-account:{user.id}"] = cfg["LOGIN_LIMIT_PER_ACCOUNT"]
    if auth.too_many(session, keys):
        log.info("sign-in link request throttled")
        return
    auth.note_attempts(session, *keys)
    _forget_old_links(session)
    settings = mail.settings(current_app)
    if user is None or not auth.sign_in_links_allowed(user) or settings is None:
        session.commit()
        return
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(SignInLink(user_id=user.id, token_hash=digest(token), browser_hash=digest(browser),
                           created_at=now, expires_at=now + LIFETIME))
    audit.record(session, Anonymous(), "sign-in link sent", "user", user.id, user.display_name)
    session.commit()
    try:
        mail.deliver(settings, link_email(current_app, settings, user, token))
    except mail.MailError:
        log.exception("a sign-in link could not be sent; the person sees the usual page")


def link_email(app: Flask, settings: mail.MailSettings, user: User, token: str) -> Any:
    """The e-mail with the link, in the format and language the person chose (like notifications)."""
    fmt = notifications.preference(get_session(), user.id).format
    context = {
        "name": user.display_name,
        "service_name": app.config["SERVICE_NAME"],
        "organisation_name": app.config["ORGANISATION_NAME"],
        "url": settings.base_url + url_for("sign_in_links.open_link", token=token),
        "request_url": settings.base_url + url_for("sign_in_links.request_link"),
        "minutes": int(LIFETIME.total_seconds() // 60),
        "format": fmt,
        "font_size": {"large_print": 24, "easy_read": 21}.get(fmt, 19),
    }
    with in_language_of(user):
        subject = _("Your link to sign in to the %(service)s", service=context["service_name"])
        text = render_template("mail/sign_in_link.txt", **context)
        html = None if fmt == "plain_text" else render_template("mail/sign_in_link.html", **context)
    return mail.message(settings, user.email, subject, text, html, context["service_name"])


# --- using a link -----------------------------------------------------------------------------


@bp.route("/<token>", methods=["GET", "POST"])
@csrf_checked_by_form
def open_link(token: str) -> Any:
    """GET only shows a button (a mail scanner's visit changes nothing); the POST signs in."""
    form = UseLinkForm()
    if not form.validate_on_submit():
        return render_template("auth/link_open.html", form=form), 400 if form.errors else 200
    session = get_session()
    user = _use(session, token, request.cookies.get(BROWSER_COOKIE, ""))
    if user is None:
        session.rollback()
        log.info("a sign-in link was refused (unknown, used, expired or another browser)")
        return render_template("auth/link_refused.html"), 400
    auth.complete_sign_in(session, user, "signed in with a link sent by e-mail")
    response = redirect(url_for("core.home"))
    response.delete_cookie(BROWSER_COOKIE, path=bp.url_prefix)
    return response


def _use(session: Session, token: str, browser: str) -> User | None:
    """The account the link signs in, after marking it used; None for any kind of refusal.

    The link is marked used by one conditional UPDATE, so two tabs cannot both use it.
    """
    link = session.exec(select(SignInLink).where(SignInLink.token_hash == digest(token))).first()
    if link is None or not browser or not secrets.compare_digest(link.browser_hash, digest(browser)):
        return None
    user = session.get(User, link.user_id)
    if user is None or not auth.sign_in_links_allowed(user):
        return None
    now = utcnow()
    claimed = session.execute(sa.update(SignInLink).where(
        col(SignInLink.id) == link.id, col(SignInLink.used_at).is_(None),
        col(SignInLink.expires_at) > now).values(used_at=now))
    return user if getattr(claimed, "rowcount", 0) == 1 else None


def _forget_old_links(session: Session) -> None:
    """Links past their time can never be used again: they need not be kept."""
    session.execute(sa.delete(SignInLink).where(col(SignInLink.expires_at) < utcnow() - LIFETIME))
