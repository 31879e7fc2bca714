"""Signing in and out: local accounts, an optional trusted intranet header, and throttling.

Failed sign-ins are counted in the database (shared by every worker) per account and per
address. The messages never say whether an account exists, and a missing account costs the
same password check as a real one.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, Flask, current_app, flash, redirect, render_template, request, url_for
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from sqlalchemy import bindparam, delete, func
from sqlalchemy.orm import joinedload
from sqlmodel import Field, Session, SQLModel, col, select
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Length

from . import accounts, audit, oidc
from .accounts import Anonymous, Learner, User, UserRole
from .db import get_session, utcnow
from .forms import PortalForm, csrf_checked_by_form
from .freshness import remembered_record
from .i18n import _, _l
from .security import safe_next

bp = Blueprint("auth", __name__)
login_manager = LoginManager()


class LoginAttempt(SQLModel, table=True):
    """A failed sign-in, kept for the throttling window only."""

    __tablename__ = "core_login_attempt"
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=300, index=True)
    at: datetime = Field(default_factory=utcnow, index=True)


class SignInForm(PortalForm):
    email = EmailField(_l("Email address"), widget=GovTextInput(), validators=[
        DataRequired(_l("Enter your email address")), Length(max=254)])
    password = PasswordField(_l("Password"), widget=GovPasswordInput(), validators=[
        DataRequired(_l("Enter your password"))])
    submit = SubmitField(_l("Sign in"), widget=GovSubmitInput())


class NewPasswordForm(PortalForm):
    password = PasswordField(_l("New password"), widget=GovPasswordInput(), validators=[
        DataRequired(_l("Enter a new password"))],
        description=_l("At least 12 characters. A few ordinary words in a row make a good one."))
    confirm = PasswordField(_l("Type the new password again"), widget=GovPasswordInput(),
                            validators=[DataRequired(_l("Type the new password again"))])
    submit = SubmitField(_l("Save password"), widget=GovSubmitInput())

    def __init__(self, *args: Any, email: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.account_email = email  # a password built on it is refused

    def validate_password(self, field: Any) -> None:
        from wtforms.validators import ValidationError

        problem = accounts.password_problem(field.data or "", self.account_email)
        if problem:
            raise ValidationError(problem)

    def validate_confirm(self, field: Any) -> None:
        from wtforms.validators import ValidationError

        if field.data != self.password.data:
            raise ValidationError(_("The two passwords are different. Type the same password twice"))


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(_l("Current password"), widget=GovPasswordInput(),
                            validators=[DataRequired(_l("Enter your current password"))])


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    # kept in English and translated when flashed, in the language of the page that shows it
    login_manager.login_message = str(_l("Sign in to see that page."))
    login_manager.localize_callback = _
    login_manager.login_message_category = "info"
    login_manager.anonymous_user = Anonymous
    app.register_blueprint(bp)
    oidc.init_app(app)
    if app.config["TRUSTED_USER_HEADER"]:
        app.before_request(_sign_in_from_trusted_header)


PRINCIPAL_QUERY = select(User).options(joinedload(User.role_links)).where(  # type: ignore[arg-type]
    User.id == bindparam("user_id"))
LEARNER_QUERY = select(Learner).where(Learner.id == bindparam("learner_id"))


@login_manager.user_loader
def load_principal(principal_id: str) -> User | Learner | None:
    """``u:<id>:<token>`` for staff (a stale token means signed out), ``l:<id>`` for learners."""
    kind, _, rest = principal_id.partition(":")
    session = get_session()
    if kind == "u":
        user_id, _, token = rest.partition(":")
        # the account and its roles, in one query built once, kept until either table is written
        user = remembered_record(session, ("core.principal", user_id),
                                 lambda: PRINCIPAL_QUERY.params(user_id=user_id),
                                 also=(UserRole.__tablename__,))
        if user is None or not user.active or user.session_token != token:
            return None
        return user
    if kind == "l":  # a learner's every page in a course: kept like the staff account
        return remembered_record(session, ("core.learner", rest),
                                 lambda: LEARNER_QUERY.params(learner_id=rest))  # type: ignore[no-any-return]
    return None


def _sign_in_from_trusted_header() -> None:
    """Intranet single sign-on: the proxy has already authenticated the person."""
    email = request.headers.get(current_app.config["TRUSTED_USER_HEADER"], "").strip()
    if not email or (current_user.is_authenticated and getattr(current_user, "email", "") == email.lower()):
        return
    user = accounts.user_by_email(get_session(), email)
    if user is not None and user.active:
        login_user(user)


# --- throttling ----------------------------------------------------------------------------


def _recent_failures(session: Session, key: str, since: Any) -> int:
    query = select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.key == key, LoginAttempt.at >= since)
    return int(session.exec(query).one())


def too_many(session: Session, limits: dict[str, int]) -> bool:
    """True when any key (``"account:…"``, ``"address:…"``) has reached its limit within the
    throttling window. Password failures and sign-in link requests share this one table."""
    since = utcnow() - timedelta(minutes=current_app.config["LOGIN_LIMIT_MINUTES"])
    return any(_recent_failures(session, key, since) >= limit for key, limit in limits.items())


def note_attempts(session: Session, *keys: str) -> None:
    """Count one attempt against each key, and forget attempts older than the window."""
    for key in keys:
        session.add(LoginAttempt(key=key))
    window = timedelta(minutes=current_app.config["LOGIN_LIMIT_MINUTES"])
    session.execute(delete(LoginAttempt).where(col(LoginAttempt.at) < utcnow() - window))


def throttled(session: Session, email: str, address: str) -> bool:
    """True when this account or this address has failed too often recently."""
    cfg = current_app.config
    return too_many(session, {
        f"account:{accounts.normalise_email(email)}": cfg["LOGIN_LIMIT_PER_ACCOUNT"],
        f"address:{address}": cfg["LOGIN_LIMIT_PER_ADDRESS"]})


def note_failure(session: Session, email: str, address: str) -> None:
    note_attempts(session, f"account:{accounts.normalise_email(email)}", f"address:{address}")


# --- views ---------------------------------------------------------------------------------


@bp.route("/sign-in", methods=["GET", "POST"])
@csrf_checked_by_form
def login() -> Any:
    if current_user.is_authenticated and current_user.kind == "staff":
        return redirect(url_for("core.home"))
    form = SignInForm()
    error = None
    if form.validate_on_submit():
        error = _attempt_sign_in(form)
        if error is None:
            return redirect(safe_next(request.args.get("next")))
    form.password.data = ""
    return render_template("auth/login.html", form=form, error=error, sso=oidc.enabled(),
                           local_sign_in=current_app.config["LOCAL_SIGN_IN"],
                           links=current_app.config["SIGN_IN_LINKS"] != "off"), \
        200 if error is None else 400


def password_allowed(email: str) -> bool:
    """With local sign-in switched off, only the named break-glass administrator may use a
    password (for when the identity provider is down); everyone else signs in through it."""
    cfg = current_app.config
    return bool(cfg["LOCAL_SIGN_IN"]) or accounts.normalise_email(email) == cfg["BREAK_GLASS_EMAIL"]


def _attempt_sign_in(form: SignInForm) -> str | None:
    session = get_session()
    address = request.remote_addr or "unknown"
    if throttled(session, form.email.data, address):
        minutes = current_app.config["LOGIN_LIMIT_MINUTES"]
        return _("There have been too many attempts to sign in. Wait %(minutes)s minutes and try "
                 "again, or ask an administrator for a password reset code.", minutes=minutes)
    user = accounts.user_by_email(session, form.email.data)
    if not password_allowed(form.email.data):
        user = None  # the same answer and the same work as a wrong password: nothing is revealed
    if not accounts.check_password(user, form.password.data) or user is None or not user.active:
        note_failure(session, form.email.data, address)
        session.commit()
        return _("The email address or password is not right. Check them and try again, or ask "
                 "an administrator for a password reset code.")
    if user.sign_in_method == "link" and sign_in_links_allowed(user):
        # told only after the right password, so it reveals nothing a stranger could use
        return str(LINK_ONLY)
    complete_sign_in(session, user, "signed in")
    return None


LINK_ONLY = _l("You chose to sign in with a link sent by e-mail, so your password cannot be used "
               "here. Ask for a sign-in link below, or change your choice on How we contact you "
               "after signing in.")


def complete_sign_in(session: Session, user: User, action: str) -> None:
    """Sign ``user`` in here (a fresh session cookie) and keep it in the audit log."""
    login_user(user)
    audit.record(session, user, action, "user", user.id, user.display_name)
    session.commit()


def sign_in_links_allowed(user: User) -> bool:
    """Whether this account may sign in with a link sent by e-mail (``COPROD_SIGN_IN_LINKS``):
    network members by default, everyone when the admin allows it, nobody when off, and never
    a deactivated account."""
    setting = current_app.config["SIGN_IN_LINKS"]
    if not user.active or setting == "off":
        return False
    return setting == "everyone" or MEMBER_ROLE in user.role_names


# The role the network plugin declares for members; without that plugin nobody holds it.
MEMBER_ROLE = "network_member"


@bp.route("/sign-out", methods=["POST"])
def logout() -> Any:
    logout_user()
    at_provider = oidc.logout_response()
    if at_provider is not None:
        return at_provider
    flash(_("You have signed out."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@csrf_checked_by_form
def change_password() -> Any:
    if current_user.kind != "staff":
        return redirect(url_for("core.home"))
    form = ChangePasswordForm(email=current_user.email)
    if form.validate_on_submit():
        if not accounts.check_password(current_user, form.current.data):
            form.current.errors = [_("Your current password is not right")]
        else:
            # the account itself, not the proxy: login_user stores it as the current user
            return _save_new_password(current_user._get_current_object(), form, "changed own password")
    return render_template("auth/change_password.html", form=form)


def _save_new_password(user: User, form: NewPasswordForm, action: str) -> Any:
    session = get_session()
    accounts.set_password(user, form.password.data)
    audit.record(session, user, action, "user", user.id, user.display_name)
    session.commit()
    login_user(user)  # the session token changed: sign in again here, every other session ends
    flash(_("Your password has been saved. You are signed in; other sessions have been ended."),
          "success")
    return redirect(url_for("core.home"))


@bp.route("/reset/<token>", methods=["GET", "POST"])
@csrf_checked_by_form
def reset_password(token: str) -> Any:
    session = get_session()
    reset = accounts.find_reset(session, token)
    user = session.get(User, reset.user_id) if reset else None
    if reset is None or user is None or not user.active:
        return render_template("auth/reset_invalid.html"), 404
    form = NewPasswordForm(email=user.email)
    if form.validate_on_submit():
        reset.used_at = utcnow()
        return _save_new_password(user, form, "set password with a reset code")
    return render_template("auth/reset.html", form=form, user=user)


def purge_login_attempts() -> None:
    """Periodic job ``core.purge_login_attempts``: forget failed sign-ins older than the window.

    Sign-in failures hold email and network addresses; they are needed only while they count
    towards throttling.
    """
    session = get_session()
    window = timedelta(minutes=current_app.config["LOGIN_LIMIT_MINUTES"])
    session.execute(delete(LoginAttempt).where(col(LoginAttempt.at) < utcnow() - window))
    session.commit()
