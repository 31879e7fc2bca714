"""The member register: who sees what, bad input, special-category data and consent."""

from __future__ import annotations

from sqlmodel import select

from coprod_portal.audit import AuditEvent
from coprod_portal.db import get_session
from plugins.network.models import NetworkAccessNeeds, NetworkMember, NetworkMemberGroup

from .helpers import boxes, member_id, post

NEW = {
    "preferred_name": "Sam Example",
    "email": "sam@example.org",
    "phone": "",
    "contact_by": "email",
    "preferred_format": "easy_read",
    "status": "active",
    "status_reason": "",
    "account_email": "",
}


def test_lead_sees_the_register_without_any_special_category_data(client_as):
    lead = client_as("coproduction_lead")
    page = lead.get("/network/").get_data(as_text=True)
    assert "Tom Okoro" in page and "Rosa Delgado" in page
    assert "Groups and access needs are never shown in this list" in page
    assert "Carers" not in page and "BSL interpreter" not in page
    assert 'href="/network/"' in lead.get("/").get_data(as_text=True)


def test_register_paginates_at_fifty(app, client_as):
    with app.app_context():
        session = get_session()
        for n in range(55):
            session.add(NetworkMember(preferred_name=f"Zed Member {n:02d}", status="active"))
        session.commit()
    lead = client_as("coproduction_lead")
    first = lead.get("/network/").get_data(as_text=True)
    assert "110 members" in first and "Amara Adeyemi" in first and "Zed Member" not in first
    last = lead.get("/network/?page=3").get_data(as_text=True)
    assert "Zed Member 45" in last and "Zed Member 54" in last and "Tom Okoro" not in last


def test_staff_without_the_lead_role_are_refused_everything(app, client_as):
    staff = client_as("staff@example.org")
    mid = member_id(app, "Aisha Rahman")
    for path in (
        "/network/",
        f"/network/members/{mid}",
        f"/network/members/{mid}/private",
        "/network/involvements/pending",
        "/network/reports",
        "/network/me",
    ):
        response = staff.get(path)
        assert response.status_code == 403, path
        assert "BSL interpreter" not in response.get_data(as_text=True)
    assert 'href="/network/"' not in staff.get("/").get_data(as_text=True)


def test_adding_a_member_and_refusing_a_duplicate_email_keeps_what_was_typed(app, client_as):
    lead = client_as("coproduction_lead")
    response = post(lead, "/network/members/new", NEW)
    assert response.status_code == 302
    again = post(
        lead, "/network/members/new", {**NEW, "preferred_name": "Samuel Other", "email": "SAM@example.org"}
    )
    page = again.get_data(as_text=True)
    assert again.status_code == 400
    assert "Sam Example already has this email address in the register" in page
    assert 'value="Samuel Other"' in page and page.count("Error:") >= 1
    with app.app_context():
        assert (
            len(
                get_session()
                .exec(select(NetworkMember).where(NetworkMember.email == "sam@example.org"))
                .all()
            )
            == 1
        )


def test_leaving_needs_a_reason_and_an_unknown_account_is_refused(client_as):
    lead = client_as("coproduction_lead")
    response = post(
        lead, "/network/members/new", {**NEW, "status": "left", "account_email": "nobody@example.org"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter why the member left" in page
    assert "There is no portal account with this email address" in page


def test_groups_need_consent_and_every_read_is_audited(app, client_as):
    lead = client_as("coproduction_lead")
    mid = member_id(app, "Priya Nair")  # an applicant with no consent to keep groups
    page = lead.get(f"/network/members/{mid}/private").get_data(as_text=True)
    assert "every time this page is opened it is recorded" in page
    response = post(
        lead, f"/network/members/{mid}/private", {"groups": ["carers"], "access_needs": "Step-free"}
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "without it nothing about their groups is stored" in text
    assert "Step-free" in text  # nothing typed is lost
    with app.app_context():
        session = get_session()
        assert (
            session.exec(select(NetworkMemberGroup).where(NetworkMemberGroup.member_id == mid)).first()
            is None
        )
        reads = session.exec(
            select(AuditEvent).where(
                AuditEvent.subject_id == mid, AuditEvent.action == "read groups and access needs"
            )
        ).all()
        assert len(reads) == 2 and reads[0].plugin == "network"  # two page views (one to get a form)


def test_consent_then_withdrawal_deletes_what_it_covered(app, client_as):
    lead = client_as("coproduction_lead")
    mid = member_id(app, "Priya Nair")
    for purpose in ("groups", "access_needs"):
        assert (
            post(
                lead,
                f"/network/members/{mid}/consent",
                {"purpose": purpose, "given": "yes", "on": boxes(__import__("datetime").date.today())},
            ).status_code
            == 302
        )
    assert (
        post(
            lead,
            f"/network/members/{mid}/private",
            {"groups": ["carers", "older"], "access_needs": "Step-free access"},
        ).status_code
        == 302
    )
    with app.app_context():
        assert get_session().get(NetworkAccessNeeds, mid).text == "Step-free access"
    response = post(
        lead,
        f"/network/members/{mid}/consent",
        {"purpose": "groups", "given": "no", "on": boxes(__import__("datetime").date.today())},
        follow_redirects=True,
    )
    assert "What it covered was deleted" in response.get_data(as_text=True)
    with app.app_context():
        session = get_session()
        assert (
            session.exec(select(NetworkMemberGroup).where(NetworkMemberGroup.member_id == mid)).first()
            is None
        )
        assert session.get(NetworkAccessNeeds, mid) is not None  # a different purpose, still consented


def test_consent_in_the_future_is_refused(app, client_as):
    lead = client_as("coproduction_lead")
    mid = member_id(app, "Priya Nair")
    response = post(
        lead,
        f"/network/members/{mid}/consent",
        {"purpose": "contact", "given": "yes", "on": ["1", "1", "2999"]},
    )
    assert response.status_code == 400
    assert "must be today or in the past" in response.get_data(as_text=True)


def test_audit_events_about_groups_are_hidden_from_other_staff(app, client_as):
    lead = client_as("coproduction_lead")
    mid = member_id(app, "Aisha Rahman")
    lead.get(f"/network/members/{mid}/private")
    assert "read groups and access needs" in lead.get("/audit/").get_data(as_text=True)
    assert "read groups and access needs" not in client_as("admin").get("/audit/").get_data(as_text=True)


def test_linking_an_account_lets_the_person_see_their_own_record(app, client_as):
    lead = client_as("coproduction_lead")
    mid = member_id(app, "Tom Okoro")
    form = lead.get(f"/network/members/{mid}/edit").get_data(as_text=True)
    assert 'value="Tom Okoro"' in form
    taken = post(
        lead,
        f"/network/members/{mid}/edit",
        {
            **NEW,
            "preferred_name": "Tom Okoro",
            "email": "tom.okoro@example.org",
            "account_email": "member@example.org",
        },
    )
    assert taken.status_code == 400 and "already linked to Maya Williams" in taken.get_data(as_text=True)
    ok = post(
        lead,
        f"/network/members/{mid}/edit",
        {
            **NEW,
            "preferred_name": "Tom Okoro",
            "email": "tom.okoro@example.org",
            "account_email": "manager@example.org",
        },
    )
    assert ok.status_code == 302
    with app.app_context():
        assert get_session().get(NetworkMember, mid).user_id is not None
