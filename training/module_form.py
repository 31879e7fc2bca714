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

from .course import PLUGIN

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
    verb, _, rest = action.partition(":")
    quiz = content["quiz"]
    question = next((q for q in quiz if q["key"] == rest.split(":")[0]), None)
    if verb == "add-question":
        if len(quiz) >= MAX_QUESTIONS:
            return f"A check can have up to {MAX_QUESTIONS} questions.", "add-question"
        blank = [{"key": key, "text": "", "feedback": ""} for key in "ab"]
        new = {"key": _free(quiz, "q"), "question": "", "answer": "", "right": "", "wrong": "",
               "options": blank}
        quiz.append(new)
        return f"Question {len(quiz)} was added. Your draft is saved.", f"quiz-{new['key']}-question"
    if question is None:
        return "That question is no longer in the draft.", "quiz"
    number = quiz.index(question) + 1
    if verb == "remove-question":
        if len(quiz) == 1:
            return "A check needs at least one question.", f"quiz-{question['key']}-question"
        quiz.remove(question)
        return f"Question {number} was removed. Your draft is saved.", "quiz"
    options = question["options"]
    if verb == "add-option":
        if len(options) >= MAX_OPTIONS:
            return f"A question can have up to {MAX_OPTIONS} options.", f"quiz-{question['key']}-question"
        key = next(c for c in string.ascii_lowercase if c not in {o["key"] for o in options})
        options.append({"key": key, "text": "", "feedback": ""})
        return (f"Option {letter(len(options) - 1)} was added to question {number}. Your draft is saved.",
                f"quiz-{question['key']}-{key}-text")
    option = next((o for o in options if o["key"] == rest.partition(":")[2]), None)
    if verb == "remove-option" and option is not None:
        if len(options) <= MIN_OPTIONS:
            return f"A question needs at least {MIN_OPTIONS} options.", f"quiz-{question['key']}-question"
        label = letter(options.index(option))
        options.remove(option)
        if question["answer"] == option["key"]:
            question["answer"] = ""
        return (f"Option {label} was removed from question {number}. Your draft is saved.",
                f"quiz-{question['key']}-question")
    return "Nothing was changed.", "quiz"


def _free(items: list[dict[str, Any]], prefix: str) -> str:
    taken = {item["key"] for item in items}
    return next(f"{prefix}{n}" for n in range(1, len(items) + 2) if f"{prefix}{n}" not in taken)


# --- checking ----------------------------------------------------------------------------------


def problems_in(content: dict[str, Any]) -> dict[str, str]:
    """Everything that stops a module reaching learners, keyed by the field to fix (in page order)."""
    problems: dict[str, str] = {}
    if not content.get("title"):
        problems["title"] = "Enter the module's title"
    for number, lesson in enumerate(content["lessons"], 1):
        _check_lesson(lesson, number, problems)
    for number, question in enumerate(content["quiz"], 1):
        _check_question(question, number, problems)
    count, mark = len(content["quiz"]), content.get("pass_mark")
    if not isinstance(mark, int):
        problems["pass_mark"] = "Enter the pass mark as a whole number, like 2"
    elif not 1 <= mark <= count:
        problems["pass_mark"] = (
            f"The pass mark must be between 1 and {count}, the number of questions in the check"
        )
    return problems


def _check_lesson(lesson: dict[str, Any], number: int, problems: dict[str, str]) -> None:
    key = lesson["key"]
    if not lesson["title"]:
        problems[f"{key}-title"] = "Enter a title for every lesson"
    if not lesson["body"]:
        problems[f"{key}-body"] = f"Enter the text of the lesson “{lesson['title'] or key}”"
    elif len(lesson["body"]) > MAX_BODY:
        problems[f"{key}-body"] = f"Keep a lesson's text to {MAX_BODY} characters or fewer"
    video = lesson.get("video")
    if video:
        _check_video(video, key, number, problems)


def _check_video(video: dict[str, Any], key: str, number: int, problems: dict[str, str]) -> None:
    url = video.get("url", "")
    if url:
        problem = url_problem(url)
        if video.get("file_id"):
            problem = ("Give a video file or a video address, not both. To use the address, first "
                       "tick “Remove this lesson's video” and save")
        if problem:
            problems[f"{key}-video_url"] = problem
    if not (video.get("file_id") or url):
        if video.get("captions_file_id"):
            problems[f"{key}-video_file"] = (
                f"Upload the video these captions belong to in lesson {number}, or tick “Remove this "
                "lesson's video” to remove the captions"
            )
        return  # a transcript typed before its video is kept in the draft and shown once it has one
    if not video.get("captions_file_id"):
        problems[f"{key}-captions"] = (
            f"Upload a captions file (WebVTT, .vtt) for the video in lesson {number}: people who are "
            "deaf or hard of hearing need captions"
        )
    if not video.get("transcript"):
        problems[f"{key}-transcript"] = (
            f"Enter a transcript of the video in lesson {number}: some people cannot watch a video"
        )
    elif len(video["transcript"]) > LIMITS["transcript"]:
        problems[f"{key}-transcript"] = f"Keep a transcript to {LIMITS['transcript']} characters or fewer"


def url_problem(url: str) -> str:
    """Why a video address cannot be used, or "" when it can."""
    hosts = video_hosts()
    if not hosts:
        return "Videos cannot be linked from other websites here: upload the video file instead"
    parts = urlsplit(url)
    allowed = ", ".join(hosts)
    if len(url) > LIMITS["url"] or parts.scheme != "https" or not parts.hostname or "@" in parts.netloc:
        return f"Enter the video's full address, starting https://, on {allowed}"
    if parts.hostname.lower() not in hosts or parts.port not in (None, 443):
        return f"Videos can only be linked from {allowed}. Upload the file instead, or use one of those"
    return ""


def _check_question(question: dict[str, Any], number: int, problems: dict[str, str]) -> None:
    prefix = f"quiz-{question['key']}"
    if not question["question"]:
        problems[f"{prefix}-question"] = f"Enter question {number}"
    elif len(question["question"]) > LIMITS["question"]:
        problems[f"{prefix}-question"] = f"Keep question {number} to {LIMITS['question']} characters or fewer"
    seen: dict[str, str] = {}
    for index, option in enumerate(question["options"]):
        field, name = f"{prefix}-{option['key']}-text", f"option {letter(index)} of question {number}"
        text = option["text"]
        if not text:
            problems[field] = f"Enter {name}"
        elif len(text) > LIMITS["option"]:
            problems[field] = f"Keep {name} to {LIMITS['option']} characters or fewer"
        elif text.casefold() in seen:
            problems[field] = f"Make {name} different from option {seen[text.casefold()]}"
        else:
            seen[text.casefold()] = letter(index)
        if len(option.get("feedback", "")) > LIMITS["feedback"]:
            problems[f"{prefix}-{option['key']}-feedback"] = (
                f"Keep the feedback on {name} to {LIMITS['feedback']} characters or fewer"
            )
    keys = [option["key"] for option in question["options"]]
    if question["answer"] not in keys:
        problems[f"{prefix}-answer"] = f"Choose the right answer to question {number}"
        return
    right = next(o for o in question["options"] if o["key"] == question["answer"])
    wrong = [o for o in question["options"] if o is not right]
    if not question["right"] and not right.get("feedback"):
        problems[f"{prefix}-right"] = (
            f"Enter the feedback for a right answer to question {number}, or feedback on option "
            f"{letter(keys.index(right['key']))}"
        )
    if not question["wrong"] and not all(o.get("feedback") for o in wrong):
        problems[f"{prefix}-wrong"] = (
            f"Enter the feedback for a wrong answer to question {number}, or feedback on every "
            "other option"
        )
    for field in ("right", "wrong"):
        if len(question[field]) > LIMITS["feedback"]:
            problems[f"{prefix}-{field}"] = f"Keep feedback to {LIMITS['feedback']} characters or fewer"
