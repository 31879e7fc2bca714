"""Small frozen dataclasses that plugins return from hooks.

Plugins return these rather than free-form dicts so that a typo fails loudly at the
plugin's own line, and the core can rely on every field being there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from markupsafe import Markup


@dataclass(frozen=True)
class Role:
    """A role users can be given; ``name`` is stored, ``label`` is shown."""

    name: str
    label: str
    description: str = ""


@dataclass(frozen=True)
class Permission:
    """An action a plugin guards, named ``<plugin>.<action>``, with the roles that have it."""

    name: str
    description: str
    default_roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class NavItem:
    """A link in the main navigation, shown only when ``can(user, permission)``."""

    label: str
    endpoint: str
    order: int = 100
    permission: str | None = None


@dataclass(frozen=True)
class DashboardCard:
    """A small card on the home page. ``body`` is escaped unless it is a Markup."""

    title: str
    body: str | Markup
    link_text: str | None = None
    endpoint: str | None = None
    endpoint_args: dict[str, Any] = field(default_factory=dict)
    order: int = 100


@dataclass(frozen=True)
class ProjectPanel:
    """A section of a project's page; ``html`` is already rendered by the plugin."""

    title: str
    html: Markup
    order: int = 100


@dataclass(frozen=True)
class ChecklistItem:
    """One question a project must answer; ``met`` is None when it cannot be checked automatically."""

    key: str
    text: str
    hint: str = ""
    met: bool | None = None


@dataclass(frozen=True)
class ChecklistSection:
    """A group of checklist items that belongs to a project stage."""

    key: str
    title: str
    stage: str
    items: tuple[ChecklistItem, ...] = ()


@dataclass(frozen=True)
class TrainingModule:
    """A course module any plugin may add; ``endpoint`` opens it."""

    key: str
    title: str
    summary: str
    endpoint: str
    endpoint_args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Migrations:
    """Where a plugin keeps its Alembic revisions; they are tracked in their own version table."""

    plugin: str
    directory: Path


@dataclass(frozen=True)
class Reference:
    """What a reference to another plugin's record resolves to when it is shown.

    ``withdrawn`` is True when the record was withdrawn: show that, never the old content.
    """

    label: str
    url: str | None = None
    withdrawn: bool = False


# --- subject access and erasure --------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """Whom a subject access or erasure request is about.

    ``user_id`` is None when the person has no portal account; plugins that keep records
    about people without accounts (for example network members) match on ``email``.
    """

    email: str
    user_id: str | None = None
    display_name: str = ""


@dataclass(frozen=True)
class SubjectRecords:
    """What one plugin holds about a person: a titled section of simple records.

    Each record maps a field name, in words, to a value (text, number, date or None), so the
    download reads well both as JSON and as a web page.
    """

    section: str
    records: tuple[dict[str, Any], ...] = ()
    note: str = ""


@dataclass(frozen=True)
class ErasureReport:
    """What one plugin erased or anonymised, and what it had to keep and why."""

    section: str
    erased: tuple[str, ...] = ()
    kept: tuple[tuple[str, str], ...] = ()  # (what was kept, why the law or our duties need it)


@dataclass(frozen=True)
class StoredFile:
    """An uploaded file as the core keeps it (``coprod_portal.files``); the bytes are in storage.

    ``filename`` is the uploader's file name, cleaned for display. ``kind`` is what the
    content was found to be ("pdf", "png", "jpeg", "docx", "vtt" or "txt"), whatever the
    name or the browser claimed. ``purpose`` and ``subject_ref`` are the owning plugin's own
    words (for example "receipt" and "network:claim:<id>").
    """

    id: str
    plugin: str
    purpose: str
    filename: str
    kind: str
    content_type: str
    size: int
    sha256: str
    created_at: datetime
    uploaded_by: str | None = None
    subject_ref: str | None = None


@dataclass(frozen=True)
class SearchResult:
    """One search hit. ``url`` must be a path in the portal (``url_for(...)``);
    ``summary`` is plain text (escaped when shown); ``group`` is the heading it is listed
    under (empty: the plugin's name).
    """

    title: str
    url: str
    summary: str = ""
    group: str = ""


@dataclass(frozen=True)
class Suggestion:
    """A record offered to someone where they are working, for example a practice example shown
    under the checklist item it illustrates: a title, a portal path, and a line saying what it is."""

    title: str
    url: str
    summary: str = ""


# --- background jobs -------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    """A background job a plugin declares through ``portal_jobs``; run it with ``jobs.enqueue``.

    ``name`` is ``<plugin>.<job>`` (for example ``"network.send_reminder"``). ``function`` is
    called with the keyword arguments given to ``jobs.enqueue``, inside an app context with
    its own database session (``db.get_session()``; commit your work yourself). When it
    raises, the job is tried again up to ``retries`` times, waiting ``retry_delay_seconds``
    and then twice as long each time (up to an hour); every failure is shown to admins.
    """

    name: str
    function: Any
    retries: int = 5
    retry_delay_seconds: int = 60
    description: str = ""


@dataclass(frozen=True)
class PeriodicJob:
    """A job that runs on a schedule, declared through ``portal_periodic_jobs``.

    ``cron`` has the five crontab fields "minute hour day month day-of-week", in UTC, with
    day-of-week 0 for Sunday: ``"0 3 * * *"`` is every night at 03:00, ``"*/15 * * * *"``
    every quarter of an hour, ``"30 6 * * 1-5"`` weekdays at 06:30. ``function`` takes no
    arguments; it runs like a ``Job`` (app context, own session, retries, failures shown).
    """

    name: str
    function: Any
    cron: str = "0 3 * * *"
    description: str = ""
    retries: int = 2
    retry_delay_seconds: int = 300
