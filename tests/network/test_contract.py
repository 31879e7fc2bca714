"""What other plugins rely on: recording involvement, project people, panels, checklist items,
search, the dashboard card, receipts, subject access and erasure, and the yearly report."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlmodel import select

from coprod_portal import accounts, events
from coprod_portal.db import get_session
from coprod_portal.hookspecs import hookimpl
from coprod_portal.projects import Project
from coprod_portal.types import Person
from plugins.network.models import NetworkInvolvement, NetworkMember, NetworkPayment
from plugins.network.reports import safe_cell

from .helpers import boxes, member_id, payments, post


class Listener:
    def __init__(self):
        self.seen = []

    @hookimpl
    def portal_involvement_recorded(self, involvement_id, project_id):
        self.seen.append((involvement_id, project_id))


def _hook(app):
    return app.extensions["coprod_plugins"].pm.hook


def _user_id(email):
    return accounts.user_by_email(get_session(), email).id


def test_training_records_a_pending_involvement_and_the_event_follows_the_commit(app, client_as):
    listener = Listener()
    app.extensions["coprod_plugins"].pm.register(listener, name="test_listener")
    with app.test_request_context():
        session = get_session()
        project = session.exec(select(Project)).first()
        new_id = _hook(app).portal_record_involvement(
            user_id=_user_id("member@example.org"),
            project_id=project.id,
            role="trainer",
            on=date.today(),
            hours=2.5,
            status="pending",
            note="Delivered module 1",
        )
        assert listener.seen == []  # nothing is announced before the caller commits
        events.commit(session)
        assert listener.seen == [(new_id, project.id)]
        involvement = session.get(NetworkInvolvement, new_id)
        assert (involvement.status, involvement.role, involvement.hours) == ("pending", "trainer", 2.5)
        assert _user_id("member@example.org") in _hook(app).portal_project_people(project=project)[0]
    page = client_as("coproduction_lead").get("/network/involvements/pending").get_data(as_text=True)
    assert "Maya Williams" in page and "Trainer" in page
    home = client_as("coproduction_lead").get("/").get_data(as_text=True)
    assert "3 involvements are waiting for you to offer a fee" in home


def test_an_account_without_a_member_record_gets_one_and_an_unknown_account_gets_none(app):
    with app.test_request_context():
        session = get_session()
        staff_id = _user_id("staff@example.org")
        new_id = _hook(app).portal_record_involvement(
            user_id=staff_id,
            project_id=None,
            role="trainer",
            on=date.today(),
            hours=1,
            status="pending",
            note="",
        )
        events.commit(session)
        member = session.exec(select(NetworkMember).where(NetworkMember.user_id == staff_id)).one()
        assert member.preferred_name == "Sasha Staff" and session.get(NetworkInvolvement, new_id)
        assert (
            _hook(app).portal_record_involvement(
                user_id="no-such-user",
                project_id=None,
                role="trainer",
                on=date.today(),
                hours=1,
                status="pending",
                note="",
            )
            is None
        )
        with pytest.raises(ValueError, match="unknown involvement role"):
            _hook(app).portal_record_involvement(
                user_id=staff_id,
                project_id=None,
                role="juggler",
                on=date.today(),
                hours=1,
                status="pending",
                note="",
            )
        with pytest.raises(ValueError, match="between 0 and 24"):
            _hook(app).portal_record_involvement(
                user_id=staff_id,
                project_id=None,
                role="trainer",
                on=date.today(),
                hours=25,
                status="pending",
                note="",
            )


def test_checklist_item_is_met_once_the_budget_is_set(app, client_as):
    with app.test_request_context():
        project = (
            get_session()
            .exec(select(Project).where(Project.title == "Easy Read information on direct payments"))
            .one()
        )
        [[section]] = [
            s
            for s in _hook(app).portal_checklist_sections(project=project)
            if s and s[0].key == "network_paying_people"
        ]
        assert (section.title, section.stage, section.items[0].met) == ("Paying people", "idea", False)
    lead = client_as("coproduction_lead")
    bad = post(lead, f"/network/projects/{project.id}/budget", {"fees": "-3", "expenses": "", "access": ""})
    assert bad.status_code == 400 and "Enter an amount of £0 or more" in bad.get_data(as_text=True)
    assert (
        post(
            lead, f"/network/projects/{project.id}/budget", {"fees": "500", "expenses": "100", "access": ""}
        ).status_code
        == 302
    )
    with app.test_request_context():
        project = get_session().get(Project, project.id)
        sections = [
            s
            for s in _hook(app).portal_checklist_sections(project=project)
            if s and s[0].key == "network_paying_people"
        ]
        assert sections[0][0].items[0].met is True


def test_project_panel_shows_people_and_fees_only_to_the_lead(app, client_as):
    with app.app_context():
        project = (
            get_session()
            .exec(select(Project).where(Project.title == "Recruiting our new director of care"))
            .one()
        )
    lead_page = client_as("coproduction_lead").get(f"/projects/{project.id}").get_data(as_text=True)
    assert "Network involvement" in lead_page and "Network members involved" in lead_page
    staff_page = client_as("staff@example.org").get(f"/projects/{project.id}")
    assert staff_page.status_code == 200
    assert "Network members involved" not in staff_page.get_data(as_text=True)


def test_search_finds_members_by_preferred_name_for_the_lead_only(client_as):
    lead = client_as("coproduction_lead").get("/search?q=okoro").get_data(as_text=True)
    assert "Tom Okoro" in lead and "Network members" in lead
    staff = client_as("staff@example.org").get("/search?q=okoro").get_data(as_text=True)
    assert "Tom Okoro" not in staff


def test_receipts_are_for_the_member_and_the_lead_only(app, client_as):
    lead = client_as("coproduction_lead")
    mid = member_id(app, "Maya Williams")
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    wrong = post(
        lead,
        f"/network/members/{mid}/expenses/new",
        {
            "amount": "12.40",
            "description": "Bus",
            "paid_on": boxes(date.today()),
            "receipt": (io.BytesIO(b"not a picture"), "receipt.png"),
        },
        content_type="multipart/form-data",
    )
    assert wrong.status_code == 400 and 'value="12.40"' in wrong.get_data(as_text=True)
    ok = post(
        lead,
        f"/network/members/{mid}/expenses/new",
        {
            "amount": "12.40",
            "description": "Bus",
            "paid_on": boxes(date.today()),
            "receipt": (io.BytesIO(png), "receipt.png"),
        },
        content_type="multipart/form-data",
    )
    assert ok.status_code == 302
    receipt = [p for p in payments(app, mid) if p.receipt_file_id][0].receipt_file_id
    assert lead.get(f"/files/{receipt}").status_code == 200
    assert client_as("member@example.org").get(f"/files/{receipt}").status_code == 200
    assert client_as("staff@example.org").get(f"/files/{receipt}").status_code == 403
    assert client_as("admin").get(f"/files/{receipt}").status_code == 403


def test_subject_export_and_erasure_keep_only_the_ledger(app):
    with app.test_request_context():
        session = get_session()
        person = Person(email="member@example.org", user_id=_user_id("member@example.org"))
        [export] = [
            r
            for r in _hook(app).portal_subject_export(person=person)
            if getattr(r, "section", "") == "Co-production network"
        ]
        kinds = {record["Record"] for record in export.records}
        assert {"Your details", "Groups you chose to be counted in", "Involvement", "Fee", "Expense"} <= kinds
        [report] = [
            r
            for r in _hook(app).portal_subject_erase(person=person, session=session)
            if getattr(r, "section", "") == "Co-production network"
        ]
        assert "Charities Act 2011" in report.kept[0][1]
        session.commit()
        maya = session.exec(
            select(NetworkMember).where(NetworkMember.preferred_name == "Erased member")
        ).one()
        assert maya.email is None and maya.user_id is None
        ledger = session.exec(select(NetworkPayment).where(NetworkPayment.member_id == maya.id)).all()
        assert ledger and all(p.description in ("", "expense") for p in ledger)


def test_report_suppresses_small_numbers_and_the_csv_is_safe(app, client_as):
    lead = client_as("coproduction_lead")
    year = date.today().year if date.today() >= date(date.today().year, 4, 6) else date.today().year - 1
    page = lead.get(f"/network/reports?year={year}").get_data(as_text=True)
    assert "People involved" in page and "fewer than 5" in page
    assert client_as("staff@example.org").get(f"/network/reports.csv?year={year}").status_code in (403, 404)
    with app.app_context():
        session = get_session()
        member = NetworkMember(preferred_name='=HYPERLINK("http://evil")', status="active")
        session.add(member)
        session.flush()
        session.add(
            NetworkInvolvement(
                member_id=member.id,
                role="other",
                starts_on=date.today() - timedelta(1),
                ends_on=date.today() - timedelta(1),
                hours=1,
            )
        )
        session.commit()
    csv = lead.get(f"/network/reports/involvement-{year}.csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    body = csv.get_data(as_text=True)
    assert "People involved" in body and "Disabled people" in body and "HYPERLINK" not in body
    assert safe_cell("=1+1") == "'=1+1" and safe_cell("@SUM(A1)") == "'@SUM(A1)" and safe_cell(5) == 5
    assert client_as("staff@example.org").get(f"/network/reports/involvement-{year}.csv").status_code == 403
