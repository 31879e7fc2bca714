"""Security defaults: CSRF on every POST, strict headers, and ProxyFix when behind a proxy.

The Content-Security-Policy allows no inline script except GOV.UK Frontend's one-line
``js-enabled`` snippet, allowed by its hash (computed from the template at start-up so an
upgrade of the template cannot silently break it).
"""

from __future__ import annotations

import base64
import hashlib
import re
from importlib.resources import files
from typing import Any

from flask import Flask, current_app, request
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

csrf = CSRFProtect()


def _inline_script_hashes() -> list[str]:
    """Hash every inline script of the GOV.UK page template (there is one)."""
    template = (files("govuk_frontend_jinja") / "templates" / "template.html").read_text()
    hashes = []
    for body in re.findall(r"<script[^>]*>(.*?)</script>", template, flags=re.S):
        if "{{" in body or "{%" in body:
            continue
        digest = hashlib.sha256(body.encode()).digest()
        hashes.append(f"'sha256-{base64.b64encode(digest).decode()}'")
    return hashes


def content_security_policy(frame_ancestors: str = "'none'") -> str:
    scripts = " ".join(["'self'", *current_app.extensions["coprod_script_hashes"]])
    return (
        "default-src 'self'; "
        f"script-src {scripts}; "
        "style-src 'self'; img-src 'self' data:; font-src 'self'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; "
        f"frame-ancestors {frame_ancestors}"
    )


def init_app(app: Flask) -> None:
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    csrf.init_app(app)
    app.extensions["coprod_script_hashes"] = _inline_script_hashes()
    if app.config["PROXY_FIX"]:
        hops = app.config["PROXY_FIX"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    app.before_request(_check_csrf)
    app.after_request(_headers)


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
    headers = response.headers
    if "Content-Security-Policy" not in headers:
        headers["Content-Security-Policy"] = content_security_policy()
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if "frame-ancestors 'none'" in headers["Content-Security-Policy"]:
        headers.setdefault("X-Frame-Options", "DENY")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if response.mimetype == "text/html":
        headers.setdefault("Cache-Control", "no-store")
    return response
