"""Administration: the Plugins page, and users with their roles, line managers and resets."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovSubmitInput,
    GovTextInput,
)
from sqlalchemy import or_
from sqlmodel import select
from wtforms import EmailField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from . import accounts, audit, oidc
from .accounts import User
from .db import get_session
from .forms import PortalForm, csrf_checked_by_form
from .i18n import _, _l
from .pages import paginate
from .permissions import can, require
from .search import contains

bp = Blueprint("admin", __name__, url_prefix="/admin")


def all_roles() -> dict[str, Any]:
    """Every role users can be given: the core's and every enabled plugin's."""
    return current_app.extensions["coprod_roles"]


class UserForm(PortalForm):
    display_name = StringField(_l("Name"), widget=GovTextInput(), validators=[
        DataRequired(_l("Enter the person's name")), Length(max=200)])
    email = EmailField(_l("Email address"), widget=GovTextInput(), validators=[
        DataRequired(_l("Enter the person's email address")),
        Email(_l("Enter an email address like name@example.org")), Length(max=254)])
    roles = SelectMultipleField(_l("Roles"), widget=GovCheckboxesInput(), validators=[Optional()],
                                description=_l("Select every role this person needs."))
    line_manager = EmailField(_l("Line manager's email address (optional)"), widget=GovTextInput(),
                              validators=[Optional(), Email(_l("Enter an email address like "
                                                               "name@example.org"))])
    submit = SubmitField(_l("Save"), widget=GovSubmitInput())

    def __init__(self, *args: Any, editing: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.editing = editing
        self.roles.choices = [(name, role.label) for name, role in all_roles().items()]

    def validate_email(self, field: Any) -> None:
        other = accounts.user_by_email(get_session(), field.data)
        if other is not None and (self.editing is None or other.id != self.editing.id):
            raise ValidationError(_("Another account already uses this email address"))

    def validate_line_manager(self, field: Any) -> None:
        if not field.data:
            return
        manager = accounts.user_by_email(get_session(), field.data)
        if manager is None:
            raise ValidationError(_("There is no account with this email address"))
        if self.editing is not None and manager.id == self.editing.id:
            raise ValidationError(_("A person cannot be their own line manager"))


# Each administration area: (title, what it is for, endpoint, permission).
ADMIN_AREAS = [
    (_l("Users"), _l("Add people, give roles, set line managers, reset passwords, deactivate leavers."),
     "admin.users", "admin.users"),
    (_l("Plugins"), _l("Every plugin found, its version, status and any errors."), "admin.plugins",
     "admin.plugins"),
    (_l("Background jobs"), _l("Jobs that failed or gave up, and the schedule of periodic jobs."),
     "jobs_admin.index", "admin.jobs"),
    (_l("Subject access and erasure"),
     _l("Give a person a copy of what we hold about them, or erase it."),
     "subjects.find", "admin.subject_access"),
]


@bp.route("/")
@require("admin.index")
def index() -> Any:
    areas = [area for area in ADMIN_AREAS if can(current_user, area[3])]
    return render_template("admin/index.html", areas=areas, sign_in=oidc.status(current_app))


# --- plugins -------------------------------------------------------------------------------


@bp.route("/plugins")
@require("admin.plugins")
def plugins() -> Any:
    host = current_app.extensions["coprod_plugins"]
    rows = sorted(host.plugins.values(), key=lambda info: (info.source != "core", info.name))
    return render_template("admin/plugins.html", plugins=rows, sign_in=oidc.status(current_app))


# --- users ---------------------------------------------------------------------------------


@bp.route("/users")
@require("admin.users")
def users() -> Any:
    query_text = request.args.get("q", "").strip()
    query = select(User).order_by(User.display_name)
    if query_text:
        query = query.where(or_(contains(User.display_name, query_text), contains(User.email, query_text)))
    page = paginate(get_session(), query, request.args.get("page", 1, type=int))
    return render_template("admin/users.html", page=page, q=query_text, roles=all_roles())


@bp.route("/users/new", methods=["GET", "POST"])
@require("admin.users")
@csrf_checked_by_form
def new_user() -> Any:
    form = UserForm()
    if form.validate_on_submit():
        session = get_session()
        user = accounts.create_user(session, form.email.data, form.display_name.data, form.roles.data)
        _apply_line_manager(user, form)
        audit.record(session, current_user, "created account", "user", user.id, user.display_name,
                     detail="roles: " + ", ".join(sorted(form.roles.data)))
        session.commit()
        flash(_("Account created for %(name)s. Give them a reset code so they can choose a "
                "password.", name=user.display_name), "success")
        return redirect(url_for("admin.user", user_id=user.id))
    return render_template("admin/user_form.html", form=form, user=None)


def _user_or_404(user_id: str) -> User:
    user = get_session().get(User, user_id)
    if user is None:
        abort(404)
    return user


def _apply_line_manager(user: User, form: UserForm) -> None:
    manager = accounts.user_by_email(get_session(), form.line_manager.data or "")
    user.line_manager_id = manager.id if manager else None


@bp.route("/users/<user_id>", methods=["GET", "POST"])
@require("admin.users")
@csrf_checked_by_form
def user(user_id: str) -> Any:
    session = get_session()
    target = _user_or_404(user_id)
    manager = session.get(User, target.line_manager_id) if target.line_manager_id else None
    form = UserForm(editing=target, data={
        "display_name": target.display_name, "email": target.email,
        "roles": sorted(target.role_names), "line_manager": manager.email if manager else "",
    } if request.method == "GET" else None)
    if form.validate_on_submit():
        if target.id == current_user.id and "admin" not in form.roles.data:
            form.roles.errors = [_("You cannot take the admin role away from yourself. Ask "
                                   "another administrator to do it")]
        else:
            _save_user(target, form)
            flash(_("Changes to %(name)s saved.", name=target.display_name), "success")
            return redirect(url_for("admin.user", user_id=target.id))
    return render_template("admin/user_form.html", form=form, user=target, manager=manager)


def _save_user(target: User, form: UserForm) -> None:
    session = get_session()
    before = sorted(target.role_names)
    target.display_name = form.display_name.data.strip()
    target.email = accounts.normalise_email(form.email.data)
    accounts.set_roles(target, form.roles.data)
    _apply_line_manager(target, form)
    audit.record(session, current_user, "changed account", "user", target.id, target.display_name,
                 detail=f"roles: {', '.join(before)} -> {', '.join(sorted(form.roles.data))}")
    session.commit()


@bp.route("/users/<user_id>/reset-code", methods=["POST"])
@require("admin.users")
def reset_code(user_id: str) -> Any:
    session = get_session()
    target = _user_or_404(user_id)
    if not target.active:
        flash(_("This account is deactivated. Reactivate it before giving a reset code."), "error")
        return redirect(url_for("admin.user", user_id=target.id))
    hours = current_app.config["PASSWORD_RESET_HOURS"]
    token = accounts.issue_reset(session, target, current_user, hours)
    audit.record(session, current_user, "issued password reset code", "user", target.id,
                 target.display_name)
    session.commit()
    link = url_for("auth.reset_password", token=token, _external=True)
    return render_template("admin/reset_code.html", user=target, link=link, hours=hours)


@bp.route("/users/<user_id>/active", methods=["POST"])
@require("admin.users")
def set_active(user_id: str) -> Any:
    session = get_session()
    target = _user_or_404(user_id)
    activate = request.form.get("active") == "yes"
    if target.id == current_user.id and not activate:
        flash(_("You cannot deactivate your own account."), "error")
        return redirect(url_for("admin.user", user_id=target.id))
    (accounts.reactivate if activate else accounts.deactivate)(target)
    action = "reactivated account" if activate else "deactivated account"
    audit.record(session, current_user, action, "user", target.id, target.display_name)
    session.commit()
    if activate:
        flash(_("%(name)s's account has been reactivated.", name=target.display_name), "success")
    else:
        flash(_("%(name)s's account has been deactivated.", name=target.display_name), "success")
    return redirect(url_for("admin.user", user_id=target.id))
