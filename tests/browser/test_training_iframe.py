"""The training inside an LMS iframe, in Chromium, over loopback TLS.

Browsers keep a cookie inside a cross-site iframe only when it is ``SameSite=None; Secure`` (and,
in Chromium, ``Partitioned``), and only over https, so these tests serve everything a browser sees
over TLS with a certificate made for the test run:

* the portal on ``https://127.0.0.1:<port>``;
* the LMS's pages (course page, launch page, authorisation page) on ``https://localhost:<port>``
  — another *site*, so the portal really is third-party in the frame;
* a second LMS origin (``https://localhost:<another port>``) that is not among the
  registration's frame origins.

The LMS's server-to-server endpoints (its JWKS, token and AGS endpoints) stay on plain http on
127.0.0.1: the portal calls them with ``requests``, which must not be taught to trust the test
certificate.

Chromium trusts the throwaway certificate through ``--ignore-certificate-errors-spki-list`` with
the SHA-256 of that certificate's public key alone (not ``--ignore-certificate-errors``): any other
certificate still fails. The
browser is launched by this module with that flag (the session's browser does not have it).

Blocking third-party cookies: Chromium keeps partitioned cookies even when it blocks third-party
cookies, so the “cookies blocked” browser is a profile whose settings block every cookie of sites
embedded in the LMS's pages (Chrome's per-site “not allowed to use third-party cookies” setting),
which is what Safari does for every site. There the portal's cookie check shows “Open the training
in a new window”, and the learner completes the module in that window.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from flask import Flask, Response, request
from markupsafe import escape
from playwright.sync_api import Browser, Frame, Page, Playwright, expect
from werkzeug.serving import make_server

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from training_plugin.platform import LTI, TestPlatform  # noqa: E402
from training_plugin.tls import throwaway_certificates  # noqa: E402

from coprod_portal.testing import build_app  # noqa: E402
from training.content import PACKAGED  # noqa: E402

# Under pytest -n these tests stay on one worker: they share the servers (or crawls) their
# module-wide fixtures start, which would otherwise start again on every worker.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("training-iframe")]

MODULE = next(m for m in PACKAGED if m["key"] == "benefits")


# --- TLS on loopback -------------------------------------------------------------------------------


class Tls:
    """The test run's throwaway certificate (``training_plugin/tls.py``), served on loopback,
    and the SHA-256 of its public key for Chromium's ``--ignore-certificate-errors-spki-list``."""

    def __init__(self, folder: Path) -> None:
        found = throwaway_certificates(folder)
        self.context = found.server_context()
        leaf = x509.load_pem_x509_certificate(found.certificate.read_bytes())
        spki = leaf.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.spki_sha256 = base64.b64encode(hashlib.sha256(spki).digest()).decode()

    def serve(self, app: Any) -> tuple[Any, int]:
        server = make_server("127.0.0.1", 0, app, threaded=True, ssl_context=self.context)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server, server.server_port


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    return Tls(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def portal(tls: Tls, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, str]]:
    """The portal over https on 127.0.0.1 (its own SQLite file); (app, base address)."""
    folder = tmp_path_factory.mktemp("tls-portal")
    app = build_app(folder, config={"DATABASE_URL": f"sqlite:///{folder / 'portal.db'}"})
    server, port = tls.serve(app)
    yield app, f"https://127.0.0.1:{port}"
    server.shutdown()


# --- the LMS: its pages over https on localhost, its services on http ------------------------------


def lms_pages(platform: TestPlatform, tool: str) -> Flask:
    """What an LMS shows in a browser: the course page framing the activity, the launch page
    inside the frame (which posts the OIDC login to the tool at once, as Moodle's does) and the
    authorisation endpoint (which posts the signed id_token back at once)."""
    app = Flask("test_lms_pages")

    def autopost(title: str, action: str, fields: dict[str, str]) -> str:
        inputs = "".join(f'<input type="hidden" name="{k}" value="{escape(v)}">' for k, v in fields.items())
        return (
            f'<!doctype html><html lang="en"><head><title>{title}</title></head><body><main>'
            f'<form method="post" action="{escape(action)}">{inputs}'
            "<button type=submit>Continue</button></form>"
            "<script>document.forms[0].submit()</script></main></body></html>"
        )

    @app.get("/course")
    def course() -> str:
        src = f"/launch?user={escape(request.args['user'])}&module={escape(request.args['module'])}"
        return (
            '<!doctype html><html lang="en"><head><title>Induction – Test LMS</title></head><body><main>'
            f'<h1>Induction</h1><iframe name="activity" title="Training activity" src="{src}" '
            'width="1000" height="900"></iframe></main></body></html>'
        )

    @app.get("/frame")
    def frame() -> str:
        return (
            '<!doctype html><html lang="en"><head><title>Framing page</title></head><body><main>'
            f'<iframe name="activity" title="Framed" src="{escape(request.args["src"])}" width="1000" '
            'height="600"></iframe></main></body></html>'
        )

    @app.get("/launch")
    def launch() -> str:
        fields = {
            "iss": platform.issuer,
            "client_id": platform.client_id,
            "login_hint": request.args["user"],
            "lti_message_hint": "resource:" + request.args["module"],
            "target_link_uri": tool + "/training/lti/launch",
        }
        return autopost("Opening the activity", tool + "/training/lti/login", fields)

    @app.route("/auth", methods=["GET", "POST"])
    def auth() -> Any:
        params = request.values
        if params.get("client_id") != platform.client_id or params.get("response_mode") != "form_post":
            return Response("bad authorisation request", 400)
        token = platform.id_token(
            params["nonce"],
            sub=params["login_hint"],
            **{LTI + "custom": {"module": params["lti_message_hint"].removeprefix("resource:")}},
        )
        return autopost(
            "Opening the activity", params["redirect_uri"], {"state": params["state"], "id_token": token}
        )

    return app


class Lms:
    def __init__(self, platform: TestPlatform, page_origin: str, other_origin: str) -> None:
        self.platform, self.page_origin, self.other_origin = platform, page_origin, other_origin

    def course(self, user: str) -> str:
        return f"{self.page_origin}/course?user={user}&module={MODULE['key']}"


@pytest.fixture(scope="module")
def lms(tls: Tls, portal: tuple[Any, str]) -> Iterator[Lms]:
    app, tool = portal
    platform = TestPlatform()
    platform.client_id = "tls-" + uuid.uuid4().hex[:8]
    pages = lms_pages(platform, tool)
    servers = [tls.serve(pages), tls.serve(pages)]
    page_origin, other_origin = (f"https://localhost:{port}" for _, port in servers)
    result = app.test_cli_runner().invoke(
        args=[
            "lti", "register", "--name", "Test LMS over TLS", "--issuer", platform.issuer,
            "--client-id", platform.client_id, "--deployment-id", platform.deployment,
            "--auth-login-url", page_origin + "/auth", "--token-url", platform.url + "/token",
            "--jwks-url", platform.url + "/jwks", "--frame-origin", page_origin,
        ]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    platform_id = result.output.split("(", 1)[1].split(")", 1)[0]
    client = app.test_client()
    platform.tool_jwks = lambda: client.get(f"/training/lti/platforms/{platform_id}/jwks").get_json()
    yield Lms(platform, page_origin, other_origin)
    for server, _ in servers:
        server.shutdown()
    platform.stop()


# --- browsers ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tls_browser(
    playwright: Playwright, browser_type_launch_args: dict[str, Any], tls: Tls
) -> Iterator[Browser]:
    browser = playwright.chromium.launch(**_trusting(browser_type_launch_args, tls))
    yield browser
    browser.close()


def _trusting(launch_args: dict[str, Any], tls: Tls) -> dict[str, Any]:
    """The session's launch arguments, plus trust in the test certificate's key alone."""
    flag = f"--ignore-certificate-errors-spki-list={tls.spki_sha256}"
    return {**launch_args, "args": [*launch_args.get("args", []), flag]}


@pytest.fixture
def lms_page(tls_browser: Browser) -> Iterator[Page]:
    context = tls_browser.new_context(locale="en-GB")
    yield context.new_page()
    context.close()


@pytest.fixture
def cookies_blocked_page(
    playwright: Playwright, browser_type_launch_args: dict[str, Any], tls: Tls, lms: Lms, tmp_path: Path
) -> Iterator[Page]:
    """A browser profile that lets no site embedded in the LMS's pages keep a cookie."""
    (tmp_path / "Default").mkdir()
    blocked = {f"*,{lms.page_origin}": {"setting": 2}}
    (tmp_path / "Default" / "Preferences").write_text(
        json.dumps({"profile": {"content_settings": {"exceptions": {"cookies": blocked}}}})
    )
    context = playwright.chromium.launch_persistent_context(
        tmp_path, locale="en-GB", **_trusting(browser_type_launch_args, tls)
    )
    yield context.pages[0] if context.pages else context.new_page()
    context.close()


def _activity(page: Page, showing: str = "") -> Frame:
    """The LMS page's activity frame, once it shows an address starting with ``showing``.

    A frame whose page is refused is replaced by Chromium's error page, in another process: for
    a moment Playwright knows no frame of that name. So wait for it (letting Playwright take in
    the browser's frame events meanwhile) rather than look once."""
    deadline = time.monotonic() + 15
    while (frame := page.frame(name="activity")) is None or not frame.url.startswith(showing):
        if time.monotonic() > deadline:
            raise AssertionError(f"no activity frame showing {showing!r}: {[f.url for f in page.frames]}")
        page.wait_for_timeout(50)
    return frame


def _complete_module(where: Page | Frame, check_page: Any) -> None:
    """From the module page: every lesson (each a POST with its CSRF token), the check, the result."""
    expect(where.get_by_role("heading", level=1)).to_contain_text(MODULE["title"])
    check_page(where)
    where.get_by_role("link", name="Start the module").click()
    for position, lesson in enumerate(MODULE["lessons"], start=1):
        expect(where.get_by_role("heading", level=1)).to_contain_text(lesson["title"])
        if position == 1:
            check_page(where)
        where.get_by_role("button", name=re.compile(r"^Mark as done and go to the")).click()
    expect(where.get_by_role("heading", level=1)).to_have_text("Check what you learned")
    check_page(where)
    for question in MODULE["quiz"]:
        right = next(o["text"] for o in question["options"] if o["key"] == question["answer"])
        where.get_by_role("group", name=question["question"]).get_by_label(right, exact=True).check()
    where.get_by_role("button", name="Check my answers").click()
    expect(where.get_by_role("heading", level=1)).to_have_text("You passed")
    check_page(where)
    where.get_by_role("link", name="See your certificate").click()
    expect(where.locator("main")).to_contain_text("Certificate of completion")
    check_page(where)


def _score_for(lms: Lms, learner: str) -> list[dict[str, Any]]:
    return [s for s in lms.platform.scores if s["userId"] == learner]


# --- the tests -------------------------------------------------------------------------------------


def test_learner_completes_a_module_inside_the_lms_iframe(
    lms_page: Page, lms: Lms, portal: tuple[Any, str], check_page: Any
) -> None:
    page, (_, tool) = lms_page, portal
    learner = "frame-learner-" + uuid.uuid4().hex[:8]
    launch_cookies: list[str] = []
    policies: dict[str, str] = {}

    def seen(response: Any) -> None:
        if response.url.startswith(tool) and response.request.method == "POST":
            launch_cookies.extend((response.header_value("set-cookie") or "").split("\n"))
        if response.url.startswith(tool) and response.request.resource_type == "document":
            policies[response.url] = response.header_value("content-security-policy") or ""

    page.on("response", seen)
    page.goto(lms.course(learner))
    frame = _activity(page)
    expect(frame.get_by_role("heading", level=1)).to_contain_text(MODULE["title"])
    assert frame.url == f"{tool}/training/modules/{MODULE['key']}"

    session = next(c for c in page.context.cookies() if c["name"] == "session")
    assert (session["sameSite"], session["secure"], session["httpOnly"]) == ("None", True, True)
    assert session.get("partitionKey") == "https://localhost"  # kept for the LMS's site only
    set_session = next(c for c in launch_cookies if c.startswith("session="))
    assert all(flag in set_session for flag in ("SameSite=None", "Secure", "Partitioned", "HttpOnly"))

    _complete_module(frame, check_page)
    expect(frame.get_by_role("heading", level=1)).to_have_text("Ada Learner")  # as the LMS sent it

    framed_pages = [url for url in policies if "/training/modules/" in url]
    assert framed_pages and all(
        policies[url].endswith(f"frame-ancestors {lms.page_origin}") for url in framed_pages
    ), policies
    sent = _score_for(lms, learner)
    assert len(sent) == 1 and sent[0]["scoreGiven"] == len(MODULE["quiz"]), lms.platform.scores
    assert sent[0]["activityProgress"] == "Completed" and sent[0]["auth"].startswith("Bearer ")


def test_only_the_registrations_frame_origins_may_frame_the_training(
    lms_page: Page, lms: Lms, portal: tuple[Any, str]
) -> None:
    page, (_, tool) = lms_page, portal
    page.goto(lms.course("frame-origin-" + uuid.uuid4().hex[:8]))
    expect(_activity(page).get_by_role("heading", level=1)).to_contain_text(MODULE["title"])
    module_page = f"{tool}/training/modules/{MODULE['key']}"

    # The same browser (same cookie partition: the other origin is on the same site), another
    # origin: the portal's page is refused, and Chromium says why.
    with page.expect_console_message(lambda message: "frame-ancestors" in message.text) as refusal:
        page.goto(f"{lms.other_origin}/frame?src={module_page}")
    assert f'"frame-ancestors {lms.page_origin}"' in refusal.value.text, refusal.value.text
    blocked = _activity(page, showing="chrome-error://")
    assert blocked.url == "chrome-error://chromewebdata/"  # Chromium's "refused to connect" page
    assert MODULE["title"] not in blocked.content()

    # The registration's own origin frames the very same page.
    page.goto(f"{lms.page_origin}/frame?src={module_page}")
    expect(_activity(page).get_by_role("heading", level=1)).to_contain_text(MODULE["title"])


def test_with_cookies_blocked_in_the_frame_the_learner_carries_on_in_a_new_window(
    cookies_blocked_page: Page, lms: Lms, portal: tuple[Any, str], check_page: Any
) -> None:
    page, (_, tool) = cookies_blocked_page, portal
    learner = "blocked-learner-" + uuid.uuid4().hex[:8]
    page.goto(lms.course(learner))
    frame = _activity(page)
    expect(frame.get_by_role("heading", level=1)).to_have_text("Open the training in a new window")
    assert "/training/lti/cookie-check/" in frame.url
    assert not [c for c in page.context.cookies() if c["name"].startswith(("session", "lti1p3-state"))]
    check_page(frame)

    link = frame.get_by_role("link", name="Open the training in a new window")
    with page.context.expect_page() as opened:
        link.click()
    window = opened.value
    expect(window.get_by_role("heading", level=1)).to_contain_text(MODULE["title"])
    assert window.url == f"{tool}/training/modules/{MODULE['key']}"
    _complete_module(window, check_page)
    sent = _score_for(lms, learner)
    assert len(sent) == 1 and sent[0]["scoreGiven"] == len(MODULE["quiz"]), lms.platform.scores

    # The link was used up: opening it again explains what to do instead.
    with page.context.expect_page() as again:
        link.click()
    expect(again.value.get_by_role("heading", level=1)).to_have_text("This link has expired or has been used")
    check_page(again.value)
