"""Every page's text is marked for translation, and the Welsh catalogue covers what members,
learners and staff contributors see.

Two crawls with the test client, following links from the home page as each demo role:

* in the pseudo-language every translated text shows as ⟦text⟧; any other visible word must be
  data (a word stored in the database, or written by the demo data), or the page shows English
  that no translator can reach;
* in Welsh, every text looked up on a member's, a learner's or a contributor's page must have a
  Welsh translation in the merged catalogues (``make translations`` lists the empty ones).
"""

from __future__ import annotations

import ast
import re
from collections import deque
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from babel import Locale
from flask import Flask
from flask.testing import FlaskClient
from route_access import FORMS_WITH_ERRORS, ROLES
from training_plugin.conftest import launch, registered_platform
from werkzeug.exceptions import HTTPException

from coprod_portal.testing import (
    build_app,
    login,
    pseudo_translated,
    translation_probe,
    untranslated_words,
    words_in_database,
)

ROOT = Path(__file__).resolve().parent.parent
MAX_PAGES = 150
NOT_FOLLOWED = {"auth.logout", "files.download", "plugin_network.report_csv", "plugin_practice.feed",
                "core.switch_language", "core.healthz"}
# Welsh must be complete on these people's pages (staff-only admin pages may stay in English)
WELSH_ROLES = ("member", "unlinked member")
CONTRIBUTOR_PAGES = "plugin_lived_experience."
LTI = "https://purl.imsglobal.org/spec/lti/claim/"


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    return build_app(tmp_path_factory.mktemp("translations"))


def endpoint_of(app: Flask, path: str, query: str = "") -> str | None:
    try:
        endpoint, _ = app.url_map.bind("localhost", query_args=query).match(path, method="GET")
    except HTTPException:
        return None
    return str(endpoint)


def crawl(app: Flask, client: FlaskClient, start: str = "/") -> Iterator[tuple[str, str, str]]:
    """(endpoint, path, html) of each page reached from ``start``, one visit per endpoint."""
    queue, queued = deque([start]), set()
    visited = 0
    while queue and visited < MAX_PAGES:
        path = queue.popleft()
        response = client.get(path)
        if response.status_code != 200 or not response.mimetype == "text/html":
            continue
        here = urlsplit(path)
        endpoint = endpoint_of(app, here.path, here.query)
        if endpoint is None:
            continue
        visited += 1
        queued.add(endpoint)
        html = response.get_data(as_text=True)
        yield endpoint, path, html
        for href in re.findall(r'<a\b[^>]*\bhref="([^"#]+)', html):
            link = urlsplit(href.replace("&amp;", "&"))
            if link.netloc and link.netloc != "localhost":
                continue
            target = endpoint_of(app, link.path, link.query)
            if target and target not in queued and target not in NOT_FOLLOWED \
                    and not target.endswith("static"):
                queued.add(target)
                queue.append(link.path + (f"?{link.query}" if link.query else ""))


def demo_words() -> set[str]:
    """Every word in the demo data's source (some of it is stored encrypted, so the database
    alone does not show it)."""
    words: set[str] = set()
    sources = [*ROOT.glob("*/demo.py"), *ROOT.glob("plugins/*/demo.py"), ROOT / "training/content.py"]
    for source in sources:
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                words.update(w.casefold() for w in re.findall(r"[^\W\d_]{2,}", node.value))
    return words


def calendar_words() -> set[str]:
    """Month and day names (Babel writes them in the page's language) and time zone names."""
    words = {"gmt", "bst", "utc"}
    for code in ("en_GB", "cy_GB"):
        locale = Locale.parse(code)
        for names in (locale.months["format"]["wide"], locale.months["format"]["abbreviated"],
                      locale.days["format"]["wide"]):
            words.update(n.casefold() for name in names.values() for n in name.split())
    return words


@pytest.fixture(scope="module")
def known_words(portal: Flask) -> set[str]:
    names = " ".join([portal.config["ORGANISATION_NAME"], portal.config["SERVICE_NAME"]])
    return (words_in_database(portal) | demo_words() | calendar_words()
            | {w.casefold() for w in re.findall(r"[^\W\d_]{2,}", names)})


def unmarked_on_pages(app: Flask, client: FlaskClient, known: set[str], start: str = "/") -> list[str]:
    problems = []
    with pseudo_translated():
        for endpoint, path, html in crawl(app, client, start):
            for piece in untranslated_words(html, known):
                problems.append(f"{endpoint} ({path}): {piece[:120]}")
    return problems


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_a_role_reaches_marks_its_text_for_translation(
        portal: Flask, known_words: set[str], role: str) -> None:
    client = login(portal.test_client(), ROLES[role])
    problems = unmarked_on_pages(portal, client, known_words)
    assert not problems, f"{len(problems)} texts are not marked for translation:\n" + "\n".join(problems)


def test_pages_for_visitors_mark_their_text_for_translation(portal: Flask, known_words: set[str]) -> None:
    problems = unmarked_on_pages(portal, portal.test_client(), known_words, start="/sign-in")
    assert not problems, "\n".join(problems)


def test_a_learners_pages_mark_their_text_for_translation(portal: Flask, known_words: set[str]) -> None:
    platform = registered_platform(portal)
    try:
        client = portal.test_client()
        assert launch(client, platform).status_code == 303
        problems = unmarked_on_pages(portal, client, known_words, start="/training/")
    finally:
        platform.stop()
    assert not problems, "\n".join(problems)


def the_untranslated(app: Flask, client: FlaskClient, start: str, only: str = "") -> dict[str, set[str]]:
    """Text looked up without a Welsh translation, by page (pages whose endpoint starts with
    ``only``)."""
    missing: dict[str, set[str]] = {}
    for endpoint, path, _ in crawl(app, client, start):
        if not endpoint.startswith(only):
            continue
        with translation_probe() as probe:
            client.get(path)
        if probe.missing:
            missing[f"{endpoint} ({path})"] = probe.missing
    return missing


def welsh(client: FlaskClient) -> FlaskClient:
    client.get("/language/cy")
    return client


def report(missing: dict[str, set[str]]) -> str:
    texts = sorted({text for found in missing.values() for text in found})
    return f"{len(texts)} texts have no Welsh translation, on {', '.join(sorted(missing))}:\n" + \
        "\n".join(repr(text) for text in texts)


@pytest.mark.parametrize("role", WELSH_ROLES)
def test_a_members_pages_are_all_in_welsh(portal: Flask, role: str) -> None:
    client = welsh(login(portal.test_client(), ROLES[role]))
    missing = the_untranslated(portal, client, "/")
    assert not missing, report(missing)


def test_sign_in_pages_are_all_in_welsh(portal: Flask) -> None:
    missing = the_untranslated(portal, welsh(portal.test_client()), "/sign-in")
    assert not missing, report(missing)


def test_a_contributors_pages_are_all_in_welsh(portal: Flask) -> None:
    client = welsh(login(portal.test_client(), ROLES["staff"]))
    missing = the_untranslated(portal, client, "/", only=CONTRIBUTOR_PAGES)
    assert not missing, report(missing)


def test_a_learner_whose_lms_speaks_welsh_sees_every_page_in_welsh(portal: Flask) -> None:
    platform = registered_platform(portal)
    try:
        client = portal.test_client()
        response = launch(client, platform, **{LTI + "launch_presentation": {"locale": "cy-GB"}})
        assert response.status_code == 303
        assert 'lang="cy"' in client.get(response.headers["Location"]).get_data(as_text=True)
        missing = the_untranslated(portal, client, "/training/")
    finally:
        platform.stop()
    assert not missing, report(missing)


class MainForm(HTMLParser):
    """The POST form inside <main> with the most fields: where it goes and what it sends when its
    text fields are left empty (hidden fields such as the CSRF token kept)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[str, dict[str, str], int]] = []
        self._in_main = False
        self._form: tuple[str, dict[str, str], list[int]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "main":
            self._in_main = True
        elif tag == "form" and self._in_main and found.get("method", "").lower() == "post":
            self._form = (found.get("action", ""), {}, [0])
        elif self._form is not None and tag in {"input", "textarea", "select"}:
            kind = found.get("type", "text")
            if kind == "hidden" and found.get("name"):
                self._form[1][found["name"]] = found.get("value", "")
            elif kind not in {"submit", "button", "hidden"}:
                self._form[2][0] += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._form is not None:
            self.forms.append((self._form[0], self._form[1], self._form[2][0]))
            self._form = None
        elif tag == "main":
            self._in_main = False


@pytest.fixture(scope="module")
def form_portal(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    return build_app(tmp_path_factory.mktemp("translated-forms"))


@pytest.mark.parametrize("role", list(FORMS_WITH_ERRORS))
def test_forms_sent_with_mistakes_show_only_translated_errors(
        form_portal: Flask, known_words: set[str], role: str) -> None:
    """The main forms of each plugin sent with their text fields empty: the page that comes back
    (validation errors from Python included) shows only marked text."""
    client = login(form_portal.test_client(), ROLES[role])
    pages = {endpoint: path for endpoint, path, _ in crawl(form_portal, client)}
    problems, sent = [], 0
    with pseudo_translated():
        for endpoint in FORMS_WITH_ERRORS[role]:
            if endpoint not in pages:
                continue  # needs records this portal's demo data lacks (the browser crawl has them)
            parser = MainForm()
            parser.feed(client.get(pages[endpoint]).get_data(as_text=True))
            if not parser.forms:
                continue
            action, hidden, _ = max(parser.forms, key=lambda form: form[2])
            response = client.post(action or pages[endpoint], data=hidden)
            sent += 1
            unmarked = untranslated_words(response.get_data(as_text=True), known_words)
            problems += [f"{endpoint} sent empty: {piece[:120]}" for piece in unmarked]
    assert sent, f"none of {role}'s forms was reached"
    assert not problems, "\n".join(problems)
