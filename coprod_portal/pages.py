"""Helpers every page uses: pagination, navigation, and the small-number rule for reports."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app, url_for
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import func
from sqlmodel import Session, select
from werkzeug.routing import BuildError

from .freshness import remembered, statement_key
from .i18n import _
from .i18n import local_time as local_time  # plugins find it here, beside the other page helpers
from .permissions import can

PAGE_SIZE = 50
SMALL_NUMBER = 5


@dataclass(frozen=True)
class Page:
    """One page of a list, with what the pagination macro needs."""

    items: list[Any]
    number: int
    total: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def paginate(session: Session, query: Any, number: int, size: int = PAGE_SIZE) -> Page:
    """Run ``query`` for one page; page numbers out of range give the nearest real page.

    The number of rows in all is remembered until a table the query reads is written
    (``freshness``): a list is opened far more often than it changes."""
    counting = select(func.count()).select_from(query.order_by(None).subquery())
    key = statement_key(counting)
    if key is None:
        total = int(session.exec(counting).one())
    else:
        total = int(remembered(session, ("core.page_total", *key), lambda: counting)[0])
    pages = max(1, -(-total // size))
    number = min(max(1, number), pages)
    items = list(session.exec(query.offset((number - 1) * size).limit(size)))
    return Page(items, number, total, size)


def small_number(count: int, everyone_agreed: bool = False) -> str:
    """The one rule for every report and chart: counts under 5 are shown as "fewer than 5",
    so nobody can be picked out — unless everyone counted agreed to the figure being published.
    Zero is shown as 0: it identifies nobody.
    """
    if everyone_agreed or count == 0 or count >= SMALL_NUMBER:
        return str(count)
    return _("fewer than %(number)s", number=SMALL_NUMBER)


def navigation(active_endpoint: str | None) -> list[dict[str, Any]]:
    """The main navigation for the current user: every plugin's items they may use.

    An item is marked current on its own page, and on every page of its blueprint when it
    is that blueprint's only item (so "Projects" stays current on a project's page).
    """
    host = current_app.extensions["coprod_plugins"]
    user = current_user._get_current_object()  # read once, not through the proxy for every item
    items = sorted(host.items("portal_nav_items", user=user), key=lambda i: i.order)
    items = [i for i in items if not i.permission or can(user, i.permission)]
    blueprints = [i.endpoint.rsplit(".", 1)[0] for i in items]
    links = []
    for item, blueprint in zip(items, blueprints, strict=True):
        try:
            href = url_for(item.endpoint)
        except Exception:  # a plugin naming an endpoint that does not exist: leave it out
            current_app.logger.exception("navigation item %s has no page", item.endpoint)
            continue
        active = active_endpoint == item.endpoint or (
            blueprints.count(blueprint) == 1
            and (active_endpoint or "").startswith(blueprint + ".")
            and blueprint != "core"
        )
        # a Markup label (e.g. with a visually hidden " unread") is shown as HTML, anything else escaped
        links.append({"text": item.label, "href": href, "active": active})
    return links


PLAIN_VALUE = re.compile(r"[A-Za-z0-9_-]+")
ROW_MARKER = "PORTALROWVALUE"


def url_for_each(endpoint: str, argument: str, **fixed: Any) -> Callable[[Any], str]:
    """``url_for(endpoint, **{argument: value}, **fixed)`` for every row of a list, built once.

    On a list of 50 rows, ``url_for`` per row cost about a sixth of the page: each call looks
    the rule up again and quotes every part. Here the address is built once with a marker where
    the value goes; each row's value then takes the marker's place. Only values that need no
    quoting (letters, digits, ``-`` and ``_``, like the portal's identifiers) take that short
    way; any other value, or a rule that refuses the marker (a number), goes through ``url_for``.
    In a template: ``{% set member_url = url_for_each('plugin_network.member', 'member_id') %}``
    then ``href="{{ member_url(member.id) }}"``.
    """
    values: dict[str, Any] = {argument: ROW_MARKER, **fixed}
    try:
        before, found, after = url_for(endpoint, **values).partition(ROW_MARKER)
    except BuildError:
        found = ""

    def address(value: Any) -> str:
        text = str(value)
        if found and PLAIN_VALUE.fullmatch(text):
            return before + text + after
        return url_for(endpoint, **{**values, argument: value})

    return address


def tag(text: Any, colour: str = "") -> Markup:
    """A GOV.UK tag (``macros.html``'s ``tag``): ``{{ tag(project.stage|stage_label, 'blue') }}``.

    Written here rather than as a template macro: a list shows one on every row, and calling a
    macro costs several times what this does."""
    colour_class = f" govuk-tag--{escape(colour)}" if colour else ""
    return Markup(f'<strong class="govuk-tag{colour_class}">{escape(text)}</strong>')


# --- Easy Read or standard ----------------------------------------------------------------------

READING_KEY = "coprod_reading_format"
READING_CHOICES = ("easy-read", "standard")


def wants_easy_read() -> bool:
    """Show the Easy Read version of a page that has one?

    The version the person picked with the "Easy Read version" / "Standard version" link wins,
    and is remembered for the rest of their visit, so the next page keeps it. Until they pick,
    the format they prefer decides (``notifications.preference``: their own choice, else the
    one a plugin holds, such as the format a network member asked for when they joined).
    """
    from flask import request, session

    from . import notifications
    from .db import get_session

    chosen = request.args.get("format")
    if chosen in READING_CHOICES:
        session[READING_KEY] = chosen
        return chosen == "easy-read"
    if session.get(READING_KEY) in READING_CHOICES:
        return bool(session[READING_KEY] == "easy-read")
    if not current_user.is_authenticated or getattr(current_user, "kind", "") != "staff":
        return False
    return notifications.preference(get_session(), current_user.id).format == "easy_read"


def reading_format_url(version: str) -> str:
    """This page again, in ``version`` ("easy-read" or "standard"), keeping its other arguments."""
    from flask import request

    args = {**(request.view_args or {}), **request.args.to_dict(), "format": version}
    return url_for(request.endpoint or "core.home", **args)
