"""“Open in a new window”: what happens when a browser will not keep the portal's cookies inside
the LMS page.

Inside an LMS iframe the portal is a third-party site. Chromium keeps its cookies there only
because they are ``SameSite=None; Secure; Partitioned``; Safari, and any browser whose person
blocks third-party cookies completely, keeps none. Without the ``state`` cookie set at OIDC login
the launch must be refused (that check is what ties a launch to the browser that started it),
and without the session cookie no lesson, quiz answer or CSRF token would work.

So a login that arrives **in a frame** (the browser says so in ``Sec-Fetch-Dest: iframe``) does
not go straight to the LMS's authorisation page. It goes to a cookie check on the portal first:

* the state cookie came back → the browser keeps our cookies in the frame: straight on to the
  LMS, the learner notices nothing (one redirect more, on the portal's own server);
* it did not → a readable page with an “Open the training in a new window” link. The new window
  is a top-level page, where the cookies are first-party; it carries a continuation token that
  sets the state cookie there and goes on to the LMS's authorisation page with the login the LMS
  started, so the launch is not lost and the learner lands on the same module.

Why check at login, before the LMS's authorisation page, and not after the launch: LMSs treat
their launch hint as single-use (Moodle drops it from its session once its authorisation page
has answered), so only a login that has not yet reached the LMS can be carried to another
window. And the identity in the new window still comes from the LMS (its authorisation page runs
there, with the LMS's own first-party session), so a continuation link someone else opens logs
nobody in as the person who started it.

The continuation token is random (256 bits), stored only as its SHA-256, lives as long as the
login state (10 minutes), and is used up atomically — by the cookie check when cookies work, or
by the new window — so it can never be used twice. Each handover to a new window is audited.

**LTI platform storage** (the ``lti_storage_target`` postMessage API) was considered. It lets a
tool keep ``state`` and ``nonce`` in the LMS's own frame instead of a cookie, so the launch
itself could pass with cookies blocked. But it ends there: every page after the launch (lessons,
quiz POSTs and their CSRF tokens, the certificate) still needs a session the browser keeps, and
carrying a session id in addresses instead would leak it into histories, logs and Referer
headers. It also needs a script on both sides and platform support that varies by LMS version.
A new top-level window works in every browser and every LMS, so it is the one fallback; platform
storage could later spare the launch one hop, never the rest of the journey.
"""

# No "from __future__ import annotations": this module defines a SQLModel table.
import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlmodel import Field, Session, SQLModel, col, select

from coprod_portal import audit
from coprod_portal.db import get_session, utcnow
from coprod_portal.i18n import _

from . import course, lti
from .models import TrainingNonce, TrainingPlatform
from .views import bp

LIFETIME = lti.STATE_LIFETIME


class TrainingHandover(SQLModel, table=True):
    """A login begun inside an LMS frame, waiting for its cookie check or its new window."""

    __tablename__ = "training_handover"
    token_hash: str = Field(primary_key=True, max_length=64)
    state: str = Field(max_length=80)
    platform_id: str = Field(max_length=32)
    auth_url: str = Field(sa_type=sa.Text)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    used_at: datetime | None = None
    used_how: str = Field(default="", max_length=20)  # "cookie" or "new_window"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def first_stop(session: Session, target: lti.LoginRedirect) -> str:
    """Where a login goes next: the LMS's authorisation page, or — when the login arrived in a
    frame — the portal's cookie check first."""
    login = session.get(TrainingNonce, target.state)
    if request.headers.get("Sec-Fetch-Dest") != "iframe" or login is None:
        return target.url
    token = secrets.token_urlsafe(32)
    session.add(
        TrainingHandover(
            token_hash=_hash(token), state=target.state, platform_id=login.platform_id, auth_url=target.url
        )
    )
    session.commit()
    return url_for(".lti_cookie_check", token=token)


def keep_state(response: Any, state: str) -> Any:
    """The ``state`` cookie: ``SameSite=None; Secure; Partitioned`` over HTTPS so an LMS frame
    keeps it; ``Lax`` over plain HTTP (a browser keeps no cross-site cookie there anyway)."""
    response.set_cookie(
        lti.STATE_COOKIE + state,
        state,
        max_age=int(LIFETIME.total_seconds()),
        httponly=True,
        secure=request.is_secure,
        samesite="None" if request.is_secure else "Lax",
        partitioned=request.is_secure,
    )
    return response


def use_up(session: Session, token: str, how: str) -> TrainingHandover | None:
    """Atomically mark the handover used (one UPDATE, whatever the worker); None when it was
    used already, has expired, or never existed."""
    result = session.execute(
        sa.update(TrainingHandover)
        .where(
            col(TrainingHandover.token_hash) == _hash(token),
            col(TrainingHandover.used_at).is_(None),
            col(TrainingHandover.created_at) > utcnow() - LIFETIME,
        )
        .values(used_at=utcnow(), used_how=how)
    )
    session.commit()
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return session.get(TrainingHandover, _hash(token))


def registered_origins(session: Session) -> list[str]:
    """Every active registration's LMS page origins: who may frame a page that shows nothing
    personal (a refusal), when which LMS it is cannot be known."""
    platforms = session.exec(select(TrainingPlatform).where(TrainingPlatform.status == "active")).all()
    return sorted({origin for platform in platforms for origin in platform.origins})


def framed_refusal(refusal: lti.Refusal) -> Any:
    """A refusal page that every registered LMS page origin may frame (it shows nothing personal)."""
    g.training_frame_origins = registered_origins(get_session())
    return render_template("training/refusal.html", refusal=refusal), refusal.status


def _unusable() -> Any:
    return framed_refusal(
        lti.Refusal(
            _("This link has expired or has been used"),
            _("A link to carry on in a new window works once, within 10 minutes of opening the "
              "activity in your LMS."),
            _("Go back to your LMS and open the activity again."),
            status=410,
        )
    )


def _pending(session: Session, token: str) -> TrainingHandover | None:
    return session.exec(
        select(TrainingHandover).where(
            col(TrainingHandover.token_hash) == _hash(token),
            col(TrainingHandover.used_at).is_(None),
            col(TrainingHandover.created_at) > utcnow() - LIFETIME,
        )
    ).first()


@bp.before_request
def _framed_visitor() -> Any:
    """A training page asked for inside a frame by a browser with no session (its cookie was
    blocked, cleared or has expired): the sign-in page may not be framed and is no use to an LMS
    learner anyway, so say what to do instead, in a page the LMS may frame."""
    if current_user.is_authenticated or request.headers.get("Sec-Fetch-Dest") != "iframe":
        return None
    view = current_app.view_functions.get(request.endpoint or "")
    if not getattr(view, "required_permission", None):
        return None
    return framed_refusal(
        lti.Refusal(
            _("Your session in this LMS page has ended"),
            _("The training portal no longer knows who you are in this page: its cookie has expired, "
              "or your browser did not keep it."),
            _("Open the activity again from your LMS. Your progress is kept."),
            status=401,
        )
    )


@bp.route("/lti/cookie-check/<token>")
def lti_cookie_check(token: str) -> Any:
    """Inside the LMS frame, straight after login: did the browser keep the state cookie?"""
    db = get_session()
    row = _pending(db, token)
    if row is None:
        return _unusable()
    if request.cookies.get(lti.STATE_COOKIE + row.state) == row.state:
        used = use_up(db, token, "cookie")
        return redirect(used.auth_url) if used else _unusable()
    platform = db.get(TrainingPlatform, row.platform_id)
    g.training_frame_origins = platform.origins if platform else []
    response = render_template(
        "training/open_in_new_window.html",
        continue_url=url_for(".lti_continue", token=token),
        minutes=int(LIFETIME.total_seconds() // 60),
    )
    return response, 200, {"Referrer-Policy": "no-referrer"}


@bp.route("/lti/continue/<token>")
def lti_continue(token: str) -> Any:
    """In the new top-level window: set the state cookie here and go on to the LMS."""
    db = get_session()
    row = use_up(db, token, "new_window")
    nonce = db.get(TrainingNonce, row.state) if row else None
    if row is None or nonce is None or nonce.used_at is not None:
        return _unusable()
    platform = db.get(TrainingPlatform, row.platform_id)
    audit.record(
        db,
        current_user,
        "continued an LMS launch in a new window",
        "training_platform",
        row.platform_id,
        platform.name if platform else "",
        plugin=course.PLUGIN,
        detail="the browser kept no cookies inside the LMS page",
    )
    db.commit()
    response = keep_state(redirect(row.auth_url), row.state)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def purge(session: Session, older_than: timedelta = timedelta(days=1)) -> int:
    """Periodic (with the nonces): handovers are useless after ten minutes; the audit log
    keeps the record of each one used."""
    result = session.execute(
        sa.delete(TrainingHandover).where(col(TrainingHandover.created_at) < utcnow() - older_than)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
