"""Withdrawal in one step: gone at once from every view, list, search, export and reference;
places that used it are told by the event; only consent dates stay, with no narrative."""

import json

import pytest
from sqlmodel import select

from coprod_portal.db import get_session
from coprod_portal.testing import csrf_token, login
from plugins.lived_experience.models import LivedExperienceConsent, LivedExperienceProjectLink

from .helpers import SECRET, accept, new_contribution, stored

LISTENER = '''
"""A plugin that keeps evidence references, like the checklists plugin does, and hears events."""
from coprod_portal.hookspecs import hookimpl

heard = []


@hookimpl
def portal_contribution_submitted(contribution_id):
    heard.append(("submitted", contribution_id))


@hookimpl
def portal_contribution_withdrawn(contribution_id):
    heard.append(("withdrawn", contribution_id))
'''


@pytest.fixture
def app(make_app, tmp_path):
    folder = tmp_path / "local_plugins"
    folder.mkdir()
    (folder / "evidence_listener.py").write_text(LISTENER)
    return make_app(plugins=["lived_experience", "evidence_listener"], config={"PLUGINS_DIR": str(folder)})


def _heard(app):
    host = app.extensions["coprod_plugins"]
    module = next(p for name, p in host.pm.list_name_plugin() if name == "evidence_listener")
    return module.heard


def _resolve(app, user_email, cid):
    from coprod_portal.accounts import user_by_email

    with app.test_request_context():
        user = user_by_email(get_session(), user_email)
        return app.extensions["coprod_plugins"].pm.hook.portal_resolve_reference(
            ref=f"lived_experience:contribution:{cid}", user=user
        )


def _export(app, admin, email):
    response = admin.post(
        "/admin/subject-access/download",
        data={"email": email, "format": "json", "csrf_token": csrf_token(admin, "/admin/subject-access/")},
    )
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_withdrawal_takes_it_down_everywhere_and_tells_the_places_that_used_it(app, client_as):
    staff = client_as("staff@example.org")
    lead = client_as("lead@example.org")
    other = client_as("manager@example.org")
    cid = new_contribution(app, staff, visibility="team_pseudonymous")
    assert ("submitted", cid) in _heard(app)
    ref = _resolve(app, "lead@example.org", cid)
    assert ref.label == "Lived experience shared by Willow Lark" and not ref.withdrawn
    assert ref.url == f"/lived_experience/contributions/{cid}"
    hidden = _resolve(app, "manager@example.org", cid)
    assert hidden.label == "Evidence that is not shared with you" and hidden.url is None
    assert "Willow" not in hidden.label
    assert SECRET in lead.get(f"/lived_experience/contributions/{cid}").get_data(as_text=True)
    assert cid in lead.get("/search?q=parcel").get_data(as_text=True)

    page = staff.get(f"/lived_experience/contributions/{cid}").get_data(as_text=True)
    assert "Your consent" in page and "Withdraw this contribution" in page  # in the same place
    response = staff.post(
        f"/lived_experience/contributions/{cid}/withdraw",
        data={"csrf_token": csrf_token(staff, f"/lived_experience/contributions/{cid}")},
    )
    assert response.status_code == 302
    assert "Your contribution was withdrawn" in staff.get("/lived_experience/").get_data(as_text=True)
    assert ("withdrawn", cid) in _heard(app)

    for client in (lead, staff, other):
        view = client.get(f"/lived_experience/contributions/{cid}")
        assert view.status_code == 404 and SECRET not in view.get_data(as_text=True)
        assert cid not in client.get("/search?q=parcel").get_data(as_text=True)
        assert cid not in client.get("/search?q=Willow").get_data(as_text=True)
        assert cid not in client.get("/lived_experience/shared").get_data(as_text=True)
    for email in ("lead@example.org", "staff@example.org"):
        gone = _resolve(app, email, cid)
        assert gone.withdrawn and gone.url is None and "Willow" not in gone.label
    c = stored(app, cid)
    assert c.narrative_token is None and c.topics_token is None and c.content_note_token is None
    with app.app_context():
        session = get_session()
        consents = session.exec(
            select(LivedExperienceConsent).where(LivedExperienceConsent.contribution_id == cid)
        ).all()
        assert [(x.purpose, x.ended_because) for x in consents] == [("team_pseudonymous", "withdrawn")]
        assert not session.exec(
            select(LivedExperienceProjectLink).where(LivedExperienceProjectLink.contribution_id == cid)
        ).all()
    exported = _export(app, client_as("admin@example.org"), "staff@example.org")
    assert SECRET not in exported and "parcel" not in exported
    assert "withdrawn" in exported
    assert "2026-12" in exported  # the wording version of the consent that was given, and when it ended
    for email in ("lead@example.org", "staff@example.org"):
        assert SECRET not in json.dumps(_resolve(app, email, cid).__dict__)


def test_changing_visibility_is_a_new_dated_consent_and_takes_effect_at_once(app, client_as):
    staff = client_as("staff@example.org")
    other = login(app.test_client(), "admin@example.org")
    cid = new_contribution(app, staff, visibility="org_pseudonymous")
    accept(client_as("lead@example.org"), cid)
    assert other.get(f"/lived_experience/contributions/{cid}").status_code == 200
    path = f"/lived_experience/contributions/{cid}/sharing"
    refused = staff.post(path, data={"visibility": "lead_only", "csrf_token": csrf_token(staff, path)})
    assert refused.status_code == 400
    assert "Tick the box to agree to the new option. Until you do, nothing changes" in refused.get_data(
        as_text=True
    )
    assert other.get(f"/lived_experience/contributions/{cid}").status_code == 200
    staff.post(path, data={"visibility": "lead_only", "consent": "y", "csrf_token": csrf_token(staff, path)})
    assert other.get(f"/lived_experience/contributions/{cid}").status_code == 404
    page = staff.get(f"/lived_experience/contributions/{cid}").get_data(as_text=True)
    history = page[page.index("Your consent history") :]
    assert "Everyone in the organisation, under a pseudonym" in history and "(changed)" in history
    assert "Only the co-production lead" in history and "Current" in history


def test_named_public_use_needs_its_own_consent_for_each_use(app, client_as):
    staff = client_as("staff@example.org")
    cid = new_contribution(app, staff, visibility="org_pseudonymous")
    path = f"/lived_experience/contributions/{cid}/named-use"
    assert staff.get(path).status_code == 302  # public use must be chosen first
    sharing = f"/lived_experience/contributions/{cid}/sharing"
    staff.post(
        sharing, data={"visibility": "public", "consent": "y", "csrf_token": csrf_token(staff, sharing)}
    )
    refused = staff.post(
        path,
        data={"use_description": "Quote in the 2027 annual report", "csrf_token": csrf_token(staff, path)},
    )
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "your name is not used without it" in text and "Quote in the 2027 annual report" in text
    staff.post(
        path,
        data={
            "use_description": "Quote in the 2027 annual report",
            "consent": "y",
            "csrf_token": csrf_token(staff, path),
        },
    )
    page = staff.get(f"/lived_experience/contributions/{cid}").get_data(as_text=True)
    assert "Quote in the 2027 annual report (agreed" in page
    # the name is still never shown to readers: public use inside the portal is pseudonymous
    reader = (
        client_as("lead@example.org").get(f"/lived_experience/contributions/{cid}").get_data(as_text=True)
    )
    assert "Sasha Staff" not in reader and "Willow Lark" in reader
    # moving away from public use ends the named use too
    staff.post(
        sharing, data={"visibility": "lead_only", "consent": "y", "csrf_token": csrf_token(staff, sharing)}
    )
    page = staff.get(f"/lived_experience/contributions/{cid}").get_data(as_text=True)
    assert "Your name in: Quote in the 2027 annual report" in page and "Current" in page
    with app.app_context():
        named = (
            get_session()
            .exec(
                select(LivedExperienceConsent).where(
                    LivedExperienceConsent.contribution_id == cid,
                    LivedExperienceConsent.purpose == "public_named_use",
                )
            )
            .one()
        )
        assert named.ended_at is not None


def test_stopping_taking_part_withdraws_everything(app, client_as):
    staff = client_as("staff@example.org")
    cid = new_contribution(app, staff, visibility="org_pseudonymous")
    staff.post(
        "/lived_experience/stop-taking-part", data={"csrf_token": csrf_token(staff, "/lived_experience/")}
    )
    assert stored(app, cid).status == "withdrawn"
    assert ("withdrawn", cid) in _heard(app)
    assert "Before you decide" in staff.get("/lived_experience/").get_data(as_text=True)


def test_subject_export_gives_the_contributor_their_words_and_erasure_removes_them(app, client_as):
    staff = client_as("staff@example.org")
    cid = new_contribution(app, staff, visibility="team_pseudonymous")
    admin = client_as("admin@example.org")
    exported = _export(app, admin, "staff@example.org")
    assert SECRET in exported and "Lived experience you shared" in exported
    assert "looked after my dad" in exported  # the demo contribution too
    manager_export = _export(app, admin, "manager@example.org")
    assert SECRET not in manager_export and "Lived experience" not in manager_export
    response = admin.post(
        "/admin/subject-access/erase",
        data={
            "email": "staff@example.org",
            "reason": "Request of 1 December",
            "confirm": "y",
            "csrf_token": csrf_token(admin, "/admin/subject-access/"),
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert "Every contribution, with its text, topics and content note" in page
    assert stored(app, cid) is None
    assert ("withdrawn", cid) in _heard(app)
    gone = _resolve(app, "lead@example.org", cid)
    assert gone.withdrawn
