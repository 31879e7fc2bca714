"""A test plugin that uses the shared services the way a real plugin would: it declares jobs
and a schedule, queues work, and notifies people through ``coprod_portal.notifications``.

Its jobs leave audit events behind (``plugin="chores"``), so tests can see what ran.
"""

from flask import Blueprint, current_app, redirect
from sqlmodel import select

from coprod_portal import audit, jobs, notifications
from coprod_portal.audit import AuditEvent
from coprod_portal.db import get_session
from coprod_portal.hookspecs import hookimpl
from coprod_portal.permissions import require
from coprod_portal.types import Job, PeriodicJob

bp = Blueprint("plugin_chores", __name__, url_prefix="/chores")


def _note(action, subject_id="", detail=""):
    session = get_session()
    audit.record(session, None, action, "chore", subject_id, plugin="chores", detail=detail)
    session.commit()


def tidy(room_id, times=1):
    _note("tidied", room_id, f"times={times}")


def cupboard(room_id):
    """Fails until a test opens the cupboard (``app.config["CHORES_CUPBOARD_OPEN"] = True``)."""
    if not current_app.config.get("CHORES_CUPBOARD_OPEN"):
        raise RuntimeError("The cupboard is locked; ask facilities for the key")
    _note("tidied", room_id, "from the cupboard")


def fails_once(room_id):
    """Fails on its first attempt, works on the next: counts its attempts in the audit log."""
    session = get_session()
    tries = session.exec(select(AuditEvent).where(
        AuditEvent.action == "chore attempt", AuditEvent.subject_id == room_id)).all()
    _note("chore attempt", room_id)
    if not tries:
        raise ConnectionError("The chores service did not answer")
    _note("tidied", room_id, "after a retry")


def nightly():
    _note("nightly round")


def ask_for_check_in(person_id):
    """What a lived-experience plugin does when someone asks for a wellbeing check-in."""
    notifications.send_to_role(
        "safeguarding_lead", "Wellbeing check-in requested",
        "A member of staff asked for a wellbeing check-in after sharing their story about "
        "their mental health. Contact them today.", link="/chores/", category="safeguarding")
    get_session().commit()


@bp.route("/")
@require("core.view_home")
def index():
    return "Chores"


@bp.route("/tidy/<room_id>", methods=["POST"])
@require("core.view_home")
def queue_tidy(room_id):
    """Queues a job only if the request's work commits."""
    session = get_session()
    audit.record(session, None, "asked for tidying", "chore", room_id, plugin="chores")
    jobs.enqueue_after_commit(session, "chores.tidy", room_id=room_id, times=2)
    session.commit()
    return redirect("/chores/")


@hookimpl
def portal_blueprints(app):
    return bp


@hookimpl
def portal_jobs():
    return [
        Job("chores.tidy", tidy, description="Tidies a room."),
        Job("chores.cupboard", cupboard, retries=2, retry_delay_seconds=60,
            description="Needs the cupboard open."),
        Job("chores.supplier", cupboard, retries=4, retry_delay_seconds=1000),
        Job("chores.fails_once", fails_once, retries=3, retry_delay_seconds=1),
        Job("chores.fails_once_slowly", fails_once, retries=3, retry_delay_seconds=4,
            description="Fails once, then waits long enough to stop a worker before it retries."),
        Job("chores.ask_for_check_in", ask_for_check_in, retries=0),
    ]


@hookimpl
def portal_periodic_jobs():
    return PeriodicJob("chores.nightly", nightly, cron="0 2 * * *", description="The nightly round.")
