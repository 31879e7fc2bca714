"""The tool's RSA keys: a key set per platform registration, kept in the database with each
private key encrypted (Fernet, with a key derived from the app's secret key; keys derived from
``SECRET_KEY_FALLBACKS`` still decrypt, so the secret key can be rotated, and
``flask lti re-encrypt-keys`` then moves every private key to the new secret).

Each registration signs its client assertions and deep-linking replies with its own key, so one
LMS never holds a key that could speak to another, and rotating one LMS's key leaves the others
alone. Rotation keeps the old key published for ``OVERLAP`` (longer than any token we sign
lives, and than an LMS is expected to cache our key set), so an LMS never meets an unknown key.

Keys are published in two places, both correct JWKS documents:

* ``/training/lti/platforms/<id>/jwks`` — one registration's keys. This is the address the
  admin page shows for copy-paste and the one dynamic registration sends, so each LMS fetches
  only its own keys and the set it caches stays small;
* ``/training/lti/jwks`` — every registration's published keys together. An LMS set up by hand
  usually asks for the tool's key-set address *before* it hands out the client id the portal's
  registration needs, so that address cannot name a registration yet; and LMSs set up before
  keys were per registration already use it. Both keep working with this one.

Loaded private keys are cached per process by key id: the PEM is decrypted and parsed once
(parsing an RSA private key costs ~28 ms), not per signature.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import current_app
from pylti1p3.registration import Registration
from sqlmodel import Session, col, or_, select

from coprod_portal.db import utcnow

from .models import TrainingPlatform, TrainingToolKey

OVERLAP = timedelta(hours=1)
_loaded: dict[str, Any] = {}


def _derived(secret: Any) -> Fernet:
    digest = hashlib.sha256(b"training-tool-key:" + str(secret).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _fernet() -> MultiFernet:
    """Encrypts with the secret key; also decrypts with every one in ``SECRET_KEY_FALLBACKS``."""
    secrets = [current_app.config["SECRET_KEY"], *(current_app.config.get("SECRET_KEY_FALLBACKS") or [])]
    return MultiFernet([_derived(secret) for secret in secrets])


def on_current_secret(token: str) -> bool:
    """Whether a stored private key is encrypted with the current secret key: decrypting with it
    alone tells, since Fernet tokens do not name their key (no key-id column to keep in step)."""
    try:
        _derived(current_app.config["SECRET_KEY"]).decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def reencrypted(token: str) -> str:
    """``token`` encrypted with the current secret key (it may have been made with a fallback)."""
    return _fernet().rotate(token.encode()).decode()


def new_key(session: Session, platform: TrainingPlatform) -> TrainingToolKey:
    """Generate an RSA key for ``platform``; the caller commits (before anything is signed)."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    jwk = dict(Registration.get_jwk(public_pem))
    jwk["kid"] = jwk.get("kid") or hashlib.sha256(public_pem.encode()).hexdigest()[:32]
    key = TrainingToolKey(
        kid=jwk["kid"],
        platform_id=platform.id,
        private_key=_fernet().encrypt(pem).decode(),
        public_jwk=json.dumps(jwk),
    )
    _loaded[key.kid] = private
    session.add(key)
    return key


def signing_key(session: Session, platform: TrainingPlatform) -> TrainingToolKey:
    """The key ``platform``'s messages are signed with now.

    A registration made before keys were per registration gets its key here, committed at
    once: a key must be published before anything signed with it leaves the portal.
    """
    key = session.exec(
        select(TrainingToolKey)
        .where(TrainingToolKey.platform_id == platform.id, col(TrainingToolKey.retired_at).is_(None))
        .order_by(col(TrainingToolKey.created_at).desc())
    ).first()
    if key is None:
        key = new_key(session, platform)
        session.commit()
    return key


def rotate(session: Session, platform: TrainingPlatform) -> TrainingToolKey:
    """A new signing key for ``platform``; its old one stays published for ``OVERLAP``, and keys
    retired longer ago are deleted (nothing signed with them is still valid). The caller commits."""
    now = utcnow()
    session.execute(
        sa.delete(TrainingToolKey).where(
            col(TrainingToolKey.platform_id) == platform.id,
            col(TrainingToolKey.retired_at) < now - OVERLAP,
        )
    )
    for key in session.exec(
        select(TrainingToolKey).where(
            TrainingToolKey.platform_id == platform.id, col(TrainingToolKey.retired_at).is_(None)
        )
    ):
        key.retired_at = now
    return new_key(session, platform)


def purge_retired(session: Session) -> int:
    """Delete keys whose overlap has ended (the periodic job calls this); the caller commits."""
    result = session.execute(
        sa.delete(TrainingToolKey).where(col(TrainingToolKey.retired_at) < utcnow() - OVERLAP)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def published(session: Session, platform_id: str | None = None) -> list[TrainingToolKey]:
    """Keys an LMS may meet: current ones and those retired less than ``OVERLAP`` ago; one
    registration's when ``platform_id`` is given, else every registration's."""
    query = select(TrainingToolKey).where(
        or_(
            col(TrainingToolKey.retired_at).is_(None),
            col(TrainingToolKey.retired_at) > utcnow() - OVERLAP,
        )
    )
    if platform_id is not None:
        query = query.where(TrainingToolKey.platform_id == platform_id)
    return list(session.exec(query.order_by(col(TrainingToolKey.created_at).desc())))


def jwks(session: Session, platform_id: str | None = None) -> dict[str, list[dict[str, Any]]]:
    """A JWKS document: ``{"keys": [...]}``, each with ``kid``, ``alg`` and ``use``."""
    return {"keys": [json.loads(key.public_jwk) for key in published(session, platform_id)]}


def published_until(key: TrainingToolKey) -> datetime | None:
    """When a retired key leaves the key set (None while it is current)."""
    return aware(key.retired_at) + OVERLAP if key.retired_at else None


def aware(moment: Any) -> Any:
    """SQLite hands back naive datetimes; the portal stores UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def private_pem(key: TrainingToolKey) -> str:
    return _fernet().decrypt(key.private_key.encode()).decode()


def private_key_object(key: TrainingToolKey) -> Any:
    """The loaded private key (cached by kid), for PyJWT: no PEM parsing per signature."""
    if key.kid not in _loaded:
        _loaded[key.kid] = serialization.load_pem_private_key(private_pem(key).encode(), password=None)
    return _loaded[key.kid]
