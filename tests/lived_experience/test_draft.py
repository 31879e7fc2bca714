"""An expired session mid-writing: the draft is kept for the contributor only, in their browser
(static/lived_experience.js, keyed by their opaque user id), never on the server; it is deleted once
sent. The browser half is in tests/browser/test_lived_experience_journey.py."""

from sqlalchemy import func
from sqlmodel import select

from coprod_portal.accounts import user_by_email
from coprod_portal.db import get_session
from coprod_portal.testing import csrf_token
from plugins.lived_experience.models import LivedExperienceContribution

from .helpers import SECRET, new_contribution, opt_in


def _user_id(app, email):
    with app.app_context():
        return user_by_email(get_session(), email).id


def _count(app):
    with app.app_context():
        return get_session().exec(select(func.count()).select_from(LivedExperienceContribution)).one()


def test_the_writing_page_keys_its_draft_by_the_person_and_loads_the_script_from_the_plugin(app, client_as):
    staff = client_as("staff@example.org")
    opt_in(staff)
    page = staff.get("/lived_experience/new").get_data(as_text=True)
    uid = _user_id(app, "staff@example.org")
    assert f'data-draft-key="{uid}:new"' in page and 'data-draft-restore="yes"' in page
    assert "staff@example.org:" not in page  # the key is an opaque id, not a name or address
    assert '<script type="module" src="/lived_experience/static/lived_experience.js">' in page
    assert "a draft is kept only in this browser, for you" in page
    script = staff.get("/lived_experience/static/lived_experience.js")
    assert script.status_code == 200 and "javascript" in script.content_type
    assert "sessionStorage" in script.get_data(as_text=True)  # the tab only: a shared computer keeps nothing
    lead = client_as("lead@example.org")
    opt_in(lead)
    other = lead.get("/lived_experience/new").get_data(as_text=True)
    assert f'data-draft-key="{_user_id(app, "lead@example.org")}:new"' in other and uid not in other


def test_a_post_after_the_session_expired_is_sent_to_sign_in_and_stores_nothing(app, client_as):
    staff = client_as("staff@example.org")
    opt_in(staff)
    token = csrf_token(staff, "/lived_experience/new")
    before = _count(app)
    staff.post("/sign-out", data={"csrf_token": token})  # the session ends, as when it expires
    response = staff.post(
        "/lived_experience/new",
        data={"narrative": SECRET, "distressing": "no", "pseudonym": "Willow Lark", "csrf_token": token},
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "/sign-in" in location and "lived_experience" in location and "parcel" not in location
    assert _count(app) == before  # nothing is kept on the server: the draft stays in their browser


def test_a_validation_error_keeps_the_text_and_does_not_restore_over_it(app, client_as):
    staff = client_as("staff@example.org")
    opt_in(staff)
    response = staff.post(
        "/lived_experience/new",
        data={
            "narrative": SECRET,
            "pseudonym": "Willow Lark",
            "csrf_token": csrf_token(staff, "/lived_experience/new"),
        },
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and SECRET in body and 'data-draft-restore="no"' in body


def test_the_draft_is_deleted_after_a_successful_send_or_change(app, client_as):
    staff = client_as("staff@example.org")
    uid = _user_id(app, "staff@example.org")
    cid = new_contribution(app, staff)
    sent = staff.get(f"/lived_experience/contributions/{cid}/sent").get_data(as_text=True)
    assert f'data-draft-clear="{uid}:new"' in sent
    edit = f"/lived_experience/contributions/{cid}/edit"
    assert f'data-draft-key="{uid}:{cid}"' in staff.get(edit).get_data(as_text=True)
    staff.post(
        edit,
        data={
            "narrative": "Changed",
            "distressing": "no",
            "pseudonym": "Willow Lark",
            "visibility": "lead_only",
            "consent": "y",
            "csrf_token": csrf_token(staff, edit),
        },
    )
    page = f"/lived_experience/contributions/{cid}"
    assert f'data-draft-clear="{uid}:{cid}"' in staff.get(page).get_data(as_text=True)
    assert "data-draft-clear" not in staff.get(page).get_data(as_text=True)  # once only
