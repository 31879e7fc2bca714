"""Small frozen dataclasses that plugins return from hooks.

Plugins return these rather than free-form dicts so that a typo fails loudly at the
plugin's own line, and the core can rely on every field being there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
