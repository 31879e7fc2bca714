"""LMS registrations: the admin page and ``flask --app wsgi lti register``."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import click
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextArea, GovTextInput
from sqlmodel import Session, select
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from coprod_portal import audit
from coprod_portal.db import get_session
from coprod_portal.forms import PortalForm, csrf_checked_by_form
from coprod_portal.permissions import require

from . import keys
from .course import PLUGIN
from .models import TrainingPlatform
from .views import bp

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def url_problem(value: str) -> str | None:
    """Platform addresses must be https (plain http only for this machine, for testing)."""
    parts = urlparse(value.strip())
    if parts.scheme not in {"https", "http"} or not parts.netloc:
        return "Enter a full web address starting with https://"
    if parts.scheme == "http" and parts.hostname not in LOOPBACK:
        return "The address must start with https:// so the connection is encrypted"
    return None


def _url(form: Any, field: Any) -> None:
    if field.data and (problem := url_problem(field.data)):
        raise ValidationError(problem)


def _origins(form: Any, field: Any) -> None:
    for line in (field.data or "").splitlines():
        if line.strip() and (problem := url_problem(line)):
            raise ValidationError(f"“{line.strip()}”: {problem}")


class PlatformForm(PortalForm):
    name = StringField(
        "Name of the LMS",
        widget=GovTextInput(),
        description="For example, Moodle (staff courses)",
        validators=[InputRequired("Enter a name for the LMS"), Length(max=200)],
    )
    issuer = StringField(
        "Issuer",
        widget=GovTextInput(),
        validators=[InputRequired("Enter the LMS's issuer"), Length(max=255), _url],
    )
    client_id = StringField(
        "Client id",
        widget=GovTextInput(),
        validators=[InputRequired("Enter the client id the LMS gave the portal"), Length(max=255)],
    )
    deployment_ids = TextAreaField(
        "Deployment ids",
        widget=GovTextArea(),
        description="One a line",
        validators=[InputRequired("Enter at least one deployment id")],
    )
    auth_login_url = StringField(
        "Authentication request URL",
        widget=GovTextInput(),
        validators=[InputRequired("Enter the LMS's authentication request URL"), Length(max=500), _url],
    )
    token_url = StringField(
        "Access token URL",
        widget=GovTextInput(),
        validators=[InputRequired("Enter the LMS's access token URL"), Length(max=500), _url],
    )
    jwks_url = StringField(
        "Public keyset URL",
        widget=GovTextInput(),
        validators=[InputRequired("Enter the LMS's public keyset URL"), Length(max=500), _url],
    )
    audience = StringField("Token audience (optional)", widget=GovTextInput(), validators=[Length(max=500)])
    frame_origins = TextAreaField(
        "Page origins allowed to show the portal in a frame",
        widget=GovTextArea(),
        description="One a line, for example https://moodle.example.org",
        validators=[_origins],
    )
    submit = SubmitField("Register the LMS", widget=GovSubmitInput())


def duplicate(session: Session, issuer: str, client_id: str) -> bool:
    return (
        session.exec(
            select(TrainingPlatform).where(
                TrainingPlatform.issuer == issuer.strip(), TrainingPlatform.client_id == client_id.strip()
            )
        ).first()
        is not None
    )


def register(session: Session, **fields: str) -> TrainingPlatform:
    platform = TrainingPlatform(**{k: (v or "").strip() for k, v in fields.items()})  # type: ignore[arg-type]
    session.add(platform)
    return platform


@bp.route("/platforms", methods=["GET", "POST"])
@require("training.manage_platforms")
@csrf_checked_by_form
def platforms() -> Any:
    db = get_session()
    form = PlatformForm()
    status = 200
    if form.validate_on_submit():
        if duplicate(db, form.issuer.data, form.client_id.data):
            form.client_id.errors = [
                *form.client_id.errors,
                "This LMS is already registered with this client id",
            ]
        else:
            platform = register(
                db,
                **{
                    f: getattr(form, f).data
                    for f in (
                        "name",
                        "issuer",
                        "client_id",
                        "deployment_ids",
                        "auth_login_url",
                        "token_url",
                        "jwks_url",
                        "audience",
                        "frame_origins",
                    )
                },
            )
            audit.record(
                db,
                current_user,
                "registered an LMS",
                "training_platform",
                platform.id,
                platform.name,
                plugin=PLUGIN,
            )
            db.commit()
            flash(
                f"{platform.name} was registered. Copy the portal's addresses below into the LMS.", "success"
            )
            return redirect(url_for(".platforms"))
    if request.method == "POST":
        status = 400
    keys.current_key(db)
    return render_template(
        "training/platforms.html",
        form=form,
        platforms=db.exec(select(TrainingPlatform).order_by(TrainingPlatform.name)).all(),
    ), status


@bp.route("/platforms/<platform_id>/status", methods=["POST"])
@require("training.manage_platforms")
def platform_status(platform_id: str) -> Any:
    db = get_session()
    platform = db.get(TrainingPlatform, platform_id)
    if platform is None:
        return redirect(url_for(".platforms"))
    platform.status = "active" if request.form.get("status") == "active" else "inactive"
    audit.record(
        db,
        current_user,
        f"set an LMS {platform.status}",
        "training_platform",
        platform.id,
        platform.name,
        plugin=PLUGIN,
    )
    db.commit()
    flash(f"{platform.name} is now {platform.status}.", "success")
    return redirect(url_for(".platforms"))


@bp.route("/platforms/rotate-key", methods=["POST"])
@require("training.manage_platforms")
def rotate_key() -> Any:
    db = get_session()
    key = keys.rotate(db)
    audit.record(
        db, current_user, "rotated the LTI tool key", "training_tool_key", key.kid, key.kid, plugin=PLUGIN
    )
    db.commit()
    flash("A new key signs from now on; the old one stays published for an hour.", "success")
    return redirect(url_for(".platforms"))


@bp.cli.command("register")
@click.option("--name", required=True)
@click.option("--issuer", required=True)
@click.option("--client-id", required=True)
@click.option("--deployment-id", "deployment_ids", multiple=True, required=True)
@click.option("--auth-login-url", required=True)
@click.option("--token-url", required=True)
@click.option("--jwks-url", required=True)
@click.option("--audience", default="")
@click.option("--frame-origin", "frame_origins", multiple=True)
def register_command(
    name: str,
    issuer: str,
    client_id: str,
    deployment_ids: tuple[str, ...],
    auth_login_url: str,
    token_url: str,
    jwks_url: str,
    audience: str,
    frame_origins: tuple[str, ...],
) -> None:
    """Register an LMS (LTI 1.3 platform) with the portal."""
    for label, value in (
        ("--issuer", issuer),
        ("--auth-login-url", auth_login_url),
        ("--token-url", token_url),
        ("--jwks-url", jwks_url),
        *(("--frame-origin", o) for o in frame_origins),
    ):
        if problem := url_problem(value):
            raise click.UsageError(f"{label} {value}: {problem}")
    db = get_session()
    if duplicate(db, issuer, client_id):
        raise click.UsageError(
            f"An LMS with issuer {issuer} and client id {client_id} is already registered."
        )
    platform = register(
        db,
        name=name,
        issuer=issuer,
        client_id=client_id,
        deployment_ids="\n".join(deployment_ids),
        auth_login_url=auth_login_url,
        token_url=token_url,
        jwks_url=jwks_url,
        audience=audience,
        frame_origins="\n".join(frame_origins),
    )
    audit.record(
        db,
        None,
        "registered an LMS from the command line",
        "training_platform",
        platform.id,
        platform.name,
        plugin=PLUGIN,
    )
    db.commit()
    click.echo(f"Registered {name} ({platform.id}).")
