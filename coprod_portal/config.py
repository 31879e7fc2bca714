"""Settings from the environment (``COPROD_*``), with safe defaults.

Every setting can also be passed to ``create_app(config={...})``; tests do that.
Bad settings stop start-up with a :class:`ConfigError` that names the setting and the fix,
so an operator never has to read a traceback to find out what is wrong.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from flask import Flask

DEFAULT_STAGES = ("idea", "design", "development", "commissioning", "delivery", "review", "closed")


SECRET_KEY_MIN_LENGTH = 32
MAKE_SECRET_KEY = "python -c 'import secrets; print(secrets.token_urlsafe(48))'"


class ConfigError(RuntimeError):
    """A setting is missing or wrong; the message says which and how to fix it."""


def value_or_file(name: str, *, min_length: int = 1) -> str | None:
    """The setting ``name`` from the environment: the variable itself, else the contents of the
    file named by ``<name>_FILE`` (how systemd credentials and Kubernetes secrets arrive), else
    None. Both set is a ConfigError, since one of them would be silently ignored. A ``_FILE``
    that is missing, unreadable, empty or shorter than ``min_length`` is a ConfigError too:
    starting with no key, or half a key, would look like working until a second server disagrees.
    """
    value, path = os.environ.get(name), os.environ.get(f"{name}_FILE")
    if value and path:
        raise ConfigError(f"Both {name} and {name}_FILE are set. Set only one of them.")
    if path:
        value = _read_setting_file(f"{name}_FILE", path)
        source = f"The file named by {name}_FILE ({path})"
    else:
        source = name
    if not value:
        return None
    if len(value) < min_length:
        raise ConfigError(f"{source} holds {len(value)} characters; {name} needs at least {min_length}.")
    return value


def _read_setting_file(setting: str, path: str) -> str:
    try:
        text = Path(path).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "it is not text"
        raise ConfigError(f"{setting} names {path}, which cannot be read ({reason}).") from exc
    if not text:
        raise ConfigError(f"{setting} names {path}, which is empty.")
    return text


def list_or_file(name: str, *, min_length: int = 1) -> list[str]:
    """Like :func:`value_or_file` for a list: items separated by commas or new lines."""
    raw = value_or_file(name, min_length=min_length) or ""
    items = [part.strip() for part in raw.replace("\n", ",").split(",") if part.strip()]
    for item in items:
        if len(item) < min_length:
            raise ConfigError(f"Each key in {name} needs at least {min_length} characters.")
    return items


def shared_database(url: str | None) -> bool:
    """Whether the database can be shared by several servers: anything but SQLite. Keys must
    then come from the operator, the same on every server, not from one server's instance folder.
    A URL naming no database the portal can use is not called shared: the database check reports
    it with its own, more useful message."""
    if not url:
        return False
    try:
        backend = sa.engine.make_url(str(url)).get_dialect().name
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError):
        return False
    return backend != "sqlite"


def _env_list(name: str) -> list[str] | None:
    raw = os.environ.get(name)
    if raw is None:
        return None
    return [part.strip() for part in raw.split(",") if part.strip()]


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def defaults_from_environment() -> dict[str, Any]:
    """Read every COPROD_* variable; unset ones get the safe default."""
    env = os.environ
    return {
        "SECRET_KEY": value_or_file("COPROD_SECRET_KEY", min_length=SECRET_KEY_MIN_LENGTH)
        or env.get("SECRET_KEY"),
        "SECRET_KEY_FALLBACKS": list_or_file(
            "COPROD_SECRET_KEY_FALLBACKS", min_length=SECRET_KEY_MIN_LENGTH
        ),
        "DATABASE_URL": env.get("DATABASE_URL") or env.get("COPROD_DATABASE_URL"),
        "PLUGINS": _env_list("COPROD_PLUGINS") or ["builtins"],
        "PLUGINS_DIR": env.get("COPROD_PLUGINS_DIR"),
        "ORGANISATION_NAME": env.get("COPROD_ORGANISATION_NAME", "Example Care Trust"),
        "SERVICE_NAME": env.get("COPROD_SERVICE_NAME", "Co-production Portal"),
        "FOOTER_LINKS": {
            "accessibility": env.get("COPROD_ACCESSIBILITY_URL", ""),
            "privacy": env.get("COPROD_PRIVACY_URL", ""),
            "complaints": env.get(
                "COPROD_COMPLAINTS_URL", "https://ico.org.uk/make-a-complaint/"
            ),
        },
        # Who hears about accessibility problems (an email address, or words saying who), and
        # the day the accessibility statement was last checked against the portal (YYYY-MM-DD).
        "ACCESSIBILITY_CONTACT": env.get("COPROD_ACCESSIBILITY_CONTACT", "your co-production lead"),
        "ACCESSIBILITY_REVIEWED": env.get("COPROD_ACCESSIBILITY_REVIEWED", "2026-11-25"),
        "TRUSTED_USER_HEADER": env.get("COPROD_TRUSTED_USER_HEADER", ""),
        "PROXY_FIX": int(env.get("COPROD_PROXY_FIX", "0") or 0),
        "SESSION_COOKIE_SECURE": _env_bool("COPROD_SECURE_COOKIES", False),
        "PROJECT_STAGES": _env_list("COPROD_PROJECT_STAGES") or list(DEFAULT_STAGES),
        "TIMEZONE": env.get("COPROD_TIMEZONE", "Europe/London"),
        "LOGIN_LIMIT_PER_ACCOUNT": int(env.get("COPROD_LOGIN_LIMIT_PER_ACCOUNT", "5")),
        "LOGIN_LIMIT_PER_ADDRESS": int(env.get("COPROD_LOGIN_LIMIT_PER_ADDRESS", "30")),
        "LOGIN_LIMIT_MINUTES": int(env.get("COPROD_LOGIN_LIMIT_MINUTES", "15")),
        "PASSWORD_RESET_HOURS": int(env.get("COPROD_PASSWORD_RESET_HOURS", "48")),
        "PASSWORD_HASH_MEMORY_KIB": int(env.get("COPROD_PASSWORD_HASH_MEMORY_KIB", "65536")),
        "FILES_DIR": env.get("COPROD_FILES_DIR", ""),  # default: instance/files
        "FILES_STORAGE": env.get("COPROD_FILES_STORAGE", "local"),
        # COPROD_FILES_STORAGE=s3: the bucket (credentials come from boto3's chain or *_FILE).
        "S3_BUCKET": env.get("COPROD_S3_BUCKET", ""),
        "S3_ENDPOINT_URL": env.get("COPROD_S3_ENDPOINT_URL", ""),  # empty: AWS
        "S3_REGION": env.get("COPROD_S3_REGION", ""),
        "S3_PREFIX": env.get("COPROD_S3_PREFIX", ""),
        # Staff single sign-on with OpenID Connect (see coprod_portal/oidc.py and the README).
        "OIDC_ISSUER": env.get("COPROD_OIDC_ISSUER", "").strip(),
        "OIDC_CLIENT_ID": env.get("COPROD_OIDC_CLIENT_ID", "").strip(),
        "OIDC_CLIENT_SECRET": value_or_file("COPROD_OIDC_CLIENT_SECRET") or "",
        "OIDC_SCOPES": env.get("COPROD_OIDC_SCOPES", "openid email profile"),
        "OIDC_EMAIL_CLAIM": env.get("COPROD_OIDC_EMAIL_CLAIM", "email"),
        "OIDC_EMAIL_VERIFIED_CLAIM": env.get("COPROD_OIDC_EMAIL_VERIFIED_CLAIM", "email_verified"),
        "OIDC_ROLES_CLAIM": env.get("COPROD_OIDC_ROLES_CLAIM", ""),
        "OIDC_ROLE_MAP": env.get("COPROD_OIDC_ROLE_MAP", ""),
        "OIDC_CREATE_ACCOUNTS": _env_bool("COPROD_OIDC_CREATE_ACCOUNTS", False),
        "OIDC_PROVIDER_NAME": env.get("COPROD_OIDC_PROVIDER_NAME", "your work account"),
        "LOCAL_SIGN_IN": _env_bool("COPROD_LOCAL_SIGN_IN", True),
        "BREAK_GLASS_EMAIL": env.get("COPROD_BREAK_GLASS_EMAIL", "").strip().lower(),
        # Who may ask for a sign-in link by e-mail: members, everyone or off (see the README).
        "SIGN_IN_LINKS": env.get("COPROD_SIGN_IN_LINKS", "members").strip().lower(),
    }


def load_config(app: Flask, overrides: dict[str, Any] | None) -> None:
    """Fill app.config: environment first, then the caller's overrides, then derived values."""
    app.config.update(defaults_from_environment())
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        WTF_CSRF_TIME_LIMIT=None,  # long forms must not expire while someone is typing
        MAX_CONTENT_LENGTH=20 * 1024 * 1024,
    )
    app.config.update(overrides or {})
    instance = _ensure_instance_folder(Path(app.instance_path))
    if not app.config["DATABASE_URL"]:
        app.config["DATABASE_URL"] = f"sqlite:///{instance / 'portal.db'}"
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _secret_key_from(instance, app.config["DATABASE_URL"])
    if not app.config["PLUGINS_DIR"]:
        app.config["PLUGINS_DIR"] = str(instance / "plugins")
    app.config["REMEMBER_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"]
    _check_stages(app.config["PROJECT_STAGES"])
    _check_timezone(app.config["TIMEZONE"])
    _check_sign_in_links(app.config["SIGN_IN_LINKS"])


def _check_sign_in_links(value: str) -> None:
    if value not in ("members", "everyone", "off"):
        raise ConfigError(f"COPROD_SIGN_IN_LINKS is '{value}'. Use members (network members may ask "
                          "for a sign-in link by e-mail), everyone, or off.")


def _ensure_instance_folder(path: Path) -> Path:
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise ConfigError(
            f"The instance folder {path} cannot be created or written ({exc.strerror}). "
            "Fix its permissions, or point the portal elsewhere with COPROD_INSTANCE_PATH."
        ) from exc
    return path


def _secret_key_from(instance: Path, database_url: str) -> str:
    """Generate a secret on first run and keep it, so sessions survive restarts.

    Only with SQLite, where one machine serves the portal: with a shared database, each server
    would make its own key, and a session (or an LMS key) made on one would fail on the next.
    """
    if shared_database(database_url):
        raise ConfigError(
            "COPROD_SECRET_KEY (or COPROD_SECRET_KEY_FILE) must be set when the database is shared "
            "(DATABASE_URL is not SQLite): every server needs the same secret key. "
            f"Make one with {MAKE_SECRET_KEY}."
        )
    key_file = instance / "secret_key"
    if not key_file.exists():
        draft = instance / f".secret_key.{os.getpid()}"
        draft.write_text(secrets.token_urlsafe(48))
        draft.chmod(0o600)
        try:
            os.link(draft, key_file)  # atomic: if another worker won the race, keep theirs
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return key_file.read_text().strip()


def _check_timezone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            f"COPROD_TIMEZONE is '{name}', which is not a time zone name. "
            "Use a name like Europe/London."
        ) from exc


def _check_stages(stages: list[str]) -> None:
    if len(stages) < 2 or len(set(stages)) != len(stages):
        raise ConfigError(
            "COPROD_PROJECT_STAGES must list at least two different stage names, "
            "separated by commas (for example: idea,design,delivery,closed)."
        )
