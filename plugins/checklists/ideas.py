"""Ideas from network members and staff: anyone with an account sends one and follows its status."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlmodel import col, select

from coprod_portal import notifications
from coprod_portal.accounts import User
from coprod_portal.db import get_session, utcnow
from coprod_portal.forms import csrf_checked_by_form
from coprod_portal.i18n import _, in_english, in_language_of
from coprod_portal.pages import paginate
from coprod_portal.permissions import can, require
from coprod_portal.projects import Project

from .forms import IDEA_STATUSES, IdeaForm, IdeaStatusForm
from .models import Idea
from .views import bp, record, render


@bp.route("/ideas")
@require("checklists.submit_idea")
def ideas() -> Any:
    session = get_session()
    manager = can(current_user, "checklists.manage_ideas")
    status = request.args.get("status", "")
    query = select(Idea).order_by(col(Idea.created_at).desc())
    if not manager:
        query = query.where(Idea.submitted_by_id == current_user.id)
    if status in IDEA_STATUSES:
        query = query.where(Idea.status == status)
    page = paginate(session, query, request.args.get("page", 1, type=int))
    return render_template(
        "checklists/ideas.html", page=page, manager=manager, status=status, statuses=IDEA_STATUSES
    )


@bp.route("/ideas/new", methods=["GET", "POST"])
@require("checklists.submit_idea")
@csrf_checked_by_form
def new_idea() -> Any:
    form = IdeaForm()
    if form.validate_on_submit():
        session = get_session()
        idea = Idea(
            title=form.title.data.strip(),
            description=form.description.data.strip(),
            submitted_by_id=current_user.id,
            anonymous=bool(form.anonymous.data),
            on_behalf_of=(form.on_behalf_of.data or "").strip(),
        )
        session.add(idea)
        record("sent an idea", "checklists_idea", idea.id, idea.title)
        with in_language_of(None):  # to every lead at once: the portal's default language
            notifications.send_to_role(
                "coproduction_lead",
                _("A new idea was sent"),
                _("A new idea was sent: ‘%(title)s’. Read it and tell the sender what happens next.",
                  title=idea.title),
                link=url_for(".idea", idea_id=idea.id),
                category="checklists",
            )
        session.commit()
        flash(_("Thank you: your idea was sent. You can follow what happens to it on this page."), "success")
        return redirect(url_for(".idea", idea_id=idea.id))
    return render("checklists/idea_form.html", form)


def _idea_or_404(idea_id: str) -> Idea:
    idea = get_session().get(Idea, idea_id)
    if idea is None:
        abort(404)
    if idea.submitted_by_id != current_user.id and not can(current_user, "checklists.manage_ideas"):
        abort(403, description="checklists.manage_ideas")
    return idea


@bp.route("/ideas/<idea_id>", methods=["GET", "POST"])
@require("checklists.submit_idea")
@csrf_checked_by_form
def idea(idea_id: str) -> Any:
    idea = _idea_or_404(idea_id)
    session = get_session()
    manager = can(current_user, "checklists.manage_ideas")
    form = IdeaStatusForm(
        data={"status": idea.status, "reason": idea.status_reason, "project_id": idea.project_id or ""}
    )
    form.project_id.choices = [("", _("Choose a project"))] + [
        (p.id, p.title) for p in session.exec(select(Project).order_by(col(Project.title)))
    ]
    if request.method == "POST":
        if not manager:
            abort(403, description="checklists.manage_ideas")
        if form.validate_on_submit():
            idea.status, idea.status_reason = form.status.data, (form.reason.data or "").strip()
            idea.project_id = form.project_id.data if idea.status == "adopted" else None
            idea.updated_at = utcnow()
            session.add(idea)
            record(
                "changed an idea's status", "checklists_idea", idea.id, idea.title,
                in_english(IDEA_STATUSES[idea.status]),
            )
            if idea.submitted_by_id and idea.submitted_by_id != current_user.id:
                with in_language_of(idea.submitted_by_id):
                    notifications.send(
                        idea.submitted_by_id,
                        _("Your idea has news"),
                        _("Your idea ‘%(title)s’ is now: %(status)s.", title=idea.title,
                          status=IDEA_STATUSES[idea.status]),
                        link=url_for(".idea", idea_id=idea.id),
                        category="checklists",
                    )
            session.commit()
            flash(_("The idea's status was saved, and the person who sent it was told."), "success")
            return redirect(url_for(".idea", idea_id=idea.id))
    sender = session.get(User, idea.submitted_by_id) if idea.submitted_by_id else None
    project = session.get(Project, idea.project_id) if idea.project_id else None
    return render(
        "checklists/idea.html",
        form,
        idea=idea,
        manager=manager,
        statuses=IDEA_STATUSES,
        sender=sender,
        project=project,
        may_see_project=bool(project and can(current_user, "projects.view", project)),
    )
