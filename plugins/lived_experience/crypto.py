"""Encryption at rest for contribution text, content notes and topics (Fernet, from ``cryptography``).

The key comes from ``PLUGIN_LIVED_EXPERIENCE["keys"]`` in the app's config, else the
``COPROD_LIVED_EXPERIENCE_KEY`` environment variable or the file named by
``COPROD_LIVED_EXPERIENCE_KEY_FILE``: one Fernet key, or several separated by commas (or new
lines, in the file) for rotation (the first, newest, encrypts; every one decrypts). With none
set and SQLite, a key is generated once and kept in ``instance/lived_experience_key`` (readable
by the owner only), the way the portal keeps its secret key; with a shared database start-up
stops instead, since each server would make a different key and could not read the others'
contributions. Under ``TESTING`` it is derived from the test secret key, because the test
helpers copy one seeded database into many instance folders. Losing the key loses every
contribution: back it up apart from the database (see the README).
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import Flask, current_app

from coprod_portal.keys import ConfigError, list_or_file, shared_database

KEY_FILE = "lived_experience_key"
ENV = "COPROD_LIVED_EXPERIENCE_KEY"
MAKE_KEY = 'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'


class KeyProblem(ConfigError, ValueError):
    """The configured key cannot be used; the message names the setting and the fix."""


class Keyring(MultiFernet):
    """Every configured key (each decrypts), remembering the newest (which encrypts), so the
    re-encryption command can tell ciphertext already on it from ciphertext that is not."""

    def __init__(self, fernets: list[Fernet]) -> None:
        super().__init__(fernets)
        self.newest = fernets[0]

    def is_newest(self, token: str) -> bool:
        try:
            self.newest.decrypt(token.encode("ascii"))
        except InvalidToken:
            return False
        return True


def load_keys(app: Flask, configured: str | list[str] | None) -> Keyring:
    if configured is None:
        keys = list_or_file(ENV)
    else:
        raw = configured.split(",") if isinstance(configured, str) else configured
        keys = [k.strip() for k in raw if k and k.strip()]
    if not keys and app.config.get("TESTING"):
        keys = [_derived_key(app.config["SECRET_KEY"])]
    if not keys and shared_database(app.config.get("DATABASE_URL")):
        raise KeyProblem(
            f"{ENV} (or {ENV}_FILE) must be set when the database is shared (DATABASE_URL is not "
            "SQLite): every server needs the same key to read contributions. "
            f"Make one with `{MAKE_KEY}`."
        )
    if not keys:
        keys = [_instance_key(Path(app.instance_path))]
    try:
        return Keyring([Fernet(key.encode()) for key in keys])
    except ValueError as exc:
        raise KeyProblem(
            f"{ENV} must be one or more Fernet keys separated by commas (32 url-safe base64-encoded "
            f"bytes each; make one with `{MAKE_KEY}`)"
        ) from exc


def _derived_key(secret: str) -> str:
    """Tests only: the test helpers copy one migrated, seeded database into many instance folders,
    so the key must follow the (fixed) test secret rather than a file in one of those folders."""
    digest = hashlib.sha256(b"lived_experience:" + secret.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


def _instance_key(instance: Path) -> str:
    """Generate a key on first run and keep it, atomically, so every worker uses the same one."""
    instance.mkdir(parents=True, exist_ok=True)
    key_file = instance / KEY_FILE
    if not key_file.exists():
        draft = instance / f".{KEY_FILE}.{os.getpid()}"
        draft.write_text(Fernet.generate_key().decode())
        draft.chmod(0o600)
        try:
            os.link(draft, key_file)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return key_file.read_text().strip()


def _fernet() -> Keyring:
    return current_app.extensions["lived_experience_fernet"]


def encrypt(text: str | None) -> str | None:
    if text is None:
        return None
    return _fernet().encrypt(text.encode("utf-8")).decode("ascii")


def decrypt(token: str | None) -> str | None:
    """The plain text; raises KeyProblem if no configured key opens it."""
    if token is None:
        return None
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise KeyProblem(
            f"A contribution could not be decrypted with the keys in {ENV}: "
            "put the key it was written with back in the list"
        ) from exc


def rotate(token: str) -> str:
    """Re-encrypt with the first key (MultiFernet.rotate)."""
    return _fernet().rotate(token.encode("ascii")).decode("ascii")


def is_newest(token: str) -> bool:
    """Whether ``token`` is already encrypted with the first (newest) key."""
    return _fernet().is_newest(token)
