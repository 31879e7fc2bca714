"""Signing in and out, throttling, password changes and resets, trusted header, learners."""

import re

from sqlmodel import Session

from coprod_portal import accounts
from coprod_portal.testing import DEMO_PASSWORD, csrf_token, login

WRONG = "The email address or password is not right"


def _sign_in(client, email, password):
    return client.post("/sign-in", data={"email": email, "password": password,
                                          "csrf_token": csrf_token(client)})


def test_visitor_is_sent_to_sign_in_and_back_to_the_page_asked_for(client):
    response = client.get("/projects/")
    assert response.status_code == 302 and "/sign-in?next=" in response.location
    token = csrf_token(client, response.location)
    response = client.post(response.location, data={
        "email": "staff@example.org", "password": DEMO_PASSWORD, "csrf_token": token})
    assert response.status_code == 302 and response.location == "/projects/"


def test_next_never_leads_to_another_site(client):
    token = csrf_token(client)
    response = client.post("/sign-in?next=//evil.example/x", data={
        "email": "staff@example.org", "password": DEMO_PASSWORD, "csrf_token": token})
    assert response.location == "/"


def test_wrong_password_and_unknown_account_get_the_same_message_and_keep_the_email(client):
    wrong = _sign_in(client, "staff@example.org", "not the password at all")
    unknown = _sign_in(client, "nobody@example.org", "not the password at all")
    for response, email in ((wrong, "staff@example.org"), (unknown, "nobody@example.org")):
        text = response.get_data(as_text=True)
        assert response.status_code == 400
        assert WRONG in text and "There is a problem" in text
        assert f'value="{email}"' in text
        assert "not the password at all" not in text  # passwords are never sent back


def test_empty_sign_in_explains_each_missing_field(client):
    text = _sign_in(client, "", "").get_data(as_text=True)
    assert "Enter your email address" in text and "Enter your password" in text
    assert text.count('href="#email"') >= 1 and "<title>Error:" in text


def test_missing_csrf_token_keeps_what_was_typed(client):
    client.get("/sign-in")
    response = client.post("/sign-in", data={"email": "staff@example.org", "password": DEMO_PASSWORD})
    text = response.get_data(as_text=True)
    assert "nothing was saved" in text and 'value="staff@example.org"' in text
    assert client.get("/").status_code == 302  # not signed in


def test_throttling_after_repeated_failures_even_with_the_right_password(app):
    client = app.test_client()
    for _ in range(app.config["LOGIN_LIMIT_PER_ACCOUNT"]):
        _sign_in(client, "staff@example.org", "wrong password here")
    response = _sign_in(client, "staff@example.org", DEMO_PASSWORD)
    text = response.get_data(as_text=True)
    assert "too many attempts" in text and "Wait 15 minutes" in text
    assert client.get("/").status_code == 302
    other = app.test_client()  # another account from the same address is not locked out
    assert _sign_in(other, "hr@example.org", DEMO_PASSWORD).status_code == 302


def test_throttling_applies_to_accounts_that_do_not_exist_too(app):
    client = app.test_client()
    for _ in range(app.config["LOGIN_LIMIT_PER_ACCOUNT"]):
        _sign_in(client, "ghost@example.org", "wrong password here")
    assert "too many attempts" in _sign_in(client, "ghost@example.org", "x").get_data(as_text=True)


def test_throttling_per_address(make_app):
    app = make_app(config={"LOGIN_LIMIT_PER_ADDRESS": 3})
    client = app.test_client()
    for n in range(3):
        _sign_in(client, f"person{n}@example.org", "wrong password here")
    assert "too many attempts" in _sign_in(client, "staff@example.org", DEMO_PASSWORD).get_data(as_text=True)


def test_deactivated_account_cannot_sign_in_and_is_signed_out(app):
    staff = login(app.test_client(), "staff@example.org")
    with Session(app.extensions["coprod_engine"]) as session:
        user = accounts.user_by_email(session, "staff@example.org")
        accounts.deactivate(user)
        session.commit()
    assert staff.get("/").status_code == 302
    assert WRONG in _sign_in(app.test_client(), "staff@example.org", DEMO_PASSWORD).get_data(as_text=True)


def test_sign_out_needs_post_and_ends_the_session(app):
    client = login(app.test_client(), "staff@example.org")
    assert client.get("/sign-out").status_code == 405
    token = csrf_token(client, "/")
    response = client.post("/sign-out", data={"csrf_token": token})
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_sign_out_without_csrf_token_is_refused(app):
    client = login(app.test_client(), "staff@example.org")
    response = client.post("/sign-out")
    assert response.status_code == 400
    assert "security check failed" in response.get_data(as_text=True)
    assert client.get("/").status_code == 200


def test_changing_password_ends_other_sessions(app):
    here = login(app.test_client(), "staff@example.org")
    elsewhere = login(app.test_client(), "staff@example.org")
    new = "a long new passphrase for staff"
    response = here.post("/account/password", data={
        "current": DEMO_PASSWORD, "password": new, "confirm": new,
        "csrf_token": csrf_token(here, "/account/password")})
    assert response.status_code == 302
    assert here.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 302
    assert _sign_in(app.test_client(), "staff@example.org", new).status_code == 302


def test_password_rules_allow_passphrases_and_explain_refusals(app):
    client = login(app.test_client(), "staff@example.org")
    token = csrf_token(client, "/account/password")
    short = client.post("/account/password", data={
        "current": DEMO_PASSWORD, "password": "short", "confirm": "short", "csrf_token": token})
    assert "at least 12 characters" in short.get_data(as_text=True)
    mismatch = client.post("/account/password", data={
        "current": DEMO_PASSWORD, "password": "correct horse battery", "confirm": "correct horse batery",
        "csrf_token": token})
    assert "The two passwords are different" in mismatch.get_data(as_text=True)
    wrong_current = client.post("/account/password", data={
        "current": "not it at all", "password": "correct horse battery",
        "confirm": "correct horse battery", "csrf_token": token})
    assert "Your current password is not right" in wrong_current.get_data(as_text=True)


def test_admin_reset_code_works_once(app):
    admin = login(app.test_client(), "admin@example.org")
    with Session(app.extensions["coprod_engine"]) as session:
        staff_id = accounts.user_by_email(session, "staff@example.org").id
    page = admin.post(f"/admin/users/{staff_id}/reset-code",
                      data={"csrf_token": csrf_token(admin, f"/admin/users/{staff_id}")})
    link = re.search(r'<code id="reset-link">([^<]+)</code>', page.get_data(as_text=True)).group(1)
    path = "/" + link.split("/", 3)[3]
    person = app.test_client()
    new = "my brand new passphrase"
    form = person.get(path)
    assert form.status_code == 200 and "Sasha Staff" in form.get_data(as_text=True)
    done = person.post(path, data={"password": new, "confirm": new, "csrf_token": csrf_token(person, path)})
    assert done.status_code == 302 and person.get("/").status_code == 200
    again = app.test_client().get(path)
    assert again.status_code == 404 and "cannot be used" in again.get_data(as_text=True)


def test_unknown_reset_code_is_refused_politely(client):
    response = client.get("/reset/not-a-real-code")
    assert response.status_code == 404
    assert "Ask an administrator for a new password reset code" in response.get_data(as_text=True)


def test_trusted_header_is_ignored_unless_configured(client):
    assert client.get("/", headers={"X-Remote-User": "admin@example.org"}).status_code == 302


def test_trusted_header_signs_in_known_active_staff(make_app):
    app = make_app(config={"TRUSTED_USER_HEADER": "X-Remote-User"})
    client = app.test_client()
    response = client.get("/", headers={"X-Remote-User": "Lead@example.org"})
    assert response.status_code == 200 and "Hello, Lee Lead" in response.get_data(as_text=True)
    assert app.test_client().get("/", headers={"X-Remote-User": "stranger@example.org"}).status_code == 302


def test_learner_is_a_separate_principal_without_staff_pages(app):
    from flask_login import login_user

    with Session(app.extensions["coprod_engine"]) as session:
        learner = accounts.learner_for(session, "https://lms.example.org", "student-42", "Ada Learner")
        session.commit()
        learner_id = learner.id

    @app.route("/test-learner-login")
    def learner_login():
        from coprod_portal.db import get_session

        login_user(get_session().get(accounts.Learner, learner_id))
        return "ok"

    client = app.test_client()
    client.get("/test-learner-login")
    home = client.get("/")
    assert home.status_code == 200 and "Ada Learner" in home.get_data(as_text=True)
    assert "Projects" not in home.get_data(as_text=True)
    assert client.get("/projects/").status_code == 403
    assert client.get("/admin/users").status_code == 403


def test_learner_identity_is_issuer_and_subject(app):
    with Session(app.extensions["coprod_engine"]) as session:
        a = accounts.learner_for(session, "https://a.example", "1")
        b = accounts.learner_for(session, "https://b.example", "1")
        session.commit()
        again = accounts.learner_for(session, "https://a.example", "1", "Renamed")
        assert a.id != b.id and again.id == a.id and again.display_name == "Renamed"


def test_password_policy_welcomes_passphrases_and_refuses_common_and_email_based_ones(app):
    staff = "staff@example.org"
    assert accounts.password_problem("correct horse battery staple lamp", staff) is None
    assert accounts.password_problem("mañana será otro día, con café", staff) is None
    assert accounts.password_problem("我的密码是一句很长很长的话", staff) is None
    assert accounts.password_problem("🙂🙃😺🐢🌻🍎🚲⛵🎈🎲🧩📚", staff) is None
    assert accounts.password_problem("a long new passphrase for staff", staff) is None
    assert "at least 12" in accounts.password_problem("short one", staff)
    for common in ("password1234", "Password 1234!", "123456789012", "qwerty123456", "aaaaaaaaaaaaaaa",
                   "abababababababab"):
        assert "most common" in accounts.password_problem(common, staff), common
    for mine in ("staff@example.org is me", "STAFF@EXAMPLE.ORG!!", "staff 2026 staff!!"):
        assert "email address" in accounts.password_problem(mine, staff), mine


def test_changing_to_a_common_password_or_one_built_on_the_email_is_refused_and_explained(app):
    client = login(app.test_client(), "staff@example.org")
    token = csrf_token(client, "/account/password")
    for bad, message in (("password1234", "most common"), ("staff@example.org1", "email address")):
        response = client.post("/account/password", data={
            "current": DEMO_PASSWORD, "password": bad, "confirm": bad, "csrf_token": token})
        assert response.status_code in (200, 400) and message in response.get_data(as_text=True)
    assert _sign_in(app.test_client(), "staff@example.org", DEMO_PASSWORD).status_code == 302


def test_unknown_and_known_accounts_cost_the_same_password_check(app, monkeypatch):
    """No enumeration by timing: a missing account runs the same Argon2 verification as a real one."""
    calls = []
    real_verify = accounts._safe_verify
    monkeypatch.setattr(accounts, "_safe_verify",
                        lambda hashed, password: calls.append(hashed) or real_verify(hashed, password))
    _sign_in(app.test_client(), "staff@example.org", "not the password at all")
    _sign_in(app.test_client(), "nobody@example.org", "not the password at all")
    with app.app_context():
        assert len(calls) == 2 and calls[1] == accounts._dummy_hash()
    assert calls[0].split("$")[:4] == calls[1].split("$")[:4]  # same algorithm, version and costs


def test_a_reset_code_also_ends_every_other_session(app):
    elsewhere = login(app.test_client(), "staff@example.org")
    admin = login(app.test_client(), "admin@example.org")
    with Session(app.extensions["coprod_engine"]) as session:
        staff_id = accounts.user_by_email(session, "staff@example.org").id
    page = admin.post(f"/admin/users/{staff_id}/reset-code",
                      data={"csrf_token": csrf_token(admin, f"/admin/users/{staff_id}")})
    path = "/" + re.search(r'<code id="reset-link">([^<]+)</code>', page.get_data(as_text=True)
                           ).group(1).split("/", 3)[3]
    person = app.test_client()
    new = "a fresh passphrase after a reset"
    person.post(path, data={"password": new, "confirm": new, "csrf_token": csrf_token(person, path)})
    assert person.get("/").status_code == 200 and elsewhere.get("/").status_code == 302
