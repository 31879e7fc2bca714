"""Security defaults: headers, cookies, CSRF on every POST."""

import base64
import hashlib
import re

from coprod_portal.testing import login


def test_every_page_sends_strict_headers(client):
    response = client.get("/sign-in")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in response.headers  # not over plain HTTP


def test_the_only_inline_script_is_allowed_by_its_hash(client):
    response = client.get("/sign-in")
    html = response.get_data(as_text=True)
    inline = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", html, flags=re.S)
    assert len(inline) == 1
    digest = base64.b64encode(hashlib.sha256(inline[0].encode()).digest()).decode()
    assert f"'sha256-{digest}'" in response.headers["Content-Security-Policy"]


def test_hsts_is_sent_over_https(client):
    response = client.get("/sign-in", base_url="https://portal.example.org")
    assert "max-age=" in response.headers["Strict-Transport-Security"]


def test_session_cookie_is_httponly_and_lax(app):
    client = app.test_client()
    login(client, "staff@example.org")
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"


def test_secure_cookies_when_configured(make_app):
    app = make_app(config={"SESSION_COOKIE_SECURE": True})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]


def test_post_without_csrf_token_is_refused_everywhere(app):
    """Every POST route, by someone holding every role, with real ids: refused, nothing changed.

    Routes the platform signs instead (LTI) must say why they are exempt.
    """
    from sqlmodel import Session, select
    from werkzeug.routing.converters import NumberConverter

    from coprod_portal import accounts
    from coprod_portal.accounts import User
    from coprod_portal.projects import Project

    with app.app_context(), Session(app.extensions["coprod_engine"]) as session:
        # in the app's context, so the password is hashed at the tests' cost (it signs in per route)
        roles = [r for r in app.extensions["coprod_roles"] if r != "hr"]
        accounts.create_user(session, "everything@example.org", "Every Role", roles, "a long test passphrase")
        session.commit()
        ids = {"project_id": session.exec(select(Project)).first().id,
               "user_id": session.exec(select(User).where(User.email == "staff@example.org")).one().id,
               "token": "not-a-token", "failure_id": "not-a-job-failure"}
    checked = 0
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods:
            continue
        view = app.view_functions[rule.endpoint]
        if getattr(view, "csrf_exempt_reason", None):
            assert len(view.csrf_exempt_reason) > 20, rule.rule  # a real reason, written down
            continue
        client = app.test_client() if rule.endpoint == "auth.login" else login(
            app.test_client(), "everything@example.org", "a long test passphrase")
        # plugins' own ids: a made-up one (the token check must refuse before any lookup)
        made_up = {arg: 999999 if isinstance(rule._converters.get(arg), NumberConverter)
                   else f"not-a-real-{arg}" for arg in rule.arguments}
        path = rule.build({**made_up, **{a: ids[a] for a in rule.arguments if a in ids}},
                          append_unknown=False)[1]
        response = client.post(path, data={"title": "x", "email": "staff@example.org",
                                           "password": "demo-password-2026", "active": "no"})
        text = response.get_data(as_text=True)
        assert response.status_code in (200, 400, 403, 404), (path, response.status_code)
        refused_before_reading = response.status_code in (403, 404)  # permission or record check
        assert (refused_before_reading or "security check failed" in text or "nothing was saved" in text
                or "cannot be used" in text), path
        checked += 1
    assert checked >= 8
    staff = login(app.test_client(), "staff@example.org")
    assert staff.get("/").status_code == 200  # the deactivation without a token did nothing


def test_proxy_fix_trusts_the_configured_proxy(make_app):
    app = make_app(config={"PROXY_FIX": 1})
    response = app.test_client().get("/sign-in", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in response.headers


def test_error_pages_are_inside_the_shell_and_helpful(app):
    client = app.test_client()
    missing = client.get("/no/such/page")
    text = missing.get_data(as_text=True)
    assert missing.status_code == 404 and "Page not found" in text and "Skip to main content" in text
    staff = login(app.test_client(), "staff@example.org")
    refused = staff.get("/admin/plugins").get_data(as_text=True)
    assert "You do not have permission to see this page" in refused and "admin.plugins" in refused


def test_unexpected_error_shows_a_polite_page(app):
    @app.route("/boom")
    def boom():
        raise RuntimeError("kaboom")

    response = app.test_client().get("/boom")
    text = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Nothing you saved before this has been lost" in text and "kaboom" not in text


def test_nul_characters_never_reach_a_view(app):
    """PostgreSQL cannot store or compare NUL: dropped from queries and forms; in an address, 404."""
    from coprod_portal.testing import csrf_token

    lead = login(app.test_client(), "lead@example.org")
    assert lead.get("/audit/", query_string={"actor": "Lee\x00"}).status_code == 200
    assert lead.get("/projects/%00").status_code == 404
    response = lead.post("/projects/new", data={"title": "Nul\x00 project", "summary": "A summary",
                                                "csrf_token": csrf_token(lead, "/projects/new")})
    assert response.status_code == 302
    assert "Nul project" in lead.get(response.location).get_data(as_text=True)
