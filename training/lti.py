"""LTI 1.3 on the tool side, with pylti1p3 (from ``pylti1p3next``) and the checks it lacks.

pylti1p3 finds registrations (through :class:`DbToolConf`, reading the database), decodes the
id_token, checks the message's claims (its message validators), and builds deep-linking
replies and AGS/NRPS requests. On top of it the portal:

* keeps ``state`` and ``nonce`` in the database (``training_nonce``), shared by every worker;
  ``state`` must match its cookie, and the nonce is **used up atomically after the signature
  is verified** — a replayed id_token is refused, from any browser;
* requires ``exp`` and ``iat`` (with a small leeway), ``aud`` containing our client id, and
  ``azp`` equal to it whenever present (and present when there are several audiences);
* accepts only RS256 (so ``alg: none`` and HMAC tricks fail), only known deployments, only
  LTI version 1.3.0 and the two message types we handle;
* answers every refusal with :class:`Refusal`, shown as a 4xx page saying what happened and
  what to tell the LMS administrator.
"""

from __future__ import annotations

import json
import secrets
import typing as t
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode, urlparse

import jwt
import requests
import sqlalchemy as sa
from flask import current_app
from pylti1p3.deployment import Deployment
from pylti1p3.exception import LtiException
from pylti1p3.message_validators import get_validators
from pylti1p3.registration import Registration
from pylti1p3.tool_config.abstract import ToolConfAbstract
from sqlmodel import Session, col, select

from coprod_portal.db import utcnow
from coprod_portal.i18n import _, _l

from . import keys
from .models import TrainingNonce, TrainingPlatform, TrainingToolKey

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
RESOURCE_LINK = "LtiResourceLinkRequest"
DEEP_LINK = "LtiDeepLinkingRequest"
STATE_LIFETIME = timedelta(minutes=10)
JWKS_LIFETIME = timedelta(hours=1)
STATE_COOKIE = "lti1p3-state-"


class Refusal(Exception):
    """A launch or login we refuse; shown to the person as a readable 4xx page."""

    def __init__(self, title: str, explanation: str, advice: str = "", status: int = 400) -> None:
        super().__init__(title)
        self.title, self.explanation, self.advice, self.status = title, explanation, advice, status


ADMIN_ADVICE = _l(
    "Tell your course's LMS administrator, with the time it happened, so they can check "
    "how the portal is set up in the LMS."
)


# --- registrations in the database -----------------------------------------------------------


class KeyedRegistration(Registration):
    """pylti1p3's registration, signing with one of the registration's own keys: the key id
    comes from the key row (pylti1p3 would re-derive it from the public PEM per request)."""

    def __init__(self, key: TrainingToolKey) -> None:
        super().__init__()
        self.key = key

    def get_kid(self) -> str:
        return self.key.kid

    def get_tool_private_key(self) -> t.Any:
        """The loaded key object (PyJWT signs with it), not a PEM to decrypt and parse."""
        return keys.private_key_object(self.key)


def registration_for(session: Session, platform: TrainingPlatform) -> KeyedRegistration:
    """The registration pylti1p3 uses for AGS and NRPS, with the platform's current key."""
    key = keys.signing_key(session, platform)
    registration = KeyedRegistration(key)
    (
        registration.set_issuer(platform.issuer)
        .set_client_id(platform.client_id)
        .set_auth_login_url(platform.auth_login_url)
        .set_auth_token_url(platform.token_url)
        .set_key_set_url(platform.jwks_url)
    )
    if platform.audience:
        registration.set_auth_audience(platform.audience)
    return registration


class DbToolConf(ToolConfAbstract):
    """pylti1p3's tool configuration, answered from ``training_platform`` (active rows only)."""

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session

    def check_iss_has_one_client(self, iss: str) -> bool:
        return False

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    def platform(self, iss: str, client_id: str | None) -> TrainingPlatform | None:
        query = select(TrainingPlatform).where(
            TrainingPlatform.issuer == iss, TrainingPlatform.status == "active"
        )
        if client_id:
            query = query.where(TrainingPlatform.client_id == client_id)
        return self.session.exec(query).first()

    def find_registration_by_issuer(self, iss: str, *args: t.Any, **kwargs: t.Any) -> Registration:
        raise NotImplementedError

    def find_registration_by_params(
        self, iss: str, client_id: str, *args: t.Any, **kwargs: t.Any
    ) -> Registration:
        platform = self.platform(iss, client_id)
        return registration_for(self.session, platform) if platform else None  # type: ignore[return-value]

    def find_deployment(self, iss: str, deployment_id: str) -> Deployment | None:
        raise NotImplementedError

    def find_deployment_by_params(
        self, iss: str, deployment_id: str, client_id: str, *args: t.Any, **kwargs: t.Any
    ) -> Deployment | None:
        platform = self.platform(iss, client_id)
        if platform is None or deployment_id not in platform.deployments:
            return None
        return Deployment().set_deployment_id(deployment_id)


# --- OIDC third-party-initiated login ----------------------------------------------------------


@dataclass(frozen=True)
class LoginRedirect:
    url: str
    state: str


def start_login(session: Session, params: t.Mapping[str, str], launch_url: str) -> LoginRedirect:
    """Check the login request and build the redirect to the platform's authorisation endpoint."""
    iss, hint = params.get("iss", ""), params.get("login_hint", "")
    if not iss or not hint:
        raise Refusal(
            _("The LMS did not send a complete sign-in request"),
            _("A launch must start with the LMS's issuer and a login hint; one of them was missing."),
            ADMIN_ADVICE,
        )
    tool_conf = DbToolConf(session)
    platform = tool_conf.platform(iss, params.get("client_id") or None)
    if platform is None:
        _refuse_if_pending(session, iss, [params["client_id"]] if params.get("client_id") else [])
        raise Refusal(
            _("This LMS is not registered with the portal"),
            _("The portal has no active registration for the LMS “%(iss)s” with client id “%(client_id)s”.",
              iss=iss, client_id=params["client_id"])
            if params.get("client_id")
            else _("The portal has no active registration for the LMS “%(iss)s”.", iss=iss),
            _("Ask a portal administrator to register (or activate) this LMS on the LTI platforms page. "
              "%(advice)s", advice=ADMIN_ADVICE),
            status=403,
        )
    state, nonce = "state-" + secrets.token_urlsafe(24), secrets.token_urlsafe(32)
    session.add(
        TrainingNonce(
            state=state,
            nonce=nonce,
            platform_id=platform.id,
            target_link_uri=(params.get("target_link_uri") or "")[:500],
        )
    )
    session.commit()
    query = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": platform.client_id,
        "redirect_uri": launch_url,
        "state": state,
        "nonce": nonce,
        "login_hint": hint,
    }
    if params.get("lti_message_hint"):
        query["lti_message_hint"] = params["lti_message_hint"]
    joiner = "&" if "?" in platform.auth_login_url else "?"
    return LoginRedirect(platform.auth_login_url + joiner + urlencode(query), state)


# --- launch ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Launch:
    platform: TrainingPlatform
    claims: dict[str, t.Any]

    @property
    def message_type(self) -> str:
        return str(self.claims.get(LTI + "message_type", ""))

    @property
    def roles(self) -> list[str]:
        return list(self.claims.get(LTI + "roles", []))

    @property
    def is_instructor(self) -> bool:
        return any(
            role.endswith(("#Instructor", "#Administrator", "#ContentDeveloper"))
            or role.endswith("membership#Instructor")
            for role in self.roles
        )


def validate_launch(session: Session, form: t.Mapping[str, str], cookies: t.Mapping[str, str]) -> Launch:
    """Every check, in order; the nonce is used up last, once everything else has passed."""
    state, id_token = form.get("state", ""), form.get("id_token", "")
    if not id_token:
        raise Refusal(
            _("The LMS sent no launch token"),
            _("A launch must carry an id_token; this request had none."),
            ADMIN_ADVICE,
        )
    _check_state(session, state, cookies)
    header, body = _decode_unverified(id_token)
    platform = _platform_for(session, body)
    claims = _verified(session, platform, id_token, header)
    _check_deployment(platform, claims)
    _check_message(claims)
    _use_nonce(session, state, claims, platform)
    return Launch(platform, claims)


def _check_state(session: Session, state: str, cookies: t.Mapping[str, str]) -> None:
    if not state:
        raise Refusal(
            _("The launch had no state"), _("The LMS must return the state the portal gave it."), ADMIN_ADVICE
        )
    if cookies.get(STATE_COOKIE + state) != state:
        raise Refusal(
            _("This launch did not start in this browser"),
            _("The portal could not find the cookie it set when this launch began. Your browser "
              "may be blocking cookies inside the LMS page, or the launch link was opened "
              "somewhere else."),
            _("Open the activity again from the LMS; if it keeps happening, use “Open in a new window”."),
            status=403,
        )
    row = session.get(TrainingNonce, state)
    if row is None or keys.aware(row.created_at) < utcnow() - STATE_LIFETIME:
        raise Refusal(
            _("This launch has expired"),
            _("More than 10 minutes passed since the launch began."),
            _("Open the activity again from the LMS."),
            status=403,
        )


def _decode_unverified(id_token: str) -> tuple[dict[str, t.Any], dict[str, t.Any]]:
    try:  # one decoding for both parts: PyJWT checks every character of the token on each
        unverified = jwt.decode_complete(id_token, options={"verify_signature": False})
        header, body = unverified["header"], unverified["payload"]
    except jwt.InvalidTokenError as exc:
        raise Refusal(
            _("The launch token could not be read"),
            _("The id_token the LMS sent is not a well-formed JSON Web Token."),
            ADMIN_ADVICE,
        ) from exc
    if header.get("alg") != "RS256":
        raise Refusal(
            _("The launch token is signed in a way the portal does not accept"),
            _("The token says it is signed with “%(alg)s”; the portal accepts only RS256 signatures.",
              alg=header.get("alg")),
            ADMIN_ADVICE,
            status=401,
        )
    return header, body


def _refuse_if_pending(session: Session, iss: str, client_ids: list[str]) -> None:
    """A registration an LMS made itself refuses launches until an administrator activates it."""
    query = select(TrainingPlatform).where(
        TrainingPlatform.issuer == iss, TrainingPlatform.status == "pending"
    )
    if client_ids:
        query = query.where(col(TrainingPlatform.client_id).in_(client_ids))
    if session.exec(query).first() is not None:
        raise Refusal(
            _("This LMS's registration is waiting for approval"),
            _("The LMS “%(iss)s” registered itself with the portal, and the portal's administrator "
              "has not activated that registration yet, so the portal cannot accept launches from it.",
              iss=iss),
            _("Ask the portal's administrator to check and activate the registration on the LTI "
              "platforms page, then open the activity again."),
            status=403,
        )


def _audiences(body: dict[str, t.Any]) -> list[str]:
    aud = body.get("aud")
    return [aud] if isinstance(aud, str) else [a for a in aud or [] if isinstance(a, str)]


def _platform_for(session: Session, body: dict[str, t.Any]) -> TrainingPlatform:
    iss = body.get("iss")
    if not isinstance(iss, str) or not iss:
        raise Refusal(
            _("The launch token does not say which LMS sent it"), _("The “iss” claim is missing."),
            ADMIN_ADVICE,
        )
    tool_conf = DbToolConf(session)
    audiences = _audiences(body)
    platform = next((p for p in (tool_conf.platform(iss, aud) for aud in audiences) if p), None)
    if platform is None:
        _refuse_if_pending(session, iss, audiences)
        known = tool_conf.platform(iss, None)
        raise Refusal(
            _("This LMS is not registered with the portal")
            if known is None
            else _("The launch token is for another tool"),
            _("No active registration matches the issuer “%(iss)s” and the audience %(audience)s.",
              iss=iss, audience=", ".join(audiences) or _("(none)")),
            ADMIN_ADVICE,
            status=403,
        )
    azp = body.get("azp")
    if (len(audiences) > 1 and azp is None) or (azp is not None and azp != platform.client_id):
        raise Refusal(
            _("The launch token was issued to another party"),
            _("The token's authorised party (“azp”) is missing or is not the portal's client id."),
            ADMIN_ADVICE,
            status=403,
        )
    return platform


def _verified(
    session: Session, platform: TrainingPlatform, id_token: str, header: dict[str, t.Any]
) -> dict[str, t.Any]:
    key = platform_key(session, platform, header.get("kid"))
    leeway = int(current_app.config.get("PLUGIN_TRAINING", {}).get("iat_leeway_seconds", 60))
    try:
        return jwt.decode(
            id_token,
            key,
            algorithms=["RS256"],
            audience=platform.client_id,
            issuer=platform.issuer,
            leeway=leeway,
            options={"require": ["exp", "iat", "iss", "aud", "nonce"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise Refusal(
            _("The launch token has expired"),
            _("The token's “exp” time has passed."),
            _("Open the activity again from the LMS. If it keeps happening, the LMS's clock may "
              "be wrong: %(advice)s", advice=ADMIN_ADVICE),
            status=401,
        ) from exc
    except jwt.MissingRequiredClaimError as exc:
        raise Refusal(
            _("The launch token is incomplete"),
            _("The token has no “%(claim)s” claim, which the portal requires.", claim=exc.claim),
            ADMIN_ADVICE,
            status=401,
        ) from exc
    except jwt.ImmatureSignatureError as exc:
        raise Refusal(
            _("The launch token is dated in the future"),
            _("Its “iat” time is later than now, beyond the allowed clock difference."),
            ADMIN_ADVICE,
            status=401,
        ) from exc
    except jwt.InvalidSignatureError as exc:
        raise Refusal(
            _("The launch token's signature is not valid"),
            _("The token was changed after the LMS signed it, or was signed with another key."),
            ADMIN_ADVICE,
            status=401,
        ) from exc
    except jwt.InvalidTokenError as exc:
        raise Refusal(
            _("The launch token was refused"), _("The token failed a check: %(problem)s.", problem=str(exc)),
            ADMIN_ADVICE, status=401,
        ) from exc


def platform_key(session: Session, platform: TrainingPlatform, kid: t.Any) -> t.Any:
    """The platform's public key for ``kid``: from the cached JWKS while fresh, refetched once
    when the kid is unknown or the cache has expired."""
    fresh = (
        platform.jwks_fetched_at is not None
        and keys.aware(platform.jwks_fetched_at) > utcnow() - JWKS_LIFETIME
    )
    if fresh:
        found = _key_in(platform.jwks_cache, kid)
        if found is not None:
            return found
    _refresh_jwks(session, platform)
    found = _key_in(platform.jwks_cache, kid)
    if found is None:
        raise Refusal(
            _("The launch token was signed with a key the LMS does not publish"),
            _("No key with id “%(kid)s” is in the LMS's key set at %(address)s.", kid=kid,
              address=platform.jwks_url),
            ADMIN_ADVICE,
            status=401,
        )
    return found


def _key_in(cache: str, kid: t.Any) -> t.Any:
    try:
        for jwk in json.loads(cache or "{}").get("keys", []):
            if jwk.get("kid") == kid and jwk.get("kty") == "RSA":
                return jwt.PyJWK(jwk, algorithm="RS256").key
    except (ValueError, jwt.PyJWKError):
        return None
    return None


def _refresh_jwks(session: Session, platform: TrainingPlatform) -> None:
    try:
        settings = current_app.config.get("PLUGIN_TRAINING") or {}
        # lms_ca_bundle: a CA file to trust instead of the system's (an LMS on a private CA)
        response = requests.get(platform.jwks_url, timeout=5, verify=settings.get("lms_ca_bundle") or True)
        response.raise_for_status()
        data = response.json()
        if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
            raise ValueError("not a key set")
    except (requests.RequestException, ValueError) as exc:
        raise Refusal(
            _("The portal could not fetch the LMS's public keys"),
            _("Fetching %(address)s failed.", address=platform.jwks_url),
            ADMIN_ADVICE,
            status=400,
        ) from exc
    platform.jwks_cache, platform.jwks_fetched_at = json.dumps(data), utcnow()
    session.flush()  # saved with the launch (or with the refusal page), in its one transaction


def _check_deployment(platform: TrainingPlatform, claims: dict[str, t.Any]) -> None:
    deployment = claims.get(LTI + "deployment_id")
    if deployment not in platform.deployments:
        raise Refusal(
            _("This deployment of the portal is not known"),
            _("The LMS launched deployment “%(deployment)s”, which is not registered for it.",
              deployment=deployment),
            _("Ask a portal administrator to add the deployment id on the LTI platforms page."),
            status=403,
        )


def _check_message(claims: dict[str, t.Any]) -> None:
    if claims.get(LTI + "version") != "1.3.0":
        raise Refusal(
            _("The LMS used an LTI version the portal does not support"),
            _("The launch says version “%(version)s”; the portal supports 1.3.0.",
              version=claims.get(LTI + "version")),
            ADMIN_ADVICE,
        )
    if claims.get(LTI + "message_type") not in {RESOURCE_LINK, DEEP_LINK}:
        raise Refusal(
            _("The LMS sent a kind of launch the portal does not handle"),
            _("Message type “%(type)s”: the portal handles resource links and deep linking.",
              type=claims.get(LTI + "message_type")),
            ADMIN_ADVICE,
        )
    try:
        for validator in get_validators():
            if validator.can_validate(claims):
                validator.validate(claims)
    except LtiException as exc:
        raise Refusal(
            _("The launch is missing information"),
            _("The LMS's launch failed a check: %(problem)s.", problem=str(exc)),
            ADMIN_ADVICE,
        ) from exc


def _use_nonce(session: Session, state: str, claims: dict[str, t.Any], platform: TrainingPlatform) -> None:
    """Atomic: one UPDATE that succeeds for exactly one request, whatever the worker. It is not
    committed here: the launch view commits it together with everything the launch records, so
    one launch is one transaction (a concurrent launch with the same nonce waits on the row's
    lock, then finds it used)."""
    result = session.execute(
        sa.update(TrainingNonce)
        .where(
            col(TrainingNonce.state) == state,
            col(TrainingNonce.nonce) == str(claims.get("nonce")),
            col(TrainingNonce.platform_id) == platform.id,
            col(TrainingNonce.used_at).is_(None),
        )
        .values(used_at=utcnow())
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Refusal(
            _("This launch has already been used"),
            _("Each launch from the LMS works once. This one was used before, or its nonce does "
              "not match the one the portal issued."),
            _("Go back to the LMS and open the activity again."),
            status=403,
        )


def purge_nonces(session: Session, older_than: timedelta = timedelta(days=1)) -> int:
    result = session.execute(
        sa.delete(TrainingNonce).where(col(TrainingNonce.created_at) < utcnow() - older_than)
    )
    session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def origin(url: str) -> str:
    parts = urlparse(url)
    return f"{parts.scheme}://{parts.netloc}"
