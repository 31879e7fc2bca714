"""A person who chose Easy Read (their contact preferences) is shown a lesson's Easy Read version
first, can switch to the standard one, and the choice on the page is kept as they move on."""

from __future__ import annotations

from sqlmodel import Session

from coprod_portal import accounts, notifications
from coprod_portal.testing import csrf_token

LESSON = "/training/modules/benefits/lessons/earnings"


def prefer(app, email: str, fmt: str) -> None:
    with Session(app.extensions["coprod_engine"]) as session:
        user = accounts.user_by_email(session, email)
        notifications.set_preference(session, user.id, email=True, fmt=fmt)
        session.commit()


def test_easy_read_is_shown_first_to_whoever_prefers_it(app, client_as):
    staff = client_as("staff@example.org")
    standard = staff.get(LESSON).get_data(as_text=True)
    assert "Read the Easy Read version" in standard and "· Easy Read" not in standard

    prefer(app, "staff@example.org", "easy_read")
    easy = staff.get(LESSON).get_data(as_text=True)
    assert "Expenses do not change your" in easy and "· Easy Read" in easy
    assert f'href="{LESSON}?format=standard">Read the standard version' in easy

    chosen = staff.get(f"{LESSON}?format=standard").get_data(as_text=True)
    assert "Read the Easy Read version" in chosen and "· Easy Read" not in chosen
    # marking the lesson done keeps the version chosen on the page for the next lesson
    done = staff.post(f"{LESSON}?format=standard",
                      data={"csrf_token": csrf_token(staff, f"{LESSON}?format=standard")})
    assert done.status_code == 302 and done.location.endswith("?format=standard")


def test_other_formats_get_the_standard_version(app, client_as):
    prefer(app, "staff@example.org", "large_print")
    lesson = client_as("staff@example.org").get(LESSON).get_data(as_text=True)
    assert "Read the Easy Read version" in lesson and "· Easy Read" not in lesson
