"""Evaluation: claimed and member-rated rungs side by side; "you said, we did"; ideas."""

from sqlmodel import select

from coprod_portal import accounts
from coprod_portal.db import get_session
from coprod_portal.notifications import Notification
from coprod_portal.testing import csrf_token

from .helpers import project


def _user_id(app, email):
    with app.app_context():
        return accounts.user_by_email(get_session(), email).id


def test_only_members_involved_rate_and_ratings_are_never_merged_with_claims(app, client_as):
    target = project(app, "Redesign of the carers' assessment")
    rate = f"/checklists/projects/{target.id}/rate"
    member = client_as("hr@example.org")  # stands in for a network member: not staff on the project
    response = member.get(rate)
    assert response.status_code == 403 and "Only people involved can rate this project" in response.get_data(
        as_text=True
    )
    admin = client_as("admin@example.org")
    assert admin.get(rate).status_code == 403  # even an admin, when not involved

    app.config["PARTNER"]["involved"] = {_user_id(app, "hr@example.org")}
    response = member.post(
        rate, data={"rung": "", "comment": "It felt good", "csrf_token": csrf_token(member, rate)}
    )
    assert response.status_code == 400 and "Select a rung" in response.get_data(as_text=True)
    assert "It felt good" in response.get_data(as_text=True)
    assert (
        member.post(
            rate, data={"rung": "consultation", "comment": "", "csrf_token": csrf_token(member, rate)}
        ).status_code
        == 302
    )

    lead = client_as("lead@example.org")
    claim = f"/checklists/projects/{target.id}/evaluation/claim"
    assert (
        lead.post(
            claim, data={"rung": "co_production", "comment": "", "csrf_token": csrf_token(lead, claim)}
        ).status_code
        == 302
    )
    page = lead.get(f"/checklists/projects/{target.id}/evaluation").get_data(as_text=True)
    claimed, rated = page.split("Claimed by staff")[1].split("Rated by members involved")
    assert "Co-production" in claimed and "Consultation" not in claimed
    assert "Consultation: fewer than 5" in rated and "Co-production" not in rated.split("</dd>")[0]


def test_you_said_we_did_is_published_to_the_network(app, client_as):
    target = project(app, "Redesign of the carers' assessment")
    lead = client_as("lead@example.org")
    path = f"/checklists/projects/{target.id}/you-said-we-did/new"
    response = lead.post(
        path,
        data={
            "you_said": "Meetings are too early",
            "changed": "no",
            "we_did": "",
            "csrf_token": csrf_token(lead, path),
        },
    )
    assert response.status_code == 400 and "Enter what we did, or why we could not" in response.get_data(
        as_text=True
    )
    assert "Meetings are too early" in response.get_data(as_text=True)
    assert (
        lead.post(
            path,
            data={
                "you_said": "Meetings are too early",
                "changed": "no",
                "publish": "y",
                "we_did": "The venue is only free in the mornings; we now pay for taxis",
                "csrf_token": csrf_token(lead, path),
            },
        ).status_code
        == 302
    )
    page = client_as("hr@example.org").get("/checklists/you-said-we-did").get_data(as_text=True)
    assert "Meetings are too early" in page and "We could not, because" in page
    manager = client_as("manager@example.org")
    assert manager.get(path).status_code == 403  # not on the project


def test_ideas_are_sent_followed_and_answered_with_reasons(app, client_as):
    staff = client_as("manager@example.org")
    response = staff.post(
        "/checklists/ideas/new",
        data={
            "title": "",
            "description": "Longer opening hours",
            "csrf_token": csrf_token(staff, "/checklists/ideas/new"),
        },
    )
    assert response.status_code == 400 and "Enter your idea in a few words" in response.get_data(as_text=True)
    assert "Longer opening hours" in response.get_data(as_text=True)
    response = staff.post(
        "/checklists/ideas/new",
        data={
            "title": "Saturday opening",
            "description": "Longer opening hours",
            "anonymous": "y",
            "csrf_token": csrf_token(staff, "/checklists/ideas/new"),
        },
    )
    assert response.status_code == 302
    idea_path = response.headers["Location"]
    assert "Saturday opening" in staff.get("/checklists/ideas").get_data(as_text=True)
    other = client_as("hr@example.org")
    assert other.get(idea_path).status_code == 403
    assert "Saturday opening" not in other.get("/checklists/ideas").get_data(as_text=True)

    lead = client_as("lead@example.org")
    page = lead.get(idea_path).get_data(as_text=True)
    assert "Someone who chose not to give their name" in page and "Morgan" not in page
    response = lead.post(
        idea_path,
        data={
            "status": "not_taken_forward",
            "reason": "",
            "project_id": "",
            "csrf_token": csrf_token(lead, idea_path),
        },
    )
    assert response.status_code == 400 and "Explain why the idea is not taken forward" in response.get_data(
        as_text=True
    )
    response = lead.post(
        idea_path,
        data={"status": "adopted", "reason": "", "project_id": "", "csrf_token": csrf_token(lead, idea_path)},
    )
    assert response.status_code == 400 and "Choose the project the idea became" in response.get_data(
        as_text=True
    )
    target = project(app, "Redesign of the carers' assessment")
    assert (
        lead.post(
            idea_path,
            data={
                "status": "adopted",
                "reason": "Part of the redesign",
                "project_id": target.id,
                "csrf_token": csrf_token(lead, idea_path),
            },
        ).status_code
        == 302
    )
    page = staff.get(idea_path).get_data(as_text=True)
    assert "Adopted as a project" in page and "Redesign of the carers" in page
    assert (
        staff.post(
            idea_path,
            data={
                "status": "received",
                "reason": "",
                "project_id": "",
                "csrf_token": csrf_token(staff, idea_path),
            },
        ).status_code
        == 403
    )
    with app.app_context():
        notes = (
            get_session()
            .exec(select(Notification).where(Notification.user_id == _user_id(app, "manager@example.org")))
            .all()
        )
        assert any("Saturday opening" in n.body and "Adopted" in n.body for n in notes)
