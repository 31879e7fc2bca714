"""An account with the member role but no member record: told what is missing, and linked by the lead."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from coprod_portal import accounts
from coprod_portal.audit import AuditEvent
from coprod_portal.db import get_session
from coprod_portal.testing import DEMO_PASSWORD, csrf_token, login
from plugins.network.models import NetworkMember
from plugins.network.service import link_member_to_account
from plugins.network.views import UNLINKED_SHOWN

from .helpers import member_id, post

EMAIL = "jo.unlinked@example.org"


@pytest.fixture
def unlinked(app) -> str:
    """Jo: an admin gave her the network member role before anyone added her member record."""
    with app.app_context():
        session = get_session()
        user = accounts.create_user(session, EMAIL, "Jo Unlinked", ["network_member"], DEMO_PASSWORD)
        session.commit()
        return user.id


def _nav_links(html: str) -> list[str]:
    nav = html.split('class="govuk-service-navigation__list"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'href="([^"]+)"', nav)


def test_the_navigation_offers_no_page_that_refuses_her(app, unlinked):
    jo = login(app.test_client(), EMAIL)
    links = _nav_links(jo.get("/").get_data(as_text=True))
    assert "/network/me" in links
    for link in links:
        assert jo.get(link).status_code == 200, link


def test_her_page_says_what_is_missing_and_who_can_fix_it(app, unlinked):
    jo = login(app.test_client(), EMAIL)
    response = jo.get("/network/me")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "We have no network record for your account" in text
    assert "ask the co-production lead to link your account" in text
    assert "Skip to main content" in text  # in the portal's shell


def test_a_form_she_sends_saves_nothing_and_says_so(app, unlinked):
    jo = login(app.test_client(), EMAIL)
    token = csrf_token(jo, "/account/password")
    response = jo.post("/network/me/caps", data={"weekly_cap": "20.00", "csrf_token": token})
    text = response.get_data(as_text=True)
    assert "There is no record to save it to, so nothing was saved." in text
    with app.app_context():
        linked = select(NetworkMember).where(NetworkMember.user_id == unlinked)
        assert get_session().exec(linked).first() is None


def test_the_lead_sees_the_unlinked_account_and_links_it(app, client_as, unlinked):
    lead = client_as("coproduction_lead")
    listing = lead.get("/network/").get_data(as_text=True)
    assert "Accounts with the member role but no member record" in listing
    assert f"Jo Unlinked ({EMAIL})" in listing
    path = f"/network/accounts/{unlinked}/link"
    assert path in listing
    form = lead.get(path).get_data(as_text=True)
    assert "has the network member role, but no member record is linked" in form
    target = member_id(app, "Tom Okoro")
    with app.app_context():
        assert get_session().get(NetworkMember, target).user_id is None
    response = post(lead, path, {"member_id": target})
    assert response.status_code == 302 and response.location.endswith(f"/network/members/{target}")
    with app.app_context():
        session = get_session()
        assert session.get(NetworkMember, target).user_id == unlinked
        event = session.exec(select(AuditEvent).where(
            AuditEvent.action == "linked a portal account to a network member")).one()
        assert event.subject_id == target and EMAIL in event.detail
    assert f"Jo Unlinked ({EMAIL})" not in lead.get("/network/").get_data(as_text=True)
    jo = login(app.test_client(), EMAIL)
    own = jo.get("/network/me").get_data(as_text=True)
    assert "Tom Okoro" in own and "We have no network record" not in own


def test_a_new_record_can_be_started_for_the_account(app, client_as, unlinked):
    lead = client_as("coproduction_lead")
    form = lead.get(f"/network/members/new?account={EMAIL}").get_data(as_text=True)
    assert f'value="{EMAIL}"' in form
    response = post(lead, "/network/members/new", {
        "preferred_name": "Jo Unlinked", "email": EMAIL, "phone": "", "contact_by": "email",
        "preferred_format": "standard", "status": "applicant", "status_reason": "", "account_email": EMAIL})
    assert response.status_code == 302
    with app.app_context():
        session = get_session()
        record = session.exec(select(NetworkMember).where(NetworkMember.user_id == unlinked)).one()
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "added a network member",
                                                      AuditEvent.subject_id == record.id)).one()
        assert f"linked to the portal account {EMAIL}" in event.detail
    assert f"Jo Unlinked ({EMAIL})" not in lead.get("/network/").get_data(as_text=True)
    own = login(app.test_client(), EMAIL).get("/network/me").get_data(as_text=True)
    assert "Jo Unlinked" in own and "We have no network record" not in own


def test_an_account_already_linked_is_not_offered_the_form_again(app, client_as):
    with app.app_context():
        session = get_session()
        maya = accounts.user_by_email(session, "member@example.org")
        record = session.exec(select(NetworkMember).where(NetworkMember.user_id == maya.id)).one()
        maya_id, record_id = maya.id, record.id
    lead = client_as("coproduction_lead")
    path = f"/network/accounts/{maya_id}/link"
    response = lead.get(path, follow_redirects=True)
    assert response.request.path == f"/network/members/{record_id}"
    assert "account is already linked to Maya Williams" in response.get_data(as_text=True)
    other = member_id(app, "Tom Okoro")
    token = csrf_token(lead, "/network/members/new")  # the link page itself only redirects
    assert lead.post(path, data={"csrf_token": token, "member_id": other}).status_code == 302
    with app.app_context():
        assert get_session().get(NetworkMember, other).user_id is None
        assert get_session().get(NetworkMember, record_id).user_id == maya_id


def test_linking_is_refused_to_staff_who_do_not_manage_members(app, client_as, unlinked):
    path = f"/network/accounts/{unlinked}/link"
    staff = client_as("staff")
    assert staff.get(path).status_code == 403
    assert post(staff, path, {"member_id": member_id(app, "Tom Okoro")}).status_code == 403
    assert "Jo Unlinked" not in staff.get("/network/").get_data(as_text=True)
    with app.app_context():
        assert get_session().get(NetworkMember, member_id(app, "Tom Okoro")).user_id is None


def test_an_account_without_the_member_role_cannot_be_linked(app, client_as):
    with app.app_context():
        staff_id = accounts.user_by_email(get_session(), "staff@example.org").id
    lead = client_as("coproduction_lead")
    page = lead.get(f"/network/accounts/{staff_id}/link")
    assert page.status_code == 404
    text = page.get_data(as_text=True)
    assert "does not have the network member role" in text
    assert "an administrator can give their account the network member role" in text
    assert lead.get("/network/accounts/no-such-account/link").status_code == 404
    response = post(lead, f"/network/accounts/{staff_id}/link", {"member_id": member_id(app, "Tom Okoro")})
    assert response.status_code == 404
    with app.app_context():
        assert get_session().get(NetworkMember, member_id(app, "Tom Okoro")).user_id is None


def test_a_record_linked_to_someone_else_or_no_choice_is_refused_politely(app, client_as, unlinked):
    lead = client_as("coproduction_lead")
    path = f"/network/accounts/{unlinked}/link"
    with app.app_context():
        taken = get_session().exec(select(NetworkMember).where(NetworkMember.user_id.is_not(None))).first()
        taken_id, owner = taken.id, taken.user_id
    response = post(lead, path, {"member_id": taken_id})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "That record is already linked to another account, or no longer exists" in text
    empty = post(lead, path, {"member_id": ""})
    assert empty.status_code == 400
    assert "Choose the member record that belongs to this person" in empty.get_data(as_text=True)
    with app.app_context():
        assert get_session().get(NetworkMember, taken_id).user_id == owner


def test_two_leads_linking_at_once_cannot_overwrite_each_other(app, unlinked):
    """The link is one conditional statement: a record or an account taken a moment ago stays as it is."""
    with app.app_context():
        session = get_session()
        sam = accounts.create_user(session, "sam.unlinked@example.org", "Sam Unlinked", ["network_member"],
                                   DEMO_PASSWORD)
        session.commit()
        sam_id = sam.id
    tom, ana = member_id(app, "Tom Okoro"), _another_free_record(app, "Tom Okoro")
    with app.app_context():
        session = get_session()
        assert link_member_to_account(session, tom, unlinked)
        assert not link_member_to_account(session, tom, sam_id)  # the record was taken
        assert not link_member_to_account(session, ana, unlinked)  # the account was linked elsewhere
        session.commit()  # the refused attempts left the transaction usable
    with app.app_context():
        session = get_session()
        assert session.get(NetworkMember, tom).user_id == unlinked
        assert session.get(NetworkMember, ana).user_id is None


def _another_free_record(app, besides: str) -> str:
    with app.app_context():
        return get_session().exec(select(NetworkMember).where(
            NetworkMember.user_id.is_(None), NetworkMember.preferred_name != besides)).first().id


def test_the_list_says_when_more_accounts_are_waiting_than_it_shows(app, client_as):
    with app.app_context():
        session = get_session()
        for n in range(UNLINKED_SHOWN + 1):
            accounts.create_user(session, f"waiting{n:02}@example.org", f"Waiting {n:02}", ["network_member"])
        session.commit()
    listing = client_as("coproduction_lead").get("/network/").get_data(as_text=True)
    assert "Waiting 00 (waiting00@example.org)" in listing
    assert f"These are the first {UNLINKED_SHOWN} in name order. More accounts are waiting" in listing
    assert "Sam Newcomer" in listing  # the demo's unlinked account sorts first
    assert "Waiting 48" in listing and "Waiting 49" not in listing and "Waiting 50" not in listing
