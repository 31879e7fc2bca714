"""Co-production Portal: a small Flask core that hosts pluggy plugins.

``create_app`` wires the core in a fixed order: config → database → plugins → core pages →
plugin blueprints → navigation. Nothing happens at import time.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from flask import Flask, g, render_template, request
from flask_login import current_user
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

__version__ = "0.1.0"

log = logging.getLogger(__name__)

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
    """Build the portal. ``config`` overrides settings from the environment (tests use it)."""
    from . import (
        admin,
        audit_pages,
        auth,
        core_hooks,
        db,
        events,
        permissions,
        project_pages,
        security,
        subject_pages,
        web,
    )
    from . import config as config_module
    from .plugins import PluginHost

    instance = (config or {}).get("INSTANCE_PATH") or os.environ.get("COPROD_INSTANCE_PATH")
    app = Flask(__name__, instance_path=os.path.abspath(instance) if instance else None)
    config_module.load_config(app, config)
    _templates(app)
    db.init_app(app)
    host = PluginHost(app.config["PLUGINS"], app.config["PLUGINS_DIR"], __version__)
    host.register_core(core_hooks)
    host.load()
    app.extensions["coprod_plugins"] = host
    from . import i18n

    i18n.init_app(app)
    security.init_app(app)
    events.init_app(app)
    from . import inbox_pages, job_admin, jobs, notifications

    notifications.init_app(app)
    jobs.init_app(app)
    permissions.init_app(app)
    _collect_roles(app)
    auth.init_app(app)
    web.init_app(app)
    from . import files, search

    files.init_app(app)
    search.init_app(app)
    for blueprint in (admin.bp, project_pages.bp, audit_pages.bp, subject_pages.bp):
        app.register_blueprint(blueprint)
    job_admin.init_app(app)
    inbox_pages.init_app(app)
    from . import sign_in_links

    sign_in_links.init_app(app)
    _register_plugin_blueprints(app, host)
    host.call("portal_startup", app=app, reraise=(config_module.ConfigError,))
    _context(app)
    from .cli import init_app as cli_init

    cli_init(app)
    return app


def _templates(app: Flask) -> None:
    """Our templates first, then GOV.UK Frontend's macros under their prefixes."""
    app.jinja_loader = ChoiceLoader([
        FileSystemLoader(str(Path(__file__).parent / "templates")),
        PrefixLoader({
            "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
            "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
        }),
    ])
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.add_extension("jinja2.ext.do")
    WTFormsHelpers(app)


def _collect_roles(app: Flask) -> None:
    roles: dict[str, Any] = {}
    host = app.extensions["coprod_plugins"]
    for plugin, answer in host.call("portal_roles"):
        for role in answer if isinstance(answer, list | tuple) else [answer]:
            if role.name in roles:
                host.hook_failed(plugin, "portal_roles", ValueError(f"role {role.name} exists"))
                continue
            roles[role.name] = role
    app.extensions["coprod_roles"] = roles


def _register_plugin_blueprints(app: Flask, host: Any) -> None:
    """Register each plugin's blueprints, refusing names or URLs outside its own namespace."""
    for plugin, answer in host.call("portal_blueprints", app=app):
        for blueprint in answer if isinstance(answer, list | tuple) else [answer]:
            prefix = f"/{plugin}"
            if not blueprint.name.startswith(f"plugin_{plugin}") or not (
                blueprint.url_prefix or ""
            ).startswith(prefix):
                host.hook_failed(plugin, "portal_blueprints", ValueError(
                    f"blueprint '{blueprint.name}' must be named plugin_{plugin}… and mounted "
                    f"under {prefix}; it was not registered"))
                continue
            try:
                app.register_blueprint(blueprint)
            except Exception as exc:
                host.hook_failed(plugin, "portal_blueprints", exc)


def _context(app: Flask) -> None:
    from . import i18n
    from .pages import navigation
    from .permissions import can

    def _navigation_once() -> list[dict[str, Any]]:
        """Once per request: plugins' panels render partial templates through the same shell."""
        if "main_navigation" not in g:
            g.main_navigation = navigation(request.endpoint)
        return g.main_navigation

    @app.context_processor
    def shell() -> dict[str, Any]:
        signed_in = current_user.is_authenticated
        return {
            "organisation_name": app.config["ORGANISATION_NAME"],
            "service_name": app.config["SERVICE_NAME"],
            "footer_links": app.config["FOOTER_LINKS"],
            "main_navigation": _navigation_once() if signed_in else [],
            "can": can,
            # the account itself, not Flask-Login's proxy: a page reads it dozens of times
            "current_user": current_user._get_current_object(),  # type: ignore[attr-defined]
            "htmlLang": i18n.language(),
        }

    from .pages import reading_format_url, tag, url_for_each

    app.jinja_env.globals["render_template"] = render_template
    app.jinja_env.globals["reading_format_url"] = reading_format_url
    app.jinja_env.globals["url_for_each"] = url_for_each
    app.jinja_env.globals["govuk_tag"] = tag
