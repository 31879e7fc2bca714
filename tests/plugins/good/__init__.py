"""A well-behaved test plugin: it uses the contract the way an organisation's plugin would."""

from pathlib import Path

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovSubmitInput, GovTextInput
from markupsafe import Markup
from sqlmodel import Field, SQLModel, select
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired

from coprod_portal import files, search
from coprod_portal.db import get_session, new_id
from coprod_portal.forms import PortalForm, csrf_checked_by_form
from coprod_portal.hookspecs import hookimpl
from coprod_portal.permissions import can, require
from coprod_portal.types import (
    DashboardCard,
    Migrations,
    NavItem,
    Permission,
    ProjectPanel,
    Role,
    SearchResult,
)

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


HANDOUT_MAX_BYTES = 100 * 1024  # smaller than the portal's limit, to show a per-call limit


class HandoutForm(PortalForm):
    title = StringField("Title of the handout", widget=GovTextInput(),
                        validators=[DataRequired("Enter the title of the handout")])
    upload = FileField("Handout file", widget=GovFileInput(),
                       description="A PDF, PNG, JPG or Word document, smaller than 100 KB")
    submit = SubmitField("Upload handout", widget=GovSubmitInput())


@bp.route("/handouts", methods=["GET", "POST"])
@require("good.view")
@csrf_checked_by_form
def handouts():
    """A real upload form: the title is kept when the file is refused."""
    form = HandoutForm()
    if form.validate_on_submit():
        session = get_session()
        note = GoodNote(text=form.title.data.strip())
        try:
            files.save_upload(form.upload.data, plugin="good", purpose="handout",
                              allowed=("pdf", "png", "jpeg", "docx"), max_bytes=HANDOUT_MAX_BYTES,
                              subject_ref=f"good:note:{note.id}")
        except files.UploadRefused as refusal:
            form.upload.errors = [refusal.message]
        else:
            session.add(note)
            session.commit()
            flash(f"Handout “{note.text}” uploaded.", "success")
            return redirect(url_for("plugin_good.handouts"))
    notes = {note.id: note for note in get_session().exec(select(GoodNote))}
    listed = [(notes.get((f.subject_ref or "").rsplit(":", 1)[-1]), f)
              for f in files.find("good", purpose="handout")]
    return render_template("good/handouts.html", form=form, handouts=listed), 400 if form.errors else 200


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
def portal_file_allowed(file, user):
    """Handouts: whoever may see good notes. Receipts: only the person who uploaded them."""
    if file.plugin != "good":
        return None
    if file.purpose == "handout":
        return True if can(user, "good.view") else None
    if file.purpose == "receipt":
        return getattr(user, "id", None) == file.uploaded_by
    return None


@hookimpl
def portal_search(query, user):
    """Good notes are for admins' eyes only in search."""
    if "admin" not in getattr(user, "role_names", ()):
        return None
    notes = get_session().exec(select(GoodNote).where(search.contains(GoodNote.text, query))
                               .order_by(GoodNote.text))
    return [SearchResult(note.text, url_for("plugin_good.index") + f"#note-{note.id}",
                         "A note only admins find", "Good notes") for note in notes]


@hookimpl
def portal_seed_demo(session):
    if session.exec(select(GoodNote)).first() is None:
        session.add(GoodNote(text="The first good note"))
