"""Which language a person gets, how they change it, and how a plugin's own catalogue is found."""

from __future__ import annotations

import re
import textwrap
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from flask import Flask, render_template_string
from flask.testing import FlaskClient
from sqlmodel import Session

from coprod_portal import accounts, i18n
from coprod_portal.testing import login


def page_language(client: FlaskClient, path: str = "/sign-in", **headers: str) -> str:
    html = client.get(path, headers=headers).get_data(as_text=True)
    found = re.search(r'<html lang="([^"]+)"', html)
    assert found, html[:300]
    return found.group(1)


def stored_language(app: Flask, email: str) -> str | None:
    with Session(app.extensions["coprod_engine"]) as session:
        user = accounts.user_by_email(session, email)
        assert user is not None
        return user.language


@pytest.mark.parametrize(("header", "expected"), [
    ("cy-GB,cy;q=0.9,en;q=0.5", "cy"),
    ("fr-FR, cy;q=0.5", "cy"),
    ("en-US", "en"),
    ("de-DE,de", "en"),
    ("", "en"),
    ("!!!;q=abc, ,,", "en"),
    ("x" * 500, "en"),
])
def test_signed_out_the_browsers_languages_decide(app: Flask, header: str, expected: str) -> None:
    assert page_language(app.test_client(), **{"Accept-Language": header}) == expected


@pytest.mark.parametrize("code", ["xx", "cy-", "<script>", "c" * 300, "EN-gb", "zz-ZZ"])
def test_an_unknown_or_malformed_language_means_english_without_an_error(app: Flask, code: str) -> None:
    client = app.test_client()
    response = client.get(f"/language/{code}", query_string={"next": "/accessibility"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/accessibility"
    assert page_language(client, "/accessibility", **{"Accept-Language": "cy"}) == "en"


def test_the_language_link_keeps_the_person_on_the_same_page(app: Flask) -> None:
    client = app.test_client()
    html = client.get("/accessibility?from=footer").get_data(as_text=True)
    link = re.search(r'<a [^>]*href="([^"]*/language/cy[^"]*)"[^>]*>([^<]+)</a>', html)
    assert link, "no link to the Welsh page"
    assert 'lang="cy"' in link.group(0) and 'hreflang="cy"' in link.group(0)
    assert link.group(2) == "Cymraeg"
    response = client.get(link.group(1).replace("&amp;", "&"))
    assert response.headers["Location"] == "/accessibility?from=footer"
    assert page_language(client, "/accessibility") == "cy"
    welsh = client.get("/accessibility").get_data(as_text=True)
    assert re.search(r'<a [^>]*hreflang="en"[^>]*lang="en"[^>]*>English</a>', welsh)


def test_the_link_never_leads_to_another_site(app: Flask) -> None:
    response = app.test_client().get("/language/cy", query_string={"next": "//evil.example/x"})
    assert response.headers["Location"] == "/"


def test_a_signed_in_persons_choice_is_stored_and_follows_them_to_another_browser(app: Flask) -> None:
    first = login(app.test_client(), "member@example.org")
    assert stored_language(app, "member@example.org") is None
    first.get("/language/cy", query_string={"next": "/"})
    assert stored_language(app, "member@example.org") == "cy"
    other_browser = login(app.test_client(), "member@example.org")
    assert page_language(other_browser, "/", **{"Accept-Language": "en"}) == "cy"


def test_a_language_chosen_on_the_sign_in_page_becomes_the_accounts_choice(app: Flask) -> None:
    login(app.test_client(), "staff@example.org").get("/language/cy")  # stored earlier: Welsh
    client = app.test_client()
    client.get("/language/en", query_string={"next": "/sign-in"})
    login(client, "staff@example.org")
    assert page_language(client, "/") == "en"
    assert stored_language(app, "staff@example.org") == "en"


def test_dates_and_money_are_written_the_way_each_language_writes_them(app: Flask) -> None:
    moment = datetime(2026, 12, 4, 14, 5, tzinfo=UTC)
    template = "{{ day|day }} / {{ moment|moment }} / {{ 123450|money }} / {{ 12345|number }}"
    with app.test_request_context(headers={"Accept-Language": "cy"}):
        assert render_template_string(template, day=date(2027, 3, 27), moment=moment) == \
            "27 Mawrth 2027 / 4 Rhagfyr 2026, 14:05 GMT / £1,234.50 / 12,345"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert render_template_string(template, day=date(2027, 3, 27), moment=moment) == \
            "27 March 2027 / 4 December 2026, 14:05 GMT / £1,234.50 / 12,345"


def test_a_text_with_no_translation_shows_in_english_never_empty(app: Flask) -> None:
    with app.test_request_context(headers={"Accept-Language": "cy"}):
        assert i18n.language() == "cy"
        shown = render_template_string('{{ _("A sentence nobody has translated, %(n)s.", n=3) }}')
        assert shown == "A sentence nobody has translated, 3."


def test_the_catalogue_kept_for_a_request_follows_every_change_of_language(app: Flask) -> None:
    """The catalogue is found once per request and kept; an e-mail written in its reader's language
    inside the request, and a switch of language, must still get their own catalogue."""
    welsh_reader = type("Reader", (), {"language": "cy"})()
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert i18n._("Sign out") == "Sign out"
        with i18n.in_language_of(welsh_reader):
            assert i18n._("Sign out") == "Allgofnodi"
            assert render_template_string('{{ _("Sign out") }}') == "Allgofnodi"
            assert i18n.in_english(i18n._l("Sign out")) == "Sign out"
            assert i18n._("Sign out") == "Allgofnodi"
        assert i18n._("Sign out") == "Sign out"
        assert str(i18n._l("Sign out")) == "Sign out"
        i18n.remember_language("cy")
        assert i18n._("Sign out") == "Allgofnodi"
        assert render_template_string('{{ _("Sign out") }}') == "Allgofnodi"
        # a text with a meaning given, from a plugin's catalogue ("Yes" to "is there a content note")
        assert render_template_string('{{ pgettext("content note", "Yes") }}') == "Oes"
    with app.test_request_context(headers={"Accept-Language": "en"}):  # nothing leaks to the next
        assert i18n._("Sign out") == "Sign out"
    with app.app_context():  # no request: English
        assert i18n._("Sign out") == "Sign out"


def test_texts_in_templates_escape_what_is_put_into_them_but_not_in_plain_text_mail(app: Flask) -> None:
    with app.test_request_context(headers={"Accept-Language": "en"}):
        html = render_template_string('{{ _("Hello %(name)s, <strong>100%%</strong>", name="<O\'Brien>") }}')
        assert html == "Hello &lt;O&#39;Brien&gt;, <strong>100%</strong>"
        assert render_template_string('{{ _("100%% sure") }}') == "100% sure"
        # a value may have any name, even the one the function gives its text
        assert render_template_string('{{ _("Read %(text)s", text="this") }}') == "Read this"
        assert i18n._("Read %(text)s", text="this") == "Read this"
        assert str(i18n._l("Read %(text)s", text="this")) == "Read this"
        assert render_template_string('{% trans n=2 %}{{ n }} <em>member</em>{% pluralize %}'
                                      '{{ n }} <em>members</em>{% endtrans %}') == "2 <em>members</em>"
        assert render_template_string('{{ pgettext("content note", "Yes") }}') == "Yes"
        text = app.jinja_env.overlay(autoescape=False).from_string(  # as a .txt e-mail is rendered
            '{{ _("Hello %(name)s", name="<O\'Brien>") }}')
        assert text.render() == "Hello <O'Brien>"


PLUGIN = '''
from flask import Blueprint

from coprod_portal import hookspecs
from coprod_portal.i18n import _

bp = Blueprint("plugin_{name}", __name__, url_prefix="/{name}")


@bp.route("/")
def page():
    return _("Board meeting") + " | " + _("Sign out")


@hookspecs.hookimpl
def portal_blueprints(app):
    return bp
'''


def compile_catalogue(folder: Path, domain: str, language: str, texts: dict[str, str]) -> None:
    catalog = Catalog(locale=language, domain=domain)
    for english, translated in texts.items():
        catalog.add(english, translated)
    target = folder / "translations" / language / "LC_MESSAGES"
    target.mkdir(parents=True)
    with open(target / f"{domain}.mo", "wb") as out:
        write_mo(out, catalog)


def test_a_plugins_own_catalogue_is_found_in_its_package(make_app, tmp_path: Path) -> None:
    name = "minutes_cy_test"
    package = tmp_path / "plugins" / name
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(textwrap.dedent(PLUGIN.format(name=name)))
    # the plugin translates its own text, and tries to reword the core's: the core's wins
    compile_catalogue(package, name, "cy", {"Board meeting": "Cyfarfod y bwrdd", "Sign out": "Ymadael"})
    app = make_app(plugins=["builtins", name], config={"PLUGINS_DIR": str(tmp_path / "plugins")})
    client = app.test_client()
    assert client.get(f"/{name}/", headers={"Accept-Language": "en"}).get_data(as_text=True) == \
        "Board meeting | Sign out"
    welsh = client.get(f"/{name}/", headers={"Accept-Language": "cy"}).get_data(as_text=True)
    assert welsh == "Cyfarfod y bwrdd | Allgofnodi"  # its own text, and the core's wording kept
