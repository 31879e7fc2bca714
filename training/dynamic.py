"""LTI Dynamic Registration (IMS LTI Dynamic Registration 1.0), from the tool's side.

A portal administrator makes a one-time registration link naming the LMS's host; the LMS
administrator pastes it into Moodle or Canvas, which opens it with ``openid_configuration`` and
``registration_token``. The portal then

1. fetches the LMS's OpenID configuration — only over https, only from the host the link names
   (redirects only within that host, a short timeout, a size cap): the address comes from the
   request, so anything else would let anyone make the portal fetch any address;
2. checks it (the issuer is on that host, the endpoints the portal needs are there);
3. posts the tool's registration to the LMS's ``registration_endpoint`` (same host again) with
   the registration token;
4. stores the answer as a **pending** registration with its own key set, which refuses
   launches until a portal administrator activates it.

The link is claimed atomically before any of this, so two concurrent uses cannot both register;
if a step fails the claim is released and nothing is stored, and the LMS administrator sees a
page saying what went wrong (the link works again once the problem is fixed).
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
import typing as t
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urljoin, urlparse

import requests
import sqlalchemy as sa
from flask import current_app, url_for
from sqlmodel import Session, col, select

from coprod_portal import audit
from coprod_portal.db import utcnow
from coprod_portal.i18n import _, _l, number

from . import keys
from .course import PLUGIN
from .lti import Refusal
from .models import TrainingPlatform, TrainingRegistrationLink

LINK_LIFETIME = timedelta(days=7)
MAX_BYTES = 256 * 1024
MAX_REDIRECTS = 2
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
SCOPES = (
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
    "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
)
LMS_ADVICE = _l(
    "Nothing was saved. Fix the problem and open the registration link again, or ask the "
    "portal's administrator for a new one."
)


# --- the host a link names -------------------------------------------------------------------


def normal_host(value: str) -> str | None:
    """``moodle.example.org`` (or with ``https://``, a port, a trailing slash) → ``host[:port]``;
    None when it is not a plain host name."""
    text = value.strip().lower()
    if not text:
        return None
    parts = urlparse(text if "://" in text else "https://" + text)
    try:
        port = parts.port
    except ValueError:
        return None
    if parts.scheme != "https" or not parts.hostname or parts.username or parts.password:
        return None
    if parts.path not in {"", "/"} or parts.query or parts.fragment or " " in text:
        return None
    return parts.hostname + (f":{port}" if port and port != 443 else "")


def on_host(url: str, lms_host: str) -> bool:
    """True when ``url`` is https on exactly the host (and port) the link names."""
    parts = urlparse(url)
    try:
        port = parts.port or 443
    except ValueError:
        return False
    host, _colon, wanted_port = lms_host.partition(":")
    return (
        parts.scheme == "https"
        and parts.username is None
        and parts.password is None
        and parts.hostname == host
        and port == int(wanted_port or 443)
    )


# --- links -----------------------------------------------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_link(
    session: Session, name: str, lms_host: str, creator: t.Any
) -> tuple[TrainingRegistrationLink, str]:
    """A new one-time link; returns it and its token, which is shown once and never stored."""
    token = secrets.token_urlsafe(32)
    link = TrainingRegistrationLink(
        token_hash=_digest(token),
        name=name.strip(),
        lms_host=lms_host,
        created_by=getattr(creator, "id", None),
        expires_at=utcnow() + LINK_LIFETIME,
    )
    session.add(link)
    audit.record(
        session,
        creator,
        "made an LTI registration link",
        "training_registration_link",
        link.id,
        link.name,
        plugin=PLUGIN,
        detail=f"for {lms_host}",
    )
    return link, token


def open_links(session: Session) -> list[TrainingRegistrationLink]:
    """Links not used yet and not expired, newest first."""
    return list(
        session.exec(
            select(TrainingRegistrationLink)
            .where(
                col(TrainingRegistrationLink.used_at).is_(None),
                col(TrainingRegistrationLink.expires_at) > utcnow(),
            )
            .order_by(col(TrainingRegistrationLink.created_at).desc())
        )
    )


def withdraw(session: Session, link: TrainingRegistrationLink, actor: t.Any) -> None:
    link.expires_at = utcnow()
    audit.record(
        session,
        actor,
        "withdrew an LTI registration link",
        "training_registration_link",
        link.id,
        link.name,
        plugin=PLUGIN,
    )


def find_link(session: Session, token: str) -> TrainingRegistrationLink | None:
    return session.exec(
        select(TrainingRegistrationLink).where(TrainingRegistrationLink.token_hash == _digest(token))
    ).first()


def _claim(session: Session, link: TrainingRegistrationLink) -> None:
    """Atomically mark the link used (one UPDATE wins), committed before any network call."""
    result = session.execute(
        sa.update(TrainingRegistrationLink)
        .where(
            col(TrainingRegistrationLink.id) == link.id,
            col(TrainingRegistrationLink.used_at).is_(None),
            col(TrainingRegistrationLink.expires_at) > utcnow(),
        )
        .values(used_at=utcnow())
    )
    session.commit()
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise _link_refusal(link)


def _release(session: Session, link: TrainingRegistrationLink) -> None:
    session.rollback()
    session.execute(
        sa.update(TrainingRegistrationLink)
        .where(
            col(TrainingRegistrationLink.id) == link.id,
            col(TrainingRegistrationLink.platform_id).is_(None),
        )
        .values(used_at=None)
    )
    session.commit()


def _link_refusal(link: TrainingRegistrationLink | None) -> Refusal:
    if link is None:
        return Refusal(
            _("This registration link is not valid"),
            _("The portal does not know this registration link. It may have been copied wrongly."),
            _("Ask the portal's administrator for a new registration link."),
            status=404,
        )
    if link.used_at is not None:
        return Refusal(
            _("This registration link has already been used"),
            _("Each registration link works once, and this one has registered an LMS already."),
            _("If you need to register again, ask the portal's administrator for a new link."),
            status=410,
        )
    return Refusal(
        _("This registration link has expired"),
        _("Registration links work for 7 days, or until the portal's administrator withdraws them."),
        _("Ask the portal's administrator for a new registration link."),
        status=410,
    )


# --- talking to the LMS ----------------------------------------------------------------------


def _settings() -> dict[str, t.Any]:
    return dict(current_app.config.get("PLUGIN_TRAINING") or {})


def _send(
    method: str, url: str, lms_host: str, bearer: str, body: dict[str, t.Any] | None = None
) -> tuple[int, bytes]:
    """One request to the LMS, following redirects only within its host (and only for GET)."""
    settings = _settings()
    timeout = float(settings.get("registration_timeout_seconds", 5))
    verify: t.Any = settings.get("lms_ca_bundle") or True
    headers = {"Accept": "application/json"}
    if bearer:
        headers["Authorization"] = f"Bearer {bearer}"
    for _attempt in range(MAX_REDIRECTS + 1):
        if not on_host(url, lms_host):
            raise Refusal(
                _("The LMS gave an address the portal will not contact"),
                _("The portal only talks to https://%(host)s for this registration (the host its "
                  "administrator named), and was asked to contact “%(address)s”.",
                  host=lms_host, address=url[:200]),
                LMS_ADVICE,
            )
        try:
            with requests.request(
                method,
                url,
                json=body,
                headers=headers,
                timeout=(min(timeout, 3.0), timeout),
                allow_redirects=False,
                stream=True,
                verify=verify,
            ) as response:
                if response.is_redirect and method == "GET":
                    url = urljoin(url, response.headers.get("Location", ""))
                    continue
                return response.status_code, _read_capped(response, time.monotonic() + 2 * timeout)
        except requests.exceptions.SSLError as exc:
            raise Refusal(
                _("The portal could not check the LMS's certificate"),
                _("The https certificate of %(host)s was not accepted: %(problem)s.",
                  host=lms_host, problem=_short(exc)),
                LMS_ADVICE,
                status=502,
            ) from exc
        except requests.Timeout as exc:
            raise Refusal(
                _("The LMS did not answer in time"),
                _("%(host)s did not answer within %(seconds)s seconds.", host=lms_host,
                  seconds=number(timeout)),
                LMS_ADVICE,
                status=504,
            ) from exc
        except requests.RequestException as exc:
            raise Refusal(
                _("The portal could not reach the LMS"),
                _("Connecting to %(host)s failed: %(problem)s.", host=lms_host, problem=_short(exc)),
                LMS_ADVICE,
                status=502,
            ) from exc
    raise Refusal(
        _("The LMS redirected the portal too many times"),
        _("Fetching the LMS's configuration from %(host)s was redirected more than %(most)s times.",
          host=lms_host, most=MAX_REDIRECTS),
        LMS_ADVICE,
        status=502,
    )


def _read_capped(response: requests.Response, deadline: float) -> bytes:
    body = b""
    for chunk in response.iter_content(16 * 1024):
        body += chunk
        if len(body) > MAX_BYTES:
            raise Refusal(
                _("The LMS's answer was too large"),
                _("The portal reads at most %(size)s KB from an LMS during registration.",
                  size=MAX_BYTES // 1024),
                LMS_ADVICE,
                status=502,
            )
        if time.monotonic() > deadline:
            raise requests.Timeout("the answer arrived too slowly")
    return body


def _short(exc: Exception) -> str:
    return str(exc).split("\n")[0][:200]


def _json(raw: bytes, title: str, explanation: str) -> dict[str, t.Any]:
    """The JSON object the LMS sent, or a refusal with ``title`` and ``explanation``."""
    try:
        data = json.loads(raw)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise Refusal(title, explanation, LMS_ADVICE, status=502)
    return data


@dataclass(frozen=True)
class PlatformConfiguration:
    """What the portal needs from the LMS's OpenID configuration."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    registration_endpoint: str
    audience: str
    product: str
    scopes: tuple[str, ...]
    deep_linking: bool


def fetch_configuration(url: str, lms_host: str, bearer: str) -> PlatformConfiguration:
    if not url:
        raise Refusal(
            _("The LMS did not say where its configuration is"),
            _("An LMS opening a registration link must add “openid_configuration” to it."),
            _("Paste the link into the LMS's dynamic registration (“Tool URL”) field, not a browser."),
        )
    status, raw = _send("GET", url, lms_host, bearer)
    if status != 200:
        raise Refusal(
            _("The LMS did not give its configuration"),
            _("Fetching %(address)s answered with HTTP status %(status)s.", address=url[:200], status=status),
            LMS_ADVICE,
            status=502,
        )
    data = _json(
        raw,
        _("The LMS's configuration could not be read"),
        _("The portal expected a JSON object for the LMS's configuration, and received something else."),
    )
    return check_configuration(data, lms_host)


def check_configuration(data: dict[str, t.Any], lms_host: str) -> PlatformConfiguration:
    """The spec's checks: the issuer is https on the LMS's host, the endpoints are there."""
    issuer = data.get("issuer")
    if not isinstance(issuer, str) or not on_host(issuer, lms_host):
        raise Refusal(
            _("The LMS's configuration names another issuer"),
            _("The issuer “%(issuer)s” is not an https address on %(host)s, the host the "
              "registration link was made for.", issuer=str(issuer)[:200], host=lms_host),
            LMS_ADVICE,
            status=502,
        )
    missing = [
        name
        for name in ("authorization_endpoint", "token_endpoint", "jwks_uri", "registration_endpoint")
        if not isinstance(data.get(name), str) or urlparse(data[name]).scheme != "https"
    ]
    if missing:
        raise Refusal(
            _("The LMS's configuration is incomplete"),
            _("These addresses are missing or not https: %(names)s.", names=", ".join(missing)),
            LMS_ADVICE,
            status=502,
        )
    algorithms = data.get("id_token_signing_alg_values_supported") or []
    if not isinstance(algorithms, list) or "RS256" not in algorithms:
        raise Refusal(
            _("The LMS does not sign launches the way the portal needs"),
            _("Its configuration does not list RS256 among the id_token signing algorithms."),
            LMS_ADVICE,
            status=502,
        )
    found = data.get(PLATFORM_CONFIGURATION)
    platform: dict[str, t.Any] = found if isinstance(found, dict) else {}
    supported = data.get("scopes_supported")
    scopes = tuple(s for s in SCOPES if not isinstance(supported, list) or s in supported)
    messages = platform.get("messages_supported")
    deep_linking = not isinstance(messages, list) or any(
        isinstance(m, dict) and m.get("type") == "LtiDeepLinkingRequest" for m in messages
    )
    return PlatformConfiguration(
        issuer=issuer,
        authorization_endpoint=data["authorization_endpoint"],
        token_endpoint=data["token_endpoint"],
        jwks_uri=data["jwks_uri"],
        registration_endpoint=data["registration_endpoint"],
        audience=str(data.get("authorization_server") or "")[:500],
        product=str(platform.get("product_family_code") or "")[:100],
        scopes=scopes,
        deep_linking=deep_linking,
    )


def tool_configuration(platform_id: str, config: PlatformConfiguration) -> dict[str, t.Any]:
    """The client registration the portal posts: its login, launch, deep-linking and key-set
    addresses, the claims it uses (no email: learners are known by issuer and subject), and the
    AGS and NRPS scopes the LMS offers."""
    launch = url_for("plugin_training.lti_launch", _external=True)
    messages = (
        [{"type": "LtiDeepLinkingRequest", "target_link_uri": launch, "label": "Add training modules"}]
        if config.deep_linking
        else []
    )
    return {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": url_for("plugin_training.lti_login", _external=True),
        "redirect_uris": [launch],
        "client_name": str(current_app.config.get("SERVICE_NAME") or "Training")[:100] + ": training",
        "jwks_uri": url_for("plugin_training.platform_jwks", platform_id=platform_id, _external=True),
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join(config.scopes),
        TOOL_CONFIGURATION: {
            "domain": urlparse(launch).netloc,
            "target_link_uri": launch,
            "description": "A course on co-production, written and delivered by network members.",
            "claims": ["iss", "sub", "name"],
            "messages": messages,
        },
    }


def post_registration(
    config: PlatformConfiguration, lms_host: str, bearer: str, body: dict[str, t.Any]
) -> dict[str, t.Any]:
    status, raw = _send("POST", config.registration_endpoint, lms_host, bearer, body)
    if status not in {200, 201}:
        reason = ""
        try:
            answer = json.loads(raw)
            if isinstance(answer, dict):
                reason = str(answer.get("error_description") or answer.get("error") or "")[:300]
        except ValueError:
            pass
        raise Refusal(
            _("The LMS refused the portal's registration"),
            _("The LMS answered with HTTP status %(status)s: “%(reason)s”.", status=status, reason=reason)
            if reason
            else _("The LMS answered with HTTP status %(status)s.", status=status),
            LMS_ADVICE,
            status=502,
        )
    answer = _json(
        raw,
        _("The LMS's answer to the registration could not be read"),
        _("The portal expected a JSON object for the LMS's answer to the registration, and received "
          "something else."),
    )
    if not isinstance(answer.get("client_id"), str) or not answer["client_id"].strip():
        raise Refusal(
            _("The LMS's answer to the registration had no client id"),
            _("The LMS accepted the registration but did not say which client id it gave the portal."),
            LMS_ADVICE,
            status=502,
        )
    return answer


# --- the whole exchange ----------------------------------------------------------------------


def register_from_lms(
    session: Session, token: str, openid_configuration: str, registration_token: str
) -> tuple[TrainingPlatform, TrainingRegistrationLink]:
    """Run the exchange for the link ``token``; returns the stored pending registration."""
    link = find_link(session, token)
    if link is None or link.used_at is not None or keys.aware(link.expires_at) <= utcnow():
        raise _link_refusal(link)
    _claim(session, link)
    try:
        return _register(session, link, openid_configuration, registration_token)
    except Refusal:
        _release(session, link)
        raise


def _register(
    session: Session, link: TrainingRegistrationLink, openid_configuration: str, bearer: str
) -> tuple[TrainingPlatform, TrainingRegistrationLink]:
    config = fetch_configuration(openid_configuration, link.lms_host, bearer)
    platform = TrainingPlatform(
        name=link.name,
        issuer=config.issuer,
        client_id="",
        auth_login_url=config.authorization_endpoint[:500],
        token_url=config.token_endpoint[:500],
        jwks_url=config.jwks_uri[:500],
        audience=config.audience,
        frame_origins=f"https://{link.lms_host}",
        status="pending",
    )
    answer = post_registration(config, link.lms_host, bearer, tool_configuration(platform.id, config))
    platform.client_id = answer["client_id"].strip()[:255]
    deployment = (answer.get(TOOL_CONFIGURATION) or {}).get("deployment_id")
    platform.deployment_ids = str(deployment).strip()[:255] if deployment else ""
    if session.exec(
        select(TrainingPlatform).where(
            TrainingPlatform.issuer == platform.issuer, TrainingPlatform.client_id == platform.client_id
        )
    ).first():
        raise Refusal(
            _("This LMS is already registered with the portal"),
            _("The portal already has a registration for %(issuer)s with client id %(client_id)s.",
              issuer=platform.issuer, client_id=platform.client_id),
            _("Nothing new was saved. Remove the duplicate tool from the LMS, or ask the portal's "
              "administrator to check the LTI platforms page."),
            status=409,
        )
    session.add(platform)
    session.flush()
    keys.new_key(session, platform)
    link.used_at, link.platform_id = utcnow(), platform.id
    session.add(link)
    audit.record(
        session,
        None,
        "an LMS registered itself (waiting for activation)",
        "training_platform",
        platform.id,
        platform.name,
        plugin=PLUGIN,
        detail=f"{config.product or 'LMS'} at {platform.issuer}, client id {platform.client_id}, "
        f"through registration link {link.id}",
    )
    session.commit()
    return platform, link
