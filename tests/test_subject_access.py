"""Subject access and erasure: one download with everything, erasure all or nothing."""

import json

from conftest import TEST_PLUGINS
from sqlmodel import Session, select

from coprod_portal import accounts
from coprod_portal.audit import AuditEvent
from coprod_portal.testing import csrf_token, login

PAGE = "/admin/subject-access/"


def _app(make_app, *extra):
    return make_app(plugins=["keeper", *extra], config={"PLUGINS_DIR": str(TEST_PLUGINS)})


def test_admin_finds_everything_about_a_person_from_every_plugin(make_app):
    app = _app(make_app)
    admin = login(app.test_client(), "admin@example.org")
    response = admin.post(PAGE, data={"email": "Staff@example.org", "csrf_token": csrf_token(admin, PAGE)})
    text = response.get_data(as_text=True)
    for section in ("Your account", "Projects you own or are on", "Keeper records"):
        assert section in text


def test_json_and_readable_downloads_hold_the_records(make_app):
    app = _app(make_app)
    admin = login(app.test_client(), "admin@example.org")
    token = csrf_token(admin, PAGE)
    as_json = admin.post(PAGE + "download", data={"email": "staff@example.org", "format": "json",
                                                  "csrf_token": token})
    assert as_json.headers["Content-Disposition"].startswith("attachment")
    document = json.loads(as_json.get_data(as_text=True))
    sections = {s["section"]: s["records"] for s in document["sections"]}
    assert sections["Your account"][0]["Email address"] == "staff@example.org"
    assert sections["Keeper records"] == [{"Note": "Prefers phone calls", "Payment (£)": 25.0}]
    assert {"Project": "Redesign of the carers' assessment", "Your part": "team member",
            "Stage": "idea"} in sections["Projects you own or are on"]
    as_html = admin.post(PAGE + "download", data={"email": "staff@example.org", "format": "html",
                                                  "csrf_token": token}).get_data(as_text=True)
    assert "Prefers phone calls" in as_html and "<h2>Keeper records</h2>" in as_html


def test_person_without_an_account_is_found_through_plugins(make_app):
    app = _app(make_app)
    admin = login(app.test_client(), "admin@example.org")
    text = admin.post(PAGE, data={"email": "member@community.example",
                                  "csrf_token": csrf_token(admin, PAGE)}).get_data(as_text=True)
    assert "Keeper records" in text and "no portal account" in text


def test_unknown_person_gets_a_clear_message_and_the_typed_address_back(make_app):
    app = _app(make_app)
    admin = login(app.test_client(), "admin@example.org")
    response = admin.post(PAGE, data={"email": "nobody@example.org", "csrf_token": csrf_token(admin, PAGE)})
    text = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "The portal holds nothing about nobody@example.org" in text
    assert 'value="nobody@example.org"' in text


def test_only_admins_handle_subject_requests(make_app):
    app = _app(make_app)
    for email in ("hr@example.org", "lead@example.org", "safeguarding@example.org", "staff@example.org"):
        client = login(app.test_client(), email)
        assert client.get(PAGE).status_code == 403
        response = client.post(PAGE + "download", data={
            "email": "staff@example.org", "format": "json", "csrf_token": csrf_token(client, "/")})
        assert response.status_code == 403 and "Prefers phone calls" not in response.get_data(as_text=True)


def test_lookups_and_downloads_are_audited(make_app):
    app = _app(make_app)
    admin = login(app.test_client(), "admin@example.org")
    token = csrf_token(admin, PAGE)
    admin.post(PAGE, data={"email": "staff@example.org", "csrf_token": token})
    admin.post(PAGE + "download", data={"email": "staff@example.org", "format": "json", "csrf_token": token})
    with Session(app.extensions["coprod_engine"]) as session:
        actions = [e.action for e in session.exec(select(AuditEvent).where(
            AuditEvent.reason == "subject access request"))]
    assert actions == ["looked up personal data", "downloaded personal data"]


def test_erasure_needs_a_reason_and_confirmation(make_app):
    app = _app(make_app)
    admin = login(app.test_client(), "admin@example.org")
    response = admin.post(PAGE + "erase", data={"email": "staff@example.org", "reason": "",
                                                "csrf_token": csrf_token(admin, PAGE)})
    text = response.get_data(as_text=True)
    assert "Say why the data is being erased" in text and "Confirm you have checked the request" in text
    with Session(app.extensions["coprod_engine"]) as session:
        assert accounts.user_by_email(session, "staff@example.org") is not None


def test_erasure_anonymises_the_account_and_reports_what_is_kept(make_app):
    app = _app(make_app)
    admin = login(app.test_client(), "admin@example.org")
    staff = login(app.test_client(), "staff@example.org")
    response = admin.post(PAGE + "erase", data={
        "email": "staff@example.org", "reason": "Request of 3 March 2027", "confirm": "y",
        "csrf_token": csrf_token(admin, PAGE)})
    text = response.get_data(as_text=True)
    assert "Erasure done" in text and "HMRC requires payment records for six years." in text
    assert "UK GDPR Article 5(2)" in text
    assert staff.get("/").status_code == 302  # signed out for good
    with Session(app.extensions["coprod_engine"]) as session:
        assert accounts.user_by_email(session, "staff@example.org") is None
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "erased personal data")).one()
        assert event.reason == "Request of 3 March 2027"
    after = admin.post(PAGE, data={"email": "staff@example.org", "csrf_token": csrf_token(admin, PAGE)})
    assert "The portal holds nothing about staff@example.org" in after.get_data(as_text=True)


def test_a_failing_plugin_means_nothing_is_erased(make_app):
    app = _app(make_app, "flaky")
    admin = login(app.test_client(), "admin@example.org")
    response = admin.post(PAGE + "erase", data={
        "email": "staff@example.org", "reason": "Request", "confirm": "y",
        "csrf_token": csrf_token(admin, PAGE)})
    text = response.get_data(as_text=True)
    assert "Nothing was erased" in text and "flaky" in text
    with Session(app.extensions["coprod_engine"]) as session:
        user = accounts.user_by_email(session, "staff@example.org")
        assert user is not None and user.display_name == "Sasha Staff" and user.active


def test_admins_cannot_erase_themselves(make_app):
    app = _app(make_app)
    admin = login(app.test_client(), "admin@example.org")
    response = admin.post(PAGE + "erase", data={
        "email": "admin@example.org", "reason": "testing", "confirm": "y",
        "csrf_token": csrf_token(admin, PAGE)})
    assert "You cannot erase your own account" in response.get_data(as_text=True)


def test_command_line_export_and_erase(make_app, tmp_path):
    app = _app(make_app)
    runner = app.test_cli_runner()
    target = tmp_path / "export.json"
    result = runner.invoke(args=["subject", "export", "staff@example.org", "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert "Prefers phone calls" in target.read_text()
    unknown = runner.invoke(args=["subject", "export", "nobody@example.org"])
    assert unknown.exit_code == 1 and "holds nothing about nobody@example.org" in unknown.output
    unconfirmed = runner.invoke(args=["subject", "erase", "staff@example.org", "--reason", "r"])
    assert unconfirmed.exit_code == 1 and "--yes" in unconfirmed.output
    erased = runner.invoke(args=["subject", "erase", "staff@example.org", "--reason", "r", "--yes"])
    assert erased.exit_code == 0 and "kept:   Payments" in erased.output
