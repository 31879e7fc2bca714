"""Live sessions: each trainer who delivered one is a pending "trainer" involvement, once."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from coprod_portal.accounts import user_by_email
from coprod_portal.audit import AuditEvent
from coprod_portal.db import get_session
from coprod_portal.testing import csrf_token, login
from training import sessions
from training.models import TrainingDelivery, TrainingLiveSession

PAGE = "/training/modules/coproduction/sessions"


def _ids(app, *emails):
    with app.app_context():
        return [user_by_email(get_session(), email).id for email in emails]


def today(app=None):
    """Today where the organisation is (the portal's time zone)."""
    from flask import current_app

    with (app or current_app).app_context():
        return sessions.today()


def _post(client, trainers, day=None, **changes):
    day = day or today(client.application) - timedelta(days=3)
    data = {
        "on": [str(day.day), str(day.month), str(day.year)],
        "hours": "2.5",
        "delivery": "in_person",
        "place": "Friends Meeting House, Leeds",
        "trainers": trainers,
        "attendees": "14",
        "csrf_token": csrf_token(client, PAGE),
    }
    data.update(changes)
    return client.post(PAGE, data=data)


def _deliveries(app):
    with app.app_context():
        return get_session().exec(select(TrainingDelivery).order_by(TrainingDelivery.trainer_id)).all()


def test_a_session_is_one_pending_trainer_involvement_per_trainer_and_only_once(make_app):
    app = make_app(plugins=["builtins"])
    rosa, dev = _ids(app, "trainer@example.org", "trainer2@example.org")
    lead = login(app.test_client(), "lead@example.org")
    form = lead.get(PAGE).get_data(as_text=True)
    assert "No live session of this module is recorded yet" in form
    assert "Rosa Trainer" in form and "Dev Okafor" in form
    assert '<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">' in form
    assert "Who delivered it?" in form and "How was it delivered?" in form

    done = _post(lead, [rosa, dev])
    assert done.status_code == 302
    page = lead.get(PAGE).get_data(as_text=True)
    assert "2 trainer deliveries were sent to the co-production lead for pricing" in page
    assert "Friends Meeting House, Leeds" in page and page.count("Sent for pricing") >= 2

    deliveries = _deliveries(app)
    assert sorted((d.kind, d.hours, d.trainer_id) for d in deliveries) == sorted(
        [("session", 2.5, rosa), ("session", 2.5, dev)]
    )
    assert all(d.involvement_id for d in deliveries)
    from plugins.network.models import NetworkInvolvement

    with app.app_context():
        involvements = get_session().exec(select(NetworkInvolvement)).all()
        recorded = {i.id: i for i in involvements}
        for delivery in deliveries:
            involvement = recorded[delivery.involvement_id]
            assert (involvement.role, involvement.status, involvement.hours) == ("trainer", "pending", 2.5)
            assert involvement.starts_on == today(app) - timedelta(days=3)
            assert "live session" in involvement.note and "14 attending" in involvement.note
    priced = lead.get("/network/involvements/pending").get_data(as_text=True)
    assert "Rosa Trainer" in priced and "Dev Okafor" in priced

    again = _post(lead, [dev], place="Typed again")
    text = again.get_data(as_text=True)
    assert again.status_code == 400
    assert "is already recorded for Dev Okafor, so nothing was recorded again" in text
    assert 'value="Typed again"' in text  # what was typed is kept
    assert len(_deliveries(app)) == 2
    with app.app_context():
        assert len(get_session().exec(select(NetworkInvolvement)).all()) == len(involvements)
        recorded = AuditEvent.action == "recorded a live training session"
        events = get_session().exec(select(AuditEvent).where(recorded)).all()
        assert len(events) == 1 and "Rosa Trainer" in events[0].detail and "2.5 hours" in events[0].detail


def test_without_the_network_plugin_the_delivery_waits_for_the_retry_job(app, client_as):
    (rosa,) = _ids(app, "trainer@example.org")
    trainer = client_as("trainer@example.org")
    assert _post(trainer, [rosa], delivery="online", place="Microsoft Teams").status_code == 302
    page = trainer.get(PAGE).get_data(as_text=True)
    assert "could not be recorded as involvement yet" in page
    assert "Online: Microsoft Teams" in page and "Waiting to be recorded" in page
    (delivery,) = _deliveries(app)
    assert delivery.involvement_id is None and delivery.session_key.endswith(rosa)


def test_refusals_keep_what_was_typed(app, client_as):
    rosa, dev = _ids(app, "trainer@example.org", "trainer2@example.org")
    lead = client_as("coproduction_lead")
    future = _post(lead, [rosa], day=today(app) + timedelta(days=1), place="Kept venue")
    text = future.get_data(as_text=True)
    assert future.status_code == 400
    assert "The date must be today or earlier: record a session after it has taken place" in text
    assert 'value="Kept venue"' in text and "<title>Error:" in text
    bad = _post(lead, [], hours="two", attendees="0", place="", delivery="")
    text = bad.get_data(as_text=True)
    for message in (
        "Enter how long the session lasted in hours, for example 2 or 1.5",
        "Enter the number of people who attended, from 1 to 1,000",
        "Enter where the session was held",
        "Select whether the session was in person or online",
        "Select the trainers who delivered the session",
    ):
        assert message in text
    assert 'value="two"' in text
    long = _post(lead, [rosa], hours="13")
    assert "Enter a length between 0.25 and 12 hours" in long.get_data(as_text=True)
    not_real = _post(lead, [rosa], on=["31", "2", "2026"])
    assert "Enter a real date" in not_real.get_data(as_text=True)
    stale = lead.post(PAGE, data={"trainers": [rosa], "place": "Kept"})
    assert stale.status_code == 400 and "nothing was saved" in stale.get_data(as_text=True)
    assert _deliveries(app) == []
    assert lead.get("/training/modules/no-such-module/sessions").status_code == 404


def test_trainers_record_and_see_only_sessions_they_delivered(app, client_as):
    rosa, dev = _ids(app, "trainer@example.org", "trainer2@example.org")
    trainer = client_as("trainer@example.org")
    for_another = _post(trainer, [dev], place="Not mine")
    assert for_another.status_code == 400
    assert "You can record only sessions you delivered" in for_another.get_data(as_text=True)
    assert _post(trainer, [rosa, dev]).status_code == 302
    lead = client_as("coproduction_lead")
    assert _post(lead, [dev], day=today(app) - timedelta(days=10), place="Only Dev").status_code == 302
    mine = trainer.get(PAGE).get_data(as_text=True)
    assert "Friends Meeting House, Leeds" in mine and "Only Dev" not in mine
    assert "Only Dev" in lead.get(PAGE).get_data(as_text=True)
    listing = trainer.get("/training/sessions").get_data(as_text=True)
    assert "Co-production: working in equal partnership</a> — 1 session recorded" in listing
    assert "2 sessions recorded" in lead.get("/training/sessions").get_data(as_text=True)
    assert "Live sessions" in trainer.get("/training/").get_data(as_text=True)
    with app.app_context():
        assert len(get_session().exec(select(TrainingLiveSession)).all()) == 2


def test_people_who_do_not_train_cannot_see_or_record_sessions(app, client_as):
    staff = client_as("staff@example.org")
    assert staff.get(PAGE).status_code == 403
    assert staff.get("/training/sessions").status_code == 403
    assert "Live sessions" not in staff.get("/training/").get_data(as_text=True)
    (rosa,) = _ids(app, "trainer@example.org")
    refused = staff.post(PAGE, data={"trainers": [rosa], "csrf_token": csrf_token(staff, "/training/")})
    assert refused.status_code == 403 and _deliveries(app) == []


def test_the_database_itself_refuses_a_second_delivery_of_the_same_session(app):
    """Two people recording the same session at the same moment: the unique key decides."""
    import pytest
    from sqlalchemy.exc import IntegrityError

    (rosa,) = _ids(app, "trainer@example.org")
    with app.app_context():
        db = get_session()
        day = today(app)
        key = sessions.session_key("coproduction", day, rosa)
        for _ in range(2):
            db.add(
                TrainingDelivery(
                    module_key="coproduction", kind="session", trainer_id=rosa, on=day, session_key=key
                )
            )
        with pytest.raises(IntegrityError):
            db.commit()
        db.rollback()
