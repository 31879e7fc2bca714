"""The course: published modules, learners' progress, the check (quiz) and completion."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, replace
from typing import Any

from flask import current_app
from markupsafe import Markup, escape
from sqlmodel import Session, col, select

from coprod_portal import accounts, events, i18n, jobs
from coprod_portal.db import utcnow
from coprod_portal.i18n import _, _l

from .content import PACKAGED, packaged_content
from .models import TrainingLaunch, TrainingModule, TrainingProgress, TrainingTrainer, TrainingVersion

PLUGIN = "training"
CONTENT_LANGUAGE = "en"  # the language of content that does not say (every module before languages)
# the name of a captions track, by the language the captions are in
CAPTIONS = {"en": _l("English captions"), "cy": _l("Welsh captions")}
# the languages a trainer may write a module in, named in the page's language
CONTENT_LANGUAGES = {"en": _l("English"), "cy": _l("Welsh")}


@dataclass(frozen=True)
class Published:
    """A module as learners see it: its current published version and content."""

    module: TrainingModule
    version: TrainingVersion
    content: dict[str, Any]

    @property
    def lessons(self) -> list[dict[str, Any]]:
        return list(self.content.get("lessons", []))

    def lesson(self, key: str) -> dict[str, Any] | None:
        return next((lesson for lesson in self.lessons if lesson["key"] == key), None)

    @property
    def language(self) -> str:
        """The language the trainer wrote this content in: pages mark its parts with it, so a
        Welsh page showing English content announces the English as English (WCAG 3.1.2)."""
        return content_language(self.content)

    def in_its_language(self, text: str) -> Markup:
        """A piece of the content inside a sentence of the page, marked with the content's
        language when that differs from the page's."""
        if self.language == i18n.language():
            return escape(text)
        return Markup('<span lang="%s">%s</span>') % (self.language, text)

    @property
    def video_language(self) -> str:
        """The language of the lessons' videos, captions and transcripts: the original's, since a
        version in another language translates the text only."""
        return content_language({"language": self.content.get("original_language")}) \
            if self.content.get("original_language") else self.language

    @property
    def captions_label(self) -> str:
        """What a video's captions track is called, in the page's language."""
        return str(CAPTIONS.get(self.video_language, self.video_language))

    def in_language(self, language: str) -> Published:
        """This module as a reader of ``language`` sees it: the trainers' version in that
        language when there is a complete one, else the module as written."""
        found = translated(self.content, language)
        return self if found is None or found is self.content else replace(self, content=found)


def content_language(content: dict[str, Any]) -> str:
    """The language a module's content records, English when it records none or an unknown one."""
    code = i18n.language_of(content.get("language"))
    return code or CONTENT_LANGUAGE


def translation_gaps(content: dict[str, Any], version: dict[str, Any]) -> list[str]:
    """The form fields a version in another language still lacks: every text the original has
    (an Easy Read version or feedback only where the original gives one). A version with gaps
    is not shown to learners, so nobody reads a module in two languages at once."""
    wanted: dict[str, str] = {"title": _dig(version, "title"), "summary": _dig(version, "summary")}
    for lesson in content.get("lessons", []):
        for field in ("title", "body", "easy_read"):
            if lesson.get(field):
                wanted[f"{lesson['key']}-{field}"] = _dig(version, "lessons", lesson["key"], field)
    for question in content.get("quiz", []):
        prefix = f"quiz-{question['key']}"
        for field in ("question", "right", "wrong"):
            if question.get(field):
                wanted[f"{prefix}-{field}"] = _dig(version, "quiz", question["key"], field)
        for option in question.get("options", []):
            for field in ("text", "feedback"):
                if option.get(field):
                    wanted[f"{prefix}-{option['key']}-{field}"] = _dig(
                        version, "quiz", question["key"], "options", option["key"], field
                    )
    return [name for name, text in wanted.items() if not text]


def _dig(found: Any, *path: str) -> str:
    for step in path:
        found = found.get(step) if isinstance(found, dict) else None
    return found.strip() if isinstance(found, str) else ""


def translated(content: dict[str, Any], language: str) -> dict[str, Any] | None:
    """The content with the texts of its version in ``language`` (the structure, answers, pass
    mark and videos stay the original's, so progress and marking are the same in every language);
    the content itself when it is written in ``language``; None when no complete version exists."""
    if content_language(content) == language:
        return content
    version = (content.get("translations") or {}).get(language)
    if not isinstance(version, dict) or translation_gaps(content, version):
        return None
    merged = copy.deepcopy({key: value for key, value in content.items() if key != "translations"})
    merged["original_language"], merged["language"] = content_language(content), language
    merged["title"], merged["summary"] = _dig(version, "title"), _dig(version, "summary")
    for lesson in merged["lessons"]:
        for field in ("title", "body", "easy_read"):
            lesson[field] = _dig(version, "lessons", lesson["key"], field) if lesson.get(field) else ""
    for question in merged["quiz"]:
        for field in ("question", "right", "wrong"):
            question[field] = _dig(version, "quiz", question["key"], field) if question.get(field) else ""
        for option in question["options"]:
            for field in ("text", "feedback"):
                option[field] = _dig(version, "quiz", question["key"], "options", option["key"], field) \
                    if option.get(field) else ""
    return merged


def install_packaged(session: Session) -> int:
    """Add the shipped modules that are missing, each as published version 1 (safe to repeat)."""
    added = 0
    for module in PACKAGED:
        if session.get(TrainingModule, module["key"]) is not None:
            continue
        trainer = accounts.user_by_email(session, module["credit"])
        credit = {
            "user_id": trainer.id if trainer else "",
            "name": trainer.display_name if trainer else "Co-production network",
        }
        session.add(TrainingModule(key=module["key"], title=module["title"], published_version=1))
        session.flush()
        session.add(
            TrainingVersion(
                module_key=module["key"],
                number=1,
                status="published",
                content=json.dumps(packaged_content(module, credit)),
                published_at=utcnow(),
            )
        )
        if trainer is not None:
            session.add(TrainingTrainer(module_key=module["key"], user_id=trainer.id))
        added += 1
    return added


def published(session: Session, key: str, number: int | None = None) -> Published | None:
    """The module's published version, or version ``number`` when it was once published."""
    module = session.get(TrainingModule, key)
    if module is None or module.published_version is None:
        return None
    version = session.exec(
        select(TrainingVersion).where(
            TrainingVersion.module_key == key,
            TrainingVersion.number == (number or module.published_version),
            col(TrainingVersion.status).in_(("published", "retired")),
        )
    ).first()
    if version is None:
        return None if number is None else published(session, key)
    return Published(module, version, json.loads(version.content))


def for_learner(session: Session, user: Any, key: str) -> Published | None:
    """The version this learner sees: someone part-way through a module finishes the version they
    started (its lessons and check stay as they were); everyone else sees the published one."""
    progress = progress_for(session, user, key)
    if progress is not None and progress.completed_at is None:
        return published(session, key, progress.version)
    return published(session, key)


def all_published(session: Session) -> list[Published]:
    modules = session.exec(
        select(TrainingModule)
        .where(col(TrainingModule.published_version).is_not(None))
        .order_by(col(TrainingModule.created_at))
    ).all()
    return [p for p in (published(session, m.key) for m in modules) if p is not None]


def learner_ref(user: Any) -> str:
    return f"{'l' if user.kind == 'learner' else 'u'}:{user.id}"


def progress_for(session: Session, user: Any, key: str) -> TrainingProgress | None:
    return session.exec(
        select(TrainingProgress).where(
            TrainingProgress.learner_ref == learner_ref(user), TrainingProgress.module_key == key
        )
    ).first()


def progress_of(session: Session, user: Any) -> dict[str, TrainingProgress]:
    rows = session.exec(select(TrainingProgress).where(TrainingProgress.learner_ref == learner_ref(user)))
    return {row.module_key: row for row in rows}


def lessons_done(progress: TrainingProgress | None) -> list[str]:
    return json.loads(progress.lessons_done) if progress else []


def mark_lesson(session: Session, user: Any, course: Published, lesson_key: str) -> TrainingProgress:
    progress = progress_for(session, user, course.module.key)
    if progress is None:
        progress = TrainingProgress(
            learner_ref=learner_ref(user), module_key=course.module.key, version=course.version.number
        )
        session.add(progress)
    done = lessons_done(progress)
    if lesson_key not in done:
        done.append(lesson_key)
    progress.lessons_done = json.dumps(done)
    progress.last_lesson = lesson_key
    progress.updated_at = utcnow()
    return progress


def resume_lesson(course: Published, progress: TrainingProgress | None) -> str | None:
    """The first lesson not yet done (None when all are done)."""
    done = set(lessons_done(progress))
    return next((lesson["key"] for lesson in course.lessons if lesson["key"] not in done), None)


def next_lesson(course: Published, lesson_key: str) -> str | None:
    keys = [lesson["key"] for lesson in course.lessons]
    index = keys.index(lesson_key)
    return keys[index + 1] if index + 1 < len(keys) else None


@dataclass(frozen=True)
class Marked:
    score: int
    out_of: int
    passed: bool
    feedback: list[tuple[dict[str, Any], str, bool]]  # question, chosen option text, right?


class AnswerProblem(ValueError):
    """Answers that cannot be marked; ``problems`` maps a question key to a message."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("answers cannot be marked")
        self.problems = problems


def mark(content: dict[str, Any], answers: dict[str, str]) -> Marked:
    """Mark the check. Missing answers, and answers that are not one of the options, are refused."""
    problems: dict[str, str] = {}
    for question in content["quiz"]:
        given = answers.get(question["key"], "")
        if not given:
            problems[question["key"]] = _("Choose an answer to: %(question)s", question=question["question"])
        elif given not in {option["key"] for option in question["options"]}:
            problems[question["key"]] = _(
                "The answer sent for “%(question)s” is not one of its options. Choose one of the "
                "options shown.",
                question=question["question"],
            )
    if problems:
        raise AnswerProblem(problems)
    feedback = []
    for question in content["quiz"]:
        chosen = answers[question["key"]]
        text = next(o["text"] for o in question["options"] if o["key"] == chosen)
        feedback.append((question, text, chosen == question["answer"]))
    score = sum(1 for _question, _chosen, right in feedback if right)
    return Marked(score, len(feedback), score >= content.get("pass_mark", len(feedback)), feedback)


def record_result(
    session: Session, user: Any, course: Published, marked: Marked, launch_id: str | None
) -> TrainingProgress:
    """Keep the result (a pass is never lost to a later attempt) and, on a pass, raise the event
    and queue the grade for the platform the learner came from."""
    progress = progress_for(session, user, course.module.key) or mark_lesson(
        session, user, course, course.lessons[-1]["key"]
    )
    first_pass = marked.passed and progress.completed_at is None
    if progress.score is None or marked.score >= progress.score or first_pass:
        progress.score, progress.out_of = marked.score, marked.out_of
    if first_pass:
        progress.completed_at = utcnow()
        progress.version = course.version.number
    progress.updated_at = utcnow()
    session.flush()
    if first_pass:
        events.notify(session, "portal_training_completed", learner_id=user.id, module_key=course.module.key)
    if marked.passed and launch_id:
        _queue_grade(session, launch_id, progress)
    return progress


def _queue_grade(session: Session, launch_id: str, progress: TrainingProgress) -> None:
    from .models import TrainingGrade

    launch = session.get(TrainingLaunch, launch_id)
    if launch is None or not (launch.lineitem_url or launch.lineitems_url):
        return
    grade = TrainingGrade(
        launch_id=launch_id, progress_id=progress.id, score=progress.score or 0, out_of=progress.out_of or 0
    )
    session.add(grade)
    session.flush()
    if current_app.extensions.get("coprod_jobs") is not None:
        jobs.enqueue_after_commit(session, "training.send_grade", grade_id=grade.id)
