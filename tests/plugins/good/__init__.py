"""A well-behaved test plugin: it uses the contract the way an organisation's plugin would."""

from pathlib import Path

from flask import Blueprint, render_template
from markupsafe import Markup
from sqlmodel import Field, SQLModel, select

from coprod_portal.db import get_session, new_id
from coprod_portal.hookspecs import hookimpl
from coprod_portal.permissions import require
from coprod_portal.types import DashboardCard, Migrations, NavItem, Permission, ProjectPanel, Role

__version__ = "1.2.3"
PORTAL_VERSIONS = ">=0.1,<1"

bp = Blueprint("plugin_good", __name__, url_prefix="/good", template_folder="templates")


class GoodNote(SQLModel, table=True):
    __tablename__ = "good_note"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    text: str = Field(max_length=200)


@bp.route("/")
@require("good.view")
def index():
    notes = list(get_session().exec(select(GoodNote)))
    return render_template("good/index.html", notes=notes)


received_events: list[tuple[str, str, str]] = []


@hookimpl
def portal_blueprints(app):
    return bp


@hookimpl
def portal_migrations():
    return Migrations("good", Path(__file__).parent / "migrations")


@hookimpl
def portal_roles():
    return [Role("good_keeper", "Good keeper", "Keeps the good notes.")]


@hookimpl
def portal_permissions():
    return [Permission("good.view", "See good notes", ("good_keeper", "admin"))]


@hookimpl
def portal_nav_items(user):
    return [NavItem("Good notes", "plugin_good.index", order=50, permission="good.view")]


@hookimpl
def portal_dashboard_cards(user):
    return DashboardCard("Good card", "A card from the good plugin.", order=5)


@hookimpl
def portal_project_panels(project, user):
    return [ProjectPanel("Good panel", Markup("<p class='govuk-body'>Panel for ") + project.title
                         + Markup("</p>"))]


@hookimpl
def portal_project_stage_blockers(project, to_stage):
    if to_stage == "design" and "ready" not in project.summary:
        return ["Write “ready” in the summary before the design stage."]
    return None


@hookimpl
def portal_project_stage_changed(project_id, from_stage, to_stage):
    received_events.append((project_id, from_stage, to_stage))


@hookimpl
def portal_permission_allowed(user, action, obj):
    if action == "projects.view" and getattr(obj, "title", "") == "Secret project":
        return False
    return None


@hookimpl
def portal_seed_demo(session):
    if session.exec(select(GoodNote)).first() is None:
        session.add(GoodNote(text="The first good note"))
