"""The plugin contract: every hook the portal calls, and what it expects back.

This module is the documentation of the contract: each docstring is published in the
plugin author guide, and a test fails if a hook has none. Implement a hook with::

    from coprod_portal.hookspecs import hookimpl

    @hookimpl
    def portal_nav_items(user):
        return [NavItem("Members", "plugin_network.members", permission="network.view_members")]

A plugin may accept fewer arguments than the spec lists (pluggy passes only the ones it
names), so new arguments can be added without breaking existing plugins.

How the portal calls hooks: each implementation is called on its own. If one raises, the
error is logged, shown on the Plugins page, and that plugin's answer is skipped — except in
``portal_permission_allowed``, where an error counts as "no" so a broken plugin can never open
a door. Hooks that return lists may also return a single item or None.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from datetime import date

    from flask import Blueprint, Flask
    from sqlmodel import Session

    from .types import (
        ChecklistSection,
        DashboardCard,
        Migrations,
        NavItem,
        Permission,
        ProjectPanel,
        Reference,
        Role,
        TrainingModule,
    )

hookspec = pluggy.HookspecMarker("coprod_portal")
hookimpl = pluggy.HookimplMarker("coprod_portal")

# --- start-up ------------------------------------------------------------------------------


@hookspec
def portal_startup(app: Flask) -> None:
    """Called once when the app is created, after blueprints are registered.

    Use it to read your plugin's settings (``app.config["PLUGIN_<NAME>"]``) or register
    template filters. Do no database work here: the database may not be migrated yet.
    """


@hookspec
def portal_blueprints(app: Flask) -> Blueprint | list[Blueprint] | None:
    """Return the Flask blueprint(s) that serve your pages.

    A blueprint must be named ``plugin_<name>`` (or start with it) and be mounted under
    ``/<name>`` (its ``url_prefix``); the portal refuses others so that plugins never
    shadow each other's or the core's URLs. Templates go under ``templates/<name>/``
    inside your package, static files under ``static/``.
    """


@hookspec
def portal_migrations() -> Migrations | None:
    """Return where your Alembic revisions live (usually ``Path(__file__).parent / "migrations"``).

    Each plugin has its own version table (``alembic_version_<name>``), so switching a
    plugin off never blocks the migrations of the rest. Prefix your tables with your
    plugin's name. ``flask --app wsgi db upgrade`` applies the migrations of every enabled
    plugin after the core's.
    """


@hookspec
def portal_seed_demo(session: Session) -> None:
    """Add demo data for ``flask --app wsgi seed-demo``. Must be idempotent: it runs again
    on every ``make run``. Demo users already exist (see ``coprod_portal.demo``).
    """


# --- people, roles and permissions ---------------------------------------------------------


@hookspec
def portal_roles() -> list[Role] | None:
    """Declare roles your plugin adds (for example "network member", "trainer").

    Admins can then give them to users. Core roles are admin, coproduction_lead,
    safeguarding_lead, hr and staff. Line manager is a relation, not a role.
    """


@hookspec
def portal_permissions() -> list[Permission] | None:
    """Declare the permissions your plugin checks, named ``<plugin>.<action>``,
    with the roles that have them by default.
    """


@hookspec
def portal_permission_allowed(user: Any, action: str, obj: Any) -> bool | None:
    """Vote on whether ``user`` may do ``action`` to ``obj`` (obj may be None).

    Return False to refuse, True to allow (for example: the author of a record may read
    it), None to leave the decision to others. Any False wins over every True; if nobody
    says True or False, the user's roles decide. ``user`` may be anonymous or an LTI
    learner (``user.kind`` is "staff", "learner" or "anonymous").

    The audit log asks ``audit.view_event`` with the audit event as ``obj``: a plugin
    decides who may see the events it wrote (``event.plugin``).
    """


# --- pages ---------------------------------------------------------------------------------


@hookspec
def portal_nav_items(user: Any) -> list[NavItem] | None:
    """Return links for the main navigation; each is shown only if the user has its permission."""


@hookspec
def portal_dashboard_cards(user: Any) -> list[DashboardCard] | None:
    """Return small cards for the signed-in user's home page.

    Check what the user may see yourself: a card is shown as returned. Keep it cheap
    (one or two small queries): it runs on every home page view.
    """


# --- projects ------------------------------------------------------------------------------


@hookspec
def portal_project_panels(project: Any, user: Any) -> list[ProjectPanel] | None:
    """Return panels for a project's page (``project`` is a ``coprod_portal.projects.Project``).

    Only return what ``user`` may see.
    """


@hookspec
def portal_project_stage_blockers(project: Any, to_stage: str) -> list[str] | None:
    """Return reasons, written for the user, why ``project`` may not move to ``to_stage``.

    Any reason blocks the move; the reasons are shown on the stage form. Return an
    empty list or None when you have no objection.
    """


@hookspec
def portal_project_people(project: Any) -> list[str] | None:
    """Return the ids of users involved in ``project`` beyond its owner and team.

    The network plugin answers with the members involved; others may add theirs.
    """


@hookspec
def portal_checklist_sections(project: Any) -> list[ChecklistSection] | None:
    """Add checklist sections or items for ``project``.

    Set ``ChecklistItem.met`` when your plugin can tell on its own whether the item is
    met; leave it None when a person must answer.
    """


@hookspec
def portal_training_modules() -> list[TrainingModule] | None:
    """Add modules to the training course."""


# --- services one plugin offers to others --------------------------------------------------


@hookspec(firstresult=True)
def portal_record_involvement(
    user_id: str,
    project_id: str | None,
    role: str,
    on: date,
    hours: float,
    status: str,
    note: str,
) -> str | None:
    """Record that a person took part in co-production work; return the involvement's id.

    ``status`` is "pending" when someone still has to confirm and price it (training
    records its trainers' deliveries this way). The first plugin that answers wins — the
    network plugin does. Returns None when no plugin keeps involvement records: callers
    must cope with that.
    """


@hookspec(firstresult=True)
def portal_resolve_reference(ref: str, user: Any) -> Reference | None:
    """Turn a reference such as ``"lived_experience:contribution:<id>"`` into what to show.

    The plugin that owns the prefix answers; it returns ``Reference(withdrawn=True)`` when
    the record was withdrawn, and only a label the user may see. None means nobody
    recognised it (the owning plugin may be switched off).
    """


# --- events: called after the user's transaction has committed ----------------------------


@hookspec
def portal_project_stage_changed(project_id: str, from_stage: str, to_stage: str) -> None:
    """A project moved stage. Raised by the core after the change was committed."""


@hookspec
def portal_involvement_recorded(involvement_id: str, project_id: str | None) -> None:
    """An involvement was recorded (raised by the plugin that keeps involvement records)."""


@hookspec
def portal_contribution_submitted(contribution_id: str) -> None:
    """A staff lived-experience contribution was submitted. Carries no content, only the id."""


@hookspec
def portal_contribution_withdrawn(contribution_id: str) -> None:
    """A contribution was withdrawn: forget any copy, cache or quote of it now."""


@hookspec
def portal_training_completed(learner_id: str, module_key: str) -> None:
    """A learner (staff user or LTI learner) completed a training module."""
