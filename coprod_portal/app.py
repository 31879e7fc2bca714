"""Building the portal: ``create_app`` wires the core and the plugins, one named step per line.

The order matters and is written beside each step. Everything here runs once per process, at
start-up; ``coprod_portal.create_app`` imports this module only when it is called, so importing a
public module (``coprod_portal.db`` in a plugin, say) never builds anything.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask, g, render_template, request
from flask_login import current_user
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

from . import (
    __version__,
    accounts,
    admin,
    audit_pages,
    auth,
    cli,
    core_hooks,
    db,
    events,
    files,
    forms,
    i18n,
    inbox_pages,
    job_admin,
    jobs,
    notifications,
    oidc,
    permissions,
    project_pages,
    search,
    security,
    sign_in_links,
    subject_pages,
    web,
)
from . import config as config_module
from .pages import navigation, reading_format_url, tag, url_for_each
from .permissions import can
from .plugins import PluginHost


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the portal. ``config`` overrides settings from the environment (tests use it)."""
    instance = (config or {}).get("INSTANCE_PATH") or os.environ.get("COPROD_INSTANCE_PATH")
    app = Flask("coprod_portal", instance_path=os.path.abspath(instance) if instance else None)
    config_module.load_config(app, config)  # settings first: every step below reads them
    _templates(app)
    db.init_app(app)
    _plugins(app)  # loaded before anything asks them: every later step may call a hook
    i18n.init_app(app, stored_language=accounts.stored_language)  # the plugins' catalogues too
    forms.init_app(app)
    security.init_app(app, form_action_sources=oidc.form_action_sources(app))
    events.init_app(app)
    notifications.init_app(app)
    jobs.init_app(app)  # after notifications: e-mail goes out as a job
    permissions.init_app(app)
    _collect_roles(app)  # core roles and the plugins'; sign-in maps provider groups onto them
    auth.init_app(app)
    web.init_app(app)
    files.init_app(app)
    search.init_app(app)
    for blueprint in (admin.bp, project_pages.bp, audit_pages.bp, subject_pages.bp):
        app.register_blueprint(blueprint)
    job_admin.init_app(app)
    inbox_pages.init_app(app)
    sign_in_links.init_app(app)
    _register_plugin_blueprints(app, app.extensions["coprod_plugins"])  # after the core's URLs
    app.extensions["coprod_plugins"].call("portal_startup", app=app, reraise=(config_module.ConfigError,))
    _context(app)
    cli.init_app(app)
    return app


def _plugins(app: Flask) -> None:
    """Find, allow-list and load the plugins (the core's own hooks first)."""
    host = PluginHost(app.config["PLUGINS"], app.config["PLUGINS_DIR"], __version__)
    host.register_core(core_hooks)
    host.load()
    app.extensions["coprod_plugins"] = host


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

    app.jinja_env.globals["render_template"] = render_template
    app.jinja_env.globals["reading_format_url"] = reading_format_url
    app.jinja_env.globals["url_for_each"] = url_for_each
    app.jinja_env.globals["govuk_tag"] = tag
