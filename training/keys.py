"""The tool's RSA keys: generated once, kept in the database with the private key encrypted
(Fernet, with a key derived from the app's secret key), published at the JWKS endpoint.

Rotation keeps the old key published until tokens signed with it have expired (one hour), so
a platform that cached our JWKS never sees an unknown key. Loaded private keys are cached per
process by key id: the PEM is parsed once, not per signature.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import timedelta
from typing import Any

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import current_app
from pylti1p3.registration import Registration
from sqlmodel import Session, col, select

from coprod_portal.db import utcnow

from .models import TrainingToolKey

OVERLAP = timedelta(hours=1)
_loaded: dict[str, Any] = {}


def _fernet() -> Fernet:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(b"training-tool-key:" + secret).digest()))


def _new_key(session: Session) -> TrainingToolKey:
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
        kid=jwk["kid"], private_key=_fernet().encrypt(pem).decode(), public_jwk=json.dumps(jwk)
    )
    session.add(key)
    session.flush()
    return key


def current_key(session: Session) -> TrainingToolKey:
    """The key we sign with now (created on first use)."""
    key = session.exec(
        select(TrainingToolKey)
        .where(col(TrainingToolKey.retired_at).is_(None))
        .order_by(col(TrainingToolKey.created_at).desc())
    ).first()
    if key is None:
        key = _new_key(session)
        session.commit()
    return key


def rotate(session: Session) -> TrainingToolKey:
    """Make a new signing key; the old one stays published for ``OVERLAP``."""
    for key in session.exec(select(TrainingToolKey).where(col(TrainingToolKey.retired_at).is_(None))):
        key.retired_at = utcnow()
    new = _new_key(session)
    session.commit()
    return new


def jwks(session: Session) -> dict[str, list[dict[str, Any]]]:
    current_key(session)
    cutoff = utcnow() - OVERLAP
    keys = session.exec(select(TrainingToolKey).order_by(col(TrainingToolKey.created_at).desc())).all()
    return {
        "keys": [
            json.loads(k.public_jwk) for k in keys if k.retired_at is None or _aware(k.retired_at) > cutoff
        ]
    }


def _aware(moment: Any) -> Any:
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def private_pem(key: TrainingToolKey) -> str:
    return _fernet().decrypt(key.private_key.encode()).decode()


def private_key_object(key: TrainingToolKey) -> Any:
    """The loaded private key (cached by kid), for PyJWT: no PEM parsing per signature."""
    if key.kid not in _loaded:
        _loaded[key.kid] = serialization.load_pem_private_key(private_pem(key).encode(), password=None)
    return _loaded[key.kid]


def public_pem(key: TrainingToolKey) -> str:
    return (
        private_key_object(key)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
