"""The course in Welsh: the language an LMS asks for, Welsh pages around content in the language
the trainer wrote it in, and refusals a Welsh reader can read."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import pytest
from babel.dates import format_date
from sqlmodel import select

from coprod_portal.testing import csrf_token

from .conftest import launch
from .test_authoring_content import EDIT, draft_content, post, publish

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
MODULE = "/training/modules/benefits"
CHECK = "/training/modules/coproduction/check"


def launched(client: Any, platform: Any, locale: Any) -> Any:
    """A learner's launch whose LMS says ``locale``; returns the page the launch leads to."""
    response = launch(client, platform, **{LTI + "launch_presentation": {"locale": locale}})
    assert response.status_code == 303, response.get_data(as_text=True)
    assert response.headers["Location"].endswith(MODULE)
    return client.get(response.headers["Location"])


def right_answers(app: Any, key: str = "benefits") -> dict[str, str]:
    from coprod_portal.db import get_session
    from training.models import TrainingVersion

    with app.app_context():
        version = get_session().exec(select(TrainingVersion).where(TrainingVersion.module_key == key)).first()
        assert version is not None
        return {q["key"]: q["answer"] for q in json.loads(version.content)["quiz"]}


def test_a_learner_whose_lms_speaks_welsh_gets_the_module_page_in_welsh(app, platform):
    client = app.test_client()
    page = launched(client, platform, "cy-GB")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<html lang="cy"' in html
    assert "Modiwl, fersiwn 1" in html and ">Gwersi</h2>" in html and "Dechrau'r modiwl" in html
    assert "Gwersi rydych chi wedi'u gwneud: 0 allan o" in html
    # the course content stays in English, and says so
    assert '<p class="govuk-body-l" lang="en">' in html
    assert '<span lang="en">Paying people who receive benefits</span>' in html
    # the choice is remembered for the rest of the visit
    index = client.get("/training/").get_data(as_text=True)
    assert '<html lang="cy"' in index and "Modiwlau" in index and "Heb ddechrau" in index


@pytest.mark.parametrize("locale", ["xx-YY", "<script>", 42, "cy" * 40])
def test_a_locale_the_portal_does_not_speak_leaves_the_learner_in_english(app, platform, locale):
    page = launched(app.test_client(), platform, locale)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<html lang="en"' in html and "Module, version 1" in html and "Start the module" in html
    assert 'lang="xx' not in html and "&lt;script&gt;" not in html


def test_a_welsh_learner_takes_the_check_and_gets_a_welsh_certificate(app, platform):
    client = app.test_client()
    launched(client, platform, "cy")
    check = client.get(f"{MODULE}/check").get_data(as_text=True)
    assert "Gwiriwch beth rydych chi wedi'i ddysgu" in check and "Gwirio fy atebion" in check
    token = csrf_token(client, f"{MODULE}/check")
    missing = client.post(f"{MODULE}/check", data={"csrf_token": token})
    assert missing.status_code == 400
    problems = missing.get_data(as_text=True)
    assert "Dewiswch ateb i:" in problems and "Gwall:" in problems
    answers = right_answers(app)
    passed = client.post(f"{MODULE}/check", data={**answers, "csrf_token": token}).get_data(as_text=True)
    assert "Rydych chi wedi llwyddo" in passed and "Eich ateb:" in passed and "(cywir)" in passed
    certificate = client.get(f"{MODULE}/certificate").get_data(as_text=True)
    today = format_date(date.today(), "d MMMM y", locale="cy_GB")
    assert "Tystysgrif cwblhau" in certificate and f"ar {today}" in certificate
    assert "Ada Learner" in certificate


def test_a_refusal_speaks_the_readers_language(app):
    client = app.test_client()
    welsh = client.get("/training/lti/login", headers={"Accept-Language": "cy"})
    text = welsh.get_data(as_text=True)
    assert welsh.status_code == 400
    assert "Ni anfonodd yr LMS gais mewngofnodi cyflawn" in text and '<html lang="cy"' in text
    english = app.test_client().get("/training/lti/login").get_data(as_text=True)
    assert "The LMS did not send a complete sign-in request" in english


def test_the_open_in_a_new_window_page_is_in_welsh(app, platform):
    from .test_frame import FRAMED, HTTPS, _framed_login

    framed = app.test_client(use_cookies=False)
    check_url = _framed_login(framed, platform).headers["Location"]
    page = framed.get(check_url, base_url=HTTPS, headers={**FRAMED, "Accept-Language": "cy-GB,cy;q=0.9"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Agor yr hyfforddiant mewn ffenestr newydd" in text and "Pam mae hyn yn digwydd" in text


def test_a_module_written_in_welsh_is_marked_as_welsh_on_english_pages(app, client_as):
    trainer, lead = client_as("trainer@example.org"), client_as("lead@example.org")
    form = trainer.get(EDIT).get_data(as_text=True)
    assert "Language the module is written in" in form and '<option value="en" selected>' in form
    assert post(trainer, language="cy").status_code == 302
    assert '<option value="cy" selected>' in trainer.get(EDIT).get_data(as_text=True)
    assert "Published" in publish(trainer, lead).get_data(as_text=True)
    staff = client_as("staff@example.org")
    module = staff.get("/training/modules/coproduction").get_data(as_text=True)
    assert '<html lang="en"' in module and '<p class="govuk-body-l" lang="cy">' in module
    assert '<span lang="cy">Co-production: working in equal partnership</span>' in module
    lesson = staff.get("/training/modules/coproduction/lessons/what").get_data(as_text=True)
    assert '<div lang="cy">' in lesson and "Lesson 1 of 3" in lesson


def test_a_language_the_portal_does_not_speak_is_never_stored_as_the_contents(app, client_as):
    trainer = client_as("trainer@example.org")
    assert post(trainer, language="<b>xx</b>").status_code == 302
    assert draft_content(app)["language"] == "en"


def welsh_texts(app: Any) -> dict[str, str]:
    """A complete Welsh version of the coproduction module: every text the original has."""
    from training.course import translation_gaps

    texts = {name: f"Testun Cymraeg {name}" for name in translation_gaps(draft_content(app), {})}
    texts.update({"title": "Cyd-gynhyrchu: gweithio fel partneriaid cyfartal",
                  "what-title": "Beth yw cyd-gynhyrchu"})
    return texts


def test_a_trainer_adds_a_welsh_version_that_welsh_learners_get_once_complete(app, client_as):
    trainer, lead = client_as("trainer@example.org"), client_as("lead@example.org")
    path = "/training/authoring/coproduction/languages/cy"
    assert "/training/authoring/coproduction/languages/cy" in trainer.get(EDIT).get_data(as_text=True)
    form = trainer.get(path).get_data(as_text=True)
    assert "Welsh version" in form and 'lang="cy"' in form and "What co-production is" in form
    texts = welsh_texts(app)
    partial = {name: text for name, text in texts.items() if not name.startswith("quiz-")}
    saved = trainer.post(path, data={**partial, "csrf_token": csrf_token(trainer, path)},
                         follow_redirects=True)
    page = saved.get_data(as_text=True)
    assert "Learners see it once every text is translated" in page and "texts are not translated yet" in page
    assert 'value="Beth yw cyd-gynhyrchu"' in page  # kept in the draft
    saved = trainer.post(path, data={**texts, "csrf_token": csrf_token(trainer, path)}, follow_redirects=True)
    assert "It is complete" in saved.get_data(as_text=True)
    assert "Published" in publish(trainer, lead).get_data(as_text=True)

    welsh = client_as("staff@example.org")
    welsh.get("/language/cy")
    module = welsh.get("/training/modules/coproduction").get_data(as_text=True)
    assert '<span lang="cy">' not in module and "Cyd-gynhyrchu: gweithio fel partneriaid cyfartal" in module
    assert "Beth yw cyd-gynhyrchu" in module and "What co-production is" not in module
    lesson = welsh.get("/training/modules/coproduction/lessons/what").get_data(as_text=True)
    assert '<div lang="cy">' in lesson and "Testun Cymraeg what-body" in lesson
    answers = right_answers(app, "coproduction")
    result = welsh.post(f"{CHECK}", data={**answers, "csrf_token": csrf_token(welsh, CHECK)})
    assert "Rydych chi wedi llwyddo" in result.get_data(as_text=True)
    assert "Testun Cymraeg quiz-q1-question" in result.get_data(as_text=True)
    english = client_as("manager@example.org").get("/training/modules/coproduction").get_data(as_text=True)
    assert "What co-production is" in english and "Beth yw cyd-gynhyrchu" not in english


def test_an_incomplete_welsh_version_leaves_welsh_learners_with_the_module_as_written(app, client_as):
    trainer, lead = client_as("trainer@example.org"), client_as("lead@example.org")
    path = "/training/authoring/coproduction/languages/cy"
    texts = {**welsh_texts(app), "quiz-q1-question": ""}
    trainer.post(path, data={**texts, "csrf_token": csrf_token(trainer, path)})
    trainer.post("/training/authoring/coproduction/submit",
                 data={"csrf_token": csrf_token(trainer, "/training/authoring")})
    review = re.search(r'href="(/training/authoring/coproduction/versions/\d+)"',
                       lead.get("/training/authoring").get_data(as_text=True)).group(1)
    assert "The Welsh version lacks 1 text: learners who read Welsh will see the module as written" \
        in lead.get(review).get_data(as_text=True)
    assert "Published" in publish(trainer, lead).get_data(as_text=True)
    welsh = client_as("staff@example.org")
    welsh.get("/language/cy")
    module = welsh.get("/training/modules/coproduction").get_data(as_text=True)
    assert '<html lang="cy"' in module and "What co-production is" in module
    assert '<span lang="en">Co-production: working in equal partnership</span>' in module


def test_a_version_in_another_language_refuses_bad_requests_and_keeps_what_was_typed(app, client_as):
    trainer = client_as("trainer@example.org")
    assert trainer.get("/training/authoring/coproduction/languages/en").status_code == 404
    assert trainer.get("/training/authoring/coproduction/languages/xx").status_code == 404
    path = "/training/authoring/coproduction/languages/cy"
    assert client_as("staff@example.org").get(path).status_code == 403
    long = trainer.post(path, data={"title": "Teitl cadw", "what-body": "x" * 20001,
                                    "csrf_token": csrf_token(trainer, path)})
    page = long.get_data(as_text=True)
    assert long.status_code == 400 and "Keep a lesson&#39;s text to 20000 characters or fewer" in page
    assert 'value="Teitl cadw"' in page
    assert "translations" not in draft_content(app)
