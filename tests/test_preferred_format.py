"""portal_preferred_format: a plugin's record of how someone wants to read fills in for a contact
preference they have not saved; their own saved choice always wins."""

from __future__ import annotations

from sqlmodel import Session

from coprod_portal import accounts, notifications
from coprod_portal.hookspecs import hookimpl
from coprod_portal.testing import login


class Records:
    """A plugin holding a format for some people."""

    def __init__(self, answers: dict[str, object]) -> None:
        self.answers = answers

    @hookimpl
    def portal_preferred_format(self, user_id):
        answer = self.answers.get(user_id)
        if isinstance(answer, Exception):
            raise answer
        return answer


def _preference(app, email: str) -> notifications.ContactPreference:
    with Session(app.extensions["coprod_engine"]) as session, app.test_request_context():
        return notifications.preference(session, accounts.user_by_email(session, email).id)


def _user_id(app, email: str) -> str:
    with Session(app.extensions["coprod_engine"]) as session:
        return accounts.user_by_email(session, email).id


def test_a_plugins_format_is_used_until_the_person_saves_their_own(make_app):
    app = make_app(plugins=[])
    staff, manager = _user_id(app, "staff@example.org"), _user_id(app, "manager@example.org")
    app.extensions["coprod_plugins"].pm.register(Records({staff: "easy_read", manager: "audio"}), "records")
    assert _preference(app, "staff@example.org").format == "easy_read"
    assert _preference(app, "staff@example.org").email is True
    assert _preference(app, "manager@example.org").format == "standard"  # not a portal format: ignored
    assert _preference(app, "admin@example.org").format == "standard"  # no record: standard
    with Session(app.extensions["coprod_engine"]) as session:
        notifications.set_preference(session, staff, email=False, fmt="large_print")
        session.commit()
    assert _preference(app, "staff@example.org").format == "large_print"


def test_a_failing_plugin_leaves_the_standard_format_and_the_page_works(make_app):
    app = make_app(plugins=[])
    staff = _user_id(app, "staff@example.org")
    host = app.extensions["coprod_plugins"]
    host.pm.register(Records({staff: RuntimeError("records are offline")}), "records")
    assert _preference(app, "staff@example.org").format == "standard"
    client = app.test_client()
    login(client, "staff@example.org")
    page = client.get("/account/preferences").get_data(as_text=True)
    assert 'value="standard" checked' in page
