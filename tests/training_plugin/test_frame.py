"""Inside an LMS iframe: the cookie check after a framed login, the single-use handover to a new
window when the browser keeps no cookies there, who may frame which page, and ProxyFix behind a
TLS proxy deciding whether the framed cookie flags are set."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

from sqlmodel import select

from coprod_portal.audit import AuditEvent
from coprod_portal.db import get_session, utcnow
from training.handover import TrainingHandover

from .conftest import registered_platform, start_login

HTTPS = "https://localhost"
FRAMED = {"Sec-Fetch-Dest": "iframe"}


def _framed_login(client, platform, **extra):
    return client.post(
        "/training/lti/login",
        data={
            "iss": platform.issuer,
            "client_id": platform.client_id,
            "login_hint": "learner-1",
            "lti_message_hint": "resource:benefits",
            "target_link_uri": HTTPS + "/training/lti/launch",
        },
        headers=FRAMED,
        base_url=HTTPS,
        **extra,
    )


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}


def test_a_framed_login_whose_cookie_came_back_goes_on_to_the_lms_and_its_token_is_used_up(app, platform):
    client = app.test_client()
    login = _framed_login(client, platform)
    assert login.status_code == 302
    check_url = login.headers["Location"]
    assert check_url.startswith("/training/lti/cookie-check/")
    state_cookie = next(c for c in login.headers.getlist("Set-Cookie") if c.startswith("lti1p3-state-"))
    assert "SameSite=None" in state_cookie and "Secure" in state_cookie and "Partitioned" in state_cookie

    onward = client.get(check_url, base_url=HTTPS, headers=FRAMED)
    assert onward.status_code == 302 and onward.headers["Location"].startswith(platform.url + "/auth?")
    query = _query(onward.headers["Location"])
    assert query["lti_message_hint"] == "resource:benefits" and query["login_hint"] == "learner-1"

    again = client.get(check_url, base_url=HTTPS, headers=FRAMED)
    assert again.status_code == 410
    assert "This link has expired or has been used" in again.get_data(as_text=True)
    with app.app_context():
        row = get_session().exec(select(TrainingHandover)).one()
        assert row.used_how == "cookie" and row.token_hash not in check_url  # only its hash is kept

    launched = client.post(
        "/training/lti/launch",
        data={"state": query["state"], "id_token": platform.id_token(query["nonce"])},
        base_url=HTTPS,
    )
    assert launched.status_code == 303


def test_a_login_outside_a_frame_goes_straight_to_the_lms(app, platform):
    state, _ = start_login(app.test_client(), platform)
    assert state.startswith("state-")
    with app.app_context():
        assert get_session().exec(select(TrainingHandover)).first() is None


def test_without_the_cookie_the_learner_is_offered_a_new_window_that_carries_the_launch_once(app, platform):
    framed = app.test_client(use_cookies=False)  # a browser that keeps no cookie in the frame
    check_url = _framed_login(framed, platform).headers["Location"]
    page = framed.get(check_url, base_url=HTTPS, headers=FRAMED)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Open the training in a new window" in text and "allow cookies for localhost" in text
    token = check_url.rsplit("/", 1)[1]
    assert f'href="/training/lti/continue/{token}" target="_blank" rel="noopener noreferrer"' in text
    assert page.headers["Referrer-Policy"] == "no-referrer"  # the token stays out of Referer headers
    assert page.headers["Content-Security-Policy"].endswith("frame-ancestors https://lms.example.org")
    assert "X-Frame-Options" not in page.headers

    window = app.test_client()  # the new top-level window, where cookies are first-party
    onward = window.get(f"/training/lti/continue/{token}", base_url=HTTPS)
    assert onward.status_code == 302 and onward.headers["Location"].startswith(platform.url + "/auth?")
    assert onward.headers["Referrer-Policy"] == "no-referrer"
    query = _query(onward.headers["Location"])
    assert query["lti_message_hint"] == "resource:benefits"
    launched = window.post(
        "/training/lti/launch",
        data={"state": query["state"], "id_token": platform.id_token(query["nonce"])},
        base_url=HTTPS,
    )
    assert launched.status_code == 303 and launched.headers["Location"].endswith("/training/modules/benefits")
    assert "Paying people" in window.get("/training/modules/benefits", base_url=HTTPS).get_data(as_text=True)

    for client in (window, app.test_client(), framed):  # never twice, from any browser
        reused = client.get(f"/training/lti/continue/{token}", base_url=HTTPS)
        assert reused.status_code == 410 and "open the activity again" in reused.get_data(as_text=True)
        assert framed.get(check_url, base_url=HTTPS).status_code == 410
    with app.app_context():
        db = get_session()
        assert db.exec(select(TrainingHandover)).one().used_how == "new_window"
        events = db.exec(
            select(AuditEvent).where(AuditEvent.action == "continued an LMS launch in a new window")
        ).all()
        assert len(events) == 1 and events[0].subject_label == "Test LMS"


def test_a_handover_expires_with_its_login(app, platform):
    framed = app.test_client(use_cookies=False)
    check_url = _framed_login(framed, platform).headers["Location"]
    with app.app_context():
        db = get_session()
        row = db.exec(select(TrainingHandover)).one()
        row.created_at = utcnow() - timedelta(minutes=11)
        db.commit()
    assert framed.get(check_url, base_url=HTTPS).status_code == 410
    token = check_url.rsplit("/", 1)[1]
    late = app.test_client().get(f"/training/lti/continue/{token}", base_url=HTTPS)
    assert late.status_code == 410 and "within 10 minutes" in late.get_data(as_text=True)
    assert app.test_client().get("/training/lti/continue/made-up", base_url=HTTPS).status_code == 410


def test_handovers_are_purged_with_the_nonces(app, platform):
    from training import grades

    _framed_login(app.test_client(), platform)
    with app.app_context():
        db = get_session()
        db.exec(select(TrainingHandover)).one().created_at = utcnow() - timedelta(days=2)
        db.commit()
        grades.purge_nonces()
        assert db.exec(select(TrainingHandover)).first() is None


def test_a_refusal_can_be_read_inside_any_registered_lms_frame_but_no_other(app, platform):
    refused = app.test_client().post(
        "/training/lti/launch", data={"state": "x", "id_token": "not-a-token"}, base_url=HTTPS
    )
    assert refused.status_code in (400, 403)
    assert refused.headers["Content-Security-Policy"].endswith("frame-ancestors https://lms.example.org")
    staff_page = app.test_client().get("/sign-in", base_url=HTTPS)
    assert "frame-ancestors 'none'" in staff_page.headers["Content-Security-Policy"]
    assert staff_page.headers["X-Frame-Options"] == "DENY"


def test_a_framed_page_without_a_session_says_to_open_the_activity_again(app, platform):
    framed = app.test_client().get("/training/modules/benefits", headers=FRAMED, base_url=HTTPS)
    assert framed.status_code == 401
    assert "Your session in this LMS page has ended" in framed.get_data(as_text=True)
    assert framed.headers["Content-Security-Policy"].endswith("frame-ancestors https://lms.example.org")
    top_level = app.test_client().get("/training/modules/benefits", base_url=HTTPS)
    assert top_level.status_code == 302 and "/sign-in" in top_level.headers["Location"]  # as before


def test_pages_after_a_launch_may_be_framed_only_by_the_registrations_origins(app, platform):
    client = app.test_client()
    state, nonce = start_login(client, platform)
    client.post("/training/lti/launch", data={"state": state, "id_token": platform.id_token(nonce)})
    page = client.get("/training/modules/benefits")
    assert page.headers["Content-Security-Policy"].endswith("frame-ancestors https://lms.example.org")
    assert "X-Frame-Options" not in page.headers


# --- behind a TLS proxy ---------------------------------------------------------------------------

PROXY = {
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "training.example.org",
    "X-Forwarded-For": "10.0.0.9",
}
FRAMED_FLAGS = ("SameSite=None", "Secure", "Partitioned")


def _cookie(response, prefix: str) -> str:
    return next(c for c in response.headers.getlist("Set-Cookie") if c.startswith(prefix))


def _launch_behind_proxy(app, platform):
    """Login and launch as a TLS-terminating proxy forwards them (plain HTTP to the portal)."""
    client = app.test_client(use_cookies=False)
    login = client.get(
        "/training/lti/login",
        query_string={"iss": platform.issuer, "login_hint": "h", "client_id": platform.client_id},
        headers=PROXY,
    )
    state_cookie = _cookie(login, "lti1p3-state-")
    query = _query(login.headers["Location"])
    launched = client.post(
        "/training/lti/launch",
        data={"state": query["state"], "id_token": platform.id_token(query["nonce"])},
        headers={**PROXY, "Cookie": state_cookie.split(";", 1)[0]},
    )
    return state_cookie, query, launched


def test_a_trusted_proxy_saying_https_gets_the_framed_cookie_flags(make_app):
    app = make_app(plugins=["training"], config={"PROXY_FIX": 1})  # COPROD_PROXY_FIX=1: one proxy
    platform = registered_platform(app)
    try:
        state_cookie, query, launched = _launch_behind_proxy(app, platform)
    finally:
        platform.stop()
    assert all(flag in state_cookie for flag in FRAMED_FLAGS)
    assert query["redirect_uri"] == "https://training.example.org/training/lti/launch"
    assert launched.status_code == 303
    session_cookie = _cookie(launched, "session=")
    assert all(flag in session_cookie for flag in FRAMED_FLAGS)
    assert launched.headers["Strict-Transport-Security"].startswith("max-age=")


def test_without_trust_a_forwarded_https_header_changes_nothing(make_app):
    app = make_app(plugins=["training"], config={"PROXY_FIX": 0})
    platform = registered_platform(app)
    try:
        state_cookie, query, launched = _launch_behind_proxy(app, platform)
    finally:
        platform.stop()
    assert "SameSite=Lax" in state_cookie and not any(flag in state_cookie for flag in FRAMED_FLAGS[1:])
    assert query["redirect_uri"] == "http://localhost/training/lti/launch"
    session_cookie = _cookie(launched, "session=")
    assert "SameSite=Lax" in session_cookie and "Secure" not in session_cookie
    assert "Strict-Transport-Security" not in launched.headers



def test_a_registrations_new_origins_apply_to_its_learners_next_page_on_every_server(app, platform, tmp_path):
    """The origins are remembered per launch (every page of a course asks for them), so a change
    made through another server must still apply on the learner's very next page."""
    from coprod_portal import create_app
    from training.models import TrainingPlatform

    client = app.test_client()
    state, nonce = start_login(client, platform)
    client.post("/training/lti/launch", data={"state": state, "id_token": platform.id_token(nonce)})
    assert client.get("/training/modules/benefits").headers["Content-Security-Policy"].endswith(
        "frame-ancestors https://lms.example.org")
    other_server = create_app({**app.config, "INSTANCE_PATH": str(tmp_path / "second")})
    with other_server.app_context():
        db = get_session()
        registered = select(TrainingPlatform).where(TrainingPlatform.issuer == platform.issuer)
        registration = db.exec(registered).one()
        registration.frame_origins = "https://moodle.example.ac.uk"
        db.commit()
    page = client.get("/training/modules/benefits")
    assert page.headers["Content-Security-Policy"].endswith("frame-ancestors https://moodle.example.ac.uk")
