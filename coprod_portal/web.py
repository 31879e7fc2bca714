"""Core pages: home (plugins' cards), /healthz, and error pages inside the page shell."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Flask, current_app, g, redirect, render_template, request
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from . import i18n
from .accounts import Anonymous, User
from .db import UNAVAILABLE, database_answers, get_session, outage
from .i18n import _, _l
from .permissions import can
from .security import safe_next

bp = Blueprint("core", __name__)

ERROR_TEXT = {
    400: (_l("Sorry, there is a problem with that request"),
          _l("Something in what was sent could not be used. Go back, check it and try again.")),
    403: (_l("You do not have permission to see this page"),
          _l("Your account does not have the role this page needs. If you think you should be able "
             "to see it, ask your co-production lead or an administrator.")),
    404: (_l("Page not found"),
          _l("If you typed the web address, check it is correct. If you followed a link, the page "
             "may have been moved or the record withdrawn.")),
    405: (_l("Sorry, that cannot be done here"), _l("Go back and use the buttons on the page.")),
    413: (_l("That file is too large"), _l("Go back and choose a smaller file.")),
    500: (_l("Sorry, there is a problem with the service"),
          _l("Nothing you saved before this has been lost. Try again later. If it keeps happening, "
             "tell an administrator the time it happened.")),
    503: (_l("Sorry, the service is unavailable for a moment"),
          _l("The portal cannot reach its database just now. Nothing you saved before this has been "
             "lost, but what you just sent was not saved. Wait a few seconds, then go back and send "
             "it again: your browser usually keeps what you typed.")),
}
RETRY_AFTER_SECONDS = 5
# the accessibility contact when the organisation names none (config.py)
DEFAULT_CONTACT = "your co-production lead"


@bp.route("/")
@login_required
def home() -> Any:
    if current_user.kind != "staff" or not can(current_user, "core.view_home"):
        return render_template("home_limited.html"), 200
    host = current_app.extensions["coprod_plugins"]
    user = current_user._get_current_object()  # the plugins read it often: not through the proxy
    cards = sorted(host.items("portal_dashboard_cards", user=user), key=lambda c: c.order)
    return render_template("home.html", cards=cards)


@bp.route("/accessibility")
def accessibility() -> Any:
    """The accessibility statement: public, so anyone can read it before or without signing in."""
    contact = current_app.config["ACCESSIBILITY_CONTACT"]
    if contact == DEFAULT_CONTACT:  # the portal's own default wording, in the reader's language
        contact = _("your co-production lead")
    reviewed = current_app.config["ACCESSIBILITY_REVIEWED"]
    try:
        reviewed = i18n.long_date(date.fromisoformat(reviewed))
    except ValueError:
        pass  # shown as the administrator wrote it
    return render_template("accessibility.html", contact=contact, contact_is_email="@" in contact,
                           reviewed=reviewed)


@bp.route("/language/<code>")
def switch_language(code: str) -> Any:
    """The language link on every page: show the same page again in the language chosen.

    A code the portal does not speak (or a malformed one) means English, never an error. Signed
    in, the choice is stored on the account, so it follows the person to every browser."""
    chosen = i18n.language_of(code) or i18n.DEFAULT_LANGUAGE
    i18n.remember_language(chosen)
    if isinstance(current_user, User) and current_user.language != chosen:
        current_user.language = chosen
        get_session().commit()
    return redirect(safe_next(request.args.get("next")), 303)


@bp.route("/healthz")
def healthz() -> Any:
    if database_answers():
        return "ok", 200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}
    return "database unavailable", 503, {"Content-Type": "text/plain; charset=utf-8",
                                         "Retry-After": str(RETRY_AFTER_SECONDS)}


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(Exception, _unexpected_error)
    for unavailable in UNAVAILABLE:
        app.register_error_handler(unavailable, _database_unavailable)
    app.after_request(_database_answered)


def _render_error(code: int, detail: str = "") -> Any:
    title, text = ERROR_TEXT.get(code, ERROR_TEXT[400] if code < 500 else ERROR_TEXT[500])
    if request.path == "/healthz" or request.accept_mimetypes.best == "application/json":
        return {"error": str(title)}, code
    return render_template("error.html", code=code, title=title, text=text, detail=detail), code


def _http_error(exc: HTTPException) -> Any:
    code = exc.code or 500
    detail = ""
    if code == 403 and exc.description and "." in str(exc.description) and " " not in str(exc.description):
        detail = _("The permission needed is “%(permission)s”.", permission=exc.description)
    if code == 413 and current_app.config.get("MAX_CONTENT_LENGTH"):
        from .files import human_size

        detail = _("The portal accepts files up to %(size)s. Nothing was saved: go back, choose a "
                   "smaller file and send the form again.",
                   size=human_size(current_app.config["MAX_CONTENT_LENGTH"]))
    return _render_error(code, detail)


def _csrf_error(exc: CSRFError) -> Any:
    return _render_error(400, _("The form's security check failed, usually because the page was "
                                "open for a long time. Go back, reload the page, and send it again."))


def _database_unavailable(exc: Exception) -> Any:
    """A polite 503 with Retry-After, drawn without the database (as if signed out: no menu)."""
    outage().failed(exc)
    retry = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if request.path == "/healthz":
        return "database unavailable", 503, {"Content-Type": "text/plain; charset=utf-8", **retry}
    g._login_user = Anonymous()  # flask-login keeps the request's user here: no lookup in the database
    body, code = _render_error(503)
    return body, code, retry


def _database_answered(response: Any) -> Any:
    """The first good answer after an outage notes its end in the log."""
    if response.status_code < 500 and outage().since is not None:
        outage().answered()
    return response


def _unexpected_error(exc: Exception) -> Any:
    if isinstance(exc, HTTPException):
        return _http_error(exc)
    current_app.logger.exception("unexpected error on %s", request.path)
    return _render_error(500)
