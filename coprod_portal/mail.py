"""E-mail over SMTP, configured by environment; used only by notifications.

No ``COPROD_SMTP_HOST`` means no e-mail at all: notifications reach the inbox only. A mail
server that refuses or cannot be reached raises :class:`MailError`, so the sending job
fails, is retried with back-off and shows on /admin/jobs.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Any

from flask import Flask

from .config import ConfigError


class MailError(RuntimeError):
    """The mail server did not take a message; the message says what to check."""


@dataclass(frozen=True)
class MailSettings:
    host: str
    port: int
    username: str
    password: str
    starttls: bool
    sender: str
    base_url: str
    timeout: float = 30.0


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    return default if raw is None else raw.strip().lower() in {"1", "true", "yes", "on"}


def init_app(app: Flask) -> None:
    """Read COPROD_SMTP_* , COPROD_MAIL_FROM and COPROD_BASE_URL; refuse half a configuration."""
    env = os.environ
    cfg = app.config
    cfg.setdefault("SMTP_HOST", env.get("COPROD_SMTP_HOST", ""))
    cfg.setdefault("SMTP_PORT", env.get("COPROD_SMTP_PORT", "587"))
    cfg.setdefault("SMTP_USERNAME", env.get("COPROD_SMTP_USERNAME", ""))
    cfg.setdefault("SMTP_PASSWORD", env.get("COPROD_SMTP_PASSWORD", ""))
    cfg.setdefault("SMTP_STARTTLS", _env_bool("COPROD_SMTP_STARTTLS", True))
    cfg.setdefault("MAIL_FROM", env.get("COPROD_MAIL_FROM", ""))
    cfg.setdefault("BASE_URL", env.get("COPROD_BASE_URL", ""))
    app.extensions["coprod_mail"] = _settings(cfg)


def _settings(cfg: Any) -> MailSettings | None:
    host = (cfg["SMTP_HOST"] or "").strip()
    if not host:
        return None
    try:
        port = int(cfg["SMTP_PORT"])
        if not 0 < port < 65536:
            raise ValueError
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"COPROD_SMTP_PORT is '{cfg['SMTP_PORT']}', which is not a port number. "
                          "Use the mail server's port, usually 587 (with STARTTLS) or 25.") from exc
    if not cfg["MAIL_FROM"] or "@" not in cfg["MAIL_FROM"]:
        raise ConfigError("COPROD_MAIL_FROM must be set to the address e-mails come from (for example "
                          "portal@your-organisation.org) when COPROD_SMTP_HOST is set.")
    base_url = (cfg["BASE_URL"] or "").rstrip("/")
    if not base_url.startswith(("https://", "http://")):
        raise ConfigError("COPROD_BASE_URL must be set to the address people open the portal at (for "
                          "example https://portal.your-organisation.org) when COPROD_SMTP_HOST is set, "
                          "so that e-mails can link to it.")
    if cfg["SMTP_USERNAME"] and not cfg["SMTP_PASSWORD"]:
        raise ConfigError("COPROD_SMTP_USERNAME is set but COPROD_SMTP_PASSWORD is not. Set both, or "
                          "neither when the mail server needs no sign-in.")
    starttls = cfg["SMTP_STARTTLS"]
    if isinstance(starttls, str):
        starttls = starttls.strip().lower() in {"1", "true", "yes", "on"}
    return MailSettings(host, port, cfg["SMTP_USERNAME"], cfg["SMTP_PASSWORD"], bool(starttls),
                        cfg["MAIL_FROM"], base_url)


def settings(app: Flask) -> MailSettings | None:
    """The mail settings, or None when e-mail is not set up (inbox only)."""
    return app.extensions.get("coprod_mail")


def message(settings: MailSettings, to: str, subject: str, text: str, html: str | None,
            sender_name: str) -> EmailMessage:
    """A message with a plain-text part and, unless ``html`` is None, an HTML alternative."""
    msg = EmailMessage()
    msg["From"] = formataddr((sender_name, settings.sender))
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain=settings.sender.rsplit("@", 1)[-1])
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    return msg


def deliver(settings: MailSettings, msg: EmailMessage) -> None:
    """Hand the message to the SMTP server; raise MailError with what to check if it fails."""
    where = f"{settings.host}:{settings.port}"
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as smtp:
            if settings.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.username:
                smtp.login(settings.username, settings.password)
            smtp.send_message(msg)
    except smtplib.SMTPAuthenticationError as exc:
        raise MailError(f"The mail server {where} refused the sign-in ({exc.smtp_code}). Check "
                        "COPROD_SMTP_USERNAME and COPROD_SMTP_PASSWORD.") from exc
    except smtplib.SMTPNotSupportedError as exc:
        raise MailError(f"The mail server {where} does not offer STARTTLS. Set COPROD_SMTP_STARTTLS="
                        "false only if the server is on a trusted network.") from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"The mail server {where} could not be reached or did not take the message "
                        f"({type(exc).__name__}: {exc}). Check COPROD_SMTP_HOST and COPROD_SMTP_PORT "
                        "and that the server is running; the message will be tried again.") from exc
