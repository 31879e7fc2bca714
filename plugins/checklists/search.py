"""Search answers: ideas the person may see, and checklist answers of projects they may view."""

from __future__ import annotations

from typing import Any

from flask import url_for
from sqlalchemy import or_
from sqlmodel import col, select

from coprod_portal.db import get_session
from coprod_portal.i18n import _
from coprod_portal.permissions import can
from coprod_portal.projects import Project
from coprod_portal.search import MAX_RESULTS_PER_GROUP, contains, snippet
from coprod_portal.types import SearchResult

from .models import Answer, Idea


def results(query: str, user: Any) -> list[SearchResult]:
    session = get_session()
    found: list[SearchResult] = []
    if can(user, "checklists.submit_idea"):
        ideas = select(Idea).where(
            or_(contains(col(Idea.title), query), contains(col(Idea.description), query))
        )
        if not can(user, "checklists.manage_ideas"):
            ideas = ideas.where(Idea.submitted_by_id == getattr(user, "id", None))
        for idea in session.exec(ideas.order_by(col(Idea.created_at).desc()).limit(MAX_RESULTS_PER_GROUP)):
            found.append(
                SearchResult(
                    _("Idea: %(title)s", title=idea.title),
                    url_for("plugin_checklists.idea", idea_id=idea.id),
                    snippet(idea.description, query),
                    group=_("Ideas"),
                )
            )
    if can(user, "checklists.view"):
        answers = session.exec(
            select(Answer, Project)
            .join(Project, col(Project.id) == col(Answer.project_id))
            .where(or_(contains(col(Answer.notes), query), contains(col(Answer.reason), query)))
            .limit(MAX_RESULTS_PER_GROUP)
        ).all()
        for answer, project in answers:
            if not can(user, "projects.view", project):
                continue
            text = answer.notes if query.lower() in answer.notes.lower() else answer.reason
            found.append(
                SearchResult(
                    _("Checklist of %(project)s", project=project.title),
                    url_for("plugin_checklists.project_checklist", project_id=project.id),
                    snippet(text, query),
                    group=_("Co-production checklists"),
                )
            )
    return found[:MAX_RESULTS_PER_GROUP]
