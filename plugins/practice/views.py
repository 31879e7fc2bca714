"""Pages under /practice: the list, one example, writing with co-authors, review, the public page."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlmodel import col, select

from coprod_portal import accounts, audit, notifications
from coprod_portal.accounts import User
from coprod_portal.db import get_session, utcnow
from coprod_portal.forms import csrf_checked_by_form
from coprod_portal.i18n import _, in_english, in_language_of
from coprod_portal.pages import wants_easy_read
from coprod_portal.permissions import require
from coprod_portal.projects import RUNGS, Project, stages

from . import access
from .access import PLUGIN, STATUSES, VISIBILITIES
from .forms import ExampleForm, FilterForm, InviteForm, ReviewForm, SignOffForm, tag_list
from .models import PracticeCoauthor, PracticeExample

bp = Blueprint("plugin_practice", __name__, url_prefix="/practice", template_folder="templates",
               static_folder="static")
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
TEXT_FIELDS = ("title", "situation", "who_involved", "what_was_done", "stage", "rung", "what_changed",
               "what_was_hard", "costs_and_payment", "contact", "easy_read", "visibility")


def _record(action: str, example: PracticeExample, detail: str = "") -> None:
    audit.record(get_session(), current_user, action, "practice_example", example.id, example.title,
                 plugin=PLUGIN, detail=detail)


def _tell(user_ids: list[str | None], message: Callable[[], tuple[str, str]], example: PracticeExample,
          endpoint: str = ".view") -> None:
    """An inbox message to each person (never the one acting), saved when the caller commits;
    ``message`` gives its (title, body), asked once per person in that person's language."""
    link = url_for(endpoint, example_id=example.id)
    for user_id in dict.fromkeys(u for u in user_ids if u and u != current_user.id):
        with in_language_of(user_id):
            title, body = message()
            notifications.send(user_id, title, body, link=link, category="practice")


def _render(template: str, form: Any, **context: Any) -> Any:
    return render_template(template, form=form, **context), 400 if form.errors else 200


def _load(example_id: str) -> tuple[PracticeExample, list[PracticeCoauthor]]:
    """The example and its co-authors, or 404 for anyone who may not read it (so a guessed id and
    someone else's draft get the same answer)."""
    session = get_session()
    example = session.get(PracticeExample, example_id)
    if example is None:
        abort(404)
    rows = access.coauthors(session, [example.id])[example.id]
    if not access.may_read(current_user, example, rows):
        abort(404)
    return example, rows


def _names(ids: set[str | None]) -> dict[str, str]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return {u.id: u.display_name for u in get_session().exec(select(User).where(col(User.id).in_(wanted)))}


def atom_time(moment: datetime | None) -> str:
    """RFC 3339 in UTC, as Atom wants; stored moments are UTC (SQLite gives them back naive)."""
    moment = moment or datetime(2026, 1, 1, tzinfo=UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def xml_text(text: str) -> str:
    """Text without the characters XML 1.0 forbids (escaping of <, & and quotes is the template's)."""
    return NOT_XML.sub("", text or "")


def _context() -> dict[str, Any]:
    return {"statuses": STATUSES, "visibilities": VISIBILITIES, "rungs": RUNGS}


# --- reading ------------------------------------------------------------------------------------


@bp.route("/")
@require("practice.view")
def index() -> Any:
    session = get_session()
    form = FilterForm(formdata=request.args)
    stage = request.args.get("stage", "") if request.args.get("stage", "") in stages() else ""
    tag = (request.args.get("tag") or "").strip()[:100]
    examples = access.published_for(session, current_user)
    mine = _mine(session)
    if stage:
        examples = [e for e in examples if e.stage == stage]
    if tag:
        examples = [e for e in examples if tag in e.tag_list]
    waiting = []
    if access.is_reviewer(current_user):
        waiting = list(session.exec(select(PracticeExample).where(PracticeExample.status == "in_review")
                                    .order_by(col(PracticeExample.updated_at))))
    return render_template("practice/index.html", form=form, examples=examples, mine=mine,
                           waiting=waiting, stage=stage, tag=tag, **_context())


def _mine(session: Any) -> list[PracticeExample]:
    """Examples the person writes or co-writes, whatever their state."""
    invited = select(PracticeCoauthor.example_id).where(PracticeCoauthor.user_id == current_user.id)
    return list(session.exec(select(PracticeExample).where(
        (PracticeExample.author_id == current_user.id) | col(PracticeExample.id).in_(invited))
        .order_by(col(PracticeExample.updated_at).desc())))


@bp.route("/<example_id>")
@require("practice.view")
def view(example_id: str) -> Any:
    example, rows = _load(example_id)
    names = _names({example.author_id, example.reviewed_by_id, *(r.user_id for r in rows)})
    project = get_session().get(Project, example.project_id) if example.project_id else None
    mine = next((r for r in rows if r.user_id == current_user.id), None)
    easy = bool(example.easy_read) and wants_easy_read()
    return render_template(
        "practice/view.html", example=example, rows=rows, names=names, project=project, mine=mine,
        easy=easy, withdrawn=[r for r in rows if r.withdrawn_at], may_edit=access.may_edit(
            current_user, example, rows), lead_author=access.is_lead_author(current_user, example),
        reviewer=access.is_reviewer(current_user), **_context())


# --- writing ------------------------------------------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
@require("practice.write")
@csrf_checked_by_form
def new() -> Any:
    project_id = request.args.get("project", "")
    project = get_session().get(Project, project_id) if project_id else None
    form = ExampleForm(data={"visibility": "staff", "stage": project.stage if project else ""})
    if form.validate_on_submit():
        example = PracticeExample(title="", author_id=current_user.id,
                                  project_id=project.id if project else None)
        _fill(example, form)
        get_session().add(example)
        _record("started a practice example", example)
        get_session().commit()
        flash(_("Your practice example was saved as a draft. Invite co-authors, then send it for review."),
              "success")
        return redirect(url_for(".view", example_id=example.id))
    return _render("practice/form.html", form, example=None, project=project)


def _fill(example: PracticeExample, form: ExampleForm) -> None:
    for name in TEXT_FIELDS:
        setattr(example, name, (getattr(form, name).data or "").strip())
    example.tags = "\n".join(dict.fromkeys(tag_list(form.tags.data)))
    example.updated_at = utcnow()


@bp.route("/<example_id>/edit", methods=["GET", "POST"])
@require("practice.write")
@csrf_checked_by_form
def edit(example_id: str) -> Any:
    example, rows = _load(example_id)
    if not access.may_edit(current_user, example, rows):
        abort(403, description="practice.write")
    data = {name: getattr(example, name) for name in TEXT_FIELDS} | {"tags": example.tags}
    form = ExampleForm(data=data)
    if form.validate_on_submit():
        _fill(example, form)
        changed = {name: getattr(example, name) for name in TEXT_FIELDS} | {"tags": example.tags} != data
        asked = _ask_to_sign_off_again(example, rows) if changed else []
        get_session().add(example)
        get_session().commit()
        flash(_("Your changes were saved. Co-authors who had signed off are asked to read it and sign off "
                "again.") if asked else _("Your changes were saved."), "success")
        return redirect(url_for(".view", example_id=example.id))
    return _render("practice/form.html", form, example=example, project=None)


def _ask_to_sign_off_again(example: PracticeExample, rows: list[PracticeCoauthor]) -> list[str]:
    """Co-authors agreed to the text as it was: after a change, the others sign off again."""
    asked = [r for r in rows if r.agreed_at and not r.withdrawn_at and r.user_id != current_user.id]
    for row in asked:
        row.agreed_at = None
        get_session().add(row)
    _tell([r.user_id for r in asked], lambda: (
        _("A practice example you co-wrote was changed"),
        _("‘%(title)s’ was changed. Read it and sign off your part again.", title=example.title)), example)
    return [r.user_id for r in asked]


@bp.route("/<example_id>/co-authors", methods=["GET", "POST"])
@require("practice.write")
@csrf_checked_by_form
def invite(example_id: str) -> Any:
    example, rows = _load(example_id)
    if not access.is_lead_author(current_user, example) or example.status not in access.EDITABLE:
        abort(403, description="practice.write")
    form = InviteForm()
    if form.validate_on_submit():
        session = get_session()
        person = accounts.user_by_email(session, form.email.data or "")
        if person is None or not person.active:
            form.email.errors = [_("There is no active portal account with this e-mail address")]
        elif person.id == example.author_id or any(r.user_id == person.id for r in rows):
            form.email.errors = [_("%(name)s is already writing this example", name=person.display_name)]
        else:
            session.add(PracticeCoauthor(example_id=example.id, user_id=person.id))
            _record("invited a co-author to a practice example", example)
            _tell([person.id], lambda: (
                _("You are invited to co-write a practice example"),
                _("%(name)s asks you to write ‘%(title)s’ with them. Read it, change it if you want, and "
                  "sign off your part in your own words.", name=current_user.display_name,
                  title=example.title)), example)
            session.commit()
            flash(_("%(name)s was invited. They can now edit the example and sign it off.",
                    name=person.display_name), "success")
            return redirect(url_for(".view", example_id=example.id))
    return _render("practice/invite.html", form, example=example)


@bp.route("/<example_id>/sign-off", methods=["GET", "POST"])
@require("practice.write")
@csrf_checked_by_form
def sign_off(example_id: str) -> Any:
    example, rows = _load(example_id)
    mine = next((r for r in rows if r.user_id == current_user.id), None)
    if mine is None or mine.withdrawn_at is not None or example.status not in access.EDITABLE:
        abort(403, description="practice.write")
    form = SignOffForm(data={"words": mine.words})
    if form.validate_on_submit():
        mine.words = (form.words.data or "").strip()
        mine.agreed_at = utcnow()
        get_session().add(mine)
        _record("signed off a practice example as co-author", example)
        get_session().commit()
        flash(_("Thank you: your part and your agreement are recorded."), "success")
        return redirect(url_for(".view", example_id=example.id))
    return _render("practice/sign_off.html", form, example=example)


@bp.route("/<example_id>/withdraw", methods=["POST"])
@require("practice.write")
def withdraw(example_id: str) -> Any:
    example, rows = _load(example_id)
    mine = next((r for r in rows if r.user_id == current_user.id), None)
    if mine is None or mine.withdrawn_at is not None:
        abort(403, description="practice.write")
    mine.withdrawn_at = utcnow()
    get_session().add(mine)
    _record("withdrew consent to a practice example", example)
    _tell([example.author_id], lambda: (
        _("A co-author withdrew their consent"),
        _("Nobody else can read ‘%(title)s’ until you remove their part.", title=example.title)), example)
    get_session().commit()
    flash(_("Your consent is withdrawn. Nobody else can read the example until your part is removed."),
          "success")
    return redirect(url_for(".view", example_id=example.id))


@bp.route("/<example_id>/co-authors/<user_id>/remove", methods=["POST"])
@require("practice.write")
def remove_coauthor(example_id: str, user_id: str) -> Any:
    """The lead author (or a reviewer) removes a co-author's part: their words and consent go, and
    a published example goes back to draft so the text can be checked before it is sent again."""
    example, rows = _load(example_id)
    if not (access.is_lead_author(current_user, example) or access.is_reviewer(current_user)):
        abort(403, description="practice.write")
    row = next((r for r in rows if r.user_id == user_id), None)
    if row is None:
        abort(404)
    session = get_session()
    session.delete(row)
    if example.status in ("published", "in_review"):
        example.status, example.published_at = "draft", None
    example.updated_at = utcnow()
    session.add(example)
    _record("removed a co-author's part from a practice example", example)
    session.commit()
    flash(_("Their part was removed. Check the text tells nothing more of it, then send it for review "
            "again."), "success")
    return redirect(url_for(".view", example_id=example.id))


@bp.route("/<example_id>/submit", methods=["POST"])
@require("practice.write")
def submit(example_id: str) -> Any:
    example, rows = _load(example_id)
    if not access.may_edit(current_user, example, rows):
        abort(403, description="practice.write")
    waiting = [r for r in rows if not r.stands]
    if waiting:
        names = _names({r.user_id for r in waiting})
        flash(_("It cannot go for review until every co-author has signed off. Still to sign off: "
                "%(names)s.", names=", ".join(sorted(names.values()))), "error")
        return redirect(url_for(".view", example_id=example.id))
    example.status, example.updated_at = "in_review", utcnow()
    get_session().add(example)
    _record("sent a practice example for review", example)
    with in_language_of(None):  # to every lead at once: the portal's default language
        notifications.send_to_role("coproduction_lead", _("A practice example is waiting for review"),
                                   _("‘%(title)s’ was sent for review.", title=example.title),
                                   link=url_for(".review", example_id=example.id), category="practice")
    get_session().commit()
    flash(_("It was sent to the co-production lead for review."), "success")
    return redirect(url_for(".view", example_id=example.id))


# --- review -------------------------------------------------------------------------------------


@bp.route("/<example_id>/review", methods=["GET", "POST"])
@require("practice.review")
@csrf_checked_by_form
def review(example_id: str) -> Any:
    example, rows = _load(example_id)
    if example.status != "in_review":
        flash(_("This example is not waiting for review: it is ‘%(status)s’.",
                status=STATUSES[example.status]), "info")
        return redirect(url_for(".view", example_id=example.id))
    form = ReviewForm()
    if form.validate_on_submit():
        decision = form.decision.data
        if decision == "publish" and not all(r.stands for r in rows):
            form.decision.errors = [
                _("A co-author has not signed off or has withdrawn: it cannot be published")]
        else:
            _decide(example, decision or "", (form.note.data or "").strip())
            return redirect(url_for(".view", example_id=example.id))
    names = _names({example.author_id, *(r.user_id for r in rows)})
    return _render("practice/review.html", form, example=example, rows=rows, names=names, **_context())


def _decide(example: PracticeExample, decision: str, note: str) -> None:
    now = utcnow()
    example.status = {"publish": "published", "changes": "changes_requested", "decline": "declined"}[decision]
    example.review_note, example.reviewed_by_id, example.reviewed_at = note, current_user.id, now
    if decision == "publish":
        example.published_at = now
    get_session().add(example)
    action = {"publish": "published a practice example", "changes": "asked for changes to a practice example",
              "decline": "declined a practice example"}[decision]
    shown_to = f"visibility: {in_english(VISIBILITIES[example.visibility])}" if decision == "publish" else ""
    _record(action, example, shown_to)
    rows = access.coauthors(get_session(), [example.id])[example.id]
    _tell([example.author_id, *(r.user_id for r in rows)], lambda: _decision_message(example, note), example)
    get_session().commit()
    flash({"publish": _("The example is published."), "changes": _("The writers were asked for changes."),
           "decline": _("The example was declined.")}[decision], "success")


def _decision_message(example: PracticeExample, note: str) -> tuple[str, str]:
    state = str(STATUSES[example.status])
    title = _("Practice example: %(state)s", state=state.lower())
    if note:
        return title, _("‘%(title)s’: %(state)s. The note says: %(note)s", title=example.title, state=state,
                        note=note)
    return title, _("‘%(title)s’: %(state)s.", title=example.title, state=state)


# --- without signing in --------------------------------------------------------------------------


@bp.route("/public")
def public() -> Any:
    """Published, public examples whose consents all stand: for the organisation's website."""
    return render_template("practice/public.html", examples=access.public_examples(get_session()),
                           **_context())


@bp.route("/public/<example_id>")
def public_example(example_id: str) -> Any:
    example = next((e for e in access.public_examples(get_session()) if e.id == example_id), None)
    if example is None:
        abort(404)
    rows = access.coauthors(get_session(), [example.id])[example.id]
    return render_template("practice/public_example.html", example=example, rows=rows, **_context())


@bp.route("/public.atom")
def feed() -> Any:
    examples = access.public_examples(get_session())
    updated = max((e.published_at or e.updated_at for e in examples), default=None)
    body = render_template("practice/feed.xml", examples=examples, updated=updated, atom_time=atom_time,
                           xml_text=xml_text)
    return body, 200, {"Content-Type": "application/atom+xml; charset=utf-8"}
