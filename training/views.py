"""The course pages: module list, lessons (standard and Easy Read), the check, the certificate."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from markupsafe import Markup, escape

from coprod_portal import audit, events, i18n, pages
from coprod_portal.db import get_session
from coprod_portal.i18n import _
from coprod_portal.permissions import can, require

from . import course, module_form

bp = Blueprint(
    "plugin_training",
    __name__,
    url_prefix="/training",
    template_folder="templates",
    static_folder="static",
    cli_group="lti",
)


def render_body(text: str) -> Markup:
    """Lesson text to HTML: "## " headings, "- " lists, paragraphs; everything typed is escaped."""
    out: list[str] = []
    for block in [b.strip() for b in (text or "").replace("\r\n", "\n").split("\n\n") if b.strip()]:
        lines = block.split("\n")
        if block.startswith("## "):
            out.append(f'<h2 class="govuk-heading-m">{escape(lines[0][3:])}</h2>')
            lines = lines[1:]
        if lines and all(line.startswith("- ") for line in lines):
            items = "".join(f"<li>{escape(line[2:])}</li>" for line in lines)
            out.append(f'<ul class="govuk-list govuk-list--bullet">{items}</ul>')
        elif lines:
            out.append(f'<p class="govuk-body">{escape(" ".join(lines))}</p>')
    return Markup("\n".join(out))


def _course(key: str) -> course.Published:
    found = course.for_learner(get_session(), current_user, key)
    if found is None:
        abort(404)
    return found.in_language(i18n.language())


@bp.app_template_filter("training_body")
def _body_filter(text: str) -> Markup:
    return render_body(text)


@bp.route("/")
@require("training.take")
def index() -> Any:
    db = get_session()
    if course.install_packaged(db):
        db.commit()
    modules = [m.in_language(i18n.language()) for m in course.all_published(db)]
    host = current_app.extensions["coprod_plugins"]
    others = [m for _, answer in host.call("portal_training_modules") for m in (answer or [])]
    return render_template(
        "training/index.html",
        modules=modules,
        others=others,
        progress=course.progress_of(db, current_user),
        may_author=can(current_user, "training.author"),
        may_review=can(current_user, "training.review"),
        may_manage=can(current_user, "training.manage_platforms"),
    )


@bp.route("/modules/<key>")
@require("training.take")
def module(key: str) -> Any:
    found = _course(key)
    progress = course.progress_for(get_session(), current_user, key)
    return render_template(
        "training/module.html",
        course=found,
        progress=progress,
        done=course.lessons_done(progress),
        resume=course.resume_lesson(found, progress),
    )


@bp.route("/modules/<key>/lessons/<lesson_key>", methods=["GET", "POST"])
@require("training.take")
def lesson(key: str, lesson_key: str) -> Any:
    found = _course(key)
    item = found.lesson(lesson_key)
    if item is None:
        abort(404)
    if request.method == "POST":
        db = get_session()
        course.mark_lesson(db, current_user, found, lesson_key)
        db.commit()
        following = course.next_lesson(found, lesson_key)
        if following:
            return redirect(url_for(".lesson", key=key, lesson_key=following, **_fmt()))  # type: ignore[arg-type]
        return redirect(url_for(".check", key=key))
    easy = _wants_easy_read() and bool(item.get("easy_read"))
    _allow_video_from((item.get("video") or {}).get("url", ""))
    return render_template(
        "training/lesson.html",
        course=found,
        lesson=item,
        easy=easy,
        position=[lesson["key"] for lesson in found.lessons].index(lesson_key) + 1,
        done=course.lessons_done(course.progress_for(get_session(), current_user, key)),
    )


def _allow_video_from(url: str) -> None:
    """A video linked from a host the portal allows may be played from that origin, and no other."""
    if url and not module_form.url_problem(url):
        parts = urlsplit(url)
        g.training_media_origin = f"https://{parts.netloc}"


@bp.after_request
def _media_policy(response: Any) -> Any:
    origin = g.get("training_media_origin")
    if origin:
        defaults = dict(current_app.extensions["coprod_security_headers"])
        policy = response.headers.get("Content-Security-Policy") or defaults["Content-Security-Policy"]
        response.headers["Content-Security-Policy"] = f"{policy}; media-src 'self' {origin}"
    return response


def _fmt() -> dict[str, str]:
    chosen = request.args.get("format")
    return {"format": chosen} if chosen in {"easy-read", "standard"} else {}


def _wants_easy_read() -> bool:
    """The portal's one rule for Easy Read (``pages.wants_easy_read``): the version picked with
    the link, kept for the visit, else the format the person prefers."""
    return pages.wants_easy_read()


@bp.route("/modules/<key>/check", methods=["GET", "POST"])
@require("training.take")
def check(key: str) -> Any:
    found = _course(key)
    if request.method == "GET":
        return render_template("training/check.html", course=found, answers={}, problems={}, error_list=[])
    answers = {q["key"]: request.form.get(q["key"], "") for q in found.content["quiz"]}
    try:
        marked = course.mark(found.content, answers)
    except course.AnswerProblem as problem:
        error_list = [{"text": text, "href": f"#{key}"} for key, text in problem.problems.items()]
        return render_template(
            "training/check.html",
            course=found,
            answers=answers,
            problems=problem.problems,
            error_list=error_list,
        ), 400
    db = get_session()
    launch_id = session.get("training_launch") if current_user.kind == "learner" else None
    progress = course.record_result(db, current_user, found, marked, launch_id)
    audit.record(
        db,
        current_user,
        "completed a training module" if marked.passed else "took a training module's check",
        "training_module",
        key,
        found.module.title,
        plugin=course.PLUGIN,
        detail=f"{marked.score} of {marked.out_of}, version {found.version.number}",
    )
    events.commit(db)
    return render_template("training/result.html", course=found, marked=marked, progress=progress)


@bp.route("/modules/<key>/certificate")
@require("training.take")
def certificate(key: str) -> Any:
    found = _course(key)
    progress = course.progress_for(get_session(), current_user, key)
    if progress is None or progress.completed_at is None:
        flash(_("You get a certificate when you pass the module's check."), "info")
        return redirect(url_for(".module", key=key))
    credits = sorted({c["name"] for lesson in found.lessons for c in lesson.get("credits", [])})
    return render_template(
        "training/certificate.html",
        course=found,
        progress=progress,
        credits=credits,
        name=current_user.display_name or _("Learner"),
    )


def content_of(version: Any) -> dict[str, Any]:
    return json.loads(version.content)
