"""Search answers: the practice examples this person may read, matched in their text."""

from __future__ import annotations

from typing import Any

from flask import url_for
from sqlalchemy import or_
from sqlmodel import col, select

from coprod_portal.db import get_session
from coprod_portal.i18n import _
from coprod_portal.permissions import can
from coprod_portal.search import MAX_RESULTS_PER_GROUP, contains, snippet
from coprod_portal.types import SearchResult

from . import access
from .models import PracticeExample

SEARCHED = ("title", "situation", "who_involved", "what_was_done", "what_changed", "what_was_hard")


def results(query: str, user: Any) -> list[SearchResult]:
    if not can(user, "practice.view"):
        return []
    session = get_session()
    found = list(session.exec(select(PracticeExample).where(
        or_(*(contains(col(getattr(PracticeExample, name)), query) for name in SEARCHED)))
        .order_by(col(PracticeExample.updated_at).desc()).limit(MAX_RESULTS_PER_GROUP)))
    rows = access.coauthors(session, (e.id for e in found))
    shown = [e for e in found if access.may_read(user, e, rows[e.id])
             and (access.consents_stand(rows[e.id]) or access.is_writer(user, e, rows[e.id]))]
    return [SearchResult(_("Practice example: %(title)s", title=e.title),
                         url_for("plugin_practice.view", example_id=e.id),
                         snippet(_matching_text(e, query), query), group=_("Practice examples"))
            for e in shown]


def _matching_text(example: PracticeExample, query: str) -> str:
    return next((getattr(example, name) for name in SEARCHED[1:]
                 if query.lower() in getattr(example, name).lower()), example.situation)
