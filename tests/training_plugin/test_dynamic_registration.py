"""LTI Dynamic Registration: a one-time link, the LMS's configuration fetched over https from
the named host only, the tool's registration posted, a pending registration stored — and every
refusal a readable page that stores nothing."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from html import unescape

import pytest
from sqlmodel import select

from coprod_portal.audit import AuditEvent
from coprod_portal.db import get_session, utcnow
from coprod_portal.testing import csrf_token
from training.models import TrainingPlatform, TrainingRegistrationLink, TrainingToolKey

from .registering_lms import TOOL_CONFIGURATION, RegisteringLMS
from .tls import throwaway_certificates


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    return throwaway_certificates(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def app(make_app, certificates):
    return make_app(
        plugins=["training"],
        config={
            # generous: a loaded machine must not turn an answer into a timeout; the test of the
            # timeout itself shortens it around an LMS that waits far longer
            "PLUGIN_TRAINING": {"lms_ca_bundle": str(certificates.ca), "registration_timeout_seconds": 15}
        },
    )


@pytest.fixture
def lms(certificates):
    registering = RegisteringLMS(certificates)
    yield registering
    registering.stop()


def make_link(admin, host, name="Moodle (staff)"):
    page = admin.post(
        "/training/platforms/registration-links",
        data={
            "csrf_token": csrf_token(admin, "/training/platforms"),
            "link_name": name,
            "lms_host": host,
        },
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 200, html
    return re.search(r'id="new-registration-link">([^<]+)<', html).group(1).removeprefix("http://localhost")


def _stored(app):
    with app.app_context():
        session = get_session()
        return session.exec(select(TrainingPlatform)).all(), session.exec(select(TrainingToolKey)).all()


def test_lms_registers_itself_and_waits_for_activation(app, lms, client_as):
    admin = client_as("admin")
    link = make_link(admin, lms.host)
    lms_admin = app.test_client()  # the LMS's page, opening the link: no portal session
    page = lms_admin.get(link, query_string=lms.registration_query())
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Registration sent" in html, html
    assert "waiting for the portal's administrator" in html
    assert "lti_close.js" in html and "postMessage" not in html  # the close script is a file (CSP)
    assert f"frame-ancestors https://{lms.host}" in page.headers["Content-Security-Policy"]
    close = lms_admin.get("/training/static/lti_close.js").get_data(as_text=True)
    assert "org.imsglobal.lti.close" in close and "window.opener || window.parent" in close
    # what the portal posted to the LMS
    assert lms.bearers == [f"Bearer {lms.registration_token}"] * 2
    sent = lms.registrations[0]
    with app.app_context():
        platform = get_session().exec(select(TrainingPlatform)).one()
    assert sent["initiate_login_uri"] == "http://localhost/training/lti/login"
    assert sent["redirect_uris"] == ["http://localhost/training/lti/launch"]
    assert sent["jwks_uri"] == f"http://localhost/training/lti/platforms/{platform.id}/jwks"
    assert sent["token_endpoint_auth_method"] == "private_key_jwt"
    assert "lti-ags/scope/score" in sent["scope"] and "contextmembership.readonly" in sent["scope"]
    assert "result.readonly" not in sent["scope"]  # this LMS does not offer it
    tool = sent[TOOL_CONFIGURATION]
    assert tool["claims"] == ["iss", "sub", "name"] and tool["domain"] == "localhost"
    assert tool["messages"][0]["type"] == "LtiDeepLinkingRequest"
    # what the portal stored: pending, with its own published key set
    assert platform.status == "pending" and platform.name == "Moodle (staff)"
    assert (platform.issuer, platform.client_id) == (lms.issuer, lms.client_id)
    assert platform.deployments == [lms.deployment] and platform.origins == [lms.issuer]
    assert platform.jwks_url == lms.issuer + "/jwks" and platform.token_url == lms.issuer + "/token"
    published = app.test_client().get(sent["jwks_uri"].removeprefix("http://localhost")).get_json()
    assert len(published["keys"]) == 1
    # the link is used up
    again = app.test_client().get(link, query_string=lms.registration_query())
    assert again.status_code == 410 and "already been used" in again.get_data(as_text=True)
    assert len(lms.registrations) == 1

    # a pending registration refuses launches with a readable page
    refused = app.test_client().get(
        "/training/lti/login",
        query_string={"iss": lms.issuer, "client_id": lms.client_id, "login_hint": "x"},
    )
    assert refused.status_code == 403
    assert "waiting for approval" in refused.get_data(as_text=True)

    # the admin reviews and activates it; the activation is in the audit trail
    review = admin.get(f"/training/platforms/{platform.id}").get_data(as_text=True)
    assert "registered itself with a registration link" in review and lms.client_id in review
    token = csrf_token(admin, f"/training/platforms/{platform.id}")
    admin.post(f"/training/platforms/{platform.id}/status", data={"status": "active", "csrf_token": token})
    with app.app_context():
        assert get_session().get(TrainingPlatform, platform.id).status == "active"
        actions = [e.action for e in get_session().exec(select(AuditEvent))]
    assert "an LMS registered itself (waiting for activation)" in actions
    assert "activated an LMS that registered itself" in actions

    # now a launch from it works, its keys fetched over https from the LMS
    from .conftest import launch

    learner = app.test_client()
    assert launch(learner, lms).status_code == 303
    assert lms.jwks_fetches == 1


def _refusal(app, lms, link, **query):
    page = app.test_client().get(link, query_string={**lms.registration_query(), **query})
    assert 400 <= page.status_code < 600 and page.status_code != 500, page.status_code
    html = unescape(page.get_data(as_text=True))
    assert "Skip to main content" in html  # a page in the portal's shell, not a crash
    return page.status_code, html


def test_refusals_store_nothing_and_leave_the_link_usable(app, lms, client_as):
    admin = client_as("admin")
    link = make_link(admin, lms.host)
    http_url = lms.configuration_url.replace("https://", "http://")
    path = "/.well-known/openid-configuration"
    cases = [
        (http_url, "will not contact"),  # plain http
        (f"https://127.0.0.2:{lms.https.server_port}{path}", "will not contact"),  # another host
        (f"https://localhost:{lms.https.server_port}{path}", "will not contact"),  # another name
        (f"https://127.0.0.1:1{path}", "will not contact"),  # another port
        ("", "did not say where its configuration is"),
    ]
    for url, message in cases:
        status, html = _refusal(app, lms, link, openid_configuration=url)
        assert message in html, (url, html)
    assert lms.registrations == [] and lms.bearers == []  # nothing was fetched from anywhere

    lms.configuration_redirect = "https://example.org/elsewhere"
    assert "will not contact" in _refusal(app, lms, link)[1]
    lms.configuration_redirect = ""

    lms.configuration_changes = {"issuer": "https://other.example.org"}
    assert "names another issuer" in _refusal(app, lms, link)[1]
    lms.configuration_changes = {"token_endpoint": None, "jwks_uri": "http://x/jwks"}
    assert "token_endpoint, jwks_uri" in _refusal(app, lms, link)[1]
    lms.configuration_changes = {"registration_endpoint": "https://example.org/register"}
    assert "will not contact" in _refusal(app, lms, link)[1]
    lms.configuration_changes = {}

    lms.configuration_body = b"<html>not json</html>"
    assert "could not be read" in _refusal(app, lms, link)[1]
    lms.configuration_body = b"[" + b" " * (300 * 1024) + b"]"
    assert "too large" in _refusal(app, lms, link)[1]
    lms.configuration_body = None

    lms.configuration_delay = 2.5
    app.config["PLUGIN_TRAINING"]["registration_timeout_seconds"] = 0.5
    status, html = _refusal(app, lms, link)
    assert status == 504 and "did not answer in time" in html
    app.config["PLUGIN_TRAINING"]["registration_timeout_seconds"] = 15
    lms.configuration_delay = 0

    lms.registration_error = (400, {"error": "invalid_client_metadata", "error_description": "No scope"})
    status, html = _refusal(app, lms, link)
    assert "refused the portal's registration" in html and "No scope" in html
    lms.registration_error = None

    assert _stored(app) == ([], [])
    with app.app_context():
        row = get_session().exec(select(TrainingRegistrationLink)).one()
        assert row.used_at is None and row.platform_id is None
    # after all that, the same link still works once the LMS is fixed
    assert app.test_client().get(link, query_string=lms.registration_query()).status_code == 200
    assert len(_stored(app)[0]) == 1


def test_an_untrusted_certificate_is_refused(make_app, lms, client_as):
    app = make_app(plugins=["training"])  # no CA bundle: the throwaway certificate is not trusted
    from coprod_portal.testing import login

    admin = login(app.test_client(), "admin@example.org")
    link = make_link(admin, lms.host)
    status, html = _refusal(app, lms, link)
    assert status == 502 and "could not check the LMS's certificate" in html
    assert _stored(app) == ([], [])


def test_expired_unknown_and_withdrawn_links_are_refused(app, lms, client_as):
    admin = client_as("admin")
    link = make_link(admin, lms.host)
    with app.app_context():
        session = get_session()
        row = session.exec(select(TrainingRegistrationLink)).one()
        row.expires_at = utcnow() - timedelta(minutes=1)
        session.commit()
    status, html = _refusal(app, lms, link)
    assert status == 410 and "has expired" in html
    status, html = _refusal(app, lms, "/training/lti/register/not-a-token")
    assert status == 404 and "not valid" in html
    second = make_link(admin, lms.host, name="Canvas")
    listing = admin.get("/training/platforms").get_data(as_text=True)
    assert "Canvas" in listing and lms.host in listing
    with app.app_context():
        row = (
            get_session()
            .exec(select(TrainingRegistrationLink).where(TrainingRegistrationLink.name == "Canvas"))
            .one()
        )
    admin.post(
        f"/training/platforms/registration-links/{row.id}/withdraw",
        data={"csrf_token": csrf_token(admin, "/training/platforms")},
    )
    assert "has expired" in _refusal(app, lms, second)[1]
    assert lms.registrations == [] and _stored(app) == ([], [])


def test_the_link_form_refuses_bad_hosts_and_keeps_what_was_typed(app, client_as):
    admin = client_as("admin")
    page = admin.post(
        "/training/platforms/registration-links",
        data={
            "csrf_token": csrf_token(admin, "/training/platforms"),
            "link_name": "Moodle",
            "lms_host": "moodle.example.org/path?x",
        },
    )
    html = unescape(page.get_data(as_text=True))
    assert page.status_code == 400 and "Enter the LMS's host name only" in html and 'value="Moodle"' in html
    assert client_as("staff").post("/training/platforms/registration-links").status_code in (400, 403)
    with app.app_context():
        assert get_session().exec(select(TrainingRegistrationLink)).first() is None


def test_link_tokens_are_stored_hashed(app, client_as):
    link = make_link(client_as("admin"), "moodle.example.org")
    token = link.rsplit("/", 1)[1]
    with app.app_context():
        row = get_session().exec(select(TrainingRegistrationLink)).one()
    assert token not in json.dumps(row.model_dump(mode="json")) and len(row.token_hash) == 64
    assert row.lms_host == "moodle.example.org"


@pytest.mark.parametrize(
    ("typed", "host"),
    [
        ("moodle.example.org", "moodle.example.org"),
        ("https://Moodle.Example.org/", "moodle.example.org"),
        ("lms.example.org:8443", "lms.example.org:8443"),
        ("lms.example.org:443", "lms.example.org"),
        ("http://moodle.example.org", None),
        ("moodle.example.org/admin", None),
        ("user@moodle.example.org", None),
        ("moodle.example.org:99999", None),
        ("", None),
    ],
)
def test_lms_hosts_are_read_strictly(typed, host):
    from training.dynamic import normal_host

    assert normal_host(typed) == host
