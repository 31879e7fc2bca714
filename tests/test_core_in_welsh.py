"""The portal's shell and the pages everyone meets, in Welsh: the language a person chooses on
"How we contact you" is stored on their account and follows them; e-mails go out in the
recipient's own language, whoever's request (or job) sends them; error titles, error summaries
and GOV.UK Frontend's own texts are Welsh on a Welsh page; English pages stay as they were."""

from __future__ import annotations

import html
import re

import pytest
from sqlmodel import Session
from test_notifications import _mail_config, _parts, _send

from coprod_portal import accounts
from coprod_portal.testing import DEMO_PASSWORD, csrf_token, login

MEMBER = "member@example.org"
STAFF = "staff@example.org"


@pytest.fixture
def mail_app(make_app, smtp):
    return make_app(config=_mail_config(smtp.port))


def _language_of(app, email):
    with Session(app.extensions["coprod_engine"]) as session:
        return accounts.user_by_email(session, email).language


def _store_language(app, email, code):
    with Session(app.extensions["coprod_engine"]) as session:
        user = accounts.user_by_email(session, email)
        user.language = code
        session.add(user)
        session.commit()


def _choose(client, **answers):
    return client.post("/account/preferences", data={
        "email": "yes", "format": "standard", "sign_in": "either", **answers,
        "csrf_token": csrf_token(client, "/account/preferences")})


def _read(response):
    """The page as a person reads it (an apostrophe, not &#39;)."""
    return html.unescape(response.get_data(as_text=True))


def _html_lang(page):
    return re.search(r'<html lang="([^"]+)"', page).group(1)


def test_the_preferences_page_offers_each_language_in_its_own_words(app):
    page = _read(login(app.test_client(), MEMBER).get("/account/preferences"))
    assert re.search(r"<legend[^>]*>\s*Language\s*</legend>", page)
    for code, name in (("en", "English"), ("cy", "Cymraeg")):
        assert re.search(rf'<label[^>]*lang="{code}"[^>]*>\s*{name}\s*</label>', page), name
    assert re.search(r'value="en" checked', page)  # an English page starts from English


def test_a_member_who_chooses_welsh_sees_the_portal_in_welsh_and_keeps_it(app):
    client = login(app.test_client(), MEMBER)
    saved = _choose(client, language="cy")
    assert saved.status_code == 302
    page = _read(client.get(saved.headers["Location"]))
    assert _html_lang(page) == "cy"
    assert "Sut rydym yn cysylltu â chi" in page and "Mae eich dewisiadau cysylltu wedi'u cadw." in page
    assert re.search(r'value="cy" checked', page)
    assert _language_of(app, MEMBER) == "cy"
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/")})
    # another browser, asking for English: the account's choice still wins once signed in
    elsewhere = app.test_client()
    signed_out = _read(elsewhere.get("/sign-in", headers={"Accept-Language": "en-GB"}))
    assert _html_lang(signed_out) == "en" and "Sign in" in signed_out
    elsewhere.post("/sign-in", data={"email": MEMBER, "password": DEMO_PASSWORD,
                                     "csrf_token": csrf_token(elsewhere)})
    home = _read(elsewhere.get("/", headers={"Accept-Language": "en-GB"}))
    assert _html_lang(home) == "cy" and "Allgofnodi" in home and "Sign out" not in home


def test_choosing_english_again_brings_english_back(app):
    _store_language(app, MEMBER, "cy")
    client = login(app.test_client(), MEMBER)
    assert _choose(client, language="en").status_code == 302
    assert _html_lang(_read(client.get("/account/preferences"))) == "en"
    assert _language_of(app, MEMBER) == "en"


def test_an_unknown_language_is_refused_politely_and_nothing_is_stored(app):
    client = login(app.test_client(), MEMBER)
    refused = _choose(client, language="xx", format="large_print")
    page = _read(refused)
    assert refused.status_code == 400
    assert "Select the language you want the portal in" in page and "There is a problem" in page
    assert 'value="large_print" checked' in page  # what was chosen is still there
    assert _language_of(app, MEMBER) is None


def test_a_form_sent_without_the_language_keeps_the_stored_choice(app):
    _store_language(app, MEMBER, "cy")
    client = login(app.test_client(), MEMBER)
    assert _choose(client).status_code == 302
    assert _language_of(app, MEMBER) == "cy"


def test_a_member_who_chose_welsh_gets_the_sign_in_link_in_welsh(mail_app, smtp):
    _store_language(mail_app, MEMBER, "cy")
    asker = mail_app.test_client()  # a browser that asks for English
    answer = asker.post("/sign-in/link", headers={"Accept-Language": "en"}, data={
        "email": MEMBER, "csrf_token": csrf_token(asker, "/sign-in/link")})
    assert "we have sent one to it" in _read(answer)  # the page stays English
    [(_, message)] = smtp.messages
    assert message["Subject"] == "Eich dolen i fewngofnodi i Co-production Portal"
    text, body = _parts(message)
    assert "Mae'r ddolen yn gweithio am 15 munud" in text and "arweinydd cyd-gynhyrchu" in text
    assert "works for 15 minutes" not in text
    assert _html_lang(body) == "cy" and "Mewngofnodi i Co-production Portal" in body


def test_a_member_with_no_choice_gets_the_sign_in_link_in_english(mail_app, smtp):
    asker = mail_app.test_client()
    asker.post("/sign-in/link", data={"email": MEMBER,
                                      "csrf_token": csrf_token(asker, "/sign-in/link")})
    [(_, message)] = smtp.messages
    assert message["Subject"] == "Your link to sign in to the Co-production Portal"
    assert _html_lang(_parts(message)[1]) == "en"


def test_a_notification_email_is_sent_in_the_recipients_language(mail_app, smtp):
    _store_language(mail_app, STAFF, "cy")
    _send(mail_app, STAFF)  # sent outside any request, as a plugin's job would
    _send(mail_app, "lead@example.org")
    welsh, english = (message for _, message in smtp.messages)
    assert welsh["Subject"] == "Mae gennych neges newydd yn Co-production Portal"
    text, body = _parts(welsh)
    assert "Er mwyn ei chadw'n breifat" in text and _html_lang(body) == "cy"
    assert english["Subject"] == "You have a new message in the Co-production Portal"


def test_errors_are_in_welsh_on_a_welsh_page(app):
    client = app.test_client()
    client.get("/language/cy")
    page = _read(client.post("/sign-in", data={"csrf_token": csrf_token(client)}))
    assert re.search(r"<title>\s*Gwall: Mewngofnodi", page)
    assert "Mae problem wedi codi" in page and "Rhowch eich cyfeiriad e-bost" in page
    assert '<span class="govuk-visually-hidden">Gwall:</span>' in page
    assert 'aria-label="Dangos cyfrinair"' in page and re.search(r">\s*Dangos\s*</button>", page)
    assert 'data-i18n.hide-password="Cuddio"' in page
    for english in ("There is a problem", "Error:", "Show password", "Skip to main content"):
        assert english not in page
    missing = _read(client.get("/no-such-page"))
    assert "Heb ddod o hyd i'r dudalen" in missing and "Cod gwall 404." in missing


def test_english_pages_keep_the_english_texts(app):
    client = app.test_client()
    page = _read(client.post("/sign-in", data={"csrf_token": csrf_token(client)}))
    assert re.search(r"<title>\s*Error: Sign in", page) and "There is a problem" in page
    assert '<span class="govuk-visually-hidden">Error:</span>' in page and "Show password" in page


def test_the_accessibility_statement_gives_its_date_in_welsh(app):
    client = app.test_client()
    client.get("/language/cy")
    page = _read(client.get("/accessibility"))
    assert "Datganiad hygyrchedd" in page and "25 Tachwedd 2026" in page
    assert "anfonwch neges at eich arweinydd cyd-gynhyrchu." in " ".join(page.split())
