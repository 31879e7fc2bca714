"""Project register pages: list, start, view (with plugins' panels), edit, team, stage."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from sqlmodel import select
from wtforms import EmailField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, ValidationError

from . import accounts, audit, events
from .accounts import User
from .db import get_session, utcnow
from .forms import DayField, PortalForm, csrf_checked_by_form
from .i18n import _, _l
from .pages import paginate
from .permissions import can, ensure, require
from .projects import (
    Project,
    ProjectTeamMember,
    stage_blockers,
    stage_label,
    stage_name,
    stages,
    team_ids,
)

bp = Blueprint("projects", __name__, url_prefix="/projects")
# Stages in the reader's language, for every template (plugins' too): {{ project.stage|stage_label }}
bp.add_app_template_filter(stage_label, "stage_label")
bp.add_app_template_filter(stage_name, "stage_name")


class ProjectForm(PortalForm):
    title = StringField(_l("Project title"), widget=GovTextInput(), validators=[
        DataRequired(_l("Enter the project's title")),
        Length(max=200, message=_l("Enter a title of 200 characters or fewer"))])
    summary = TextAreaField(_l("What is the project for?"), widget=GovTextArea(), validators=[
        Length(max=4000, message=_l("Enter 4,000 characters or fewer"))])
    starts_on = DayField(_l("Start date (optional)"), description=_l("For example, 27 3 2027"))
    ends_on = DayField(_l("End date (optional)"), description=_l("For example, 31 3 2028"))
    submit = SubmitField(_l("Save project"), widget=GovSubmitInput())

    def validate_ends_on(self, field: Any) -> None:
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_("The end date must be the same as or after the start date"))


class TeamForm(PortalForm):
    email = EmailField(_l("Email address of the person to add"), widget=GovTextInput(), validators=[
        DataRequired(_l("Enter the email address of the person to add")),
        Email(_l("Enter an email address like name@example.org"))])
    submit = SubmitField(_l("Add to team"), widget=GovSubmitInput())


class StageForm(PortalForm):
    stage = RadioField(_l("Move the project to"), widget=GovRadioInput(),
                       validators=[DataRequired(_l("Select the stage to move the project to"))])
    submit = SubmitField(_l("Change stage"), widget=GovSubmitInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stage.choices = [(s, stage_label(s)) for s in stages()]


def _project_or_404(project_id: str) -> Project:
    project = get_session().get(Project, project_id)
    if project is None:
        abort(404)
    ensure("projects.view", project)
    return project


@bp.route("/")
@require("projects.view")
def list_projects() -> Any:
    stage = request.args.get("stage", "")
    # only what the list shows: rows of four columns cost a fraction of whole project records
    query = select(Project.id, Project.title, Project.stage, Project.updated_at).order_by(
        Project.updated_at.desc())  # type: ignore[attr-defined]
    if stage in stages():
        query = query.where(Project.stage == stage)
    page = paginate(get_session(), query, request.args.get("page", 1, type=int))
    return render_template("projects/list.html", page=page, stage=stage, stages=stages())


@bp.route("/new", methods=["GET", "POST"])
@require("projects.create")
@csrf_checked_by_form
def new_project() -> Any:
    form = ProjectForm()
    if form.validate_on_submit():
        session = get_session()
        project = Project(title=form.title.data.strip(), owner_id=current_user.id, stage=stages()[0])
        _fill(project, form)
        session.add(project)
        audit.record(session, current_user, "started project", "project", project.id, project.title)
        session.commit()
        flash(_("Project '%(title)s' started.", title=project.title), "success")
        return redirect(url_for("projects.view", project_id=project.id))
    return render_template("projects/form.html", form=form, project=None)


def _fill(project: Project, form: ProjectForm) -> None:
    project.title = form.title.data.strip()
    project.summary = (form.summary.data or "").strip()
    project.starts_on = form.starts_on.data
    project.ends_on = form.ends_on.data
    project.updated_at = utcnow()


@bp.route("/<project_id>")
@require("projects.view")
def view(project_id: str) -> Any:
    project = _project_or_404(project_id)
    return _render_view(project, StageForm(data={"stage": project.stage}), TeamForm(), [])


def _render_view(project: Project, stage_form: StageForm, team_form: TeamForm,
                 blockers: list[str]) -> Any:
    session = get_session()
    host = current_app.extensions["coprod_plugins"]
    panels = sorted(host.items("portal_project_panels", project=project, user=current_user),
                    key=lambda p: p.order)
    team = [session.get(User, uid) for uid in team_ids(session, project)]
    return render_template(
        "projects/view.html", project=project, owner=session.get(User, project.owner_id),
        team=[u for u in team if u], panels=panels, stage_form=stage_form, team_form=team_form,
        blockers=blockers, blocker_links=[{"text": b, "href": "#blockers"} for b in blockers],
        may_edit=can(current_user, "projects.edit", project),
        may_move=can(current_user, "projects.change_stage", project), stages=stages(),
    ), 400 if blockers or stage_form.errors or team_form.errors else 200


@bp.route("/<project_id>/edit", methods=["GET", "POST"])
@require("projects.view")
@csrf_checked_by_form
def edit(project_id: str) -> Any:
    project = _project_or_404(project_id)
    ensure("projects.edit", project)
    form = ProjectForm(obj=project)
    if form.validate_on_submit():
        _fill(project, form)
        session = get_session()
        audit.record(session, current_user, "changed project", "project", project.id, project.title)
        session.commit()
        flash(_("Project details saved."), "success")
        return redirect(url_for("projects.view", project_id=project.id))
    return render_template("projects/form.html", form=form, project=project)


@bp.route("/<project_id>/team", methods=["POST"])
@require("projects.view")
@csrf_checked_by_form
def add_team_member(project_id: str) -> Any:
    project = _project_or_404(project_id)
    ensure("projects.edit", project)
    form = TeamForm()
    session = get_session()
    if form.validate_on_submit():
        person = accounts.user_by_email(session, form.email.data)
        if person is None or not person.active:
            form.email.errors = [_("There is no active account with this email address")]
        elif person.id in team_ids(session, project) or person.id == project.owner_id:
            form.email.errors = [_("%(name)s is already on this project", name=person.display_name)]
        else:
            session.add(ProjectTeamMember(project_id=project.id, user_id=person.id))
            audit.record(session, current_user, "added to project team", "project", project.id,
                         project.title, detail=f"user {person.id}")
            session.commit()
            flash(_("%(name)s added to the team.", name=person.display_name), "success")
            return redirect(url_for("projects.view", project_id=project.id) + "#team")
    return _render_view(project, StageForm(data={"stage": project.stage}), form, [])


@bp.route("/<project_id>/team/<user_id>/remove", methods=["POST"])
@require("projects.view")
def remove_team_member(project_id: str, user_id: str) -> Any:
    project = _project_or_404(project_id)
    ensure("projects.edit", project)
    session = get_session()
    link = session.get(ProjectTeamMember, (project.id, user_id))
    if link is not None:
        session.delete(link)
        audit.record(session, current_user, "removed from project team", "project", project.id,
                     project.title, detail=f"user {user_id}")
        session.commit()
        flash(_("Removed from the team."), "success")
    return redirect(url_for("projects.view", project_id=project.id) + "#team")


@bp.route("/<project_id>/stage", methods=["POST"])
@require("projects.view")
@csrf_checked_by_form
def change_stage(project_id: str) -> Any:
    project = _project_or_404(project_id)
    ensure("projects.change_stage", project)
    form = StageForm()
    if not form.validate_on_submit():
        return _render_view(project, form, TeamForm(), [])
    to_stage = form.stage.data
    if to_stage == project.stage:
        flash(_("The project is already at the %(stage)s stage.", stage=stage_name(to_stage)), "info")
        return redirect(url_for("projects.view", project_id=project.id))
    blockers = stage_blockers(project, to_stage)
    if blockers:
        return _render_view(project, form, TeamForm(), blockers)
    _move(project, to_stage)
    flash(_("The project is now at the %(stage)s stage.", stage=stage_name(to_stage)), "success")
    return redirect(url_for("projects.view", project_id=project.id))


def _move(project: Project, to_stage: str) -> None:
    session = get_session()
    from_stage, project.stage, project.updated_at = project.stage, to_stage, utcnow()
    audit.record(session, current_user, "changed project stage", "project", project.id,
                 project.title, detail=f"{from_stage} -> {to_stage}")
    events.notify(session, "portal_project_stage_changed", project_id=project.id,
                  from_stage=from_stage, to_stage=to_stage)
    events.commit(session)
