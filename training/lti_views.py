"""LTI endpoints: OIDC login, launch, JWKS, deep linking, the instructor's roster (NRPS).

The login and launch are POSTed by the LMS (cross-site), so they carry no CSRF token: they are
exempt from the portal's CSRF check with a reason, and protected instead by the platform's
signature, ``state`` (checked against its cookie) and a nonce used up once.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import jwt
from flask import (
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.lineitem import LineItem
from sqlmodel import col, select

from coprod_portal import accounts, audit, i18n
from coprod_portal.db import get_session
from coprod_portal.freshness import remembered_rows
from coprod_portal.i18n import _
from coprod_portal.permissions import require

from . import course, handover, keys, lti
from .models import TrainingLaunch, TrainingPlatform, origins_in
from .views import bp

AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"


def refusal_page(refusal: lti.Refusal) -> Any:
    """Readable inside the LMS frame too (the launch failed, so which LMS it was may be unknown)."""
    return handover.framed_refusal(refusal)


def _exempt(reason: str) -> Any:
    def mark(view: Any) -> Any:
        view.csrf_exempt_reason = reason
        return view

    return mark


@bp.route("/lti/login", methods=["GET", "POST"])
@_exempt("LTI third-party login initiation: the LMS posts it; protected by state and nonce")
def lti_login() -> Any:
    params = request.values.to_dict()
    try:
        target = lti.start_login(get_session(), params, url_for(".lti_launch", _external=True))
    except lti.Refusal as refusal:
        return refusal_page(refusal)
    return handover.keep_state(redirect(handover.first_stop(get_session(), target)), target.state)


@bp.route("/lti/launch", methods=["POST"])
@_exempt("LTI launch: the LMS posts a signed id_token, checked with the platform's keys")
def lti_launch() -> Any:
    db = get_session()
    try:
        launch = lti.validate_launch(db, request.form, request.cookies)
    except lti.Refusal as refusal:
        db.commit()  # only a refreshed copy of the LMS's key set can be waiting: keep it
        return refusal_page(refusal)
    claims = launch.claims
    learner = accounts.learner_for(
        db, launch.platform.issuer, str(claims.get("sub", "")), str(claims.get("name", ""))[:200]
    )
    db.flush()
    ags = claims.get(AGS) or {}
    record = TrainingLaunch(
        platform_id=launch.platform.id,
        learner_id=learner.id,
        module_key=_module_key(claims),
        context_id=str((claims.get(lti.LTI + "context") or {}).get("id", ""))[:255],
        context_title=str((claims.get(lti.LTI + "context") or {}).get("title", ""))[:255],
        roles=json.dumps(launch.roles),
        lineitem_url=str(ags.get("lineitem", ""))[:500],
        lineitems_url=str(ags.get("lineitems", ""))[:500],
        ags_scopes=json.dumps(ags.get("scope", [])),
        nrps_url=str((claims.get(NRPS) or {}).get("context_memberships_url", ""))[:500],
        claims=json.dumps(claims),
    )
    db.add(record)  # with the nonce used up and the learner: committed once, below
    audit.record(
        db,
        learner,
        "launched the course from an LMS",
        "training_platform",
        launch.platform.id,
        launch.platform.name,
        plugin=course.PLUGIN,
        detail=launch.message_type,
    )
    db.commit()
    login_user(learner)
    presentation = claims.get(lti.LTI + "launch_presentation")
    if isinstance(presentation, dict):  # the LMS's language for this learner, when it says
        i18n.remember_language(presentation.get("locale"))
    session["training_launch"] = record.id
    session["training_frame"] = True
    if launch.message_type == lti.DEEP_LINK:
        return redirect(url_for(".deep_link"), 303)
    if record.module_key and course.published(db, record.module_key):
        return redirect(url_for(".module", key=record.module_key), 303)
    return redirect(url_for(".index"), 303)


def _module_key(claims: dict[str, Any]) -> str:
    custom = claims.get(lti.LTI + "custom") or {}
    if isinstance(custom, dict) and custom.get("module"):
        return str(custom["module"])[:60]
    target = str(claims.get(lti.LTI + "target_link_uri", ""))
    marker = "/training/modules/"
    return target.split(marker, 1)[1].split("/")[0][:60] if marker in target else ""


@bp.route("/lti/jwks")
def lti_jwks() -> Any:
    """Every registration's published keys (see ``training/keys.py`` for why both addresses)."""
    return _keyset(keys.jwks(get_session()))


@bp.route("/lti/platforms/<platform_id>/jwks")
def platform_jwks(platform_id: str) -> Any:
    """One registration's published keys: the address its LMS is given."""
    db = get_session()
    if db.get(TrainingPlatform, platform_id) is None:
        return _keyset({"keys": []}, 404)
    return _keyset(keys.jwks(db, platform_id))


def _keyset(document: dict[str, Any], status: int = 200) -> Any:
    response = jsonify(document)
    response.status_code = status
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


def _current_launch(kind: str | None = None) -> TrainingLaunch:
    launch_id = session.get("training_launch")
    launch = get_session().get(TrainingLaunch, launch_id) if launch_id else None
    if launch is None or current_user.kind != "learner" or launch.learner_id != current_user.id:
        abort(403, description="training.take")
    if kind and json.loads(launch.claims).get(lti.LTI + "message_type") != kind:
        abort(403, description="training.take")
    return launch


@bp.route("/lti/deep-link", methods=["GET", "POST"])
@require("training.take")
def deep_link() -> Any:
    launch = _current_launch(lti.DEEP_LINK)
    db = get_session()
    if course.install_packaged(db):
        db.commit()
    modules = course.all_published(db)
    if request.method == "GET":
        return render_template("training/deep_link.html", modules=modules, error=None, chosen=[])
    chosen = [key for key in request.form.getlist("modules") if course.published(db, key)]
    if not chosen:
        return render_template(
            "training/deep_link.html",
            modules=modules,
            chosen=[],
            error=_("Choose at least one module to add to your course"),
        ), 400
    claims = json.loads(launch.claims)
    platform = db.get(TrainingPlatform, launch.platform_id)
    assert platform is not None
    token = _deep_link_jwt(db, platform, claims, [m for m in modules if m.module.key in chosen])
    g.training_form_action = lti.origin(claims[DL]["deep_link_return_url"])
    return render_template(
        "training/deep_link_return.html",
        jwt=token,
        return_url=claims[DL]["deep_link_return_url"],
        count=len(chosen),
    )


def _deep_link_jwt(
    db: Any, platform: TrainingPlatform, claims: dict[str, Any], modules: list[course.Published]
) -> str:
    resources = []
    for m in modules:
        item = (
            LineItem()
            .set_label(m.content["title"])
            .set_score_maximum(len(m.content["quiz"]))
            .set_tag(f"training:{m.module.key}")
            .set_resource_id(m.module.key)
        )
        resources.append(
            DeepLinkResource()
            .set_url(url_for(".lti_launch", _external=True))
            .set_title(m.content["title"])
            .set_custom_params({"module": m.module.key})
            .set_lineitem(item)
        )
    key = keys.signing_key(db, platform)
    message = {
        "iss": platform.client_id,
        "aud": [platform.issuer],
        "iat": int(time.time()),
        "exp": int(time.time()) + 600,
        "nonce": uuid.uuid4().hex,
        "azp": platform.issuer,
        lti.LTI + "deployment_id": claims[lti.LTI + "deployment_id"],
        lti.LTI + "message_type": "LtiDeepLinkingResponse",
        lti.LTI + "version": "1.3.0",
        "https://purl.imsglobal.org/spec/lti-dl/claim/content_items": [r.to_dict() for r in resources],
    }
    if claims[DL].get("data") is not None:
        message["https://purl.imsglobal.org/spec/lti-dl/claim/data"] = claims[DL]["data"]
    return jwt.encode(message, keys.private_key_object(key), algorithm="RS256", headers={"kid": key.kid})


@bp.route("/lti/roster")
@require("training.take")
def roster() -> Any:
    """Instructors: their course's members (NRPS) with each one's progress in the portal."""
    launch = _current_launch()
    if not any(r.endswith("#Instructor") or r.endswith("#Administrator") for r in json.loads(launch.roles)):
        abort(403, description="training.take")
    if not launch.nrps_url:
        return render_template(
            "training/roster.html",
            launch=launch,
            rows=None,
            problem=_("Your LMS did not offer the list of course members for this launch."),
        )
    from . import grades

    try:
        rows = grades.roster(get_session(), launch)
    except grades.PlatformProblem as problem:
        return render_template("training/roster.html", launch=launch, rows=None, problem=str(problem)), 502
    return render_template("training/roster.html", launch=launch, rows=rows, problem=None)


@bp.after_app_request
def _frame_headers(response: Any) -> Any:
    """Pages reached from an LMS may be framed by that LMS's page origins, and no others.

    The origins are those of the registration the session's launch came from; a page shown
    before there is a session (a refusal, the cookie check) names its own in
    ``g.training_frame_origins``."""
    if request.blueprint != "plugin_training":
        return response
    allowed = g.get("training_frame_origins")
    if allowed is None:
        if not session.get("training_frame"):
            return response
        allowed = _launch_origins()
    origins = " ".join(allowed) or "'none'"
    scripts = " ".join(["'self'", *current_app.extensions["coprod_script_hashes"]])
    response.headers["Content-Security-Policy"] = (
        f"default-src 'self'; script-src {scripts}; style-src 'self'; img-src 'self' data:; "
        f"font-src 'self'; object-src 'none'; base-uri 'self'; "
        f"form-action 'self' {g.get('training_form_action', '')}; frame-ancestors {origins}".replace(
            " ;", ";"
        )
    )
    if g.get("training_media_origin"):  # a lesson's video linked from an allowed host
        response.headers["Content-Security-Policy"] += f"; media-src 'self' {g.training_media_origin}"
    return response


def _launch_origins() -> list[str]:
    """The page origins of the LMS this session's launch came from (every page of a course asks):
    remembered until a launch or a registration is written, so a changed registration applies at
    once."""
    launch_id = session.get("training_launch")
    if not launch_id:
        return []
    rows = remembered_rows(get_session(), ("training.frame_origins", launch_id), lambda: (
        select(TrainingPlatform.frame_origins)
        .join(TrainingLaunch, col(TrainingLaunch.platform_id) == col(TrainingPlatform.id))
        .where(TrainingLaunch.id == launch_id)))
    return origins_in(rows[0][0]) if rows else []
