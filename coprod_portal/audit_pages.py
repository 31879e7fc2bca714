"""The audit log page: events filtered by actor, subject and date, each shown only to those
the writing plugin allows (``audit.view_event``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import Blueprint, render_template, request
from flask_login import current_user
from sqlalchemy import or_
from sqlmodel import col, select

from .audit import AuditEvent
from .db import get_session
from .i18n import _
from .pages import PAGE_SIZE
from .permissions import can, require
from .search import contains

bp = Blueprint("audit", __name__, url_prefix="/audit")
SCAN_LIMIT = 5000  # rows looked at for one page; narrow the filters to reach older events


def _parse_day(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


@bp.route("/")
@require("audit.view")
def log() -> Any:
    args = request.args
    actor, subject = args.get("actor", "").strip(), args.get("subject", "").strip()
    start, end = _parse_day(args.get("from", "")), _parse_day(args.get("to", ""))
    wording = {"from": _("Enter the first day to show as year-month-day, like 2027-03-01"),
               "to": _("Enter the last day to show as year-month-day, like 2027-03-31")}
    errors = {name: text for name, text in wording.items()
              if args.get(name) and _parse_day(args[name]) is None}
    if start and end and end < start:
        errors["to"] = _("The 'to' date must be the same as or after the 'from' date")
    query = select(AuditEvent).order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
    if actor:
        query = query.where(contains(AuditEvent.actor_label, actor))
    if subject:
        query = query.where(or_(col(AuditEvent.subject_id) == subject,
                                contains(AuditEvent.subject_label, subject)))
    if start:
        query = query.where(AuditEvent.at >= datetime.combine(start, time(), UTC))
    if end:
        query = query.where(AuditEvent.at < datetime.combine(end + timedelta(days=1), time(), UTC))
    number = max(1, args.get("page", 1, type=int))
    rows, more = _visible_page(query, number)
    error_list = [{"text": text, "href": f"#{name}"} for name, text in errors.items()]
    return render_template("audit/log.html", rows=rows, more=more, number=number, errors=errors,
                           error_list=error_list,
                           filters={"actor": actor, "subject": subject,
                                    "from": args.get("from", ""), "to": args.get("to", "")})


@dataclass(frozen=True)
class EventSubject:
    """What a plugin's ``audit.view_event`` vote may look at: the event's plugin and subject."""

    id: int
    plugin: str
    subject_type: str
    subject_id: str


def _visible_page(query: Any, number: int) -> tuple[list[AuditEvent], bool]:
    """The events on page ``number`` among those this user may see; and whether more follow.

    The scan reads only each event's id, plugin and subject, and decides each subject once: a
    plugin's vote depends on nothing else (see ``portal_permission_allowed``). Only the page's
    own events are then loaded whole, so hidden events cost a narrow row each, not a record.
    """
    session, user = get_session(), current_user._get_current_object()  # type: ignore[attr-defined]
    skip, wanted = (number - 1) * PAGE_SIZE, []
    decided: dict[tuple[Any, ...], bool] = {}
    keys = query.with_only_columns(
        col(AuditEvent.id), col(AuditEvent.plugin), col(AuditEvent.subject_type), col(AuditEvent.subject_id))
    rows: Any = session.execute(keys.limit(SCAN_LIMIT))
    for event_id, plugin, subject_type, subject_id in rows:
        subject = (plugin, subject_type, subject_id)
        if subject not in decided:
            about = EventSubject(event_id, plugin, subject_type, subject_id)
            decided[subject] = can(user, "audit.view_event", about)
        if not decided[subject]:
            continue
        if skip:
            skip -= 1
            continue
        wanted.append(event_id)
        if len(wanted) > PAGE_SIZE:
            break
    page = wanted[:PAGE_SIZE]
    events = session.exec(select(AuditEvent).where(col(AuditEvent.id).in_(page)))
    found: dict[Any, AuditEvent] = {event.id: event for event in events}
    return [found[event_id] for event_id in page], len(wanted) > PAGE_SIZE
