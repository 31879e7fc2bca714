"""Helpers for the practice tests: write an example through the real forms."""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import select

from coprod_portal.db import get_session
from coprod_portal.projects import Project
from coprod_portal.testing import csrf_token

FIELDS = {
    "title": "Tenants chose the colours of the new day centre",
    "situation": "The day centre was being repainted and nobody had asked the people who use it.",
    "who_involved": "Eight people who use the day centre and two members of the estates team.",
    "what_was_done": "People who use the centre looked at samples over three sessions and voted.",
    "stage": "design",
    "rung": "co_design",
    "what_changed": "Calmer colours in the quiet room, and signs people can read from a wheelchair.",
    "what_was_hard": "Agreeing when people wanted different things.",
    "costs_and_payment": "A fee for each session, paid the way each person chose.",
    "contact": "estates@example.org",
    "tags": "design.presence",
    "easy_read": "People chose the colours. The quiet room is calm now.",
    "visibility": "public",
}


def post_form(client: Any, path: str, data: dict[str, Any]) -> Any:
    return client.post(path, data={**data, "csrf_token": csrf_token(client, path)})


def write_example(client: Any, **changes: Any) -> str:
    """Start an example as the client's person; return its id."""
    response = post_form(client, "/practice/new", {**FIELDS, **changes})
    assert response.status_code == 302, response.get_data(as_text=True)
    match = re.search(r"/practice/([0-9a-f]{32})$", response.location)
    assert match, response.location
    return match.group(1)


def invite(client: Any, example_id: str, email: str) -> Any:
    return post_form(client, f"/practice/{example_id}/co-authors", {"email": email})


def sign_off(client: Any, example_id: str, words: str) -> Any:
    return post_form(client, f"/practice/{example_id}/sign-off", {"words": words, "agree": "y"})


def button(client: Any, example_id: str, action: str) -> Any:
    """Press a button on the example's page (send for review, withdraw consent)."""
    return client.post(f"/practice/{example_id}/{action}",
                       data={"csrf_token": csrf_token(client, f"/practice/{example_id}")})


def review(client: Any, example_id: str, decision: str, note: str = "") -> Any:
    return post_form(client, f"/practice/{example_id}/review", {"decision": decision, "note": note})


def publish(lead: Any, example_id: str) -> None:
    assert button(lead, example_id, "submit").status_code == 302
    assert review(lead, example_id, "publish").status_code == 302


def project_id(app: Any, title: str) -> str:
    with app.app_context():
        return get_session().exec(select(Project.id).where(Project.title == title)).one()
