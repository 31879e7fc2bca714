"""Shared helpers for the lived-experience tests: real forms, real database, no mocks."""

import re

from sqlmodel import select

from coprod_portal.accounts import user_by_email
from coprod_portal.db import get_session
from coprod_portal.testing import csrf_token
from plugins.lived_experience.models import LivedExperienceContribution

SECRET = "the night the crisis team came I felt like a parcel being handed on"


def contribution_ids(html):
    return re.findall(r"/lived_experience/contributions/([0-9a-f]{32})", html)


def opt_in(client):
    return client.post(
        "/lived_experience/take-part",
        data={"understood": "y", "csrf_token": csrf_token(client, "/lived_experience/")},
    )


def contribute(client, text=SECRET, visibility="lead_only", consent=True, distressing="no", **extra):
    data = {
        "narrative": text,
        "topics": "first contact",
        "distressing": distressing,
        "pseudonym": "Willow Lark",
        "visibility": visibility,
        "csrf_token": csrf_token(client, "/lived_experience/new"),
        **extra,
    }
    if consent:
        data["consent"] = "y"
    return client.post("/lived_experience/new", data=data)


def new_contribution(app, client, **kwargs):
    """Opt in, contribute, and return the new contribution's id."""
    opt_in(client)
    response = contribute(client, **kwargs)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"].split("/")[-2]


def stored(app, contribution_id):
    with app.app_context():
        return get_session().get(LivedExperienceContribution, contribution_id)


def demo_contribution_id(app):
    with app.app_context():
        session = get_session()
        staff = user_by_email(session, "staff@example.org")
        return session.exec(
            select(LivedExperienceContribution.id).where(
                LivedExperienceContribution.contributor_id == staff.id
            )
        ).first()


def review(lead, contribution_id, decision="accepted", note="", public_wording=None):
    """The co-production lead's review, through the real form."""
    path = f"/lived_experience/contributions/{contribution_id}/review"
    data = {"decision": decision, "note": note, "csrf_token": csrf_token(lead, path)}
    if public_wording is not None:
        data["public_wording"] = public_wording
    return lead.post(path, data=data)


def accept(lead, contribution_id, **kwargs):
    response = review(lead, contribution_id, **kwargs)
    assert response.status_code == 302, response.get_data(as_text=True)
