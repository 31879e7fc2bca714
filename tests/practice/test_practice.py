"""Practice examples: a lead and a member co-write one, it is published where people plan and in
public, and it disappears everywhere when the member withdraws consent; who may do what."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from sqlmodel import select

from coprod_portal.audit import AuditEvent
from coprod_portal.db import get_session
from coprod_portal.testing import csrf_token

from .helpers import FIELDS, button, invite, post_form, project_id, publish, review, sign_off, write_example

ATOM = "{http://www.w3.org/2005/Atom}"
ITEM_PROJECT = "Day centre menus with members"  # a demo project at the design stage
ITEM = "design.presence"


def _item_page(lead, app):
    pid = project_id(app, ITEM_PROJECT)
    return lead.get(f"/checklists/projects/{pid}/items/{ITEM}").get_data(as_text=True)


def _feed_titles(app):
    response = app.test_client().get("/practice/public.atom")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.get_data())
    return [entry.findtext(f"{ATOM}title") for entry in root.iter(f"{ATOM}entry")]


def _public(app):
    return app.test_client().get("/practice/public").get_data(as_text=True)


def _co_written(app, client_as):
    """Lee writes, invites the demo member, who changes the text and signs off; Lee publishes."""
    lead, member = client_as("lead@example.org"), client_as("member@example.org")
    example_id = write_example(lead)
    assert invite(lead, example_id, "member@example.org").status_code == 302
    page = member.get(f"/practice/{example_id}").get_data(as_text=True)
    assert FIELDS["title"] in page and "Sign off your part" in page
    edit = post_form(member, f"/practice/{example_id}/edit",
                     {**FIELDS, "what_changed": "Calmer colours, chosen by the people who sit there."})
    assert edit.status_code == 302
    assert sign_off(member, example_id, "I picked the green for the quiet room.").status_code == 302
    publish(lead, example_id)
    return lead, member, example_id


def test_co_written_example_is_published_under_its_checklist_item_and_in_public(app, client_as):
    lead, member, example_id = _co_written(app, client_as)
    page = member.get(f"/practice/{example_id}").get_data(as_text=True)
    assert "Calmer colours, chosen by the people who sit there." in page  # the member's edit
    assert "I picked the green for the quiet room." in page
    item = _item_page(lead, app)
    assert "See how others did it" in item and FIELDS["title"] in item
    assert FIELDS["title"] in _public(app)
    assert FIELDS["title"] in _feed_titles(app)
    public_page = app.test_client().get(f"/practice/public/{example_id}").get_data(as_text=True)
    assert "I picked the green for the quiet room." in public_page and "Member" not in public_page
    with app.app_context():
        actions = set(get_session().exec(select(AuditEvent.action).where(
            AuditEvent.subject_id == example_id)))
    assert {"sent a practice example for review", "published a practice example"} <= actions


def test_withdrawn_consent_hides_it_from_the_item_the_public_page_and_the_feed(app, client_as):
    lead, member, example_id = _co_written(app, client_as)
    assert button(member, example_id, "withdraw").status_code == 302
    assert FIELDS["title"] not in _item_page(lead, app)
    assert FIELDS["title"] not in _public(app)
    assert FIELDS["title"] not in _feed_titles(app)
    assert app.test_client().get(f"/practice/public/{example_id}").status_code == 404
    staff = client_as("staff@example.org")
    assert staff.get(f"/practice/{example_id}").status_code == 404
    assert FIELDS["title"] not in staff.get("/practice/").get_data(as_text=True)
    assert FIELDS["title"] not in staff.get("/search?q=colours").get_data(as_text=True)
    warned = lead.get(f"/practice/{example_id}").get_data(as_text=True)
    assert "has withdrawn their consent" in warned
    with app.app_context():
        assert get_session().exec(select(AuditEvent).where(
            AuditEvent.action == "withdrew consent to a practice example")).first() is not None
    # the lead author removes their part: their words go, and it returns to draft to be checked
    pid = f"/practice/{example_id}"
    user_id = _user_id(app, "member@example.org")
    removed = lead.post(f"{pid}/co-authors/{user_id}/remove", data={"csrf_token": csrf_token(lead, pid)})
    assert removed.status_code == 302
    page = lead.get(pid).get_data(as_text=True)
    assert "I picked the green" not in page and "Draft" in page
    assert member.get(pid).status_code == 404


def _user_id(app, email):
    from coprod_portal import accounts

    with app.app_context():
        return accounts.user_by_email(get_session(), email).id


def test_nothing_unpublished_or_not_public_is_ever_public(app, client_as):
    lead = client_as("lead@example.org")
    draft = write_example(lead, title="A draft about benches")
    in_review = write_example(lead, title="One waiting about lamps")
    button(lead, in_review, "submit")
    staff_only = write_example(lead, title="Staff only about kettles", visibility="staff")
    publish(lead, staff_only)
    members = write_example(lead, title="Members only about doors", visibility="staff_and_members")
    publish(lead, members)
    declined = write_example(lead, title="Declined about chairs")
    button(lead, declined, "submit")
    assert review(lead, declined, "decline", "Not an example of co-production").status_code == 302
    public, feed = _public(app), _feed_titles(app)
    for title in ("A draft about benches", "One waiting about lamps", "Staff only about kettles",
                  "Members only about doors", "Declined about chairs"):
        assert title not in public and title not in feed
    for example_id in (draft, in_review, staff_only, members, declined):
        assert app.test_client().get(f"/practice/public/{example_id}").status_code == 404
    assert "Carers set the questions for the carers" in public  # the demo's public example


def test_who_reads_what(app, client_as):
    lead, staff, member = (client_as(e) for e in ("lead@example.org", "staff@example.org",
                                                  "member@example.org"))
    staff_only = write_example(lead, title="Staff only about kettles", visibility="staff")
    publish(lead, staff_only)
    members = write_example(lead, title="Members only about doors", visibility="staff_and_members")
    publish(lead, members)
    draft = write_example(staff, title="A draft by Sasha about windows")
    assert staff.get(f"/practice/{staff_only}").status_code == 200
    assert member.get(f"/practice/{staff_only}").status_code == 404
    assert "Staff only about kettles" not in member.get("/practice/").get_data(as_text=True)
    assert member.get(f"/practice/{members}").status_code == 200
    assert member.get(f"/practice/{draft}").status_code == 404
    assert lead.get(f"/practice/{draft}").status_code == 200  # the lead sees everything
    assert "A draft by Sasha about windows" in staff.get("/practice/").get_data(as_text=True)  # her own
    visitor = app.test_client().get("/practice/")
    assert visitor.status_code == 302 and "/sign-in" in visitor.location


def test_refusals_change_nothing(app, client_as):
    lead, staff, member = (client_as(e) for e in ("lead@example.org", "staff@example.org",
                                                  "member@example.org"))
    example_id = write_example(lead, visibility="staff_and_members")
    # a member not invited cannot see, change, sign off or withdraw a draft
    for action in ("edit", "sign-off"):
        assert member.get(f"/practice/{example_id}/{action}").status_code == 404
    # only the lead author invites; only reviewers review
    publish(lead, example_id)
    assert staff.get(f"/practice/{example_id}/co-authors").status_code == 403
    assert staff.get(f"/practice/{example_id}/edit").status_code == 403
    assert staff.get(f"/practice/{example_id}/review").status_code == 403
    assert member.get(f"/practice/{example_id}/review").status_code == 403
    withdraw = member.post(f"/practice/{example_id}/withdraw",
                           data={"csrf_token": csrf_token(member, "/practice/")})
    assert withdraw.status_code == 403  # not a co-author
    assert FIELDS["title"] in member.get("/practice/").get_data(as_text=True)  # still published to members


def test_it_cannot_go_for_review_until_every_co_author_signed_off(app, client_as):
    lead = client_as("lead@example.org")
    example_id = write_example(lead)
    invite(lead, example_id, "staff@example.org")
    response = button(lead, example_id, "submit")
    page = lead.get(response.location).get_data(as_text=True)
    assert "until every co-author has signed off" in page and "Sasha Staff" in page
    assert "Waiting for review" not in page


def test_bad_input_is_refused_politely_and_nothing_typed_is_lost(app, client_as):
    lead = client_as("lead@example.org")
    response = post_form(lead, "/practice/new", {**FIELDS, "title": "", "rung": "", "tags": "not a ref!"})
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter a title" in text and "Select the rung of the ladder reached" in text
    assert "is not a checklist item reference" in text
    assert FIELDS["situation"] in text and FIELDS["what_was_done"] in text
    example_id = write_example(lead)
    refused = invite(lead, example_id, "nobody-here@example.org")
    assert refused.status_code == 400
    assert "There is no active portal account" in refused.get_data(as_text=True)
    assert 'value="nobody-here@example.org"' in refused.get_data(as_text=True)
    button(lead, example_id, "submit")
    no_note = review(lead, example_id, "changes")
    assert no_note.status_code == 400 and "Write a note" in no_note.get_data(as_text=True)
    asked = review(lead, example_id, "changes", "Say more about what was hard.")
    assert asked.status_code == 302
    assert "Say more about what was hard." in lead.get(f"/practice/{example_id}").get_data(as_text=True)


def test_hostile_text_is_escaped_in_the_page_and_the_feed(app, client_as):
    lead = client_as("lead@example.org")
    hostile = "<script>alert('x')</script> & \"quotes\" ]]> \x0b"
    example_id = write_example(lead, title="Ampersands & <b>tags</b>", situation=hostile)
    publish(lead, example_id)
    page = app.test_client().get("/practice/public").get_data(as_text=True)
    assert "<script>alert('x')" not in page and "&lt;script&gt;" in page
    assert "Ampersands & <b>tags</b>" in _feed_titles(app)
    root = ET.fromstring(app.test_client().get("/practice/public.atom").get_data())
    summaries = [e.findtext(f"{ATOM}summary") for e in root.iter(f"{ATOM}entry")]
    assert any("<script>alert('x')</script> & \"quotes\" ]]>" in (s or "") for s in summaries)


def test_members_who_prefer_easy_read_see_the_easy_read_summary(app, client_as):
    lead, member = _co_written(app, client_as)[:2]
    example_id = _co_written_id(app)
    easy = member.get(f"/practice/{example_id}?format=easy-read").get_data(as_text=True)
    assert FIELDS["easy_read"] in easy and "The situation" not in easy
    standard = member.get(f"/practice/{example_id}?format=standard").get_data(as_text=True)
    assert "The situation" in standard


def _co_written_id(app):
    from plugins.practice.models import PracticeExample

    with app.app_context():
        return get_session().exec(select(PracticeExample.id).where(
            PracticeExample.title == FIELDS["title"])).first()


def test_search_finds_only_what_the_person_may_read(app, client_as):
    lead, staff = client_as("lead@example.org"), client_as("staff@example.org")
    write_example(lead, title="Draft about the allotment", visibility="public")
    assert "Draft about the allotment" in lead.get("/search?q=allotment").get_data(as_text=True)
    assert "Draft about the allotment" not in staff.get("/search?q=allotment").get_data(as_text=True)
    assert "Carers set the questions" in staff.get("/search?q=assessment+form").get_data(as_text=True)


def test_project_panel_suggests_examples_for_the_projects_stage(app, client_as):
    lead = client_as("lead@example.org")
    pid = project_id(app, ITEM_PROJECT)
    page = lead.get(f"/projects/{pid}").get_data(as_text=True)
    assert "How others did it" in page and "Carers set the questions for the carers" in page


def test_subject_access_and_erasure_cover_co_authorship_and_consent(app, client_as):
    lead, member, example_id = _co_written(app, client_as)
    admin = client_as("admin@example.org")
    page = "/admin/subject-access/"
    found = admin.post(page + "download", data={"email": "member@example.org", "format": "html",
                                                "csrf_token": csrf_token(admin, page)})
    text = found.get_data(as_text=True)
    assert "Practice examples" in text and "I picked the green for the quiet room." in text
    erased = admin.post(page + "erase", data={"email": "member@example.org", "reason": "Their request",
                                             "confirm": "y", "csrf_token": csrf_token(admin, page)})
    assert "Erasure done" in erased.get_data(as_text=True)
    from plugins.practice.models import PracticeCoauthor, PracticeExample

    with app.app_context():
        session = get_session()
        rows = session.exec(select(PracticeCoauthor).where(PracticeCoauthor.example_id == example_id)).all()
        assert rows == []
        assert session.get(PracticeExample, example_id).status == "draft"  # checked again before it is read
    assert FIELDS["title"] not in _public(app) and FIELDS["title"] not in _feed_titles(app)


def test_a_change_after_sign_off_asks_the_co_author_again_and_they_are_told(app, client_as):
    lead, member = client_as("lead@example.org"), client_as("member@example.org")
    example_id = write_example(lead)
    invite(lead, example_id, "member@example.org")
    assert "You are invited to co-write a practice example" in member.get("/inbox").get_data(as_text=True)
    sign_off(member, example_id, "My part.")
    changed = post_form(lead, f"/practice/{example_id}/edit", {**FIELDS, "what_was_hard": "Finding a room."})
    assert "asked to read it and sign off again" in lead.get(changed.location).get_data(as_text=True)
    page = lead.get(button(lead, example_id, "submit").location).get_data(as_text=True)
    assert "until every co-author has signed off" in page
    assert "A practice example you co-wrote was changed" in member.get("/inbox").get_data(as_text=True)
    sign_off(member, example_id, "My part, still.")
    publish(lead, example_id)
    assert "Practice example: published" in member.get("/inbox").get_data(as_text=True)
