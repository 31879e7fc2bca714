"""LMS registrations: the admin page and ``flask --app wsgi lti register``."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import click
from flask import abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextArea, GovTextInput
from sqlmodel import Session, select
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from coprod_portal import audit
from coprod_portal.db import get_session
from coprod_portal.forms import PortalForm, csrf_checked_by_form
from coprod_portal.i18n import _, _l
from coprod_portal.keys import BATCH_SIZE, reencrypt_rows
from coprod_portal.permissions import require

from . import dynamic, keys, lti
from .course import PLUGIN
from .models import TrainingPlatform, TrainingRegistrationLink, TrainingToolKey
from .views import bp

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
# a registration's stored status, as the pages name it
STATUSES = {"active": _l("Active"), "inactive": _l("Inactive"), "pending": _l("Pending")}


def url_problem(value: str) -> str | None:
    """Platform addresses must be https (plain http only for this machine, for testing)."""
    parts = urlparse(value.strip())
    if parts.scheme not in {"https", "http"} or not parts.netloc:
        return _("Enter a full web address starting with https://")
    if parts.scheme == "http" and parts.hostname not in LOOPBACK:
        return _("The address must start with https:// so the connection is encrypted")
    return None


def _url(form: Any, field: Any) -> None:
    if field.data and (problem := url_problem(field.data)):
        raise ValidationError(problem)


def _origins(form: Any, field: Any) -> None:
    for line in (field.data or "").splitlines():
        if line.strip() and (problem := url_problem(line)):
            raise ValidationError(_("“%(line)s”: %(problem)s", line=line.strip(), problem=problem))


class PlatformForm(PortalForm):
    name = StringField(
        _l("Name of the LMS"),
        widget=GovTextInput(),
        description=_l("For example, Moodle (staff courses)"),
        validators=[InputRequired(_l("Enter a name for the LMS")), Length(max=200)],
    )
    issuer = StringField(
        _l("Issuer"),
        widget=GovTextInput(),
        validators=[InputRequired(_l("Enter the LMS's issuer")), Length(max=255), _url],
    )
    client_id = StringField(
        _l("Client id"),
        widget=GovTextInput(),
        validators=[InputRequired(_l("Enter the client id the LMS gave the portal")), Length(max=255)],
    )
    deployment_ids = TextAreaField(
        _l("Deployment ids"),
        widget=GovTextArea(),
        description=_l("One a line"),
        validators=[InputRequired(_l("Enter at least one deployment id"))],
    )
    auth_login_url = StringField(
        _l("Authentication request URL"),
        widget=GovTextInput(),
        validators=[InputRequired(_l("Enter the LMS's authentication request URL")), Length(max=500), _url],
    )
    token_url = StringField(
        _l("Access token URL"),
        widget=GovTextInput(),
        validators=[InputRequired(_l("Enter the LMS's access token URL")), Length(max=500), _url],
    )
    jwks_url = StringField(
        _l("Public keyset URL"),
        widget=GovTextInput(),
        validators=[InputRequired(_l("Enter the LMS's public keyset URL")), Length(max=500), _url],
    )
    audience = StringField(
        _l("Token audience (optional)"), widget=GovTextInput(), validators=[Length(max=500)]
    )
    frame_origins = TextAreaField(
        _l("Page origins allowed to show the portal in a frame"),
        widget=GovTextArea(),
        description=_l("One a line, for example https://moodle.example.org"),
        validators=[_origins],
    )
    submit = SubmitField(_l("Register the LMS"), widget=GovSubmitInput())


class EditPlatformForm(PlatformForm):
    """The same checks as registering; deployment ids may stay empty for a registration that
    came by Dynamic Registration before the LMS named its deployment (launches wait for one)."""

    deployment_ids = TextAreaField(
        _l("Deployment ids"),
        widget=GovTextArea(),
        description=_l("One a line. Launches from the LMS are refused until its deployment id is here."),
    )
    submit = SubmitField(_l("Save changes"), widget=GovSubmitInput())


FIELDS = {
    "name": "name",
    "issuer": "issuer",
    "client_id": "client id",
    "deployment_ids": "deployment ids",
    "auth_login_url": "authentication request URL",
    "token_url": "access token URL",
    "jwks_url": "public keyset URL",
    "audience": "token audience",
    "frame_origins": "page origins",
}


def _lms_host(form: Any, field: Any) -> None:
    if field.data and dynamic.normal_host(field.data) is None:
        raise ValidationError(_("Enter the LMS's host name only, for example moodle.example.org"))


class LinkForm(PortalForm):
    """A one-time link for LTI Dynamic Registration."""

    link_name = StringField(
        _l("What the portal should call this LMS"),
        widget=GovTextInput(),
        description=_l("For example, Moodle (staff courses)"),
        validators=[InputRequired(_l("Enter a name for the LMS")), Length(max=200)],
    )
    lms_host = StringField(
        _l("The LMS's host name"),
        widget=GovTextInput(),
        description=_l("The portal fetches the LMS's configuration from this host only, over https. "
                       "For example moodle.example.org; for Canvas Cloud, canvas.instructure.com."),
        validators=[InputRequired(_l("Enter the LMS's host name")), Length(max=255), _lms_host],
    )
    submit = SubmitField(_l("Make a registration link"), widget=GovSubmitInput())


def duplicate(session: Session, issuer: str, client_id: str, other_than: str | None = None) -> bool:
    """Is another registration (not ``other_than``) already this issuer with this client id?"""
    found = session.exec(
        select(TrainingPlatform).where(
            TrainingPlatform.issuer == issuer.strip(), TrainingPlatform.client_id == client_id.strip()
        )
    ).first()
    return found is not None and found.id != other_than


DUPLICATE = _l("This LMS is already registered with this client id")


def register(session: Session, **fields: str) -> TrainingPlatform:
    """A new registration with its own signing key; the caller commits."""
    platform = TrainingPlatform(**{k: (v or "").strip() for k, v in fields.items()})  # type: ignore[arg-type]
    session.add(platform)
    session.flush()
    keys.new_key(session, platform)
    return platform


def find(session: Session, reference: str) -> TrainingPlatform | None:
    """A registration by its id or its exact name (for the command line)."""
    found = session.get(TrainingPlatform, reference)
    if found is None:
        named = session.exec(select(TrainingPlatform).where(TrainingPlatform.name == reference)).all()
        found = named[0] if len(named) == 1 else None
    return found


@bp.route("/platforms", methods=["GET", "POST"])
@require("training.manage_platforms")
@csrf_checked_by_form
def platforms() -> Any:
    db = get_session()
    form = PlatformForm()
    status = 200
    if form.validate_on_submit():
        if duplicate(db, form.issuer.data, form.client_id.data):
            form.client_id.errors = [*form.client_id.errors, str(DUPLICATE)]
        else:
            platform = register(db, **{f: getattr(form, f).data for f in FIELDS})
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
                _("%(platform)s was registered. Copy the portal's addresses below into the LMS.",
                  platform=platform.name),
                "success",
            )
            return redirect(url_for(".platforms"))
    if request.method == "POST":
        status = 400
    return _page(db, form, LinkForm(formdata=None), status)


def _page(db: Session, form: PlatformForm, link_form: LinkForm, status: int = 200, new_link: str = "") -> Any:
    return render_template(
        "training/platforms.html",
        form=form,
        link_form=link_form,
        new_link=new_link,
        links=dynamic.open_links(db),
        platforms=db.exec(select(TrainingPlatform).order_by(TrainingPlatform.name)).all(),
        statuses=STATUSES,
    ), status


@bp.route("/platforms/<platform_id>/status", methods=["POST"])
@require("training.manage_platforms")
def platform_status(platform_id: str) -> Any:
    db = get_session()
    platform = db.get(TrainingPlatform, platform_id)
    if platform is None:
        return redirect(url_for(".platforms"))
    was = platform.status
    platform.status = "active" if request.form.get("status") == "active" else "inactive"
    audit.record(
        db,
        current_user,
        "activated an LMS that registered itself" if was == "pending" else f"set an LMS {platform.status}",
        "training_platform",
        platform.id,
        platform.name,
        plugin=PLUGIN,
    )
    db.commit()
    flash(_("%(platform)s is now %(status)s.", platform=platform.name,
            status=str(STATUSES.get(platform.status, platform.status)).lower()), "success")
    return redirect(url_for(".platforms"))


@bp.route("/platforms/registration-links", methods=["POST"])
@require("training.manage_platforms")
@csrf_checked_by_form
def registration_links() -> Any:
    """Make a one-time link for LTI Dynamic Registration; shown once, on the page itself."""
    db = get_session()
    link_form = LinkForm()
    if not link_form.validate_on_submit():
        return _page(db, PlatformForm(formdata=None), link_form, 400)
    host = dynamic.normal_host(link_form.lms_host.data) or ""
    link, token = dynamic.create_link(db, link_form.link_name.data, host, current_user)
    db.commit()
    flash(_("A registration link for %(lms)s was made. Copy it from below now.", lms=link.name), "success")
    return _page(
        db,
        PlatformForm(formdata=None),
        LinkForm(formdata=None),
        new_link=url_for(".lti_register", token=token, _external=True),
    )


@bp.route("/platforms/registration-links/<link_id>/withdraw", methods=["POST"])
@require("training.manage_platforms")
def withdraw_registration_link(link_id: str) -> Any:
    db = get_session()
    link = db.get(TrainingRegistrationLink, link_id)
    if link is None:
        abort(404)
    if link.used_at is None:
        dynamic.withdraw(db, link, current_user)
        db.commit()
        flash(_("The registration link for %(lms)s no longer works.", lms=link.name), "success")
    return redirect(url_for(".platforms"))


@bp.route("/lti/register/<token>")
def lti_register(token: str) -> Any:
    """Where an LMS opens a registration link (in a frame or a new window), adding
    ``openid_configuration`` and ``registration_token``. The one-time token is the proof."""
    db = get_session()
    link = dynamic.find_link(db, token)
    ancestors = f"https://{link.lms_host}" if link else "https:"
    try:
        platform, link = dynamic.register_from_lms(
            db,
            token,
            request.args.get("openid_configuration", "").strip(),
            request.args.get("registration_token", "").strip(),
        )
    except lti.Refusal as refusal:
        response = make_response(render_template("training/refusal.html", refusal=refusal), refusal.status)
        return _framed_by(response, ancestors)
    page = render_template("training/registered.html", platform=platform)
    return _framed_by(make_response(page), ancestors)


def _framed_by(response: Any, ancestors: str) -> Any:
    """The registration pages are shown inside the LMS's own page: allow that frame (and, for a
    link the portal does not know, any https page — the refusal has nothing to click)."""
    scripts = " ".join(["'self'", *current_app.extensions["coprod_script_hashes"]])
    response.headers["Content-Security-Policy"] = (
        f"default-src 'self'; script-src {scripts}; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
        f"frame-ancestors {ancestors}"
    )
    return response


@bp.route("/platforms/<platform_id>")
@require("training.manage_platforms")
def platform_page(platform_id: str) -> Any:
    """One registration: what the LMS told the portal, the portal's addresses to copy into the
    LMS (with this registration's own key-set address), and its keys."""
    db = get_session()
    platform = db.get(TrainingPlatform, platform_id)
    if platform is None:
        abort(404)
    return render_template(
        "training/platform.html",
        platform=platform,
        keys=keys.published(db, platform.id),
        published_until=keys.published_until,
        overlap_minutes=int(keys.OVERLAP.total_seconds() // 60),
        statuses=STATUSES,
    )


@bp.route("/platforms/<platform_id>/edit", methods=["GET", "POST"])
@require("training.manage_platforms")
@csrf_checked_by_form
def edit_platform(platform_id: str) -> Any:
    """Correct a registration: its name, the LMS's addresses, deployment ids, frame origins."""
    db = get_session()
    platform = db.get(TrainingPlatform, platform_id)
    if platform is None:
        abort(404)
    form = EditPlatformForm(obj=platform)
    if form.validate_on_submit():
        if duplicate(db, form.issuer.data, form.client_id.data, other_than=platform.id):
            form.client_id.errors = [
                *form.client_id.errors,
                _("%(problem)s: another registration has this issuer and client id. Change one of them.",
                  problem=DUPLICATE),
            ]
        else:
            changed = update(platform, {f: getattr(form, f).data for f in FIELDS})
            if changed:
                audit.record(
                    db,
                    current_user,
                    "changed an LMS registration",
                    "training_platform",
                    platform.id,
                    platform.name,
                    plugin=PLUGIN,
                    detail="changed: " + ", ".join(changed),
                )
                db.commit()
                flash(_("The changes to %(platform)s were saved.", platform=platform.name), "success")
            else:
                flash(_("Nothing was changed."), "success")
            return redirect(url_for(".platform_page", platform_id=platform.id))
    status = 400 if form.is_submitted() else 200
    return render_template("training/platform_edit.html", platform=platform, form=form), status


def update(platform: TrainingPlatform, values: dict[str, str]) -> list[str]:
    """Apply the edited values; returns what changed, in words. A new key-set address drops the
    cached platform keys, so the next launch fetches them from the new address."""
    changed = []
    for field, value in values.items():
        value = "\n".join(line.strip() for line in (value or "").strip().splitlines() if line.strip())
        if value != getattr(platform, field):
            setattr(platform, field, value)
            changed.append(FIELDS[field])
    if FIELDS["jwks_url"] in changed:
        platform.jwks_cache, platform.jwks_fetched_at = "", None
    return changed


@bp.route("/platforms/<platform_id>/rotate-keys", methods=["POST"])
@require("training.manage_platforms")
def rotate_keys(platform_id: str) -> Any:
    db = get_session()
    platform = db.get(TrainingPlatform, platform_id)
    if platform is None:
        abort(404)
    key = rotate(db, platform, current_user)
    db.commit()
    flash(
        _("A new key (%(kid)s) signs for %(platform)s from now on; the old one stays published "
          "for %(minutes)s minutes.", kid=key.kid, platform=platform.name,
          minutes=int(keys.OVERLAP.total_seconds() // 60)),
        "success",
    )
    return redirect(url_for(".platform_page", platform_id=platform.id))


def rotate(db: Session, platform: TrainingPlatform, actor: Any) -> Any:
    """Rotate ``platform``'s key, recorded in the audit trail; the caller commits."""
    key = keys.rotate(db, platform)
    audit.record(
        db,
        actor,
        "rotated an LMS's tool key",
        "training_platform",
        platform.id,
        platform.name,
        plugin=PLUGIN,
        detail=f"new key {key.kid}",
    )
    return key


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
    click.echo(f"Its public keyset (JWKS) URL: <portal address>/training/lti/platforms/{platform.id}/jwks")


@bp.cli.command("rotate-keys")
@click.argument("registration")
def rotate_keys_command(registration: str) -> None:
    """Give a registration (its id or exact name) a new signing key; the old one stays
    published until tokens signed with it have expired."""
    db = get_session()
    platform = find(db, registration)
    if platform is None:
        known = ", ".join(f"{p.name} ({p.id})" for p in db.exec(select(TrainingPlatform))) or "none"
        raise click.UsageError(f"No single registration is called {registration}. Registrations: {known}.")
    key = rotate(db, platform, None)
    db.commit()
    click.echo(
        f"{platform.name} now signs with key {key.kid}; the old key stays published for "
        f"{int(keys.OVERLAP.total_seconds() // 60)} minutes."
    )


@bp.cli.command("re-encrypt-keys")
@click.option("--batch-size", type=click.IntRange(1, 10_000), default=BATCH_SIZE, show_default=True,
              help="Keys re-encrypted (and committed) at a time.")
def reencrypt_keys_command(batch_size: int) -> None:
    """After the secret key is rotated (new one in COPROD_SECRET_KEY, old one in
    COPROD_SECRET_KEY_FALLBACKS), re-encrypt every registration's private key with the new
    secret, so the old one can be dropped. Safe while serving; run it again if interrupted."""
    report = reencrypt_rows(
        get_session(),
        TrainingToolKey.__table__,  # type: ignore[attr-defined]
        ["private_key"],
        is_current=keys.on_current_secret,
        rotate=keys.reencrypted,
        batch_size=batch_size,
        after_batch=lambda so_far: click.echo(so_far.progress()),
    )
    click.echo(report.summary("private key(s)"))
    if not report.changed_meanwhile:
        click.echo("You can now remove the old secret key from COPROD_SECRET_KEY_FALLBACKS.")
