"""Co-production Portal: a small Flask core that hosts pluggy plugins.

``create_app`` wires the core in a fixed order, one named step per line, in ``coprod_portal.app``:
settings → database → plugins → languages → security → services → sign-in → core pages → plugin
pages → start-up hooks. Nothing happens at import time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

__version__ = "0.1.0"

# Modules plugins may import. import-linter keeps plugins off everything else.
PUBLIC_MODULES = (
    "coprod_portal.hookspecs", "coprod_portal.types", "coprod_portal.db", "coprod_portal.audit",
    "coprod_portal.events", "coprod_portal.permissions", "coprod_portal.pages",
    "coprod_portal.forms", "coprod_portal.accounts", "coprod_portal.projects",
    "coprod_portal.testing", "coprod_portal.files", "coprod_portal.search",
    "coprod_portal.jobs", "coprod_portal.notifications", "coprod_portal.demo", "coprod_portal.keys",
    "coprod_portal.charts", "coprod_portal.freshness", "coprod_portal.i18n",
)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the portal (``coprod_portal.app`` holds the steps, in order). ``config`` overrides
    settings from the environment (tests use it)."""
    from .app import create_app as build

    return build(config)
