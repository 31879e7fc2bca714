"""Text in someone else's language: notifications go to their reader, the audit log stays English."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask_babel import force_locale

from coprod_portal.accounts import User
from coprod_portal.i18n import DEFAULT_LANGUAGE, language_of, locale_code


@contextmanager
def in_language_of(session: Any, user_id: str | None) -> Iterator[None]:
    """Write a message in its reader's language (their stored choice, else the portal's default):
    it is sent during someone else's request."""
    user = session.get(User, user_id) if user_id else None
    chosen = language_of(getattr(user, "language", None)) or DEFAULT_LANGUAGE
    with force_locale(locale_code(chosen)):
        yield


def in_english(text: object) -> str:
    """A translatable label as the audit log stores it: in English, whoever acts."""
    with force_locale(locale_code(DEFAULT_LANGUAGE)):
        return str(text)
