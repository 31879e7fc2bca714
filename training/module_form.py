"""The module edit form: what a trainer posts, read into a module's content, and checked.

Reading and checking are separate on purpose. "Add another question" and the other buttons
that change the form's shape save the draft as typed, so nothing is lost when the page comes
back with one more question; only "Save draft" and "Send for review" insist the module is
complete. A version that reaches learners has therefore always passed :func:`problems_in`.

Field names follow the content's stable keys (``quiz-q2-b-text``), never positions, so a
question or an option removed from the middle does not shift what the others mean.
"""

from __future__ import annotations

import string
from typing import Any
from urllib.parse import urlsplit

from flask import current_app

from coprod_portal import files
from coprod_portal.i18n import _

from .course import PLUGIN, content_language

MAX_BODY = 20000
MAX_QUESTIONS = 20
MIN_OPTIONS, MAX_OPTIONS = 2, 8
LIMITS = {"question": 500, "option": 300, "feedback": 1000, "transcript": 50000, "url": 500}
VIDEO_KINDS = ("mp4", "webm")


def letter(index: int) -> str:
    """Options are shown as A, B, C… by position, whatever their stored keys."""
    return string.ascii_uppercase[index]


def video_hosts() -> tuple[str, ...]:
    """Hosts a lesson may link a video from (``PLUGIN_TRAINING["video_hosts"]``); none by default,
    so every video is served by the portal unless an administrator chose a host."""
    hosts = (current_app.config.get("PLUGIN_TRAINING") or {}).get("video_hosts") or ()
    return tuple(str(host).lower() for host in hosts)


def video_limit() -> int:
    return int(current_app.config.get("MAX_CONTENT_LENGTH") or 20 * 1024 * 1024)


# --- reading what was posted -------------------------------------------------------------------


def read(content: dict[str, Any], form: Any) -> None:
    """Copy the typed values into ``content`` (text only; files are read by :func:`read_videos`)."""
    content["title"] = _text(form, "title")
    content["summary"] = _text(form, "summary")
    if "language" in form:  # a language the portal does not speak is never stored
        content["language"] = content_language({"language": _text(form, "language")})
    for lesson in content["lessons"]:
        for field in ("title", "body", "easy_read"):
            lesson[field] = _text(form, f"{lesson['key']}-{field}")
    for question in content["quiz"]:
        prefix = f"quiz-{question['key']}"
        question["question"] = _text(form, f"{prefix}-question")
        question["answer"] = str(form.get(f"{prefix}-answer", ""))
        question["right"] = _text(form, f"{prefix}-right")
        question["wrong"] = _text(form, f"{prefix}-wrong")
        for option in question["options"]:
            option["text"] = _text(form, f"{prefix}-{option['key']}-text")
            option["feedback"] = _text(form, f"{prefix}-{option['key']}-feedback")
    typed = _text(form, "pass_mark")
    content["pass_mark"] = int(typed) if typed.isdigit() and len(typed) < 4 else typed


def _text(form: Any, name: str) -> str:
    return str(form.get(name, "")).replace("\r\n", "\n").strip()


def read_videos(
    content: dict[str, Any], form: Any, uploads: Any, module_key: str, problems: dict[str, str]
) -> None:
    """Each lesson's video: a new upload or the one kept from before, or an address on an allowed
    host; its captions (WebVTT) and transcript. Uploads that pass their checks are kept even when
    something else on the page is wrong, and carried in the form, so nobody uploads twice."""
    for lesson in content["lessons"]:
        key = lesson["key"]
        if form.get(f"{key}-video_remove"):
            lesson["video"] = None
            continue
        video = {
            "file_id": _kept(form, f"{key}-video_file_id", "video", module_key),
            "url": _text(form, f"{key}-video_url"),
            "captions_file_id": _kept(form, f"{key}-captions_file_id", "captions", module_key),
            "transcript": _text(form, f"{key}-transcript"),
        }
        stored = _store(uploads.get(f"{key}-video_file"), VIDEO_KINDS, "video", module_key,
                        f"{key}-video_file", problems)
        captions = _store(uploads.get(f"{key}-captions"), ("vtt",), "captions", module_key,
                          f"{key}-captions", problems)
        video["file_id"] = stored or video["file_id"]
        video["captions_file_id"] = captions or video["captions_file_id"]
        for field in ("file_id", "captions_file_id"):
            found = files.get(video[field]) if video[field] else None
            video[field.replace("_id", "_name")] = found.filename if found else ""
        lesson["video"] = video if any(video.values()) else None


def _kept(form: Any, name: str, purpose: str, module_key: str) -> str:
    """A file id carried in the form, accepted only if it is this module's file of that purpose."""
    file_id = str(form.get(name, ""))
    found = files.get(file_id) if file_id else None
    if found is None or found.plugin != PLUGIN or found.purpose != purpose:
        return ""
    return file_id if found.subject_ref == f"training:module:{module_key}" else ""


def _store(
    upload: Any, kinds: tuple[str, ...], purpose: str, module_key: str, field: str, problems: dict[str, str]
) -> str:
    if upload is None or not upload.filename:
        return ""
    try:
        stored = files.save_upload(
            upload,
            plugin=PLUGIN,
            purpose=purpose,
            allowed=kinds,
            max_bytes=video_limit() if purpose == "video" else 2 * 1024 * 1024,
            subject_ref=f"training:module:{module_key}",
        )
    except files.UploadRefused as refused:
        problems[field] = refused.message
        return ""
    return stored.id


# --- changing the form's shape -----------------------------------------------------------------


def change_shape(content: dict[str, Any], action: str) -> tuple[str, str]:
    """Apply an "add"/"remove" button; returns (message for the trainer, field to go back to)."""
    verb, _colon, rest = action.partition(":")
    quiz = content["quiz"]
    question = next((q for q in quiz if q["key"] == rest.split(":")[0]), None)
    if verb == "add-question":
        if len(quiz) >= MAX_QUESTIONS:
            return _("A check can have up to %(most)s questions.", most=MAX_QUESTIONS), "add-question"
        blank = [{"key": key, "text": "", "feedback": ""} for key in "ab"]
        new = {"key": _free(quiz, "q"), "question": "", "answer": "", "right": "", "wrong": "",
               "options": blank}
        quiz.append(new)
        return (_("Question %(number)s was added. Your draft is saved.", number=len(quiz)),
                f"quiz-{new['key']}-question")
    if question is None:
        return _("That question is no longer in the draft."), "quiz"
    number = quiz.index(question) + 1
    if verb == "remove-question":
        if len(quiz) == 1:
            return _("A check needs at least one question."), f"quiz-{question['key']}-question"
        quiz.remove(question)
        return _("Question %(number)s was removed. Your draft is saved.", number=number), "quiz"
    options = question["options"]
    if verb == "add-option":
        if len(options) >= MAX_OPTIONS:
            return (_("A question can have up to %(most)s options.", most=MAX_OPTIONS),
                    f"quiz-{question['key']}-question")
        key = next(c for c in string.ascii_lowercase if c not in {o["key"] for o in options})
        options.append({"key": key, "text": "", "feedback": ""})
        return (_("Option %(option)s was added to question %(number)s. Your draft is saved.",
                  option=letter(len(options) - 1), number=number),
                f"quiz-{question['key']}-{key}-text")
    option = next((o for o in options if o["key"] == rest.partition(":")[2]), None)
    if verb == "remove-option" and option is not None:
        if len(options) <= MIN_OPTIONS:
            return (_("A question needs at least %(least)s options.", least=MIN_OPTIONS),
                    f"quiz-{question['key']}-question")
        label = letter(options.index(option))
        options.remove(option)
        if question["answer"] == option["key"]:
            question["answer"] = ""
        return (_("Option %(option)s was removed from question %(number)s. Your draft is saved.",
                  option=label, number=number),
                f"quiz-{question['key']}-question")
    return _("Nothing was changed."), "quiz"


def _free(items: list[dict[str, Any]], prefix: str) -> str:
    taken = {item["key"] for item in items}
    return next(f"{prefix}{n}" for n in range(1, len(items) + 2) if f"{prefix}{n}" not in taken)


# --- checking ----------------------------------------------------------------------------------


def problems_in(content: dict[str, Any]) -> dict[str, str]:
    """Everything that stops a module reaching learners, keyed by the field to fix (in page order)."""
    problems: dict[str, str] = {}
    if not content.get("title"):
        problems["title"] = _("Enter the module's title")
    for number, lesson in enumerate(content["lessons"], 1):
        _check_lesson(lesson, number, problems)
    for number, question in enumerate(content["quiz"], 1):
        _check_question(question, number, problems)
    count, mark = len(content["quiz"]), content.get("pass_mark")
    if not isinstance(mark, int):
        problems["pass_mark"] = _("Enter the pass mark as a whole number, like 2")
    elif not 1 <= mark <= count:
        problems["pass_mark"] = _(
            "The pass mark must be between 1 and %(count)s, the number of questions in the check", count=count
        )
    return problems


def _check_lesson(lesson: dict[str, Any], number: int, problems: dict[str, str]) -> None:
    key = lesson["key"]
    if not lesson["title"]:
        problems[f"{key}-title"] = _("Enter a title for every lesson")
    if not lesson["body"]:
        problems[f"{key}-body"] = _("Enter the text of the lesson “%(lesson)s”",
                                    lesson=lesson["title"] or key)
    elif len(lesson["body"]) > MAX_BODY:
        problems[f"{key}-body"] = _("Keep a lesson's text to %(most)s characters or fewer", most=MAX_BODY)
    video = lesson.get("video")
    if video:
        _check_video(video, key, number, problems)


def _check_video(video: dict[str, Any], key: str, number: int, problems: dict[str, str]) -> None:
    url = video.get("url", "")
    if url:
        problem = url_problem(url)
        if video.get("file_id"):
            problem = _("Give a video file or a video address, not both. To use the address, first "
                        "tick “Remove this lesson's video” and save")
        if problem:
            problems[f"{key}-video_url"] = problem
    if not (video.get("file_id") or url):
        if video.get("captions_file_id"):
            problems[f"{key}-video_file"] = _(
                "Upload the video these captions belong to in lesson %(number)s, or tick “Remove this "
                "lesson's video” to remove the captions",
                number=number,
            )
        return  # a transcript typed before its video is kept in the draft and shown once it has one
    if not video.get("captions_file_id"):
        problems[f"{key}-captions"] = _(
            "Upload a captions file (WebVTT, .vtt) for the video in lesson %(number)s: people who are "
            "deaf or hard of hearing need captions",
            number=number,
        )
    if not video.get("transcript"):
        problems[f"{key}-transcript"] = _(
            "Enter a transcript of the video in lesson %(number)s: some people cannot watch a video",
            number=number,
        )
    elif len(video["transcript"]) > LIMITS["transcript"]:
        problems[f"{key}-transcript"] = _("Keep a transcript to %(most)s characters or fewer",
                                          most=LIMITS["transcript"])


def url_problem(url: str) -> str:
    """Why a video address cannot be used, or "" when it can."""
    hosts = video_hosts()
    if not hosts:
        return _("Videos cannot be linked from other websites here: upload the video file instead")
    parts = urlsplit(url)
    allowed = ", ".join(hosts)
    if len(url) > LIMITS["url"] or parts.scheme != "https" or not parts.hostname or "@" in parts.netloc:
        return _("Enter the video's full address, starting https://, on %(hosts)s", hosts=allowed)
    if parts.hostname.lower() not in hosts or parts.port not in (None, 443):
        return _("Videos can only be linked from %(hosts)s. Upload the file instead, or use one of those",
                 hosts=allowed)
    return ""


def _check_question(question: dict[str, Any], number: int, problems: dict[str, str]) -> None:
    prefix = f"quiz-{question['key']}"
    if not question["question"]:
        problems[f"{prefix}-question"] = _("Enter question %(number)s", number=number)
    elif len(question["question"]) > LIMITS["question"]:
        problems[f"{prefix}-question"] = _("Keep question %(number)s to %(most)s characters or fewer",
                                           number=number, most=LIMITS["question"])
    seen: dict[str, str] = {}
    for index, option in enumerate(question["options"]):
        field, which = f"{prefix}-{option['key']}-text", {"option": letter(index), "number": number}
        text = option["text"]
        if not text:
            problems[field] = _("Enter option %(option)s of question %(number)s", **which)
        elif len(text) > LIMITS["option"]:
            problems[field] = _(
                "Keep option %(option)s of question %(number)s to %(most)s characters or fewer",
                most=LIMITS["option"], **which,
            )
        elif text.casefold() in seen:
            problems[field] = _(
                "Make option %(option)s of question %(number)s different from option %(other)s",
                other=seen[text.casefold()], **which,
            )
        else:
            seen[text.casefold()] = letter(index)
        if len(option.get("feedback", "")) > LIMITS["feedback"]:
            problems[f"{prefix}-{option['key']}-feedback"] = _(
                "Keep the feedback on option %(option)s of question %(number)s to %(most)s characters "
                "or fewer",
                most=LIMITS["feedback"], **which,
            )
    keys = [option["key"] for option in question["options"]]
    if question["answer"] not in keys:
        problems[f"{prefix}-answer"] = _("Choose the right answer to question %(number)s", number=number)
        return
    right = next(o for o in question["options"] if o["key"] == question["answer"])
    wrong = [o for o in question["options"] if o is not right]
    if not question["right"] and not right.get("feedback"):
        problems[f"{prefix}-right"] = _(
            "Enter the feedback for a right answer to question %(number)s, or feedback on option %(option)s",
            number=number, option=letter(keys.index(right["key"])),
        )
    if not question["wrong"] and not all(o.get("feedback") for o in wrong):
        problems[f"{prefix}-wrong"] = _(
            "Enter the feedback for a wrong answer to question %(number)s, or feedback on every "
            "other option",
            number=number,
        )
    for field in ("right", "wrong"):
        if len(question[field]) > LIMITS["feedback"]:
            problems[f"{prefix}-{field}"] = _("Keep feedback to %(most)s characters or fewer",
                                              most=LIMITS["feedback"])


# --- a version in another language -------------------------------------------------------------


def read_translation(content: dict[str, Any], form: Any) -> dict[str, Any]:
    """A version of the content's texts in another language, from a form whose fields are named
    as on the edit form (``title``, ``what-body``, ``quiz-q2-b-text``…). Only texts: the lessons,
    questions and options, the right answers and the pass mark stay the module's own."""
    version: dict[str, Any] = {"title": _text(form, "title"), "summary": _text(form, "summary"),
                               "lessons": {}, "quiz": {}}
    for lesson in content["lessons"]:
        version["lessons"][lesson["key"]] = {
            field: _text(form, f"{lesson['key']}-{field}") for field in ("title", "body", "easy_read")
        }
    for question in content["quiz"]:
        prefix = f"quiz-{question['key']}"
        version["quiz"][question["key"]] = {
            **{field: _text(form, f"{prefix}-{field}") for field in ("question", "right", "wrong")},
            "options": {
                option["key"]: {field: _text(form, f"{prefix}-{option['key']}-{field}")
                                for field in ("text", "feedback")}
                for option in question["options"]
            },
        }
    return version


def translation_problems(content: dict[str, Any], version: dict[str, Any]) -> dict[str, str]:
    """Texts too long to keep (the same limits as the module's own); gaps are not problems: a
    version can be saved part-done, and is shown to learners once it is complete."""
    problems: dict[str, str] = {}
    for lesson in content["lessons"]:
        if len(version["lessons"][lesson["key"]]["body"]) > MAX_BODY:
            problems[f"{lesson['key']}-body"] = _("Keep a lesson's text to %(most)s characters or fewer",
                                                  most=MAX_BODY)
    for number, question in enumerate(content["quiz"], 1):
        prefix, texts = f"quiz-{question['key']}", version["quiz"][question["key"]]
        if len(texts["question"]) > LIMITS["question"]:
            problems[f"{prefix}-question"] = _("Keep question %(number)s to %(most)s characters or fewer",
                                               number=number, most=LIMITS["question"])
        for field in ("right", "wrong"):
            if len(texts[field]) > LIMITS["feedback"]:
                problems[f"{prefix}-{field}"] = _("Keep feedback to %(most)s characters or fewer",
                                                  most=LIMITS["feedback"])
        for index, option in enumerate(question["options"]):
            which = {"option": letter(index), "number": number}
            if len(texts["options"][option["key"]]["text"]) > LIMITS["option"]:
                problems[f"{prefix}-{option['key']}-text"] = _(
                    "Keep option %(option)s of question %(number)s to %(most)s characters or fewer",
                    most=LIMITS["option"], **which,
                )
            if len(texts["options"][option["key"]]["feedback"]) > LIMITS["feedback"]:
                problems[f"{prefix}-{option['key']}-feedback"] = _(
                    "Keep the feedback on option %(option)s of question %(number)s to %(most)s characters "
                    "or fewer",
                    most=LIMITS["feedback"], **which,
                )
    return problems


def translation_values(version: dict[str, Any]) -> dict[str, str]:
    """A version's texts by form field name, to fill the form in again."""
    values = {"title": version.get("title", ""), "summary": version.get("summary", "")}
    for key, texts in (version.get("lessons") or {}).items():
        values.update({f"{key}-{field}": text for field, text in texts.items()})
    for key, texts in (version.get("quiz") or {}).items():
        values.update({f"quiz-{key}-{field}": text for field, text in texts.items() if field != "options"})
        for option, option_texts in (texts.get("options") or {}).items():
            values.update({f"quiz-{key}-{option}-{field}": text for field, text in option_texts.items()})
    return {name: text for name, text in values.items() if isinstance(text, str)}
