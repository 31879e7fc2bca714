"""Trainers edit their modules in the browser; the co-production lead reviews and publishes.

Editing works on a draft version (made from the published one when there is none). A trainer
sends it for review; the lead publishes it or returns it with a note. Each publication is one
delivery per credited trainer, recorded as a *pending* involvement (role "trainer") through
``portal_record_involvement`` so the lead can price it; when no plugin keeps involvement
records, the delivery is kept and a periodic job tries again.
"""

from __future__ import annotations

import json
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlmodel import Session, col, select

from coprod_portal import audit, files
from coprod_portal.db import get_session, utcnow
from coprod_portal.i18n import _, _l
from coprod_portal.permissions import can, ensure, require

from . import grades, module_form
from .course import CONTENT_LANGUAGES, PLUGIN, content_language, translation_gaps
from .models import TrainingDelivery, TrainingModule, TrainingTrainer, TrainingVersion
from .views import bp

HANDOUT_MAX_BYTES = 10 * 1024 * 1024  # said on the form; a handout is read on screen or printed
# a version's stored status, as the pages name it
STATUSES = {"draft": _l("Draft"), "in_review": _l("In review"), "published": _l("Published"),
            "retired": _l("Retired")}


def _versions(session: Session, key: str) -> list[TrainingVersion]:
    return list(
        session.exec(
            select(TrainingVersion)
            .where(TrainingVersion.module_key == key)
            .order_by(col(TrainingVersion.number).desc())
        )
    )


def _module(key: str, action: str) -> TrainingModule:
    module = get_session().get(TrainingModule, key)
    if module is None:
        abort(404)
    ensure(action, module)
    return module


def _draft(session: Session, module: TrainingModule) -> TrainingVersion:
    versions = _versions(session, module.key)
    editable = next((v for v in versions if v.status in {"draft", "in_review"}), None)
    if editable is not None:
        return editable
    base = next((v for v in versions if v.number == module.published_version), versions[0])
    draft = TrainingVersion(
        module_key=module.key,
        number=versions[0].number + 1,
        status="draft",
        content=base.content,
        author_id=current_user.id,
    )
    session.add(draft)
    session.flush()
    return draft


@bp.route("/authoring")
@require("training.author")
def authoring() -> Any:
    db = get_session()
    modules = [
        m
        for m in db.exec(select(TrainingModule).order_by(TrainingModule.title))
        if can(current_user, "training.author", m)
    ]
    waiting = (
        db.exec(select(TrainingVersion).where(TrainingVersion.status == "in_review")).all()
        if can(current_user, "training.review")
        else []
    )
    return render_template(
        "training/authoring.html",
        modules=modules,
        waiting=waiting,
        versions={m.key: _versions(db, m.key) for m in modules},
        statuses=STATUSES,
    )


@bp.route("/authoring/<key>/edit", methods=["GET", "POST"])
@require("training.author")
def edit(key: str) -> Any:
    module = _module(key, "training.author")
    db = get_session()
    draft = _draft(db, module)
    content = json.loads(draft.content)
    if request.method == "GET":
        db.commit()
        shown = module_form.problems_in(content) if request.args.get("check") else {}
        return _edit_page(module, draft, content, shown)
    action = request.form.get("action", "save")
    module_form.read(content, request.form)
    problems: dict[str, str] = {}
    module_form.read_videos(content, request.form, request.files, module.key, problems)
    if action == "save":
        problems = {**module_form.problems_in(content), **problems}
    handout = request.files.get("handout")
    if handout is not None and handout.filename and not problems:
        _attach(content, request.form.get("handout_lesson", ""), handout, module, problems)
    if problems:
        db.commit()  # keeps the uploads that passed their checks (carried in the form); not the draft
        return _edit_page(module, draft, content, problems), 400
    message, anchor = ("", "")
    if action != "save":
        message, anchor = module_form.change_shape(content, action)
    _save_draft(db, module, draft, content)
    flash(message or _("Draft version %(version)s was saved.", version=draft.number), "success")
    return redirect(url_for(".edit", key=key, _anchor=anchor or None))


def _edit_page(
    module: TrainingModule, draft: TrainingVersion, content: dict[str, Any], problems: dict[str, str]
) -> str:
    order = _field_order(content)
    ordered = sorted(problems.items(), key=lambda item: order.get(item[0], len(order)))
    return render_template(
        "training/edit.html",
        module=module,
        draft=draft,
        content=content,
        problems=dict(ordered),
        letter=module_form.letter,
        content_languages=CONTENT_LANGUAGES,
        content_language=content_language(content),
        other_languages=[(code, name, bool(translation_gaps(content, (content.get("translations") or {})
                                                                .get(code) or {})))
                         for code, name in CONTENT_LANGUAGES.items() if code != content_language(content)],
        video_hosts=module_form.video_hosts(),
        video_limit=files.human_size(module_form.video_limit()),
        limits={"questions": module_form.MAX_QUESTIONS, "options": module_form.MAX_OPTIONS,
                "min_options": module_form.MIN_OPTIONS},
    )


def _field_order(content: dict[str, Any]) -> dict[str, int]:
    """The fields in the order the page shows them, so the error summary reads top to bottom."""
    names = ["title", "summary"]
    for lesson in content["lessons"]:
        names += [f"{lesson['key']}-{f}" for f in
                  ("title", "body", "easy_read", "video_file", "video_url", "captions", "transcript")]
    names += ["handout_lesson", "handout"]
    for question in content["quiz"]:
        prefix = f"quiz-{question['key']}"
        names.append(f"{prefix}-question")
        for option in question["options"]:
            names += [f"{prefix}-{option['key']}-text", f"{prefix}-{option['key']}-feedback"]
        names += [f"{prefix}-answer", f"{prefix}-right", f"{prefix}-wrong"]
    names.append("pass_mark")
    return {name: index for index, name in enumerate(names)}


def _save_draft(db: Session, module: TrainingModule, draft: TrainingVersion, content: dict[str, Any]) -> None:
    draft.content, draft.updated_at, draft.author_id = json.dumps(content), utcnow(), current_user.id
    if draft.status == "in_review":
        draft.status = "draft"
    audit.record(
        db,
        current_user,
        "edited a training module draft",
        "training_module",
        module.key,
        module.title,
        plugin=PLUGIN,
        detail=f"version {draft.number}",
    )
    db.commit()


def _attach(
    content: dict[str, Any], lesson_key: str, upload: Any, module: TrainingModule, problems: dict[str, str]
) -> None:
    lesson = next((item for item in content["lessons"] if item["key"] == lesson_key), None)
    if lesson is None:
        problems["handout_lesson"] = _("Choose the lesson the handout belongs to")
        return
    try:
        stored = files.save_upload(
            upload,
            plugin=PLUGIN,
            purpose="handout",
            allowed=("pdf", "docx", "txt"),
            max_bytes=HANDOUT_MAX_BYTES,
            subject_ref=f"training:module:{module.key}",
        )
    except files.UploadRefused as refused:
        problems["handout"] = refused.message
        return
    lesson.setdefault("handouts", []).append({"id": stored.id, "name": stored.filename})


@bp.route("/authoring/<key>/languages/<language>", methods=["GET", "POST"])
@require("training.author")
def translate(key: str, language: str) -> Any:
    """The module's texts in another language, kept in the draft with the module: reviewed and
    published with it, and shown to learners who read that language once every text is there."""
    module = _module(key, "training.author")
    db = get_session()
    draft = _draft(db, module)
    content = json.loads(draft.content)
    if language not in CONTENT_LANGUAGES or language == content_language(content):
        abort(404)
    if request.method == "GET":
        db.commit()
        version = (content.get("translations") or {}).get(language) or {}
        return _translation_page(module, draft, content, language, version, {})
    version = module_form.read_translation(content, request.form)
    problems = module_form.translation_problems(content, version)
    if problems:
        db.commit()
        return _translation_page(module, draft, content, language, version, problems), 400
    content.setdefault("translations", {})[language] = version
    _save_draft(db, module, draft, content)
    name = CONTENT_LANGUAGES[language]
    if translation_gaps(content, version):
        flash(_("The %(language)s version was saved in draft version %(version)s. Learners see it once "
                "every text is translated.", language=name, version=draft.number), "success")
    else:
        flash(_("The %(language)s version was saved in draft version %(version)s. It is complete: "
                "learners who read %(language)s see it once this draft is published.",
                language=name, version=draft.number), "success")
    return redirect(url_for(".translate", key=key, language=language))


def _languages_of(content: dict[str, Any]) -> list[tuple[str, int]]:
    """Each version in another language the content carries, with how many texts it lacks."""
    versions = content.get("translations") or {}
    return [(str(CONTENT_LANGUAGES[code]), len(translation_gaps(content, versions[code])))
            for code in CONTENT_LANGUAGES if isinstance(versions.get(code), dict)]


def _translation_page(module: TrainingModule, draft: TrainingVersion, content: dict[str, Any],
                      language: str, version: dict[str, Any], problems: dict[str, str]) -> str:
    return render_template(
        "training/translate.html",
        module=module,
        draft=draft,
        content=content,
        language=language,
        language_name=CONTENT_LANGUAGES[language],
        original_language=content_language(content),
        values=module_form.translation_values(version),
        gaps=translation_gaps(content, version),
        problems=problems,
        letter=module_form.letter,
    )


@bp.route("/authoring/<key>/submit", methods=["POST"])
@require("training.author")
def submit(key: str) -> Any:
    module = _module(key, "training.author")
    db = get_session()
    draft = _draft(db, module)
    if module_form.problems_in(json.loads(draft.content)):
        db.commit()
        flash(_("The draft is not complete yet: fix what is listed, save it, then send it for review."),
              "error")
        return redirect(url_for(".edit", key=key, check=1))
    draft.status = "in_review"
    audit.record(
        db,
        current_user,
        "sent a training module for review",
        "training_module",
        key,
        module.title,
        plugin=PLUGIN,
        detail=f"version {draft.number}",
    )
    db.commit()
    flash(_("Version %(version)s was sent to the co-production lead for review.", version=draft.number),
          "success")
    return redirect(url_for(".authoring"))


@bp.route("/authoring/<key>/versions/<int:number>", methods=["GET", "POST"])
@require("training.review")
def review(key: str, number: int) -> Any:
    module = _module(key, "training.review")
    db = get_session()
    version = db.exec(
        select(TrainingVersion).where(TrainingVersion.module_key == key, TrainingVersion.number == number)
    ).first()
    if version is None:
        abort(404)
    if request.method == "GET":
        return render_template(
            "training/review.html",
            module=module,
            version=version,
            content=json.loads(version.content),
            languages=_languages_of(json.loads(version.content)),
            problem=None,
            statuses=STATUSES,
        )
    if version.status != "in_review":
        return render_template(
            "training/review.html",
            module=module,
            version=version,
            content=json.loads(version.content),
            languages=_languages_of(json.loads(version.content)),
            problem=_("This version is not waiting for review any more."),
            statuses=STATUSES,
        ), 409
    if request.form.get("decision") == "publish" and module_form.problems_in(json.loads(version.content)):
        return render_template(
            "training/review.html",
            module=module,
            version=version,
            content=json.loads(version.content),
            languages=_languages_of(json.loads(version.content)),
            problem=_("This version is not complete (for example a question without its right answer, or a "
                      "video without captions). Return it to the trainer with a note."),
            statuses=STATUSES,
        ), 400
    if request.form.get("decision") == "publish":
        recorded = publish(db, module, version)
        flash(_("Version %(version)s is published. %(recorded)s", version=number, recorded=recorded),
              "success")
    else:
        note = request.form.get("note", "").strip()[:1000]
        if not note:
            return render_template(
                "training/review.html",
                module=module,
                version=version,
                content=json.loads(version.content),
            languages=_languages_of(json.loads(version.content)),
                problem=_("Say what the trainer should change before you return it."),
                statuses=STATUSES,
            ), 400
        version.status, version.review_note, version.reviewed_by = "draft", note, current_user.id
        audit.record(
            db,
            current_user,
            "returned a training module for changes",
            "training_module",
            key,
            module.title,
            plugin=PLUGIN,
            detail=f"version {number}",
        )
        db.commit()
        flash(_("Version %(version)s was returned to the trainer with your note.", version=number), "success")
    return redirect(url_for(".authoring"))


def publish(db: Session, module: TrainingModule, version: TrainingVersion) -> str:
    for old in _versions(db, module.key):
        if old.status == "published":
            old.status = "retired"
    version.status, version.published_at, version.reviewed_by = "published", utcnow(), current_user.id
    module.published_version, module.title = version.number, json.loads(version.content)["title"]
    trainers = {
        c["user_id"]
        for lesson in json.loads(version.content)["lessons"]
        for c in lesson.get("credits", [])
        if c.get("user_id")
    }
    trainers |= {
        t.user_id for t in db.exec(select(TrainingTrainer).where(TrainingTrainer.module_key == module.key))
    }
    waiting = 0
    for trainer_id in sorted(trainers):
        delivery = TrainingDelivery(
            module_key=module.key,
            version=version.number,
            kind="publication",
            trainer_id=trainer_id,
            on=utcnow().date(),
            hours=0,
            note=f"Published version {version.number} of the training module “{module.title}”",
        )
        db.add(delivery)
        if not grades.record_delivery(db, delivery):
            waiting += 1
    audit.record(
        db,
        current_user,
        "published a training module",
        "training_module",
        module.key,
        module.title,
        plugin=PLUGIN,
        detail=f"version {version.number}",
    )
    db.commit()
    if waiting:
        return _(
            "%(count)s trainer deliveries could not be recorded as involvement yet (the network "
            "plugin is off); the portal keeps them and tries again every hour.",
            count=waiting,
        )
    return _("%(count)s trainer deliveries were recorded for pricing.", count=len(trainers))
