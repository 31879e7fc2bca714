"""Trainers author the check (questions, options, the right answer, feedback, pass mark) and
lesson videos (file or allowed address, WebVTT captions, transcript); learners see what the lead
published, and someone part-way through a module finishes the version they started."""

from __future__ import annotations

import html
import io
import json
import re
from typing import Any

import pytest
from sqlmodel import select

from coprod_portal.testing import csrf_token, login

EDIT = "/training/authoring/coproduction/edit"
CHECK = "/training/modules/coproduction/check"
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 256
VTT = b"WEBVTT\n\n00:00.000 --> 00:02.000\nHello and welcome.\n"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def form_of(page: str) -> dict[str, Any]:
    """The edit form's fields as a browser would send them (file inputs and buttons left out)."""
    form = re.search(r'<form method="post"[^>]*enctype="multipart/form-data".*?</form>', page, re.S)
    assert form, "no edit form on the page"
    data: dict[str, Any] = {}
    for tag in re.findall(r"<input\b[^>]*>", form.group(0)):
        name, kind = re.search(r'name="([^"]+)"', tag), re.search(r'type="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if not name or not kind or kind.group(1) == "file":
            continue
        if kind.group(1) in {"radio", "checkbox"} and " checked" not in tag:
            continue
        data[name.group(1)] = html.unescape(value.group(1)) if value else ""
    textareas = r'<textarea\b[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>'
    for name, text in re.findall(textareas, form.group(0), re.S):
        data[name] = html.unescape(text)
    return data


def post(client: Any, path: str = EDIT, action: str = "save", **changes: Any) -> Any:
    data = {**form_of(client.get(path).get_data(as_text=True)), **changes, "action": action}
    return client.post(path, data=data, content_type="multipart/form-data")


def draft_content(app: Any, key: str = "coproduction") -> dict[str, Any]:
    from coprod_portal.db import get_session
    from training.models import TrainingVersion

    with app.app_context():
        rows = get_session().exec(select(TrainingVersion).where(TrainingVersion.module_key == key)).all()
        return json.loads(max(rows, key=lambda v: v.number).content)


def publish(trainer: Any, lead: Any, key: str = "coproduction") -> Any:
    sent = trainer.post(f"/training/authoring/{key}/submit",
                        data={"csrf_token": csrf_token(trainer, "/training/authoring")})
    assert sent.status_code == 302 and sent.headers["Location"].endswith("/training/authoring")
    number = re.search(rf"/training/authoring/{key}/versions/(\d+)",
                       lead.get("/training/authoring").get_data(as_text=True)).group(1)
    review = f"/training/authoring/{key}/versions/{number}"
    return lead.post(review, data={"decision": "publish", "csrf_token": csrf_token(lead, review)},
                     follow_redirects=True)


def test_a_trainer_adds_and_removes_questions_and_options_without_javascript(app, client_as):
    trainer = client_as("trainer@example.org")
    added = post(trainer, action="add-question")
    assert added.status_code == 302 and added.headers["Location"].endswith("#quiz-q3-question")
    page = trainer.get(EDIT).get_data(as_text=True)
    assert "Question 3 was added. Your draft is saved." in page
    assert '<h3 class="govuk-fieldset__heading">Question 3</h3>' in page and 'id="quiz-q3-a-text"' in page
    assert post(trainer, action="add-option:q3").headers["Location"].endswith("#quiz-q3-c-text")
    removed = post(trainer, action="remove-option:q1:a")
    assert removed.status_code == 302
    quiz = draft_content(app)["quiz"]
    assert [q["key"] for q in quiz] == ["q1", "q2", "q3"]
    assert [o["key"] for o in quiz[0]["options"]] == ["b", "c"] and quiz[0]["answer"] == "b"
    assert [o["key"] for o in quiz[2]["options"]] == ["a", "b", "c"]
    page = trainer.get(EDIT).get_data(as_text=True)
    assert "Option A was removed from question 1" in page
    # A question at its minimum of two options offers no "Remove option" button, and refuses one.
    assert 'value="remove-option:q1:b"' not in page
    post(trainer, action="remove-option:q1:b")
    assert len(draft_content(app)["quiz"][0]["options"]) == 2
    assert "A question needs at least 2 options." in trainer.get(EDIT).get_data(as_text=True)
    post(trainer, action="remove-question:q2")
    assert [q["key"] for q in draft_content(app)["quiz"]] == ["q1", "q3"]


def test_an_incomplete_check_is_refused_with_every_value_kept(app, client_as):
    trainer = client_as("trainer@example.org")
    post(trainer, action="add-question")
    before = draft_content(app)
    response = post(trainer, **{
        "quiz-q1-question": "", "quiz-q1-c-text": "Deciding the plan together from the start, as equals",
        "quiz-q2-right": "", "quiz-q3-question": "Who decides?  <b>together</b>", "quiz-q3-a-text": "We do",
        "quiz-q3-b-text": "", "pass_mark": "ten", "summary": "A new summary I typed",
    })
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "There is a problem" in page
    expected = {
        "quiz-q1-question": "Enter question 1",
        "quiz-q1-c-text": "Make option C of question 1 different from option B",
        "quiz-q2-right": "Enter the feedback for a right answer to question 2, or feedback on option A",
        "quiz-q3-b-text": "Enter option B of question 3",
        "quiz-q3-answer": "Choose the right answer to question 3",
        "pass_mark": "Enter the pass mark as a whole number, like 2",
    }
    summary = re.search(r'govuk-error-summary__list">(.*?)</ul>', page, re.S).group(1)
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary)
    assert [href for href, _ in links] == list(expected)  # in the order of the page
    for field, message in expected.items():
        assert any(text.startswith(message) for href, text in links if href == field), field
        assert f'id="{field}"' in page  # every summary link has somewhere to go
        assert re.search(rf'id="{field}"[^>]*aria-describedby="[^"]*{field}-error', page) or re.search(
            rf'aria-describedby="{field}-error"', page), field
    # Everything typed comes back, escaped, and nothing was saved.
    assert "A new summary I typed</textarea>" in page
    assert "Who decides?  &lt;b&gt;together&lt;/b&gt;</textarea>" in page and 'value="We do"' in page
    assert 'id="pass_mark" name="pass_mark" type="text" value="ten"' in page
    assert draft_content(app) == before
    assert "Error: Edit" in re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    too_high = post(trainer, **{"pass_mark": "9"}).get_data(as_text=True)
    assert "The pass mark must be between 1 and 3, the number of questions in the check" in too_high


def test_an_authored_check_reaches_learners_after_publication(app, client_as):
    trainer, lead = client_as("trainer@example.org"), client_as("lead@example.org")
    post(trainer, action="add-question")
    saved = post(trainer, **{
        "quiz-q3-question": "Who should be paid for their time?",
        "quiz-q3-a-text": "Everyone who brings lived experience", "quiz-q3-b-text": "Only staff",
        "quiz-q3-answer": "a", "quiz-q3-right": "Yes: people are paid for their expertise.",
        "quiz-q3-wrong": "", "quiz-q3-b-feedback": "Staff are paid already; members are paid too.",
        "pass_mark": "3",
    })
    assert saved.status_code == 302, saved.get_data(as_text=True)
    assert "Published" in publish(trainer, lead).get_data(as_text=True)
    staff = client_as("staff@example.org")
    check = staff.get(CHECK).get_data(as_text=True)
    assert "3. Who should be paid for their time?" in check
    assert "Everyone who brings lived experience" in check
    assert "The check (3 questions)" in staff.get("/training/modules/coproduction").get_data(as_text=True)
    answers = {"q1": "b", "q2": "a", "q3": "b", "csrf_token": csrf_token(staff, CHECK)}
    result = staff.post(CHECK, data=answers).get_data(as_text=True)
    assert "Not passed yet" in result and "you need 3" in result
    assert "Your answer: Only staff (not right)" in result
    assert "Staff are paid already; members are paid too." in result  # the option's own feedback
    passed = staff.post(CHECK, data={**answers, "q3": "a", "csrf_token": csrf_token(staff, CHECK)})
    assert "Yes: people are paid for their expertise." in passed.get_data(as_text=True)
    assert "You passed" in passed.get_data(as_text=True)


def test_tampered_answers_to_an_authored_question_are_refused_and_nothing_is_recorded(app, client_as):
    from coprod_portal.db import get_session
    from training.models import TrainingProgress

    staff = client_as("staff@example.org")
    data = {"q1": "b", "q2": "a", "q3": "c", "csrf_token": csrf_token(staff, CHECK)}
    assert staff.post(CHECK, data=data).status_code == 200  # no question q3: an extra field is ignored
    tampered = staff.post(CHECK, data={"q1": "z", "q2": "a", "csrf_token": csrf_token(staff, CHECK)})
    page = tampered.get_data(as_text=True)
    assert tampered.status_code == 400 and "is not one of its options" in page and 'href="#q1"' in page
    assert 'value="a" checked' in page  # the valid choice is kept
    with app.app_context():
        rows = get_session().exec(select(TrainingProgress)).all()
        assert [(r.score, r.out_of) for r in rows] == [(2, 2)]  # only the real, marked attempts


def test_a_video_needs_captions_and_a_transcript_and_uploads_are_not_lost(app, client_as):
    trainer = client_as("trainer@example.org")
    first = post(trainer, **{"what-video_file": (io.BytesIO(MP4), "welcome.mp4", "video/mp4")})
    page = first.get_data(as_text=True)
    assert first.status_code == 400
    assert "Upload a captions file (WebVTT, .vtt) for the video in lesson 1" in page
    assert "Enter a transcript of the video in lesson 1" in page
    kept = re.search(r'name="what-video_file_id" value="([0-9a-f]+)"', page).group(1)
    assert "welcome.mp4" in page and "You do not need to choose the file again" in page
    assert draft_content(app)["lessons"][0]["video"] is None  # the draft itself is unchanged
    not_vtt = trainer.post(EDIT, content_type="multipart/form-data", data={
        **form_of(page), "action": "save",
        "what-captions": (io.BytesIO(b"Hello and welcome.\n"), "welcome.vtt", "text/vtt")})
    assert not_vtt.status_code == 400
    assert "is not a WebVTT captions file: its first line must be WEBVTT" in not_vtt.get_data(as_text=True)
    good = trainer.post(EDIT, content_type="multipart/form-data", data={
        **form_of(not_vtt.get_data(as_text=True)), "action": "save",
        "what-captions": (io.BytesIO(VTT), "welcome.vtt", "text/vtt"),
        "what-transcript": "Rosa: Hello and welcome to co-production."})
    assert good.status_code == 302, good.get_data(as_text=True)
    video = draft_content(app)["lessons"][0]["video"]
    assert video["file_id"] == kept and video["file_name"] == "welcome.mp4"
    assert video["captions_file_name"] == "welcome.vtt" and video["transcript"].startswith("Rosa: Hello")
    publish(trainer, client_as("lead@example.org"))
    staff = client_as("staff@example.org")
    lesson = staff.get("/training/modules/coproduction/lessons/what").get_data(as_text=True)
    assert f'src="/files/{kept}"' in lesson
    track = ('<track kind="captions" srclang="en" label="English captions" default '
             f'src="/files/{video["captions_file_id"]}"')
    assert track in lesson
    assert "Hello and welcome to co-production." in lesson
    served = staff.get(f"/files/{kept}")
    assert served.status_code == 200 and served.mimetype == "video/mp4" and served.data == MP4


@pytest.mark.parametrize(("name", "content", "message"), [
    ("talk.mp4", PDF, "The selected file must be a MP4 video (.mp4) or WebM video (.webm). It is a PDF"),
    ("talk.mov", MP4, "but its name ends in .mov"),
])
def test_a_file_that_is_not_a_video_is_refused(app, client_as, name, content, message):
    response = post(client_as("trainer@example.org"), **{"what-video_file": (io.BytesIO(content), name)})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and message in page
    assert 'href="#what-video_file"' in page and 'name="what-video_file_id" value=""' in page


def test_a_file_id_from_elsewhere_cannot_be_slipped_into_a_lesson(app, client_as):
    trainer = client_as("trainer@example.org")
    other = post(trainer, "/training/authoring/benefits/edit",
                 **{"earnings-video_file": (io.BytesIO(MP4), "other.mp4")}).get_data(as_text=True)
    foreign = re.search(r'name="earnings-video_file_id" value="([0-9a-f]+)"', other).group(1)
    response = post(trainer, **{"what-video_file_id": foreign, "what-captions_file_id": foreign,
                                "what-transcript": "Words"})
    assert response.status_code == 302  # the id is ignored: the lesson keeps only its transcript
    video = draft_content(app)["lessons"][0]["video"]
    assert video["file_id"] == "" and video["captions_file_id"] == "" and video["transcript"] == "Words"
    assert "<video" not in client_as("staff@example.org").get(
        "/training/modules/coproduction/lessons/what").get_data(as_text=True)


def test_a_video_address_only_on_an_allowed_host(make_app):
    app = make_app(plugins=["training"], config={"PLUGIN_TRAINING": {"video_hosts": ["media.example.org"]}})
    trainer = login(app.test_client(), "trainer@example.org")
    assert "Only from media.example.org, starting https://" in trainer.get(EDIT).get_data(as_text=True)
    captions = {"what-captions": (io.BytesIO(VTT), "welcome.vtt"), "what-transcript": "Hello."}
    for url, message in (
        ("http://media.example.org/a.mp4", "full address, starting https://"),
        ("https://media.example.org.evil.test/a.mp4", "Videos can only be linked from media.example.org"),
        ("https://user@media.example.org/a.mp4", "full address, starting https"),
    ):
        refused = post(trainer, **{"what-video_url": url, **captions})
        assert refused.status_code == 400 and message in refused.get_data(as_text=True), url
        captions["what-captions"] = (io.BytesIO(VTT), "welcome.vtt")
    linked = post(trainer, **{"what-video_url": "https://media.example.org/a.mp4", **captions})
    assert linked.status_code == 302
    publish(trainer, login(app.test_client(), "lead@example.org"))
    staff = login(app.test_client(), "staff@example.org")
    lesson = staff.get("/training/modules/coproduction/lessons/what")
    assert 'src="https://media.example.org/a.mp4"' in lesson.get_data(as_text=True)
    assert "Watch the video on media.example.org (opens in a new tab)" in lesson.get_data(as_text=True)
    assert lesson.headers["Content-Security-Policy"].endswith("; media-src 'self' https://media.example.org")
    other = staff.get("/training/modules/coproduction/lessons/ladder")
    assert "media-src" not in other.headers["Content-Security-Policy"]


def test_without_allowed_hosts_no_address_is_offered_or_accepted(app, client_as):
    trainer = client_as("trainer@example.org")
    assert 'name="what-video_url"' not in trainer.get(EDIT).get_data(as_text=True)
    response = post(trainer, **{"what-video_url": "https://media.example.org/a.mp4",
                                "what-captions": (io.BytesIO(VTT), "a.vtt"), "what-transcript": "Hi"})
    assert response.status_code == 400
    assert "Videos cannot be linked from other websites here" in response.get_data(as_text=True)


def test_an_incomplete_draft_cannot_be_sent_for_review_or_published(app, client_as):
    from coprod_portal.db import get_session
    from training.models import TrainingVersion

    trainer, lead = client_as("trainer@example.org"), client_as("lead@example.org")
    post(trainer, action="add-question")  # saved as typed: question 3 is empty
    sent = trainer.post("/training/authoring/coproduction/submit",
                        data={"csrf_token": csrf_token(trainer, "/training/authoring")},
                        follow_redirects=True)
    page = sent.get_data(as_text=True)
    assert "The draft is not complete yet" in page and 'href="#quiz-q3-question"' in page
    with app.app_context():
        db = get_session()
        draft = db.exec(select(TrainingVersion).where(TrainingVersion.number == 2)).one()
        assert draft.status == "draft"
        draft.status = "in_review"
        db.commit()
    review = "/training/authoring/coproduction/versions/2"
    refused = lead.post(review, data={"decision": "publish", "csrf_token": csrf_token(lead, review)})
    assert refused.status_code == 400 and "This version is not complete" in refused.get_data(as_text=True)
    assert "Not passed yet" not in client_as("staff@example.org").get(CHECK).get_data(as_text=True)
    assert "Question 3" not in client_as("staff@example.org").get(CHECK).get_data(as_text=True)


def test_a_learner_part_way_through_keeps_their_version(app, client_as):
    staff = client_as("staff@example.org")
    first = "/training/modules/coproduction/lessons/what"
    staff.post(first, data={"csrf_token": csrf_token(staff, first)})
    trainer, lead = client_as("trainer@example.org"), client_as("lead@example.org")
    post(trainer, **{"ladder-body": "## Rewritten\n\nThe ladder, told again.",
                     "quiz-q1-question": "What is it?"})
    publish(trainer, lead)
    ladder = "/training/modules/coproduction/lessons/ladder"
    mine = staff.get(ladder).get_data(as_text=True)
    assert "From coercion to co-production" in mine and "Rewritten" not in mine
    assert "Which of these is co-production?" in staff.get(CHECK).get_data(as_text=True)
    assert "Module, version 1" in staff.get("/training/modules/coproduction").get_data(as_text=True)
    newcomer = client_as("hr@example.org")
    assert "Rewritten" in newcomer.get(ladder).get_data(as_text=True)
    assert "What is it?" in newcomer.get(CHECK).get_data(as_text=True)
    staff.post(CHECK, data={"q1": "b", "q2": "a", "csrf_token": csrf_token(staff, CHECK)})
    assert "(version 1)" in staff.get("/training/modules/coproduction/certificate").get_data(as_text=True)
    assert "Module, version 2" in staff.get("/training/modules/coproduction").get_data(as_text=True)
