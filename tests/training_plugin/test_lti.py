"""LTI 1.3: registration, login, launch and every refusal, with a real platform and real keys."""

from __future__ import annotations

import time

from cryptography.hazmat.primitives.asymmetric import rsa

from coprod_portal.testing import csrf_token

from .conftest import launch, start_login

CHECK = "/training/modules/benefits/check"


def _pass(client):
    return client.post(CHECK, data={"q1": "b", "q2": "b", "q3": "a", "csrf_token": csrf_token(client, CHECK)})


LTI = "https://purl.imsglobal.org/spec/lti/claim/"
MSG = LTI + "message_type"


def test_jwks_is_a_correct_key_set(app, platform):
    client = app.test_client()
    r = client.get("/training/lti/jwks")
    keys = r.get_json()["keys"]
    assert len(keys) == 1 and keys[0]["kty"] == "RSA"
    assert client.get(platform.tool_jwks_path).get_json() == {"keys": keys}
    assert {"kid", "alg", "use", "n", "e"} <= set(keys[0]) and keys[0]["alg"] == "RS256"
    assert "d" not in keys[0]


def test_learner_launches_a_module_without_a_password(app, platform):
    client = app.test_client()
    response = launch(client, platform)
    assert response.status_code == 303 and response.headers["Location"].endswith("/training/modules/benefits")
    page = client.get("/training/modules/benefits")
    assert page.status_code == 200
    assert "Paying people who receive benefits" in page.get_data(as_text=True)
    assert "frame-ancestors https://lms.example.org" in page.headers["Content-Security-Policy"]
    assert platform.jwks_fetches == 1


def test_replayed_launch_is_refused_in_the_same_and_another_browser(app, platform):
    client = app.test_client()
    state, nonce = start_login(client, platform)
    token = platform.id_token(nonce)
    assert client.post("/training/lti/launch", data={"state": state, "id_token": token}).status_code == 303
    again = client.post("/training/lti/launch", data={"state": state, "id_token": token})
    assert again.status_code == 403 and "This launch has already been used" in again.get_data(as_text=True)
    other = app.test_client()
    other_state, _ = start_login(other, platform)
    stolen = other.post("/training/lti/launch", data={"state": other_state, "id_token": token})
    assert stolen.status_code == 403 and "already been used" in stolen.get_data(as_text=True)


def test_state_must_match_its_cookie(app, platform):
    client = app.test_client()
    state, nonce = start_login(client, platform)
    fresh = app.test_client()
    response = fresh.post("/training/lti/launch", data={"state": state, "id_token": platform.id_token(nonce)})
    assert response.status_code == 403
    assert "did not start in this browser" in response.get_data(as_text=True)


def _refused(app, platform, **token):
    response = launch(app.test_client(), platform, **token)
    assert 400 <= response.status_code < 500, response.status_code
    return response.get_data(as_text=True)


def test_expired_and_incomplete_tokens_are_refused(app, platform):
    assert "has expired" in _refused(app, platform, exp=int(time.time()) - 600)
    assert "has no “exp” claim" in _refused(app, platform, omit=("exp",))
    assert "dated in the future" in _refused(app, platform, iat=int(time.time()) + 3600)


def test_wrong_audience_azp_issuer_and_deployment_are_refused(app, platform):
    assert "is for another tool" in _refused(app, platform, aud="someone-else")
    assert "another party" in _refused(app, platform, aud=[platform.client_id, "other"])
    assert "another party" in _refused(app, platform, azp="other")
    assert "deployment" in _refused(app, platform, **{LTI + "deployment_id": "unknown"})


def test_bad_signatures_and_algorithms_are_refused(app, platform):
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert "signature is not valid" in _refused(app, platform, key=stranger)
    assert "key the LMS does not publish" in _refused(app, platform, headers={"kid": "nope"})
    client = app.test_client()
    state, nonce = start_login(client, platform)
    token = platform.id_token(nonce)
    head, body, _ = token.split(".")
    import base64
    import json

    none_head = (
        base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode()).rstrip(b"=").decode()
    )
    page = client.post("/training/lti/launch", data={"state": state, "id_token": f"{none_head}.{body}."})
    assert page.status_code == 401 and "only RS256" in page.get_data(as_text=True)
    tampered = client.post("/training/lti/launch", data={"state": state, "id_token": f"{head}.{body}x.{_}"})
    assert 400 <= tampered.status_code < 500


def test_wrong_version_and_message_type_are_refused(app, platform):
    assert "LTI version" in _refused(app, platform, **{LTI + "version": "1.1"})
    assert "kind of launch" in _refused(app, platform, **{MSG: "LtiSubmissionReviewRequest"})
    assert "missing information" in _refused(app, platform, omit=(LTI + "resource_link",))


def test_unknown_issuer_at_login_gets_a_readable_page(app, platform):
    response = app.test_client().get(
        "/training/lti/login", query_string={"iss": "https://unknown.example.org", "login_hint": "x"}
    )
    assert response.status_code == 403
    assert "This LMS is not registered with the portal" in response.get_data(as_text=True)
    missing = app.test_client().post("/training/lti/login", data={"iss": platform.issuer})
    assert missing.status_code == 400 and "did not send a complete sign-in request" in missing.get_data(
        as_text=True
    )


def test_learner_completes_check_and_score_reaches_the_platform(app, platform):
    client = app.test_client()
    launch(client, platform)
    page = _pass(client)
    assert page.status_code == 200 and "You passed" in page.get_data(as_text=True)
    assert len(platform.scores) == 1
    score = platform.scores[0]
    assert score["scoreGiven"] == 3 and score["scoreMaximum"] == 3 and score["userId"] == "learner-1"
    assert score["activityProgress"] == "Completed" and score["item"] == "7"
    assert platform.assertions[0]["iss"] == platform.client_id  # client assertion signed with our key


def test_deep_linking_returns_modules_with_line_items(app, platform):
    import jwt

    client = app.test_client()
    response = launch(
        client,
        platform,
        message_type="LtiDeepLinkingRequest",
        roles=["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"],
    )
    assert response.headers["Location"].endswith("/training/lti/deep-link")
    token = csrf_token(client, "/training/lti/deep-link")
    empty = client.post("/training/lti/deep-link", data={"csrf_token": token})
    assert empty.status_code == 400 and "Choose at least one module" in empty.get_data(as_text=True)
    page = client.post(
        "/training/lti/deep-link", data={"modules": ["coproduction", "benefits"], "csrf_token": token}
    )
    html = page.get_data(as_text=True)
    assert f'action="{platform.url}/deep-link-return"' in html
    token = html.split('name="JWT" value="')[1].split('"')[0]
    tool_keys = client.get("/training/lti/jwks").get_json()["keys"]
    claims = jwt.decode(token, jwt.PyJWK(tool_keys[0]).key, algorithms=["RS256"], audience=platform.issuer)
    items = claims["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
    assert [i["custom"]["module"] for i in items] == ["coproduction", "benefits"]
    assert all(i["type"] == "ltiResourceLink" and "lineItem" in i for i in items)
    assert claims["https://purl.imsglobal.org/spec/lti-dl/claim/data"] == "opaque"
    assert platform.url in page.headers["Content-Security-Policy"].split("form-action")[1]


def test_instructor_sees_roster_with_progress(app, platform):
    learner = app.test_client()
    launch(learner, platform)
    _pass(learner)
    teacher = app.test_client()
    launch(
        teacher,
        platform,
        sub="teacher-1",
        roles=["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"],
    )
    page = teacher.get("/training/lti/roster").get_data(as_text=True)
    assert "Ada Learner" in page and "Ben Learner" in page and "benefits" in page
    assert learner.get("/training/lti/roster").status_code == 403


def test_registration_form_refuses_bad_urls_and_duplicates(app, platform, client_as):
    admin = client_as("admin")
    from coprod_portal.testing import csrf_token

    token = csrf_token(admin, "/training/platforms")
    data = {
        "csrf_token": token,
        "name": "Moodle",
        "issuer": "http://moodle.example.org",
        "client_id": "c",
        "deployment_ids": "1",
        "auth_login_url": "https://m.example.org/auth",
        "token_url": "https://m.example.org/token",
        "jwks_url": "not a url",
        "frame_origins": "",
    }
    page = admin.post("/training/platforms", data=data)
    html = page.get_data(as_text=True)
    assert (
        page.status_code == 400 and "must start with https://" in html and "Enter a full web address" in html
    )
    assert 'value="Moodle"' in html
    dup = admin.post(
        "/training/platforms",
        data={
            **data,
            "issuer": platform.issuer,
            "client_id": platform.client_id,
            "jwks_url": "https://m.example.org/jwks",
        },
    )
    assert dup.status_code == 400 and "already registered" in dup.get_data(as_text=True)
    ok = admin.post(
        "/training/platforms",
        data={**data, "issuer": "https://moodle.example.org", "jwks_url": "https://m.example.org/jwks"},
    )
    assert ok.status_code == 302
    assert "Moodle" in admin.get("/training/platforms").get_data(as_text=True)
    assert client_as("staff@example.org").get("/training/platforms").status_code == 403


def test_nonces_are_purged_after_a_day(app, platform):
    from datetime import timedelta

    from coprod_portal.db import get_session, utcnow
    from training import grades
    from training.models import TrainingNonce

    start_login(app.test_client(), platform)
    with app.app_context():
        db = get_session()
        for row in db.exec(__import__("sqlmodel").select(TrainingNonce)):
            row.created_at = utcnow() - timedelta(days=2)
        db.commit()
        grades.purge_nonces()
        assert db.exec(__import__("sqlmodel").select(TrainingNonce)).first() is None


def test_launch_over_https_keeps_a_third_party_session_cookie(app, platform):
    """Inside an LMS iframe the browser keeps only SameSite=None; Secure (Partitioned) cookies."""
    client = app.test_client()
    state, nonce = start_login_https(client, platform)
    response = client.post(
        "/training/lti/launch",
        data={"state": state, "id_token": platform.id_token(nonce)},
        base_url="https://localhost",
    )
    assert response.status_code == 303
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "SameSite=None" in cookie and "Secure" in cookie and "Partitioned" in cookie
    staff = app.test_client().get("/sign-in", base_url="https://localhost")
    assert all("SameSite=None" not in c for c in staff.headers.getlist("Set-Cookie"))


def start_login_https(client, platform):
    from urllib.parse import parse_qs, urlparse

    response = client.get(
        "/training/lti/login",
        base_url="https://localhost",
        query_string={"iss": platform.issuer, "login_hint": "h", "client_id": platform.client_id},
    )
    state_cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("lti1p3-state-"))
    assert "SameSite=None" in state_cookie and "Secure" in state_cookie
    query = parse_qs(urlparse(response.headers["Location"]).query)
    return query["state"][0], query["nonce"][0]


def test_grade_is_kept_and_retried_when_the_lms_is_down(app, platform):
    from sqlmodel import select

    from coprod_portal.db import get_session
    from training import grades
    from training.models import TrainingGrade

    platform.fail_scores = True
    client = app.test_client()
    launch(client, platform)
    page = _pass(client)
    assert "You passed" in page.get_data(as_text=True)  # the learner's pass is kept whatever the LMS says
    with app.app_context():
        grade = get_session().exec(select(TrainingGrade)).one()
        assert grade.status == "waiting" and "did not accept the score" in grade.last_error
        platform.fail_scores = False
        grades.send_grade_job(grade.id)  # what the job queue's retry runs
        assert get_session().get(TrainingGrade, grade.id).status == "sent"
    assert len(platform.scores) == 1


def test_one_launch_is_one_transaction(app, platform):
    """The nonce is used up in the same commit as the launch it admits (and the first launch's
    fetch of the LMS's key set is saved with it)."""
    import sqlalchemy as sa
    from sqlmodel import Session, select

    from coprod_portal.db import get_session
    from training.models import TrainingLaunch, TrainingNonce

    commits: list[object] = []

    def count(session: object) -> None:
        commits.append(session)

    for token in ({}, {}, {"exp": int(time.time()) - 600}):
        client = app.test_client()
        state, nonce = start_login(client, platform)
        commits.clear()
        sa.event.listen(Session, "after_commit", count)
        try:
            client.post(
                "/training/lti/launch", data={"state": state, "id_token": platform.id_token(nonce, **token)}
            )
        finally:
            sa.event.remove(Session, "after_commit", count)
        assert len(commits) == 1, token
    assert platform.jwks_fetches == 1
    with app.app_context():
        session = get_session()
        assert len(session.exec(select(TrainingLaunch)).all()) == 2
        used = session.exec(select(TrainingNonce).where(TrainingNonce.used_at.is_not(None))).all()
        assert len(used) == 2  # the refused (expired) launch did not use its nonce
