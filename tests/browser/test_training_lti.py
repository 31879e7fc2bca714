"""The training plugin in a real browser, launched from a real LTI 1.3 test platform served on
127.0.0.1 beside the portal: a learner opens a module from the LMS's course page (OIDC login →
the platform's authorisation page → launch), completes the lessons and the check, sees the
certificate, and the score reaches the platform's AGS endpoint; an instructor deep-links modules
into the course; an admin registers a platform on the admin page. axe finds nothing on any
portal page, and every control is named.

Each test uses its own learner (a fresh ``sub``) and the platform this module registers, so the
tests do not depend on running order or on the other plugins' browser tests.
"""

from __future__ import annotations

import re
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Page, expect

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from training_plugin.platform import TestPlatform  # noqa: E402

from coprod_portal.testing import DEMO_PASSWORD  # noqa: E402
from training.content import PACKAGED  # noqa: E402

# Under pytest -n these tests stay on one worker: they share the servers (or crawls) their
# module-wide fixtures start, which would otherwise start again on every worker.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("training-lti")]


def _admin_session(base: str) -> requests.Session:
    http = requests.Session()
    page = http.get(base + "/sign-in").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    http.post(
        base + "/sign-in",
        data={"email": "admin@example.org", "password": DEMO_PASSWORD, "csrf_token": token},
    )
    return http


def _register(base: str, platform: TestPlatform, client_id: str) -> requests.Response:
    http = _admin_session(base)
    page = http.get(base + "/training/platforms").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    return http.post(
        base + "/training/platforms",
        data={
            "csrf_token": token,
            "name": f"Test LMS {client_id}",
            "issuer": platform.issuer,
            "client_id": client_id,
            "deployment_ids": platform.deployment,
            "auth_login_url": platform.url + "/auth",
            "token_url": platform.url + "/token",
            "jwks_url": platform.url + "/jwks",
            "frame_origins": platform.url,
        },
    )


@pytest.fixture(scope="module")
def lms(live_server: str) -> Iterator[TestPlatform]:
    """A test platform on 127.0.0.1, registered with the live portal through its admin form."""
    platform = TestPlatform(tool_jwks=lambda: requests.get(live_server + "/training/lti/jwks").json())
    platform.tool_url = live_server
    platform.client_id = "browser-" + uuid.uuid4().hex[:8]
    response = _register(live_server, platform, platform.client_id)
    assert "was registered" in response.text, response.text[:2000]
    yield platform
    platform.stop()


def _open_from_lms(page: Page, lms: TestPlatform, user: str, button: str) -> None:
    page.goto(f"{lms.url}/course?user={user}")
    page.get_by_role("button", name=button).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Opening the activity")
    page.get_by_role("button", name="Continue to the training portal").click()


def _module(key: str) -> dict[str, Any]:
    return next(m for m in PACKAGED if m["key"] == key)


def test_learner_launches_completes_the_check_and_gets_a_certificate(
    page: Page, lms: TestPlatform, check_page: Any
) -> None:
    learner = "browser-learner-" + uuid.uuid4().hex[:8]
    module = _module("benefits")
    _open_from_lms(page, lms, learner, "Open the module “Paying people who receive benefits”")
    expect(page).to_have_url(re.compile(r"/training/modules/benefits$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(module["title"])
    check_page(page)

    page.get_by_role("link", name="Start the module").click()
    for position, lesson in enumerate(module["lessons"], start=1):
        expect(page.get_by_role("heading", level=1)).to_contain_text(lesson["title"])
        if position == 1:
            check_page(page)
        page.get_by_role("button", name=re.compile(r"^Mark as done and go to the")).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check what you learned")
    check_page(page)
    # An unanswered check keeps the page, names every missing answer and loses nothing chosen.
    first = module["quiz"][0]
    page.get_by_role("group", name=first["question"]).get_by_label(
        next(o["text"] for o in first["options"] if o["key"] == first["answer"]), exact=True
    ).check()
    page.get_by_role("button", name="Check my answers").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        f"Choose an answer to: {module['quiz'][1]['question']}"
    )
    check_page(page)
    for question in module["quiz"]:
        right = next(o["text"] for o in question["options"] if o["key"] == question["answer"])
        group = page.get_by_role("group", name=question["question"])
        group.get_by_label(right, exact=True).check()
    page.get_by_role("button", name="Check my answers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You passed")
    check_page(page)

    page.get_by_role("link", name="See your certificate").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ada Learner")  # as the LMS sent it
    expect(page.locator("main")).to_contain_text("Certificate of completion")
    expect(page.locator("main")).to_contain_text(module["title"])
    expect(page.locator("main")).to_contain_text("version 1")
    check_page(page)

    sent = [s for s in lms.scores if s["userId"] == learner]
    assert len(sent) == 1, lms.scores
    assert sent[0]["scoreGiven"] == len(module["quiz"]) and sent[0]["activityProgress"] == "Completed"


def test_replayed_launch_is_refused_with_a_readable_page(
    page: Page, lms: TestPlatform, check_page: Any
) -> None:
    learner = "browser-replay-" + uuid.uuid4().hex[:8]
    _open_from_lms(page, lms, learner, "Open the module “Paying people who receive benefits”")
    expect(page).to_have_url(re.compile(r"/training/modules/benefits$"))
    page.go_back()  # the platform's authorisation page, with the same id_token
    expect(page.get_by_role("heading", level=1)).to_have_text("Opening the activity")
    page.get_by_role("button", name="Continue to the training portal").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("This launch has already been used")
    check_page(page)


def test_instructor_deep_links_modules_into_the_course(
    page: Page, lms: TestPlatform, check_page: Any
) -> None:
    teacher = "browser-teacher-" + uuid.uuid4().hex[:8]
    _open_from_lms(page, lms, teacher, "Add training modules to this course")
    expect(page.get_by_role("heading", level=1)).to_have_text("Add modules to your course")
    check_page(page)
    page.get_by_role("button", name="Add to my course").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose at least one module")
    check_page(page)
    page.get_by_label(_module("coproduction")["title"]).check()
    page.get_by_label(_module("equality")["title"]).check()
    page.get_by_role("button", name="Add to my course").click()
    # The reply is posted to the LMS at once (by a script, the button stays without one).
    expect(page.get_by_role("heading", level=1)).to_have_text("Activities added")
    expect(page.locator("main")).to_contain_text(_module("equality")["title"])
    items = lms.deep_links[-1]["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
    assert [i["custom"]["module"] for i in items] == ["coproduction", "equality"]
    assert all("lineItem" in i for i in items)


def test_admin_registers_a_platform_on_the_admin_page(
    page: Page, lms: TestPlatform, sign_in: Any, check_page: Any
) -> None:
    sign_in(page, "admin@example.org")
    page.goto("/training/platforms")
    expect(page.get_by_role("heading", level=1)).to_have_text("LTI platforms")
    expect(page.locator("main")).to_contain_text("/training/lti/jwks")
    check_page(page)
    client_id = "admin-page-" + uuid.uuid4().hex[:8]
    page.get_by_label("Name of the LMS").fill("Moodle (staff courses)")
    page.get_by_label("Issuer").fill("http://moodle.example.org")
    page.get_by_label("Client id").fill(client_id)
    page.get_by_label("Deployment ids").fill("1")
    page.get_by_label("Authentication request URL").fill("https://moodle.example.org/mod/lti/auth.php")
    page.get_by_label("Access token URL").fill("https://moodle.example.org/mod/lti/token.php")
    page.get_by_label("Public keyset URL").fill("moodle.example.org/mod/lti/certs.php")
    page.get_by_role("button", name="Register the LMS").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("The address must start with https://")
    expect(summary).to_contain_text("Enter a full web address starting with https://")
    expect(page.get_by_label("Client id")).to_have_value(client_id)  # nothing typed is lost
    check_page(page)
    page.get_by_label("Issuer").fill("https://moodle.example.org")
    page.get_by_label("Public keyset URL").fill("https://moodle.example.org/mod/lti/certs.php")
    page.get_by_role("button", name="Register the LMS").click()
    expect(page.get_by_text("Moodle (staff courses) was registered.")).to_be_visible()
    expect(page.locator("main")).to_contain_text(client_id)
    check_page(page)
