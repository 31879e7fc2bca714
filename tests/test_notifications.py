"""Notifications: the inbox, the unread count in the header, contact preferences, and e-mail
checked against a real SMTP server (aiosmtpd) on 127.0.0.1 — including one that is down."""

import re
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
from conftest import TEST_PLUGINS
from sqlmodel import Session, select

from coprod_portal import accounts, create_app, jobs, notifications
from coprod_portal.config import ConfigError
from coprod_portal.db import get_session
from coprod_portal.jobs import JobFailure
from coprod_portal.notifications import Notification
from coprod_portal.testing import csrf_token, free_port, login

BASE = "https://portal.example.org"
SECRET = "after sharing her experience of depression"



class Sink:
    """Keeps every message the SMTP server receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=default_policy)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 Message accepted"


class SmtpServer:
    def __init__(self, port):
        self.port = port
        self.sink = Sink()
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=port)

    def __enter__(self):
        self.controller.start()
        return self.sink

    def __exit__(self, *exc):
        self.controller.stop()


def _mail_config(port, **more):
    return {"PLUGINS_DIR": str(TEST_PLUGINS), "SMTP_HOST": "127.0.0.1", "SMTP_PORT": port,
            "SMTP_STARTTLS": False, "MAIL_FROM": "portal@example.org", "BASE_URL": BASE, **more}


@pytest.fixture
def mail_app(make_app, smtp):
    return make_app(plugins=["chores"], config=_mail_config(smtp.port))


def _user(app, email):
    with Session(app.extensions["coprod_engine"]) as session:
        return accounts.user_by_email(session, email)


def _send(app, email, title="Your check-in", body=f"Sam asked for a check-in {SECRET}.", **kwargs):
    with app.app_context():
        note = notifications.send(_user(app, email).id, title, body, **kwargs)
        get_session().commit()
        return note.id


def _inbox(app, email):
    with Session(app.extensions["coprod_engine"]) as session:
        return list(session.exec(select(Notification).where(
            Notification.user_id == _user(app, email).id)))


def _parts(message):
    text = message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
    html_part = message.get_body(preferencelist=("html",))
    return text, html_part.get_content().replace("\r\n", "\n") if html_part is not None else None


def _choose(client, email="yes", fmt="standard"):
    return client.post("/account/preferences", data={
        "email": email, "format": fmt, "csrf_token": csrf_token(client, "/account/preferences")})


# --- e-mail -----------------------------------------------------------------------------------


def test_sensitive_notification_email_carries_no_content_only_a_link(mail_app, smtp):
    note_id = _send(mail_app, "staff@example.org", link="/projects/")
    [(recipients, message)] = smtp.messages
    assert recipients == ["staff@example.org"] and message["To"] == "staff@example.org"
    assert message["Subject"] == "You have a new message in the Co-production Portal"
    assert "portal@example.org" in message["From"]
    text, html = _parts(message)
    for part in (text, html, str(message["Subject"])):
        assert SECRET not in part and "Your check-in" not in part and "/projects/" not in part
    assert f"{BASE}/inbox/{note_id}" in text and f'href="{BASE}/inbox/{note_id}"' in html
    assert "we do not put the message in e-mails" in text
    assert f"{BASE}/account/preferences" in text
    assert "font-size:19px" in html  # standard format
    [stored] = _inbox(mail_app, "staff@example.org")
    assert SECRET in stored.body and stored.read_at is None  # the inbox copy has it all


def test_non_sensitive_notification_email_may_carry_its_text(mail_app, smtp):
    _send(mail_app, "staff@example.org", title="Training on Tuesday",
          body="The co-production training starts at 10:00 in room 2.", sensitive=False)
    [(_, message)] = smtp.messages
    assert message["Subject"] == "Training on Tuesday"
    text, html = _parts(message)
    assert "The co-production training starts at 10:00 in room 2." in text
    assert "<h1" in html and "Training on Tuesday" in html


def test_large_print_preference_gets_large_html(mail_app, smtp):
    client = login(mail_app.test_client(), "staff@example.org")
    assert _choose(client, "yes", "large_print").status_code == 302
    _send(mail_app, "staff@example.org")
    [(_, message)] = smtp.messages
    _, html = _parts(message)
    assert "font-size:24px" in html and "line-height:1.5" in html
    assert SECRET not in html


def test_plain_text_preference_gets_no_html_part(mail_app, smtp):
    _choose(login(mail_app.test_client(), "staff@example.org"), "yes", "plain_text")
    _send(mail_app, "staff@example.org")
    [(_, message)] = smtp.messages
    text, html = _parts(message)
    assert html is None and not message.is_multipart()
    assert "/inbox/" in text


def test_easy_read_preference_gets_the_easy_read_text_in_email_and_inbox(mail_app, smtp):
    client = login(mail_app.test_client(), "staff@example.org")
    _choose(client, "yes", "easy_read")
    note_id = _send(mail_app, "staff@example.org", title="Meeting moved",
                    body="The network meeting on 3 March has moved to the Town Hall, Room 4, at 14:00.",
                    easy_read="The meeting has moved.\nIt is now at the Town Hall.", sensitive=False)
    [(_, message)] = smtp.messages
    text, html = _parts(message)
    assert "The meeting has moved.\nIt is now at the Town Hall." in text
    assert "Room 4" not in text and "font-size:21px" in html
    page = client.get(f"/inbox/{note_id}").get_data(as_text=True)
    assert "The meeting has moved.<br>It is now at the Town Hall." in page
    assert "Read the standard version" in page and "Room 4" in page


def test_easy_read_sensitive_email_is_easy_read_and_still_without_content(mail_app, smtp):
    _choose(login(mail_app.test_client(), "staff@example.org"), "yes", "easy_read")
    _send(mail_app, "staff@example.org", easy_read="Sam is sad. Please call Sam.")
    [(_, message)] = smtp.messages
    text, _ = _parts(message)
    assert "You have a new message.\n\nWe do not put messages in e-mails." in text
    assert "Sam" not in text


def test_nobody_gets_email_who_said_no(mail_app, smtp):
    _choose(login(mail_app.test_client(), "staff@example.org"), "no", "standard")
    _send(mail_app, "staff@example.org")
    assert smtp.messages == []
    assert len(_inbox(mail_app, "staff@example.org")) == 1


def test_without_an_smtp_host_notifications_reach_the_inbox_only(make_app):
    app = make_app()
    _send(app, "staff@example.org")
    assert len(_inbox(app, "staff@example.org")) == 1
    with Session(app.extensions["coprod_engine"]) as session:
        assert list(session.exec(select(JobFailure))) == []
    admin = login(app.test_client(), "admin@example.org")
    assert "Not set up: notifications reach people's inboxes in the portal only" in admin.get(
        "/admin/jobs").get_data(as_text=True)
    page = login(app.test_client(), "staff@example.org").get("/account/preferences")
    assert "This portal does not send e-mails at the moment" in page.get_data(as_text=True)


def test_safeguarding_check_in_request_reaches_every_safeguarding_lead(mail_app, smtp):
    with mail_app.app_context():
        jobs.enqueue("chores.ask_for_check_in", person_id="a" * 32)
    [lead_note] = _inbox(mail_app, "safeguarding@example.org")
    assert lead_note.category == "safeguarding" and lead_note.sensitive
    for other in ("staff@example.org", "hr@example.org", "manager@example.org", "admin@example.org"):
        assert _inbox(mail_app, other) == []
    [(recipients, message)] = smtp.messages
    assert recipients == ["safeguarding@example.org"]
    assert "mental health" not in message.as_string() and "check-in" not in message.as_string()
    lead = login(mail_app.test_client(), "safeguarding@example.org")
    assert '<span class="govuk-visually-hidden">1 unread</span>' in lead.get("/").get_data(as_text=True)


def test_smtp_server_down_fails_the_job_retries_it_and_keeps_the_inbox_copy(make_app):
    port = free_port()  # nothing listens here yet
    app = make_app(plugins=["chores"], config=_mail_config(port))
    note_id = _send(app, "staff@example.org")
    [stored] = _inbox(app, "staff@example.org")
    assert stored.id == note_id and SECRET in stored.body
    with Session(app.extensions["coprod_engine"]) as session:
        [failure] = session.exec(select(JobFailure)).all()
    assert failure.job_name == "core.send_notification_email" and failure.status == "retrying"
    assert f"The mail server 127.0.0.1:{port} could not be reached" in failure.error
    assert f"notification_id={note_id}" == failure.arguments
    admin = login(app.test_client(), "admin@example.org")
    page = admin.get("/admin/jobs").get_data(as_text=True)
    assert "core.send_notification_email" in page and "Retrying" in page and "next try" in page
    assert SECRET not in page

    server = SmtpServer(port)
    with server as sink:  # the mail server is back
        huey = app.extensions["coprod_jobs"].huey
        from datetime import UTC, datetime, timedelta

        later = datetime.now(UTC).replace(tzinfo=None) + timedelta(hours=1)
        for task in huey.read_schedule(later):
            huey.execute(task, later)
        assert [m["To"] for _, m in sink.messages] == ["staff@example.org"]
    with Session(app.extensions["coprod_engine"]) as session:
        assert session.exec(select(JobFailure)).one().status == "resolved"


def test_email_is_not_sent_for_a_notification_read_before_the_retry(make_app):
    port = free_port()
    app = make_app(plugins=["chores"], config=_mail_config(port))
    note_id = _send(app, "staff@example.org")
    login(app.test_client(), "staff@example.org").get(f"/inbox/{note_id}")
    with SmtpServer(port) as sink:
        huey = app.extensions["coprod_jobs"].huey
        from datetime import UTC, datetime, timedelta

        later = datetime.now(UTC).replace(tzinfo=None) + timedelta(hours=1)
        for task in huey.read_schedule(later):
            huey.execute(task, later)
        assert sink.messages == []


def test_mail_settings_that_cannot_work_stop_start_up_naming_the_setting(tmp_path):
    base = {"INSTANCE_PATH": str(tmp_path), "SMTP_HOST": "mail.example.org"}
    cases = [
        ({}, "COPROD_MAIL_FROM must be set"),
        ({"MAIL_FROM": "portal@example.org"}, "COPROD_BASE_URL must be set"),
        ({"MAIL_FROM": "portal@example.org", "BASE_URL": BASE, "SMTP_PORT": "smtp"},
         "COPROD_SMTP_PORT is 'smtp', which is not a port number"),
        ({"MAIL_FROM": "portal@example.org", "BASE_URL": BASE, "SMTP_USERNAME": "portal"},
         "COPROD_SMTP_USERNAME is set but COPROD_SMTP_PASSWORD is not"),
    ]
    for extra, message in cases:
        with pytest.raises(ConfigError) as caught:
            create_app({**base, **extra})
        assert message in str(caught.value)


# --- the inbox --------------------------------------------------------------------------------


def test_unread_count_in_the_header_with_a_sensible_accessible_name(make_app):
    app = make_app()
    ids = [_send(app, "staff@example.org", title=f"Message {n}") for n in range(3)]
    client = login(app.test_client(), "staff@example.org")
    home = client.get("/").get_data(as_text=True)
    link = re.search(r'<a class="govuk-service-navigation__link" href="/inbox"[^>]*>(.*?)</a>', home, re.S)
    assert link and link.group(1).strip() == (
        'Inbox <span aria-hidden="true">(3)</span><span class="govuk-visually-hidden">3 unread</span>')
    client.get(f"/inbox/{ids[0]}")
    assert '<span class="govuk-visually-hidden">2 unread</span>' in client.get("/").get_data(as_text=True)
    others = login(app.test_client(), "hr@example.org").get("/").get_data(as_text=True)
    assert re.search(r'href="/inbox"[^>]*>\s*Inbox\s*</a>', others)  # no count when none unread


def test_opening_a_notification_shows_it_marks_it_read_and_offers_its_link(make_app):
    app = make_app()
    note_id = _send(app, "staff@example.org", title="Check-in", body="First line\nsecond line\n\nNext",
                    link="/projects/")
    client = login(app.test_client(), "staff@example.org")
    listing = client.get("/inbox").get_data(as_text=True)
    assert "<strong>Check-in</strong>" in listing and "Unread" in listing
    page = client.get(f"/inbox/{note_id}").get_data(as_text=True)
    assert "<h1 class=\"govuk-heading-l\">Check-in</h1>" in page
    assert "First line<br>second line</p>" in page and "<p class=\"govuk-body\">Next</p>" in page
    assert 'href="/projects/">Go to the page this is about' in page
    [stored] = _inbox(app, "staff@example.org")
    assert stored.read_at is not None
    assert "Read" in client.get("/inbox").get_data(as_text=True)


def test_mark_all_as_read(make_app):
    app = make_app()
    for n in range(3):
        _send(app, "staff@example.org", title=f"Message {n}")
    client = login(app.test_client(), "staff@example.org")
    token = csrf_token(client, "/inbox")
    page = client.post("/inbox/read-all", data={"csrf_token": token}, follow_redirects=True)
    text = page.get_data(as_text=True)
    assert "3 messages marked as read." in text and "You have no unread messages." in text
    assert all(n.read_at for n in _inbox(app, "staff@example.org"))
    again = client.post("/inbox/read-all", data={"csrf_token": token}, follow_redirects=True)
    assert "You had no unread messages." in again.get_data(as_text=True)
    refused = client.post("/inbox/read-all")
    assert refused.status_code == 400 and "security check failed" in refused.get_data(as_text=True)


def test_inbox_lists_newest_first_in_pages(make_app):
    app = make_app()
    with app.app_context():
        staff_id = _user(app, "staff@example.org").id
        for n in range(25):
            notifications.send(staff_id, f"Message {n:02d}", "")
        get_session().commit()
    client = login(app.test_client(), "staff@example.org")
    first = client.get("/inbox").get_data(as_text=True)
    titles = re.findall(r"Message (\d\d)", first)
    assert "You have 25 unread messages." in first
    assert titles == [f"{n:02d}" for n in range(24, 4, -1)]  # newest first
    second = client.get("/inbox?page=2").get_data(as_text=True)
    assert re.findall(r"Message (\d\d)", second) == ["04", "03", "02", "01", "00"]


def test_nobody_else_can_open_a_notification(make_app):
    app = make_app()
    note_id = _send(app, "staff@example.org")
    for email in ("manager@example.org", "hr@example.org", "admin@example.org"):
        response = login(app.test_client(), email).get(f"/inbox/{note_id}")
        text = response.get_data(as_text=True)
        assert response.status_code == 404 and "Page not found" in text and SECRET not in text
    assert _inbox(app, "staff@example.org")[0].read_at is None
    visitor = app.test_client().get(f"/inbox/{note_id}")
    assert visitor.status_code == 302 and "/sign-in" in visitor.location


def test_notifications_roll_back_with_the_callers_work(mail_app, smtp):
    with mail_app.app_context():
        notifications.send(_user(mail_app, "staff@example.org").id, "Draft", "Never saved")
        get_session().rollback()
        get_session().commit()
    assert _inbox(mail_app, "staff@example.org") == [] and smtp.messages == []


def test_send_refuses_bad_input_with_reasons(make_app):
    app = make_app()
    staff_id = _user(app, "staff@example.org").id
    with app.app_context():
        cases = [
            (lambda: notifications.send("nobody", "Hello", "x"), "There is no user with the id 'nobody'"),
            (lambda: notifications.send(staff_id, "  ", "x"), "needs a title of 1 to 200 characters"),
            (lambda: notifications.send(staff_id, "Hi", "x", link="https://evil.example/"),
             "must be a path in the portal"),
            (lambda: notifications.send(staff_id, "Hi", "x", link="//evil.example/"),
             "must be a path in the portal"),
            (lambda: notifications.send(staff_id, "Hi", "x", category="Bad Category"),
             "must be a short name in lower-case letters"),
            (lambda: notifications.send(staff_id, "Hi", "x" * 20_001), "20,000 characters or fewer"),
            (lambda: notifications.send_to_role("wizard", "Hi", "x"), "There is no role called 'wizard'"),
        ]
        for call, message in cases:
            with pytest.raises(ValueError) as caught:
                call()
            assert message in str(caught.value)
        get_session().commit()
    assert _inbox(app, "staff@example.org") == []


# --- contact preferences ----------------------------------------------------------------------


def test_preferences_form_saves_and_explains_each_refusal(make_app):
    app = make_app()
    client = login(app.test_client(), "staff@example.org")
    form = client.get("/account/preferences").get_data(as_text=True)
    assert "How we contact you" in form and "Only you can see these choices." in form
    assert "Big, clear text in the e-mail." in form  # each format explains itself
    token = csrf_token(client, "/account/preferences")
    empty = client.post("/account/preferences", data={"csrf_token": token})
    text = empty.get_data(as_text=True)
    assert empty.status_code == 400 and "<title>Error:" in text
    assert "Select whether you want e-mails about new messages" in text
    assert "Select the format you want messages in" in text
    odd = client.post("/account/preferences", data={"csrf_token": token, "email": "maybe",
                                                    "format": "braille"})
    text = odd.get_data(as_text=True)
    assert odd.status_code == 400
    assert "Select whether you want e-mails about new messages" in text
    assert "Select the format you want messages in" in text
    no_token = client.post("/account/preferences", data={"email": "no", "format": "plain_text"})
    assert no_token.status_code == 400 and "nothing was saved" in no_token.get_data(as_text=True)
    saved = client.post("/account/preferences", data={"csrf_token": token, "email": "no",
                                                      "format": "large_print"}, follow_redirects=True)
    text = saved.get_data(as_text=True)
    assert "Your contact preferences are saved." in text
    assert re.search(r'value="large_print"\s+checked', text) and re.search(r'value="no"\s+checked', text)
    with app.app_context():
        pref = notifications.preference(get_session(), _user(app, "staff@example.org").id)
    assert (pref.email, pref.format) == (False, "large_print")


def test_preferences_are_each_persons_own(make_app):
    app = make_app()
    _choose(login(app.test_client(), "staff@example.org"), "no", "easy_read")
    manager = login(app.test_client(), "manager@example.org")
    page = manager.get("/account/preferences").get_data(as_text=True)
    assert re.search(r'value="standard"\s+checked', page) and not re.search(
        r'value="easy_read"\s+checked', page)
    visitor = app.test_client().get("/account/preferences")
    assert visitor.status_code == 302 and "/sign-in" in visitor.location


def test_subject_access_exports_and_erasure_deletes_messages_and_preferences(make_app):
    app = make_app()
    _choose(login(app.test_client(), "staff@example.org"), "no", "large_print")
    _send(app, "staff@example.org", title="Check-in booked")
    _send(app, "hr@example.org", title="Not about Sasha")
    runner = app.test_cli_runner()
    export = runner.invoke(args=["subject", "export", "staff@example.org"])
    assert export.exit_code == 0, export.output
    assert "Messages in your inbox" in export.output and "Check-in booked" in export.output
    assert SECRET in export.output and "Not about Sasha" not in export.output
    assert "How we contact you" in export.output and "Large print" in export.output
    erased = runner.invoke(args=["subject", "erase", "staff@example.org", "--reason", "request of 1 May",
                                 "--yes"])
    assert erased.exit_code == 0, erased.output
    assert "Inbox and contact preferences:" in erased.output
    assert "erased: Messages in the inbox" in erased.output
    with Session(app.extensions["coprod_engine"]) as session:
        from coprod_portal.notifications import ContactPreference

        assert session.exec(select(ContactPreference)).all() == []
        assert [n.title for n in session.exec(select(Notification))] == ["Not about Sasha"]
