"""One search page for the whole portal: the core and every plugin answer ``portal_search``.

Each answer holds only what that person may see; the page groups the results under
headings, shows the first few of each group and pages through the rest. Plugins build
their conditions with :func:`contains`, which searches for the words exactly as typed
(``%`` and ``_`` are not wildcards), or compare in Python with :func:`matches`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Flask, current_app, render_template, request, url_for
from flask_login import current_user
from govuk_frontend_wtf.wtforms_widgets import GovTextInput
from sqlalchemy import or_
from wtforms import StringField
from wtforms.validators import ValidationError

from .db import get_session
from .forms import PortalForm
from .i18n import _, _l, ngettext
from .pages import Page
from .permissions import can, require
from .types import SearchResult

MIN_QUERY = 2
MAX_QUERY = 200
PREVIEW = 10  # results of each group on the first page
PAGE_SIZE = 20  # results on a group's own pages
MAX_RESULTS_PER_GROUP = 200
SNIPPET = 160
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

bp = Blueprint("search", __name__)


# --- helpers for plugins -----------------------------------------------------------------------


def escape_like(text: str) -> str:
    """``text`` with the LIKE wildcards escaped (use with ``escape="\\\\"``)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contains(column: Any, query: str) -> Any:
    """A case-insensitive SQL condition: ``column`` contains ``query`` literally."""
    return column.ilike(f"%{escape_like(query)}%", escape="\\")


def matches(text: str | None, query: str) -> bool:
    """The same test in Python, for records a plugin filters itself."""
    return query.casefold() in (text or "").casefold()


def snippet(text: str | None, query: str, width: int = SNIPPET) -> str:
    """A short piece of ``text`` around the first match, for a result's summary."""
    text = " ".join((text or "").split())
    if len(text) <= width:
        return text
    at = text.casefold().find(query.casefold())
    start = max(0, min(at - width // 3, len(text) - width)) if at > 0 else 0
    piece = text[start:start + width].strip()
    return ("…" if start > 0 else "") + piece + ("…" if start + width < len(text) else "")


# --- collecting answers ---------------------------------------------------------------------------


@dataclass
class Group:
    """The results under one heading."""

    label: str
    results: list[SearchResult] = field(default_factory=list)
    truncated: bool = False

    @property
    def key(self) -> str:
        return self.label


def _safe_url(url: Any) -> bool:
    return isinstance(url, str) and url.startswith("/") and not url.startswith(("//", "/\\"))


def _plugin_label(plugin: str) -> str:
    return plugin.replace("_", " ").capitalize()


def run(query: str, user: Any) -> list[Group]:
    """Ask the core and every plugin; the core's groups come first, then each plugin's by name."""
    host = current_app.extensions["coprod_plugins"]
    groups: dict[str, Group] = {}
    answers = host.call("portal_search", query=query, user=user)
    for plugin, answer in sorted(answers, key=lambda pair: (pair[0] != "core", pair[0])):
        items = answer if isinstance(answer, list | tuple) else [answer]
        dropped = 0
        for item in items:
            if not isinstance(item, SearchResult) or not _safe_url(item.url) or not item.title:
                dropped += 1
                continue
            label = item.group.strip() or _plugin_label(plugin)
            group = groups.setdefault(label, Group(label))
            if len(group.results) >= MAX_RESULTS_PER_GROUP:
                group.truncated = True
                continue
            group.results.append(item)
        if dropped:
            host.hook_failed(plugin, "portal_search", ValueError(
                f"{dropped} result(s) were not SearchResult items with a title and a portal path "
                "as url, and were left out"))
    return list(groups.values())


def core_results(query: str, user: Any) -> list[SearchResult]:
    """The core's own answer: projects the person may view; people, for those who manage users."""
    from sqlmodel import select

    from .accounts import User
    from .projects import Project

    if getattr(user, "kind", "") != "staff":
        return []
    session = get_session()
    results: list[SearchResult] = []
    if can(user, "projects.view"):
        found = session.exec(select(Project).where(or_(
            contains(Project.title, query), contains(Project.summary, query)
        )).order_by(Project.title).limit(MAX_RESULTS_PER_GROUP * 2))
        visible = [p for p in found if can(user, "projects.view", p)]
        visible.sort(key=lambda p: not matches(p.title, query))  # title matches first
        results += [SearchResult(p.title, url_for("projects.view", project_id=p.id),
                                 snippet(p.summary, query), _("Projects"))
                    for p in visible[:MAX_RESULTS_PER_GROUP]]
    if can(user, "admin.users"):
        people = session.exec(select(User).where(or_(
            contains(User.display_name, query), contains(User.email, query)
        )).order_by(User.display_name).limit(MAX_RESULTS_PER_GROUP))
        results += [SearchResult(u.display_name, url_for("admin.user", user_id=u.id),
                                 u.email if u.active else _("%(email)s (deactivated)", email=u.email),
                                 _("People"))
                    for u in people]
    return results


# --- the page ----------------------------------------------------------------------------------


class SearchForm(PortalForm):
    """The search box. It is sent with GET, so it has no CSRF token."""

    class Meta:
        csrf = False

    q = StringField(_l("Search the portal"), widget=GovTextInput(),
                    description=_l("For example, part of a project's title"))

    def validate_q(self, field: Any) -> None:
        text = clean_query(field.data)
        if not text:
            raise ValidationError(_("Enter a word or phrase to search for"))
        if len(text) < MIN_QUERY:
            raise ValidationError(_("Enter at least %(number)s characters to search for",
                                    number=MIN_QUERY))
        if len(text) > MAX_QUERY:
            raise ValidationError(_("Enter %(most)s characters or fewer. Your search has %(length)s "
                                    "characters", most=MAX_QUERY, length=len(text)))


def clean_query(raw: str | None) -> str:
    """Control characters become spaces; runs of spaces become one; ends are trimmed."""
    return " ".join(_CONTROL.sub(" ", raw or "").split())


@bp.route("/search")
@require("search.use")
def search() -> Any:
    asked = "q" in request.args
    form = SearchForm(formdata=request.args if asked else None)
    if not asked or not form.validate():
        return render_template("search/search.html", form=form, query="", groups=[], group=None,
                               page=None, total=0), 400 if form.errors else 200
    query = clean_query(form.q.data)
    groups = run(query, current_user)
    total = sum(len(g.results) for g in groups)
    chosen = next((g for g in groups if g.key == request.args.get("group")), None)
    page = None
    if chosen is not None:
        pages = max(1, -(-len(chosen.results) // PAGE_SIZE))
        number = min(max(1, request.args.get("page", 1, type=int) or 1), pages)
        start = (number - 1) * PAGE_SIZE
        page = Page(chosen.results[start:start + PAGE_SIZE], number, len(chosen.results), PAGE_SIZE)
    return render_template("search/search.html", form=form, query=query, groups=groups,
                           group=chosen, page=page, total=total, preview=PREVIEW)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.template_filter("results")
    def results(count: int) -> str:
        return ngettext("%(num)d result", "%(num)d results", count)
