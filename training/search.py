"""Search answers: published modules and their lessons, for people who may take the course."""

from __future__ import annotations

from typing import Any

from flask import url_for

from coprod_portal.db import get_session
from coprod_portal.i18n import _
from coprod_portal.permissions import can
from coprod_portal.search import MAX_RESULTS_PER_GROUP, matches, snippet
from coprod_portal.types import SearchResult

from . import course


def results(query: str, user: Any) -> list[SearchResult]:
    """Modules whose title or summary match first, then lessons whose title or text match.

    The course is a handful of modules, so matching is done in Python on the published content
    (which is JSON in one column), literally, with ``search.matches``.
    """
    if not can(user, "training.take"):
        return []
    found: list[SearchResult] = []
    lessons: list[SearchResult] = []
    group = _("Training modules")
    for published in course.all_published(get_session()):
        title, summary = published.content["title"], published.content.get("summary", "")
        key = published.module.key
        if matches(title, query) or matches(summary, query):
            found.append(
                SearchResult(
                    title, url_for("plugin_training.module", key=key), snippet(summary, query), group
                )
            )
        for lesson in published.lessons:
            text = lesson.get("body", "")
            if (
                matches(lesson["title"], query)
                or matches(text, query)
                or matches(lesson.get("easy_read"), query)
            ):
                lessons.append(
                    SearchResult(
                        _("%(lesson)s (%(module)s)", lesson=lesson["title"], module=title),
                        url_for("plugin_training.lesson", key=key, lesson_key=lesson["key"]),
                        snippet(text if matches(text, query) else lesson.get("easy_read", ""), query),
                        group,
                    )
                )
    return (found + lessons)[:MAX_RESULTS_PER_GROUP]
