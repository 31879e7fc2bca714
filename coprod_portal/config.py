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

from flask import Flask

DEFAULT_STAGES = ("idea", "design", "development", "commissioning", "delivery", "review", "closed")


class ConfigError(RuntimeError):
    """A setting is missing or wrong; the message says which and how to fix it."""


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
        "SECRET_KEY": env.get("COPROD_SECRET_KEY") or env.get("SECRET_KEY"),
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
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _secret_key_from(instance)
    if not app.config["DATABASE_URL"]:
        app.config["DATABASE_URL"] = f"sqlite:///{instance / 'portal.db'}"
    if not app.config["PLUGINS_DIR"]:
        app.config["PLUGINS_DIR"] = str(instance / "plugins")
    app.config["REMEMBER_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"]
    _check_stages(app.config["PROJECT_STAGES"])
    _check_timezone(app.config["TIMEZONE"])


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


def _secret_key_from(instance: Path) -> str:
    """Generate a secret on first run and keep it, so sessions survive restarts."""
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
