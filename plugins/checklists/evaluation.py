"""Evaluation: planned, claimed and member-rated rungs (never merged), and "you said, we did"."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import delete
from sqlmodel import Session, col, select

from coprod_portal.accounts import User
from coprod_portal.db import get_session, utcnow
from coprod_portal.forms import csrf_checked_by_form
from coprod_portal.i18n import _, in_english
from coprod_portal.pages import paginate, small_number
from coprod_portal.permissions import can, ensure, require
from coprod_portal.projects import Project

from . import checklist as cl
from .forms import FeedbackForm, RungForm
from .models import Feedback, ProjectPerson, RungRecord
from .views import bp, project_or_404, record, render


def project_people(project: Project) -> set[str]:
    """Members involved in the project, as the plugins that know them say (the network plugin)."""
    host = current_app.extensions["coprod_plugins"]
    return {str(uid) for uid in host.items("portal_project_people", project=project) if uid}


def refresh_people(session: Session, project: Project) -> set[str]:
    """Store who is involved in ``project`` now, for members' list of projects to rate."""
    now = project_people(project)
    known = set(session.exec(select(ProjectPerson.user_id).where(ProjectPerson.project_id == project.id)))
    gone = known - now
    if gone:
        session.execute(
            delete(ProjectPerson).where(
                col(ProjectPerson.project_id) == project.id, col(ProjectPerson.user_id).in_(gone)
            )
        )
    users = set(session.exec(select(User.id).where(col(User.id).in_(now - known)))) if now - known else set()
    for user_id in sorted(users):
        session.add(ProjectPerson(project_id=project.id, user_id=user_id))
    return now


def involvement_recorded(project_id: str | None) -> None:
    if not project_id:
        return
    session = get_session()
    project = session.get(Project, project_id)
    if project is not None:
        refresh_people(session, project)
        session.commit()


@bp.route("/rate")
@require("checklists.rate_rung")
def my_projects() -> Any:
    """The projects the signed-in member took part in, to rate how involved they were."""
    session = get_session()
    query = (
        select(Project)
        .join(ProjectPerson, col(ProjectPerson.project_id) == col(Project.id))
        .where(ProjectPerson.user_id == current_user.id)
        .order_by(col(Project.title), col(Project.id))
    )
    page = paginate(session, query, request.args.get("page", 1, type=int))
    ids = [p.id for p in page.items]
    mine: dict[str, str] = {}
    if ids:
        for record_ in session.exec(
            select(RungRecord)
            .where(
                col(RungRecord.project_id).in_(ids),
                RungRecord.by_id == current_user.id,
                RungRecord.kind == "rated",
            )
            .order_by(col(RungRecord.recorded_at))
        ):
            mine[record_.project_id] = record_.rung  # the latest wins
    return render_template("checklists/my_projects.html", page=page, mine=mine, rungs=cl.RUNGS)


@bp.route("/projects/<project_id>/evaluation")
@require("checklists.view")
def evaluation(project_id: str) -> Any:
    project = project_or_404(project_id)
    session = get_session()
    checklist = cl.load(session, project)
    session.commit()
    rungs = session.exec(
        select(RungRecord)
        .where(RungRecord.project_id == project.id)
        .order_by(col(RungRecord.recorded_at).desc())
    ).all()
    claimed = [r for r in rungs if r.kind == "claimed"]
    rated = [r for r in rungs if r.kind == "rated"]
    ratings = {key: sum(1 for r in rated if r.rung == key) for key in cl.RUNGS}
    feedback = session.exec(
        select(Feedback).where(Feedback.project_id == project.id).order_by(col(Feedback.created_at).desc())
    ).all()
    names = (
        {
            u.id: u.display_name
            for u in session.exec(select(User).where(col(User.id).in_({r.by_id for r in claimed if r.by_id})))
        }
        if claimed
        else {}
    )
    return render_template(
        "checklists/evaluation.html",
        project=project,
        checklist=checklist,
        claimed=claimed,
        rated_count=len(rated),
        ratings={k: small_number(v) if v else "" for k, v in ratings.items()},
        feedback=feedback,
        names=names,
        rungs=cl.RUNGS,
        may_claim=can(current_user, "checklists.answer", project),
        may_rate=can(current_user, "checklists.rate_rung", project),
    )


@bp.route("/projects/<project_id>/evaluation/claim", methods=["GET", "POST"])
@require("checklists.view")
@csrf_checked_by_form
def claim_rung(project_id: str) -> Any:
    project = project_or_404(project_id)
    ensure("checklists.answer", project)
    form = RungForm()
    if form.validate_on_submit():
        _save_rung(project, "claimed", form)
        flash(
            _("The rung we claim was recorded. Members' own ratings are shown beside it, never merged."),
            "success",
        )
        return redirect(url_for(".evaluation", project_id=project.id))
    return render("checklists/rung_form.html", form, project=project, kind="claimed", gist=cl.RUNG_GIST)


@bp.route("/projects/<project_id>/rate", methods=["GET", "POST"])
@require("checklists.rate_rung")
@csrf_checked_by_form
def rate_rung(project_id: str) -> Any:
    """A member involved in the project rates the rung they experienced."""
    session = get_session()
    project = session.get(Project, project_id)
    if project is None:
        abort(404)
    if not can(current_user, "checklists.rate_rung", project):
        refresh_people(session, project)  # the list of projects to rate should not offer it again
        session.commit()
        return render_template("checklists/not_involved.html", project=project), 403
    form = RungForm()
    if form.validate_on_submit():
        _save_rung(project, "rated", form)
        flash(_("Thank you. Your rating was recorded. It is shown beside the staff's, never merged."),
              "success")
        return redirect(url_for(".rate_rung", project_id=project.id))
    mine = session.exec(
        select(RungRecord)
        .where(
            RungRecord.project_id == project.id,
            RungRecord.kind == "rated",
            RungRecord.by_id == current_user.id,
        )
        .order_by(col(RungRecord.recorded_at).desc())
    ).first()
    return render(
        "checklists/rung_form.html", form, project=project, kind="rated", gist=cl.RUNG_GIST, mine=mine
    )


def _save_rung(project: Project, kind: str, form: RungForm) -> None:
    session = get_session()
    rung = RungRecord(
        project_id=project.id,
        kind=kind,
        rung=form.rung.data,
        comment=(form.comment.data or "").strip(),
        by_id=current_user.id,
        recorded_at=utcnow(),
    )
    session.add(rung)
    record(
        f"{'claimed' if kind == 'claimed' else 'rated'} a rung of the ladder",
        "project",
        project.id,
        project.title,
        in_english(cl.RUNGS[rung.rung]),  # the audit log is stored, in one language
    )
    session.commit()


@bp.route("/projects/<project_id>/you-said-we-did/new", methods=["GET", "POST"])
@require("checklists.view")
@csrf_checked_by_form
def new_feedback(project_id: str) -> Any:
    project = project_or_404(project_id)
    ensure("checklists.answer", project)
    form = FeedbackForm()
    if form.validate_on_submit():
        session = get_session()
        entry = Feedback(
            project_id=project.id,
            you_said=form.you_said.data.strip(),
            we_did=form.we_did.data.strip(),
            changed=form.changed.data == "yes",
            published=bool(form.publish.data),
            created_by_id=current_user.id,
        )
        session.add(entry)
        record(
            "added a ‘you said, we did’ entry",
            "project",
            project.id,
            project.title,
            "published" if entry.published else "not published yet",
        )
        session.commit()
        flash(
            _("The entry was saved and published to the network.") if entry.published
            else _("The entry was saved."), "success"
        )
        return redirect(url_for(".evaluation", project_id=project.id))
    return render("checklists/feedback_form.html", form, project=project)


@bp.route("/projects/<project_id>/you-said-we-did/<entry_id>/publish", methods=["POST"])
@require("checklists.view")
def publish_feedback(project_id: str, entry_id: str) -> Any:
    project = project_or_404(project_id)
    ensure("checklists.answer", project)
    session = get_session()
    entry = session.get(Feedback, entry_id)
    if entry is None or entry.project_id != project.id:
        abort(404)
    entry.published = not entry.published
    session.add(entry)
    record(
        "published a ‘you said, we did’ entry" if entry.published else "withdrew a ‘you said, we did’ entry",
        "project",
        project.id,
        project.title,
    )
    session.commit()
    flash(_("Published to the network.") if entry.published else _("No longer published."), "success")
    return redirect(url_for(".evaluation", project_id=project.id))


@bp.route("/you-said-we-did")
@require("checklists.see_feedback")
def you_said_we_did() -> Any:
    session = get_session()
    query = (
        select(Feedback, Project)
        .join(Project, col(Project.id) == col(Feedback.project_id))
        .where(col(Feedback.published))
        .order_by(col(Feedback.created_at).desc())
    )
    page = paginate(session, query, request.args.get("page", 1, type=int))
    return render_template("checklists/you_said_we_did.html", page=page)
