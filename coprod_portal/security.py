"""Security defaults: CSRF on every POST, strict headers, and ProxyFix when behind a proxy.

The Content-Security-Policy allows no inline script except GOV.UK Frontend's one-line
``js-enabled`` snippet in the page template (``base.html``), allowed by its hash (computed from
the template at start-up, so a change to the snippet cannot silently break it).
"""

from __future__ import annotations

import base64
import hashlib
import re
from importlib.resources import files
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, has_request_context, request, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.middleware.proxy_fix import ProxyFix

csrf = CSRFProtect()


class HttpsAwareSessionInterface(SecureCookieSessionInterface):
    """The session cookie is ``Secure`` whenever the request came over HTTPS, even if
    ``COPROD_SECURE_COOKIES`` was forgotten: a cookie set over HTTPS is never sent over plain HTTP."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(super().get_cookie_secure(app) or (has_request_context() and request.is_secure))


def _inline_script_hashes() -> list[str]:
    """Hash every inline script of the page template (there is one)."""
    template = (files("coprod_portal") / "templates" / "base.html").read_text()
    hashes = []
    for body in re.findall(r"<script[^>]*>(.*?)</script>", template, flags=re.S):
        if "{{" in body or "{%" in body:
            continue
        digest = hashlib.sha256(body.encode()).digest()
        hashes.append(f"'sha256-{base64.b64encode(digest).decode()}'")
    return hashes


def content_security_policy(frame_ancestors: str = "'none'") -> str:
    scripts = " ".join(["'self'", *current_app.extensions["coprod_script_hashes"]])
    form_action = " ".join(["'self'", *current_app.extensions["coprod_form_action_sources"]])
    return (
        "default-src 'self'; "
        f"script-src {scripts}; "
        "style-src 'self'; img-src 'self' data:; font-src 'self'; "
        "object-src 'none'; base-uri 'self'; "
        f"form-action {form_action}; "
        f"frame-ancestors {frame_ancestors}"
    )


def init_app(app: Flask, form_action_sources: list[str]) -> None:
    """CSRF, sessions, headers. ``form_action_sources`` are the other origins a form may be sent
    on to: the sign-out form goes on to the identity provider for RP-initiated logout."""
    app.extensions["coprod_form_action_sources"] = list(form_action_sources)
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    csrf.init_app(app)
    app.session_interface = HttpsAwareSessionInterface()
    app.extensions["coprod_script_hashes"] = _inline_script_hashes()
    with app.app_context():
        app.extensions["coprod_security_headers"] = [
            ("Content-Security-Policy", content_security_policy()),
            ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "strict-origin-when-cross-origin"),
            ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
        ]
    if app.config["PROXY_FIX"]:
        hops = app.config["PROXY_FIX"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    app.before_request(_drop_nul_characters)
    app.before_request(_check_csrf)
    app.after_request(_headers)


def _drop_nul_characters() -> None:
    """NUL characters never reach a view: nobody types one, and PostgreSQL cannot store or even
    compare them (an error, not an answer). Dropped from query strings and form fields; an address
    with one in it names nothing."""
    if "\x00" in request.path:
        abort(404)
    if "%00" in request.query_string.decode("latin-1"):
        request.args = _without_nul(request.args)  # type: ignore[misc]
    if request.method == "POST" and any("\x00" in k + v for k, v in request.form.items(multi=True)):
        request.form = _without_nul(request.form)  # type: ignore[misc]


def _without_nul(values: Any) -> ImmutableMultiDict[str, str]:
    return ImmutableMultiDict([(key.replace("\x00", ""), value.replace("\x00", ""))
                               for key, value in values.items(multi=True)])


def _check_csrf() -> None:
    """Every POST is checked here, except views whose form checks it and keeps the input."""
    if request.method in {"GET", "HEAD", "OPTIONS"}:
        return
    view = current_app.view_functions.get(request.endpoint or "")
    if view is not None and getattr(view, "csrf_checked_by_form", False):
        return
    if view is not None and getattr(view, "csrf_exempt_reason", None):
        return  # e.g. an LTI launch, which is signed by the platform instead
    csrf.protect()


def _headers(response: Any) -> Any:
    """Add the security headers a view has not set itself (the usual case: all of them).

    The values are worked out once at start-up; each response only looks up the names it has.
    """
    headers = response.headers
    present = {name.lower() for name, _ in headers.items()}
    defaults: list[tuple[str, str]] = current_app.extensions["coprod_security_headers"]
    for name, value in defaults:
        if name.lower() not in present:
            headers.add(name, value)
    if "x-frame-options" not in present and "frame-ancestors 'none'" in headers["Content-Security-Policy"]:
        headers.add("X-Frame-Options", "DENY")
    if request.is_secure and "strict-transport-security" not in present:
        headers.add("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if response.mimetype == "text/html" and "cache-control" not in present:
        headers.add("Cache-Control", "no-store")
    return response


def safe_next(target: str | None) -> str:
    """Only follow ``next`` to a page of this site, never to another host (sign-in by password
    or through the organisation's provider, and the language switch, all return there)."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("core.home")
