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


def test_a_new_record_can_be_started_for_the_account(client_as, unlinked):
    lead = client_as("coproduction_lead")
    form = lead.get(f"/network/members/new?account={EMAIL}").get_data(as_text=True)
    assert f'value="{EMAIL}"' in form


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
    assert lead.get(f"/network/accounts/{staff_id}/link").status_code == 404
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
