"""Encryption at rest, key handling and rotation, wellbeing check-ins and the retention review."""

from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from cryptography.fernet import Fernet
from sqlmodel import select

from coprod_portal.db import get_session
from coprod_portal.notifications import Notification
from coprod_portal.testing import csrf_token
from plugins.lived_experience import crypto, service
from plugins.lived_experience.models import LivedExperienceCheckin, LivedExperienceContribution

from .helpers import SECRET, demo_contribution_id, new_contribution, stored


def test_the_raw_database_holds_no_plaintext(app, client_as):
    staff = client_as("staff@example.org")
    cid = new_contribution(app, staff, distressing="yes", note_kinds=["self_harm"], topics="crisis care")
    with app.app_context():
        with app.extensions["coprod_engine"].connect() as conn:
            rows = conn.execute(sa.text("SELECT * FROM lived_experience_contribution")).all()
    dump = repr(rows)
    assert cid in dump
    for plain in (SECRET, "parcel", "crisis care", "self_harm", "looked after my dad"):
        assert plain not in dump
    url = app.config["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        app.extensions["coprod_engine"].dispose()
        raw = b"".join(p.read_bytes() for p in Path(url.removeprefix("sqlite:///")).parent.glob("portal.db*"))
        assert SECRET.encode() not in raw and b"looked after my dad" not in raw


def test_a_key_from_configuration_is_used_and_the_wrong_key_reads_nothing(make_app):
    key = Fernet.generate_key().decode()
    app = make_app(plugins=["lived_experience"], config={"PLUGIN_LIVED_EXPERIENCE": {"keys": key}})
    with app.app_context():
        c = get_session().get(LivedExperienceContribution, demo_contribution_id(app))
        c.narrative_token = crypto.encrypt("written with the configured key")
        assert Fernet(key.encode()).decrypt(c.narrative_token.encode()) == b"written with the configured key"
        app.extensions["lived_experience_fernet"] = crypto.load_keys(app, Fernet.generate_key().decode())
        try:
            crypto.decrypt(c.narrative_token)
        except crypto.KeyProblem as problem:
            assert "put the key it was written with back in the list" in str(problem)
        else:
            raise AssertionError("a wrong key must not decrypt")


def test_a_bad_key_is_refused_with_a_message_naming_the_setting(app):
    try:
        crypto.load_keys(app, "not-a-key")
    except crypto.KeyProblem as problem:
        assert "COPROD_LIVED_EXPERIENCE_KEY must be one or more Fernet keys" in str(problem)
    else:
        raise AssertionError("a bad key must be refused")


def test_without_a_key_one_is_generated_once_and_kept_in_the_instance_folder(tmp_path, app, monkeypatch):
    # one machine on SQLite (with a shared database start-up refuses: tests/test_shared_keys.py)
    monkeypatch.setitem(app.config, "DATABASE_URL", f"sqlite:///{tmp_path / 'one-machine.db'}")
    app.config["TESTING"] = False
    try:
        first = crypto.load_keys(app, "")
        key_file = Path(app.instance_path) / "lived_experience_key"
        assert key_file.exists() and oct(key_file.stat().st_mode)[-3:] == "600"
        token = first.encrypt(b"kept")
        assert crypto.load_keys(app, "").decrypt(token) == b"kept"
    finally:
        app.config["TESTING"] = True


def test_key_rotation_re_encrypts_every_contribution(app, runner):
    old_key = crypto._derived_key(app.config["SECRET_KEY"])  # the tests' key until now
    new_key = Fernet.generate_key().decode()
    cid = demo_contribution_id(app)
    with app.app_context():
        before = get_session().get(LivedExperienceContribution, cid).narrative_token
    # step 1 of the README: put the new key first and keep the old one listed
    app.extensions["lived_experience_fernet"] = crypto.load_keys(app, f"{new_key},{old_key}")
    result = runner.invoke(args=["lived-experience", "rotate-key"])
    assert result.exit_code == 0 and "Re-encrypted" in result.output, result.output
    app.extensions["lived_experience_fernet"] = crypto.load_keys(app, new_key)  # step 3: drop the old key
    with app.app_context():
        c = get_session().get(LivedExperienceContribution, cid)
        assert c.narrative_token != before
        assert "looked after my dad" in service.narrative(c)


def test_a_check_in_reaches_the_safeguarding_lead_without_any_content(app, client_as):
    staff = client_as("staff@example.org")
    refused = staff.post(
        "/lived_experience/check-in",
        data={"how_to_reach": "phone", "csrf_token": csrf_token(staff, "/lived_experience/check-in")},
    )
    assert refused.status_code == 400
    assert "Select when you would like to talk" in refused.get_data(as_text=True)
    assert 'value="phone" checked' in refused.get_data(as_text=True)
    response = staff.post(
        "/lived_experience/check-in",
        data={
            "how_to_reach": "phone",
            "when_suits": "soon",
            "csrf_token": csrf_token(staff, "/lived_experience/check-in"),
        },
    )
    assert response.status_code == 302
    with app.app_context():
        notes = get_session().exec(select(Notification).where(Notification.category == "wellbeing")).all()
    assert len(notes) == 1 and notes[0].sensitive
    assert "looked after" not in notes[0].body and "Sasha" not in notes[0].body + notes[0].title
    lead = client_as("safeguarding@example.org")
    assert "1 member of staff asked for a wellbeing conversation" in lead.get("/").get_data(as_text=True)
    page = lead.get("/lived_experience/check-ins").get_data(as_text=True)
    assert "Sasha Staff" in page and "A phone call" in page and "As soon as possible" in page
    cid = demo_contribution_id(app)
    assert "looked after my dad" not in page and "Rowan Heron" not in page
    assert lead.get(f"/lived_experience/contributions/{cid}").status_code == 404
    assert "asked for a wellbeing conversation" in lead.get("/audit/").get_data(as_text=True)
    for email in ("hr@example.org", "manager@example.org", "lead@example.org"):
        other = client_as(email)
        assert other.get("/lived_experience/check-ins").status_code == 403
        assert "asked for a wellbeing conversation" not in other.get("/audit/").get_data(as_text=True)
    with app.app_context():
        checkin_id = get_session().exec(select(LivedExperienceCheckin.id)).one()
    lead.post(
        f"/lived_experience/check-ins/{checkin_id}/close",
        data={"csrf_token": csrf_token(lead, "/lived_experience/check-ins")},
    )
    assert "Nobody is waiting for a conversation" in lead.get("/lived_experience/check-ins").get_data(
        as_text=True
    )


def test_the_retention_review_asks_the_contributor_once(app, client_as):
    cid = demo_contribution_id(app)
    with app.app_context():
        session = get_session()
        c = session.get(LivedExperienceContribution, cid)
        c.review_on = service.today() - timedelta(days=1)
        session.commit()
        from plugins.lived_experience import _retention_job

        _retention_job()
        assert service.retention_review(get_session()) == 0  # safe to repeat
        notes = (
            get_session().exec(select(Notification).where(Notification.category == "lived-experience")).all()
        )
    assert len(notes) == 1 and notes[0].sensitive and "keep it for another year" in notes[0].body
    assert "looked after" not in notes[0].body
    staff = client_as("staff@example.org")
    page = staff.get(f"/lived_experience/contributions/{cid}").get_data(as_text=True)
    assert "Time to review" in page
    assert "Review due" in staff.get("/lived_experience/").get_data(as_text=True)
    staff.post(
        f"/lived_experience/contributions/{cid}/keep",
        data={"csrf_token": csrf_token(staff, f"/lived_experience/contributions/{cid}")},
    )
    c = stored(app, cid)
    assert c.review_on > service.today() + timedelta(days=360) and c.review_notified_at is None


def test_the_retention_job_is_declared(app):
    names = [
        job.name for _, jobs in app.extensions["coprod_plugins"].call("portal_periodic_jobs") for job in jobs
    ]
    assert "lived_experience.retention_review" in names
