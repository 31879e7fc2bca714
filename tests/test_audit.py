"""The audit log: append-only, filtered, and each event shown only to those allowed."""

import pytest
from sqlmodel import Session, select

from coprod_portal import accounts, audit
from coprod_portal.audit import AuditEvent, AuditIsAppendOnly
from coprod_portal.testing import login


def _engine(app):
    return app.extensions["coprod_engine"]


def test_audit_events_cannot_be_changed_or_deleted(app):
    with Session(_engine(app)) as session:
        event = audit.record(session, None, "tested", "thing", "1")
        session.commit()
        event.action = "rewritten"
        with pytest.raises(AuditIsAppendOnly):
            session.commit()
        session.rollback()
        session.delete(session.get(AuditEvent, event.id))
        with pytest.raises(AuditIsAppendOnly):
            session.commit()


def test_admin_sees_account_changes_and_sign_ins_with_who_and_when(app):
    login(app.test_client(), "staff@example.org")
    admin = login(app.test_client(), "admin@example.org")
    text = admin.get("/audit/").get_data(as_text=True)
    assert "signed in" in text and "Sasha Staff &lt;staff@example.org&gt;" in text
    assert "GMT" in text or "BST" in text  # shown in Europe/London time


def test_staff_see_only_events_about_themselves(app):
    login(app.test_client(), "hr@example.org")
    staff = login(app.test_client(), "staff@example.org")
    text = staff.get("/audit/").get_data(as_text=True)
    assert "Sasha Staff" in text
    assert "Harper HR" not in text


def test_plugins_decide_who_sees_their_events(app):
    """A plugin's event is hidden from everyone (even admins) unless a plugin allows it."""
    with Session(_engine(app)) as session:
        staff = accounts.user_by_email(session, "staff@example.org")
        audit.record(session, staff, "read contribution", "contribution", "c1", "A contribution",
                     plugin="someplugin", reason="checking consent")
        session.commit()
    admin = login(app.test_client(), "admin@example.org")
    assert "read contribution" not in admin.get("/audit/").get_data(as_text=True)


def test_filters_by_actor_subject_and_date(app):
    login(app.test_client(), "staff@example.org")
    login(app.test_client(), "hr@example.org")
    admin = login(app.test_client(), "admin@example.org")
    by_actor = admin.get("/audit/?actor=harper").get_data(as_text=True)
    assert "Harper HR" in by_actor and "Sasha Staff" not in by_actor
    future = admin.get("/audit/?from=2999-01-01").get_data(as_text=True)
    assert "No events match." in future
    bad = admin.get("/audit/?from=yesterday")
    assert "Enter the first day to show as year-month-day, like 2027-03-01" in bad.get_data(as_text=True)
    backwards = admin.get("/audit/?from=2027-02-01&to=2027-01-01").get_data(as_text=True)
    assert "must be the same as or after" in backwards


def test_audit_log_pages_through_many_events(app):
    with Session(_engine(app)) as session:
        for n in range(120):
            audit.record(session, None, f"bulk event {n:03d}", "user", "x")
        session.commit()
        assert len(session.exec(select(AuditEvent)).all()) >= 120
    admin = login(app.test_client(), "admin@example.org")
    first = admin.get("/audit/?actor=system").get_data(as_text=True)
    assert first.count("bulk event") == 50 and "Older events" in first
    third = admin.get("/audit/?actor=system&page=3").get_data(as_text=True)
    assert third.count("bulk event") == 20 and "Older events" not in third


def test_visitors_cannot_open_the_audit_log(client):
    assert client.get("/audit/").status_code == 302


def test_audit_filters_treat_wildcards_literally(app):
    login(app.test_client(), "staff@example.org")
    admin = login(app.test_client(), "admin@example.org")
    assert "No events match." in admin.get("/audit/?actor=_").get_data(as_text=True)
