"""Core pages: home (plugins' cards), /healthz, and error pages inside the page shell."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, current_app, render_template, request
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .db import database_answers
from .permissions import can

bp = Blueprint("core", __name__)

ERROR_TEXT = {
    400: ("Sorry, there is a problem with that request",
          "Something in what was sent could not be used. Go back, check it and try again."),
    403: ("You do not have permission to see this page",
          "Your account does not have the role this page needs. If you think you should be able "
          "to see it, ask your co-production lead or an administrator."),
    404: ("Page not found",
          "If you typed the web address, check it is correct. If you followed a link, the page "
          "may have been moved or the record withdrawn."),
    405: ("Sorry, that cannot be done here", "Go back and use the buttons on the page."),
    413: ("That file is too large", "Go back and choose a smaller file."),
    500: ("Sorry, there is a problem with the service",
          "Nothing you saved before this has been lost. Try again later. If it keeps happening, "
          "tell an administrator the time it happened."),
}


@bp.route("/")
@login_required
def home() -> Any:
    if current_user.kind != "staff" or not can(current_user, "core.view_home"):
        return render_template("home_limited.html"), 200
    host = current_app.extensions["coprod_plugins"]
    cards = sorted(host.items("portal_dashboard_cards", user=current_user), key=lambda c: c.order)
    return render_template("home.html", cards=cards)


@bp.route("/healthz")
def healthz() -> Any:
    if database_answers():
        return "ok", 200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}
    return "database unavailable", 503, {"Content-Type": "text/plain; charset=utf-8"}


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(Exception, _unexpected_error)


def _render_error(code: int, detail: str = "") -> Any:
    title, text = ERROR_TEXT.get(code, ERROR_TEXT[400] if code < 500 else ERROR_TEXT[500])
    if request.path == "/healthz" or request.accept_mimetypes.best == "application/json":
        return {"error": title}, code
    return render_template("error.html", code=code, title=title, text=text, detail=detail), code


def _http_error(exc: HTTPException) -> Any:
    code = exc.code or 500
    detail = ""
    if code == 403 and exc.description and "." in str(exc.description) and " " not in str(exc.description):
        detail = f"The permission needed is “{exc.description}”."
    if code == 413 and current_app.config.get("MAX_CONTENT_LENGTH"):
        from .files import human_size

        detail = (f"The portal accepts files up to {human_size(current_app.config['MAX_CONTENT_LENGTH'])}. "
                  "Nothing was saved: go back, choose a smaller file and send the form again.")
    return _render_error(code, detail)


def _csrf_error(exc: CSRFError) -> Any:
    return _render_error(400, "The form's security check failed, usually because the page was "
                         "open for a long time. Go back, reload the page, and send it again.")


def _unexpected_error(exc: Exception) -> Any:
    if isinstance(exc, HTTPException):
        return _http_error(exc)
    current_app.logger.exception("unexpected error on %s", request.path)
    return _render_error(500)
