"""The audit log page: events filtered by actor, subject and date, each shown only to those
the writing plugin allows (``audit.view_event``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import Blueprint, render_template, request
from flask_login import current_user
from sqlalchemy import or_
from sqlmodel import col, select

from .audit import AuditEvent
from .db import get_session
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
    wording = {"from": "Enter the first day to show as year-month-day, like 2027-03-01",
               "to": "Enter the last day to show as year-month-day, like 2027-03-31"}
    errors = {name: text for name, text in wording.items()
              if args.get(name) and _parse_day(args[name]) is None}
    if start and end and end < start:
        errors["to"] = "The 'to' date must be the same as or after the 'from' date"
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


def _visible_page(query: Any, number: int) -> tuple[list[AuditEvent], bool]:
    """The events on page ``number`` among those this user may see; and whether more follow."""
    skip, visible = (number - 1) * PAGE_SIZE, []
    for event in get_session().exec(query.limit(SCAN_LIMIT)):
        if not can(current_user, "audit.view_event", event):
            continue
        if skip:
            skip -= 1
            continue
        visible.append(event)
        if len(visible) > PAGE_SIZE:
            return visible[:PAGE_SIZE], True
    return visible, False
