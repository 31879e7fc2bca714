"""Staff single sign-on with OpenID Connect (Entra ID, Google Workspace, Okta, Keycloak…).

Built on Authlib's Flask client: Authorization Code flow with PKCE (S256), ``state`` and
``nonce`` kept in the signed session cookie, the ID token checked for issuer, audience, expiry,
issued-at (with a small leeway) and nonce, against the provider's keys. The provider's keys are
fetched once and kept in memory; a token signed with a key id we do not know makes Authlib
fetch them again once (key rotation), never on every sign-in.

The portal's own choices on top of the library:

* only RS256, PS256 and ES256 signatures are accepted, whatever the provider advertises, so a
  token signed with ``none`` or with HS256 (keyed with the public key) is refused;
* the discovery document must name the issuer the operator configured;
* at the first sign-in a person is matched to a staff account by a *verified* email address and
  the account is linked to their (issuer, subject); later sign-ins follow that link. An account is
  created only when the operator allowed it; a deactivated account is refused whatever the
  provider says;
* roles named in ``COPROD_OIDC_ROLE_MAP`` are given and taken away at every sign-in from the
  provider's groups or app roles; other roles stay as an administrator set them, so the admin
  role comes from the provider only through a mapping the operator wrote.

Every sign-in, refusal and role change is in the audit log.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import FlaskOAuth2App, OAuth
from flask import Blueprint, Flask, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user
from joserfc.errors import JoseError
from sqlmodel import select

from . import accounts, audit
from .accounts import Anonymous, User, UserIdentity
from .config import ConfigError
from .db import get_session, utcnow
from .i18n import _
from .security import safe_next

log = logging.getLogger(__name__)
bp = Blueprint("oidc", __name__)

# Asymmetric signatures only: "none" and HS256 (which an attacker could key with the public key)
# are never accepted, whatever the provider's discovery document says.
ALLOWED_ALGORITHMS = ("RS256", "PS256", "ES256")
LEEWAY_SECONDS = 60
TIMEOUT_SECONDS = 10
NAME = "oidc"
LOGOUT_STATE = "oidc_logout_state"
SIGNED_IN_WITH = "oidc_signed_in"
NEXT_PAGE = "oidc_next"


@dataclass
class Refusal(Exception):
    """Why a single sign-on attempt was refused: a title, what to do, and the HTTP status."""

    reason: str  # short, for the audit log
    title: str
    advice: str
    status: int = 400
    email: str = ""


class ProviderUnreachable(Exception):
    """The provider did not answer (or answered nonsense): a polite page, local sign-in stays."""


# --- settings ------------------------------------------------------------------------------


def enabled(app: Flask | None = None) -> bool:
    return bool((app or current_app).config.get("OIDC_ISSUER"))


def parse_role_map(raw: str, known_roles: set[str]) -> dict[str, set[str]]:
    """``"portal-leads=coproduction_lead,portal-admins=admin"`` → {claim value: {roles}}.

    A value may map to several roles (repeat it). An unknown role, or an entry without ``=``, stops
    start-up with the entry named: a typo would otherwise silently give nobody the role.
    """
    mapping: dict[str, set[str]] = {}
    for entry in (part.strip() for part in raw.replace("\n", ",").split(",")):
        if not entry:
            continue
        value, sep, role = (piece.strip() for piece in entry.rpartition("="))
        if not sep or not value or not role:
            raise ConfigError(f"COPROD_OIDC_ROLE_MAP entry '{entry}' is not of the form "
                              "group=role (for example portal-leads=coproduction_lead).")
        if role not in known_roles:
            raise ConfigError(f"COPROD_OIDC_ROLE_MAP maps '{value}' to '{role}', which is not a "
                              f"portal role. Known roles: {', '.join(sorted(known_roles))}.")
        mapping.setdefault(value, set()).add(role)
    return mapping


def _check_issuer(issuer: str) -> None:
    parts = urlsplit(issuer)
    loopback = parts.hostname in {"127.0.0.1", "localhost", "::1"}
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise ConfigError(f"COPROD_OIDC_ISSUER is '{issuer}'; it must be an https:// address "
                          "(plain http is allowed only on this machine, for testing).")


def check_settings(app: Flask) -> None:
    """Stop start-up with a clear message when the single sign-on settings do not fit together."""
    cfg = app.config
    if not cfg["LOCAL_SIGN_IN"]:
        if not enabled(app):
            raise ConfigError("COPROD_LOCAL_SIGN_IN is off but COPROD_OIDC_ISSUER is not set: "
                              "nobody could sign in. Set up single sign-on first.")
        if not cfg["BREAK_GLASS_EMAIL"]:
            raise ConfigError("COPROD_LOCAL_SIGN_IN is off: set COPROD_BREAK_GLASS_EMAIL to the one "
                              "administrator account that may still sign in with a password, for "
                              "when the identity provider is down.")
    if not enabled(app):
        return
    _check_issuer(cfg["OIDC_ISSUER"])
    for setting in ("OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET"):
        if not cfg[setting]:
            raise ConfigError(f"COPROD_OIDC_ISSUER is set but COPROD_{setting} is not. Copy it from "
                              "the application registered with your identity provider.")
    if "openid" not in cfg["OIDC_SCOPES"].split():
        raise ConfigError("COPROD_OIDC_SCOPES must include 'openid'.")
    if cfg["OIDC_ROLE_MAP"] and not cfg["OIDC_ROLES_CLAIM"]:
        raise ConfigError("COPROD_OIDC_ROLE_MAP is set but COPROD_OIDC_ROLES_CLAIM is not: name the "
                          "claim that holds groups or app roles (for example groups or roles).")


# --- the Authlib client ----------------------------------------------------------------------


class PortalProvider(FlaskOAuth2App):
    """Authlib's Flask client with the portal's checks on discovery and key fetching."""

    keys_fetched_at: datetime | None = None
    key_fetches: int = 0

    def load_server_metadata(self) -> dict[str, Any]:
        if "_loaded_at" in self.server_metadata:
            return self.server_metadata  # type: ignore[no-any-return]
        try:
            metadata = super().load_server_metadata()
        except (requests.RequestException, ValueError) as exc:
            raise ProviderUnreachable(str(exc)) from exc
        expected = current_app.config["OIDC_ISSUER"].rstrip("/")
        if str(metadata.get("issuer", "")).rstrip("/") != expected:
            found = metadata.get("issuer")
            self.server_metadata.clear()
            raise Refusal("discovery names another issuer", _("Single sign-on is not set up correctly"),
                          _("The identity provider says it is '%(found)s', not '%(expected)s'. Ask "
                            "your administrator to check COPROD_OIDC_ISSUER. Nothing was signed in.",
                            found=found, expected=expected), 400)
        metadata["id_token_signing_alg_values_supported"] = list(ALLOWED_ALGORITHMS)
        return metadata  # type: ignore[no-any-return]

    def fetch_jwk_set(self, force: bool = False) -> Any:
        """The provider's keys, kept until a token names a key id we do not have."""
        cached = self.server_metadata.get("jwks")
        if cached and not force:
            return cached
        try:
            keys = super().fetch_jwk_set(force=True)
        except (requests.RequestException, ValueError) as exc:
            raise ProviderUnreachable(str(exc)) from exc
        self.keys_fetched_at = utcnow()
        self.key_fetches += 1
        return keys


def init_app(app: Flask) -> None:
    check_settings(app)
    app.config["OIDC_ROLE_MAPPING"] = parse_role_map(app.config["OIDC_ROLE_MAP"],
                                                     set(app.extensions["coprod_roles"]))
    app.register_blueprint(bp)
    if not enabled(app):
        return
    oauth = OAuth(app)
    oauth.oauth2_client_cls = PortalProvider
    issuer = app.config["OIDC_ISSUER"].rstrip("/")
    oauth.register(
        NAME,
        client_id=app.config["OIDC_CLIENT_ID"],
        client_secret=app.config["OIDC_CLIENT_SECRET"],
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": app.config["OIDC_SCOPES"], "code_challenge_method": "S256",
                       "default_timeout": TIMEOUT_SECONDS},
    )
    app.extensions["coprod_oidc"] = oauth


def provider() -> PortalProvider:
    return current_app.extensions["coprod_oidc"].create_client(NAME)  # type: ignore[no-any-return]


def status(app: Flask) -> dict[str, Any]:
    """For the Admin and Plugins pages: whether SSO is configured, and when keys were fetched."""
    if not enabled(app):
        return {"configured": False, "local_sign_in": app.config["LOCAL_SIGN_IN"]}
    client = app.extensions["coprod_oidc"].create_client(NAME)
    return {"configured": True, "issuer": app.config["OIDC_ISSUER"],
            "provider_name": app.config["OIDC_PROVIDER_NAME"],
            "keys_fetched_at": client.keys_fetched_at, "local_sign_in": app.config["LOCAL_SIGN_IN"],
            "break_glass": app.config["BREAK_GLASS_EMAIL"]}


def form_action_sources(app: Flask) -> list[str]:
    """Origins the sign-out form may be sent on to (RP-initiated logout at the provider)."""
    if not enabled(app):
        return []
    parts = urlsplit(app.config["OIDC_ISSUER"])
    return [f"{parts.scheme}://{parts.netloc}"]


# --- views -----------------------------------------------------------------------------------


def _refused_page(refusal: Refusal) -> Any:
    _audit_refusal(refusal)
    return render_template("auth/sso_refused.html", refusal=refusal), refusal.status


def _unreachable_page() -> Any:
    audit.record(get_session(), Anonymous(), "single sign-on unavailable", "user",
                 detail="the identity provider did not answer")
    get_session().commit()
    headers = {"Retry-After": "120"}
    return render_template("auth/sso_unreachable.html"), 503, headers


@bp.route("/sign-in/sso")
def start() -> Any:
    """Send the person to the identity provider (a link, so no form needs another origin)."""
    if not enabled():
        return _refused_page(Refusal("single sign-on not configured", _("Single sign-on is not set up"),
                                     _("Sign in with your email address and password instead."), 404))
    redirect_uri = url_for("oidc.callback", _external=True)
    session[NEXT_PAGE] = safe_next(request.args.get("next"))
    try:
        return provider().authorize_redirect(redirect_uri)
    except ProviderUnreachable:
        return _unreachable_page()
    except Refusal as refusal:
        return _refused_page(refusal)


@bp.route("/sign-in/sso/callback")
def callback() -> Any:
    """The provider sends the person back here with a code (or an error)."""
    if not enabled():
        return _refused_page(Refusal("single sign-on not configured", _("Single sign-on is not set up"),
                                     _("Sign in with your email address and password instead."), 404))
    try:
        claims = _validated_claims()
        user = _account_for(claims)
    except ProviderUnreachable:
        return _unreachable_page()
    except Refusal as refusal:
        return _refused_page(refusal)
    login_user(user)
    session[SIGNED_IN_WITH] = True
    return redirect(session.pop(NEXT_PAGE, None) or url_for("core.home"))


@bp.route("/signed-out")
def signed_out() -> Any:
    """Where the provider sends the person back after signing them out there too (someone
    still signed in, in another tab, goes home instead of being told they are signed out)."""
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    expected = session.pop(LOGOUT_STATE, None)
    at_provider = bool(expected) and request.args.get("state") == expected
    return render_template("auth/signed_out.html", at_provider=at_provider)


def logout_response() -> Any | None:
    """After the portal session has ended: RP-initiated logout at the provider when it offers it
    and the person signed in through it; None means stay in the portal."""
    if not enabled() or not session.pop(SIGNED_IN_WITH, False):
        return None
    try:
        metadata = provider().load_server_metadata()
    except (ProviderUnreachable, Refusal):
        return None
    endpoint = metadata.get("end_session_endpoint")
    if not endpoint or not any(str(endpoint).startswith(origin + "/")
                               for origin in form_action_sources(current_app)):
        return None
    result = provider().create_logout_url(
        post_logout_redirect_uri=url_for("oidc.signed_out", _external=True),
        client_id=current_app.config["OIDC_CLIENT_ID"])
    session[LOGOUT_STATE] = result["state"]
    return redirect(result["url"])


# --- checking what came back -----------------------------------------------------------------


def _validated_claims() -> dict[str, Any]:
    """Exchange the code and check the ID token; every failure becomes a :class:`Refusal`."""
    error = request.args.get("error")
    if error == "access_denied":
        raise Refusal("the provider said access_denied", _("You did not sign in"),
                      _("Signing in with %(provider)s was cancelled or not allowed. Try again, or ask "
                        "your IT team whether your account may use this portal.", provider=_name()), 403)
    if error is not None:
        error = error[:60]
        raise Refusal(f"the provider said {error}", _("Signing in did not finish"),
                      _("%(provider)s could not sign you in (%(error)s). Try again from the sign-in "
                        "page; if it keeps happening, tell your IT team.", provider=_name(), error=error),
                      400)
    _check_response_issuer()
    try:
        token = provider().authorize_access_token(leeway=LEEWAY_SECONDS, claims_options=_claim_rules())
    except MismatchingStateError as exc:
        raise Refusal("state missing or not ours", _("This sign-in did not start here"),
                      _("The link was used already, was opened in another browser, or has expired. "
                        "Start signing in again from the sign-in page."), 400) from exc
    except OAuthError as exc:
        raise Refusal(f"the provider said {exc.error}", _("Signing in did not finish"),
                      _("%(provider)s did not accept this sign-in (%(error)s); the code may have been "
                        "used already. Start signing in again from the sign-in page.",
                        provider=_name(), error=exc.error), 400) from exc
    except JoseError as exc:
        raise Refusal(f"ID token refused: {type(exc).__name__}: {exc}"[:300],
                      _("Your sign-in could not be checked"),
                      _("The answer from the identity provider did not pass the portal's checks, "
                        "so nobody was signed in. Start again; if it happens again, tell your IT "
                        "team the time it happened."), 401) from exc
    except requests.RequestException as exc:
        raise ProviderUnreachable(str(exc)) from exc
    claims = token.get("userinfo")
    if not claims:
        raise Refusal("no ID token", _("Your sign-in could not be checked"),
                      _("The identity provider sent no ID token. Tell your IT team."), 401)
    return dict(claims)


def _check_response_issuer() -> None:
    """A provider that names itself in the answer (RFC 9207) must name the one we asked: an
    answer from another provider, swapped in on the way, is refused before its code is used."""
    named = request.args.get("iss")
    if named is not None and named != provider().load_server_metadata()["issuer"]:
        raise Refusal("the answer names another issuer",
                      _("This sign-in did not come from %(provider)s", provider=_name()),
                      _("Start signing in again from the sign-in page."), 400)


def _claim_rules() -> dict[str, Any]:
    """The issuer and audience every ID token must have. Authlib checks the audience only
    through ``azp`` unless told, so the client id is required in ``aud`` here."""
    issuer = provider().load_server_metadata()["issuer"]
    return {"iss": {"essential": True, "values": [issuer]},
            "aud": {"essential": True, "values": [current_app.config["OIDC_CLIENT_ID"]]}}


def _name() -> str:
    return str(current_app.config["OIDC_PROVIDER_NAME"])


def _email_from(claims: dict[str, Any]) -> str:
    cfg = current_app.config
    email = claims.get(cfg["OIDC_EMAIL_CLAIM"])
    if not isinstance(email, str) or "@" not in email:
        raise Refusal("no email address in the ID token", _("Your account has no email address"),
                      _("%(provider)s did not send an email address for you. Ask your IT team to "
                        "release the '%(claim)s' claim to this portal.", provider=_name(),
                        claim=cfg["OIDC_EMAIL_CLAIM"]), 403)
    email = accounts.normalise_email(email)
    if claims.get(cfg["OIDC_EMAIL_VERIFIED_CLAIM"]) is not True:
        raise Refusal("email address not verified", _("Your email address is not verified"),
                      _("%(provider)s says your email address (%(email)s) has not been verified, so "
                        "the portal cannot tell it is yours. Ask your IT team to verify it.",
                        provider=_name(), email=email), 403, email)
    return email


def _account_for(claims: dict[str, Any]) -> User:
    """The staff account for these checked claims: found (or created), active, roles applied."""
    db = get_session()
    email = _email_from(claims)
    issuer, subject = str(claims["iss"]), str(claims["sub"])
    identity = db.exec(select(UserIdentity).where(
        UserIdentity.issuer == issuer, UserIdentity.subject == subject)).first()
    user = db.get(User, identity.user_id) if identity else _first_sign_in(claims, email)
    if user is None:  # a foreign key makes this impossible; refused rather than trusted
        raise Refusal("linked account missing", _("Your account could not be found"),
                      _("Ask an administrator to check your account."), 403, email)
    if not user.active:
        raise Refusal("account deactivated", _("Your account has been closed"),
                      _("Your portal account is deactivated, so you cannot sign in, even though "
                        "%(provider)s accepted you. Ask an administrator if this is a mistake.",
                        provider=_name()), 403, email)
    changes = _apply_role_map(user, claims)
    for action, role in changes:
        audit.record(db, user, action, "user", user.id, user.display_name, detail=role)
    audit.record(db, user, "signed in with single sign-on", "user", user.id, user.display_name,
                 detail=f"issuer {claims.get('iss', '')}, subject {claims.get('sub', '')}"[:1000])
    db.commit()
    return user


def _first_sign_in(claims: dict[str, Any], email: str) -> User:
    """Link the account with this verified email (or a new one, if allowed) to this identity.

    An account already linked to someone else at the same provider is refused: the provider
    has given that email address to a second person, and only an administrator can tell who is
    who.
    """
    db = get_session()
    issuer, subject = str(claims["iss"]), str(claims["sub"])
    user = accounts.user_by_email(db, email)
    if user is None:
        if not current_app.config["OIDC_CREATE_ACCOUNTS"]:
            raise Refusal("no account for this email", _("You do not have an account on this portal yet"),
                          _("You signed in to %(provider)s as %(email)s, but the portal has no staff "
                            "account with that address. Ask an administrator to add you.",
                            provider=_name(), email=email), 403, email)
        user = _new_account(claims, email)
    elif db.exec(select(UserIdentity).where(UserIdentity.user_id == user.id,
                                            UserIdentity.issuer == issuer)).first():
        raise Refusal("account linked to another identity", _("This account belongs to someone else"),
                      _("The portal account for %(email)s is already used by a different "
                        "%(provider)s account. Ask an administrator to check which is yours.",
                        provider=_name(), email=email), 403, email)
    db.add(UserIdentity(user_id=user.id, issuer=issuer, subject=subject))
    audit.record(db, user, "single sign-on linked to account", "user", user.id, user.display_name,
                 detail=f"issuer {issuer}, subject {subject}"[:1000])
    return user


def _new_account(claims: dict[str, Any], email: str) -> User:
    name = claims.get("name") or " ".join(
        str(claims.get(part, "")) for part in ("given_name", "family_name")).strip() or email
    managed = {role for roles in current_app.config["OIDC_ROLE_MAPPING"].values() for role in roles}
    user = accounts.create_user(get_session(), email, str(name)[:200],
                                [] if "staff" in managed else ["staff"])
    audit.record(get_session(), user, "account created by single sign-on", "user", user.id,
                 user.display_name)
    return user


def _claim_values(claims: dict[str, Any]) -> set[str]:
    claim = current_app.config["OIDC_ROLES_CLAIM"]
    raw = claims.get(claim) if claim else None
    if isinstance(raw, str):
        return {raw}
    if isinstance(raw, list):
        return {value for value in raw if isinstance(value, str)}
    return set()


def _apply_role_map(user: User, claims: dict[str, Any]) -> list[tuple[str, str]]:
    """Give and take away the mapped roles; returns (audit action, role) for each change."""
    mapping: dict[str, set[str]] = current_app.config["OIDC_ROLE_MAPPING"]
    if not mapping:
        return []
    managed = {role for roles in mapping.values() for role in roles}
    granted = {role for value in _claim_values(claims) for role in mapping.get(value, set())}
    current = set(user.role_names)
    wanted = (current - managed) | granted
    if wanted == current:
        return []
    accounts.set_roles(user, sorted(wanted))
    return ([("role given by single sign-on", role) for role in sorted(wanted - current)]
            + [("role removed by single sign-on", role) for role in sorted(current - wanted)])


def _audit_refusal(refusal: Refusal) -> None:
    db = get_session()
    db.rollback()
    user = accounts.user_by_email(db, refusal.email) if refusal.email else None
    audit.record(db, Anonymous(), "single sign-on refused", "user", user.id if user else "",
                 refusal.email, detail=refusal.reason)
    db.commit()
