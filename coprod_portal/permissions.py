"""``can(user, action, obj)``: the one place access is decided.

Plugins vote first through ``portal_permission_allowed``: any False refuses, whatever else
anyone says; otherwise any True allows (for example: the author of a record may read it).
When nobody votes, the user's roles decide, from the default roles each permission was
declared with. An unknown action is refused, so a typo can never open a page.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, abort, current_app, g, has_request_context
from flask_login import current_user
from werkzeug.local import LocalProxy

from .types import Permission

F = TypeVar("F", bound=Callable[..., Any])

CORE_PERMISSIONS = [
    Permission("core.view_home", "See the home page", ("admin", "coproduction_lead",
               "safeguarding_lead", "hr", "staff")),
    Permission("projects.view", "See the project register and project pages",
               ("admin", "coproduction_lead", "safeguarding_lead", "hr", "staff")),
    Permission("projects.create", "Start a project", ("admin", "coproduction_lead", "staff")),
    Permission("projects.edit", "Change a project's details and team",
               ("admin", "coproduction_lead")),
    Permission("projects.change_stage", "Move a project to another stage",
               ("admin", "coproduction_lead")),
    Permission("audit.view", "Open the audit log", ("admin", "coproduction_lead",
               "safeguarding_lead", "hr", "staff")),
    Permission("audit.view_event", "See one audit event", ("admin",)),
    Permission("admin.index", "Open the administration page", ("admin",)),
    Permission("admin.users", "Manage users, roles and password resets", ("admin",)),
    Permission("admin.plugins", "See the plugins page", ("admin",)),
    Permission("admin.subject_access", "Answer subject access and erasure requests", ("admin",)),
    Permission("search.use", "Use the search page", ("admin", "coproduction_lead",
               "safeguarding_lead", "hr", "staff")),
    Permission("admin.jobs", "See background jobs and their failures, and try failed jobs again",
               ("admin",)),
    Permission("inbox.use", "Read your own inbox and choose how you are contacted",
               ("admin", "coproduction_lead", "safeguarding_lead", "hr", "staff")),
]


class PermissionRegistry:
    """Every declared permission and the roles that hold it."""

    def __init__(self) -> None:
        self.permissions: dict[str, Permission] = {}

    def add(self, permission: Permission, owner: str) -> None:
        if permission.name in self.permissions:
            raise ValueError(f"{owner} declares {permission.name}, which is already declared")
        self.permissions[permission.name] = permission

    def role_allows(self, roles: frozenset[str], action: str) -> bool:
        permission = self.permissions.get(action)
        return permission is not None and bool(roles & set(permission.default_roles))


def init_app(app: Flask) -> None:
    """Collect the core's and every plugin's permissions once, at start-up."""
    registry = PermissionRegistry()
    for permission in CORE_PERMISSIONS:
        registry.add(permission, "core")
    host = app.extensions["coprod_plugins"]
    for plugin, answer in host.call("portal_permissions"):
        for permission in answer if isinstance(answer, list | tuple) else [answer]:
            try:
                registry.add(permission, plugin)
            except ValueError as exc:
                host.hook_failed(plugin, "portal_permissions", exc)
    app.extensions["coprod_permissions"] = registry


def can(user: Any, action: str, obj: Any = None) -> bool:
    """May ``user`` do ``action`` (to ``obj``)? Inactive and anonymous users get plugin votes only.

    Without an object the answer depends only on the person and the action, so it is worked
    out once per request: the navigation, the cards and the view ask the same questions.
    """
    registry: PermissionRegistry = current_app.extensions["coprod_permissions"]
    if action not in registry.permissions:
        return False
    if isinstance(user, LocalProxy):  # current_user: each attribute read through it finds the user again
        user = user._get_current_object()
    if obj is not None or not has_request_context():
        return _decide(registry, user, action, obj)
    key: tuple[Any, ...] = (getattr(user, "kind", "anonymous"), getattr(user, "id", None),
           getattr(user, "is_active", False), getattr(user, "role_names", frozenset()), action)
    answers: dict[tuple[Any, ...], bool] = g.setdefault("permission_answers", {})
    if key not in answers:
        answers[key] = _decide(registry, user, action, None)
    return answers[key]


def _decide(registry: PermissionRegistry, user: Any, action: str, obj: Any) -> bool:
    """Plugin votes first (any False wins, then any True), else the user's roles."""
    if getattr(user, "kind", "anonymous") == "staff" and not user.is_active:
        return False
    host = current_app.extensions["coprod_plugins"]
    votes = [vote for _, vote in host.call(
        "portal_permission_allowed", deny_on_error=True, user=user, action=action, obj=obj
    )]
    if False in votes:
        return False
    if True in votes:
        return True
    if action == "audit.view_event" and getattr(obj, "plugin", "core") != "core":
        return False  # a plugin's events are shown only to those the plugin itself allows
    return registry.role_allows(getattr(user, "role_names", frozenset()), action)


def require(action: str) -> Callable[[F], F]:
    """View decorator: sign-in page for visitors, a helpful 403 for those without the permission."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
            if not can(current_user, action):
                abort(403, description=action)
            return view(*args, **kwargs)

        wrapped.required_permission = action  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorate


def ensure(action: str, obj: Any) -> None:
    """Inside a view, after fetching a record: 403 unless the user may act on this very object."""
    if not can(current_user, action, obj):
        abort(403, description=action)
