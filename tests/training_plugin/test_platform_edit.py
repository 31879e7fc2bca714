"""Changing an LMS registration: the register form's checks, no duplicate issuer and client id."""

from __future__ import annotations

import re
from html import unescape

from sqlmodel import select

from coprod_portal.audit import AuditEvent
from coprod_portal.db import get_session
from coprod_portal.testing import csrf_token
from training.models import TrainingPlatform

from .conftest import launch

LTI = "https://purl.imsglobal.org/spec/lti/claim/"


def _form(client, path):
    """What the edit page shows, as it would be sent back unchanged."""
    page = client.get(path).get_data(as_text=True)
    fields = dict(
        re.findall(
            r'<input class="govuk-input[^"]*" id="[^"]+" name="([^"]+)" type="text" value="([^"]*)"', page
        )
    )
    fields.update(dict(re.findall(r'name="([^"]+)" rows="\d+"[^>]*>\n?([^<]*)</textarea>', page)))
    fields = {k: unescape(v) for k, v in fields.items()}
    fields["csrf_token"] = csrf_token(client, path)
    return fields


def _stored(app, platform_id):
    with app.app_context():
        return get_session().get(TrainingPlatform, platform_id)


def test_admin_adds_a_deployment_and_a_frame_origin_and_launches_from_it_work(app, platform, client_as):
    admin = client_as("admin")
    path = f"/training/platforms/{platform.platform_id}/edit"
    detail = admin.get(f"/training/platforms/{platform.platform_id}").get_data(as_text=True)
    assert f'href="{path}"' in detail and "Change these details" in detail
    platform.deployment = "deployment-2"
    assert "deployment" in launch(app.test_client(), platform).get_data(as_text=True)  # not known yet

    fields = _form(admin, path)
    assert fields["issuer"] == platform.issuer and fields["deployment_ids"].strip() == "deployment-1"
    fields["deployment_ids"] = "deployment-1\n  deployment-2  \n"
    fields["frame_origins"] = fields["frame_origins"] + "\nhttps://courses.example.org"
    saved = admin.post(path, data=fields, follow_redirects=True)
    page = saved.get_data(as_text=True)
    assert saved.status_code == 200 and "The changes to Test LMS were saved." in unescape(page)
    assert "deployment-2" in page and "https://courses.example.org" in page
    stored = _stored(app, platform.platform_id)
    assert stored.deployments == ["deployment-1", "deployment-2"]
    assert "https://courses.example.org" in stored.origins

    assert launch(app.test_client(), platform).status_code == 303
    with app.app_context():
        event = (
            get_session()
            .exec(select(AuditEvent).where(AuditEvent.action == "changed an LMS registration"))
            .one()
        )
        assert (
            event.detail == "changed: deployment ids, page origins"
            and event.subject_id == platform.platform_id
        )

    unchanged = admin.post(path, data=_form(admin, path), follow_redirects=True)
    assert "Nothing was changed." in unchanged.get_data(as_text=True)


def test_a_new_keyset_address_drops_the_cached_platform_keys(app, platform, client_as):
    assert launch(app.test_client(), platform).status_code == 303
    assert _stored(app, platform.platform_id).jwks_cache
    admin = client_as("admin")
    path = f"/training/platforms/{platform.platform_id}/edit"
    fields = _form(admin, path)
    fields["jwks_url"] = fields["jwks_url"] + "?v=2"
    assert admin.post(path, data=fields).status_code == 302
    stored = _stored(app, platform.platform_id)
    assert stored.jwks_url.endswith("?v=2") and stored.jwks_cache == "" and stored.jwks_fetched_at is None


def test_refusals_keep_what_was_typed_and_change_nothing(app, platform, client_as):
    admin = client_as("admin")
    token = csrf_token(admin, "/training/platforms")
    other = {
        "csrf_token": token,
        "name": "Canvas",
        "issuer": "https://canvas.example.org",
        "client_id": "canvas-client",
        "deployment_ids": "1",
        "auth_login_url": "https://canvas.example.org/auth",
        "token_url": "https://canvas.example.org/token",
        "jwks_url": "https://canvas.example.org/jwks",
        "frame_origins": "",
    }
    assert admin.post("/training/platforms", data=other).status_code == 302
    with app.app_context():
        canvas = get_session().exec(select(TrainingPlatform).where(TrainingPlatform.name == "Canvas")).one()
    path = f"/training/platforms/{canvas.id}/edit"

    fields = {
        **_form(admin, path),
        "issuer": platform.issuer,
        "client_id": platform.client_id,
        "name": "Typed",
    }
    duplicate = admin.post(path, data=fields)
    html = unescape(duplicate.get_data(as_text=True))
    assert duplicate.status_code == 400
    assert "This LMS is already registered with this client id: another registration has this issuer" in html
    assert 'value="Typed"' in html and "<title>Error:" in html

    bad = {
        **_form(admin, path),
        "token_url": "http://canvas.example.org/token",
        "jwks_url": "not a url",
        "frame_origins": "https://ok.example.org\nftp://files.example.org",
        "name": "",
    }
    refused = admin.post(path, data=bad)
    html = unescape(refused.get_data(as_text=True))
    assert refused.status_code == 400
    assert "The address must start with https:// so the connection is encrypted" in html
    assert "Enter a full web address starting with https://" in html
    assert "“ftp://files.example.org”: Enter a full web address" in html
    assert "Enter a name for the LMS" in html and 'value="not a url"' in html

    stale = admin.post(path, data={**_form(admin, path), "csrf_token": "stale", "name": "Kept name"})
    assert stale.status_code == 400 and "nothing was saved" in stale.get_data(as_text=True)
    assert 'value="Kept name"' in stale.get_data(as_text=True)

    stored = _stored(app, canvas.id)
    assert (stored.name, stored.issuer, stored.token_url) == (
        "Canvas",
        "https://canvas.example.org",
        other["token_url"],
    )
    with app.app_context():
        assert (
            not get_session()
            .exec(select(AuditEvent).where(AuditEvent.action == "changed an LMS registration"))
            .all()
        )


def test_a_self_registered_lms_without_a_deployment_gets_one(app, client_as):
    with app.app_context():
        db = get_session()
        pending = TrainingPlatform(
            name="Moodle (registered itself)",
            issuer="https://moodle.example.org",
            client_id="abc",
            auth_login_url="https://moodle.example.org/mod/lti/auth.php",
            token_url="https://moodle.example.org/mod/lti/token.php",
            jwks_url="https://moodle.example.org/mod/lti/certs.php",
            status="pending",
        )
        db.add(pending)
        db.commit()
        platform_id = pending.id
    admin = client_as("admin")
    detail = admin.get(f"/training/platforms/{platform_id}").get_data(as_text=True)
    assert "add the LMS’s deployment id here: launches are refused until it is known" in detail
    path = f"/training/platforms/{platform_id}/edit"
    renamed = admin.post(path, data={**_form(admin, path), "name": "Moodle (staff courses)"})
    assert renamed.status_code == 302  # no deployment id yet is allowed while the LMS has not said it
    assert admin.post(path, data={**_form(admin, path), "deployment_ids": "7"}).status_code == 302
    stored = _stored(app, platform_id)
    assert (stored.name, stored.deployments, stored.status) == ("Moodle (staff courses)", ["7"], "pending")


def test_only_platform_managers_may_change_a_registration(app, platform, client_as):
    path = f"/training/platforms/{platform.platform_id}/edit"
    for who in ("coproduction_lead", "trainer@example.org", "staff@example.org"):
        client = client_as(who)
        assert client.get(path).status_code == 403
        assert (
            client.post(
                path, data={"name": "Taken", "csrf_token": csrf_token(client, "/training/")}
            ).status_code
            == 403
        )
    assert _stored(app, platform.platform_id).name == "Test LMS"
    assert client_as("admin").get("/training/platforms/no-such-id/edit").status_code == 404
