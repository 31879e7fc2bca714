"""Signing in with a one-time link sent by e-mail, checked against a real SMTP server (aiosmtpd):
the happy path in each format, and every refusal — used twice, expired, another browser,
tampered, unknown or deactivated address, staff when only members may, throttling — each
without revealing whether the address has an account."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import Session, select
from test_notifications import BASE, _mail_config, _parts

from coprod_portal import accounts, notifications
from coprod_portal.audit import AuditEvent
from coprod_portal.config import ConfigError
from coprod_portal.db import utcnow
from coprod_portal.sign_in_links import BROWSER_COOKIE, SignInLink
from coprod_portal.testing import DEMO_PASSWORD, csrf_token, free_port, login

MEMBER = "member@example.org"
SENT = "If that address can use a sign-in link, we have sent one to it."
REFUSED = "This sign-in link cannot be used"
LINK = re.compile(re.escape(BASE) + r"/sign-in/link/([A-Za-z0-9_-]+)")


@pytest.fixture
def link_app(make_app, smtp):
    return make_app(config=_mail_config(smtp.port))


def _ask(client, email):
    return client.post("/sign-in/link", data={
        "email": email, "csrf_token": csrf_token(client, "/sign-in/link")})


def _token(message):
    text, _ = _parts(message)
    return LINK.search(text).group(1)


def _browser_cookie(response):
    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(BROWSER_COOKIE + "=")]
    return cookie


def _use(client, token):
    path = f"/sign-in/link/{token}"
    return client.post(path, data={"csrf_token": csrf_token(client, path)})


def _signed_in(client):
    return client.get("/").status_code == 200


def _set(app, email, **values):
    with Session(app.extensions["coprod_engine"]) as session:
        user = accounts.user_by_email(session, email)
        for name, value in values.items():
            setattr(user, name, value)
        session.add(user)
        session.commit()
        return user.id


def _links(app):
    with Session(app.extensions["coprod_engine"]) as session:
        return list(session.exec(select(SignInLink)))


def test_a_member_asks_for_a_link_and_signs_in_with_it(link_app, smtp):
    client = link_app.test_client()
    assert "Email me a sign-in link" in client.get("/sign-in").get_data(as_text=True)
    answer = _ask(client, MEMBER)
    assert answer.status_code == 200 and SENT in answer.get_data(as_text=True)
    cookie = _browser_cookie(answer)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    [(recipients, message)] = smtp.messages
    assert recipients == [MEMBER]
    assert message["Subject"] == "Your link to sign in to the Co-production Portal"
    text, html = _parts(message)
    assert "works for 15 minutes" in text and "ignore this e-mail: nothing changes" in text
    assert "tell your co-production lead" in text and "font-size:19px" in html
    token = _token(message)
    [stored] = _links(link_app)
    assert token not in (stored.token_hash, stored.browser_hash) and stored.used_at is None
    assert not _signed_in(client)
    opened = client.get(f"/sign-in/link/{token}")
    assert opened.status_code == 200 and "Sign in with your link" in opened.get_data(as_text=True)
    signed = _use(client, token)
    assert signed.status_code == 302 and _signed_in(client)
    assert "Sign out" in client.get("/").get_data(as_text=True)
    [stored] = _links(link_app)
    assert stored.used_at is not None
    with Session(link_app.extensions["coprod_engine"]) as session:
        actions = {e.action for e in session.exec(select(AuditEvent))}
    assert {"sign-in link sent", "signed in with a link sent by e-mail"} <= actions


@pytest.mark.parametrize("fmt", ["large_print", "easy_read", "plain_text"])
def test_the_email_follows_the_persons_format(link_app, smtp, fmt):
    with Session(link_app.extensions["coprod_engine"]) as session:
        notifications.set_preference(session, accounts.user_by_email(session, MEMBER).id, True, fmt)
        session.commit()
    _ask(link_app.test_client(), MEMBER)
    [(_, message)] = smtp.messages
    text, html = _parts(message)
    if fmt == "plain_text":
        assert html is None and "ignore this e-mail" in text
    elif fmt == "large_print":
        assert "font-size:24px" in html
    else:
        assert "Did you not ask for this?" in text and "Nothing has changed." in html


def test_a_link_works_once(link_app, smtp):
    client = link_app.test_client()
    _ask(client, MEMBER)
    token = _token(smtp.messages[0][1])
    assert _use(client, token).status_code == 302
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/")})
    again = _use(client, token)
    assert again.status_code == 400 and REFUSED in again.get_data(as_text=True)
    assert not _signed_in(client)


def test_an_expired_link_is_refused(link_app, smtp):
    client = link_app.test_client()
    _ask(client, MEMBER)
    token = _token(smtp.messages[0][1])
    with Session(link_app.extensions["coprod_engine"]) as session:
        link = session.exec(select(SignInLink)).one()
        link.expires_at = utcnow() - timedelta(seconds=1)
        session.add(link)
        session.commit()
    refused = _use(client, token)
    assert refused.status_code == 400 and REFUSED in refused.get_data(as_text=True)
    assert not _signed_in(client) and _links(link_app)[0].used_at is None


def test_a_link_opened_in_another_browser_is_refused_and_still_works_in_the_first(link_app, smtp):
    asker = link_app.test_client()
    _ask(asker, MEMBER)
    token = _token(smtp.messages[0][1])
    other = link_app.test_client()
    refused = _use(other, token)
    assert refused.status_code == 400 and REFUSED in refused.get_data(as_text=True)
    assert not _signed_in(other)
    other.set_cookie(BROWSER_COOKIE, "a guessed nonce", path="/sign-in/link")
    assert _use(other, token).status_code == 400 and not _signed_in(other)
    assert _use(asker, token).status_code == 302 and _signed_in(asker)


def test_a_tampered_or_made_up_link_is_refused(link_app, smtp):
    client = link_app.test_client()
    _ask(client, MEMBER)
    token = _token(smtp.messages[0][1])
    for bad in (token[:-1] + ("A" if token[-1] != "A" else "B"), token[:20], "not-a-token"):
        refused = _use(client, bad)
        assert refused.status_code == 400 and REFUSED in refused.get_data(as_text=True)
        assert "Ask for a new sign-in link" in refused.get_data(as_text=True)
    assert not _signed_in(client) and _links(link_app)[0].used_at is None


def test_a_mail_scanner_opening_the_link_does_not_use_it(link_app, smtp):
    client = link_app.test_client()
    _ask(client, MEMBER)
    token = _token(smtp.messages[0][1])
    for _ in range(3):
        assert link_app.test_client().get(f"/sign-in/link/{token}").status_code == 200
        assert client.get(f"/sign-in/link/{token}").status_code == 200
    assert _links(link_app)[0].used_at is None and not _signed_in(client)
    assert _use(client, token).status_code == 302 and _signed_in(client)


def _same_answer(app, smtp, email):
    known = _ask(app.test_client(), MEMBER).get_data(as_text=True)
    smtp.messages.clear()
    answer = _ask(app.test_client(), email)
    assert answer.status_code == 200 and answer.get_data(as_text=True) == known
    assert smtp.messages == []


def test_an_unknown_address_gets_the_same_page_and_no_mail(link_app, smtp):
    _same_answer(link_app, smtp, "nobody-here@example.org")
    assert len(_links(link_app)) == 1  # the member's only


def test_a_deactivated_member_gets_no_link_and_cannot_use_an_earlier_one(link_app, smtp):
    client = link_app.test_client()
    _ask(client, MEMBER)
    token = _token(smtp.messages[0][1])
    _set(link_app, MEMBER, active=False)
    smtp.messages.clear()
    assert SENT in _ask(client, MEMBER).get_data(as_text=True) and smtp.messages == []
    assert _use(client, token).status_code == 400 and not _signed_in(client)


def test_staff_get_no_link_unless_the_setting_allows_everyone(link_app, smtp, make_app):
    _same_answer(link_app, smtp, "staff@example.org")
    everyone = make_app(config=_mail_config(smtp.port, SIGN_IN_LINKS="everyone"))
    smtp.messages.clear()
    client = everyone.test_client()
    _ask(client, "staff@example.org")
    [(recipients, message)] = smtp.messages
    assert recipients == ["staff@example.org"]
    assert _use(client, _token(message)).status_code == 302 and _signed_in(client)


def test_links_switched_off(make_app, smtp):
    app = make_app(config=_mail_config(smtp.port, SIGN_IN_LINKS="off"))
    client = app.test_client()
    assert "Email me a sign-in link" not in client.get("/sign-in").get_data(as_text=True)
    page = client.get("/sign-in/link")
    assert page.status_code == 404 and "Sign-in links are not used here" in page.get_data(as_text=True)
    assert client.post("/sign-in/link", data={"email": MEMBER}).status_code == 404
    assert smtp.messages == []


def test_requests_are_throttled_per_address_without_saying_so(link_app, smtp):
    limit = link_app.config["LOGIN_LIMIT_PER_ACCOUNT"]
    answers = {_ask(link_app.test_client(), MEMBER).get_data(as_text=True) for _ in range(limit + 3)}
    assert len(answers) == 1 and SENT in answers.pop()
    assert len(smtp.messages) == limit
    # other addresses are not held up, and password sign-in is not counted against
    login(link_app.test_client(), "staff@example.org")


def test_requests_are_throttled_per_client_address(make_app, smtp):
    app = make_app(config=_mail_config(smtp.port, LOGIN_LIMIT_PER_ADDRESS=3))
    for email in ("a@example.org", "b@example.org", "c@example.org"):
        _ask(app.test_client(), email)
    assert SENT in _ask(app.test_client(), MEMBER).get_data(as_text=True)
    assert smtp.messages == []


def test_a_member_who_chose_links_only_is_pointed_to_the_link(link_app, smtp):
    client = login(link_app.test_client(), MEMBER)
    page = client.get("/account/preferences").get_data(as_text=True)
    assert "How do you want to sign in?" in page
    response = client.post("/account/preferences", data={
        "email": "yes", "format": "standard", "sign_in": "link",
        "csrf_token": csrf_token(client, "/account/preferences")})
    assert response.status_code == 302
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/")})
    anonymous = link_app.test_client()
    refused = anonymous.post("/sign-in", data={
        "email": MEMBER, "password": DEMO_PASSWORD, "csrf_token": csrf_token(anonymous)})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "You chose to sign in with a link sent by e-mail" in text
    fresh = link_app.test_client()
    _ask(fresh, MEMBER)
    assert _use(fresh, _token(smtp.messages[0][1])).status_code == 302 and _signed_in(fresh)


def test_staff_do_not_see_the_sign_in_choice_when_links_are_for_members(link_app):
    client = login(link_app.test_client(), "staff@example.org")
    assert "How do you want to sign in?" not in client.get("/account/preferences").get_data(as_text=True)


def test_the_browser_cookie_is_secure_when_the_portal_uses_secure_cookies(make_app, smtp):
    app = make_app(config=_mail_config(smtp.port, SESSION_COOKIE_SECURE=True))
    client = app.test_client()
    html = client.get("/sign-in/link", base_url=BASE).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    answer = client.post("/sign-in/link", base_url=BASE, data={"email": MEMBER, "csrf_token": token})
    assert answer.status_code == 200
    cookie = _browser_cookie(answer)
    assert "Secure" in cookie and "HttpOnly" in cookie and "Path=/sign-in/link" in cookie


def test_a_mail_server_that_is_down_gives_the_same_page(make_app):
    app = make_app(config=_mail_config(free_port()))
    answer = _ask(app.test_client(), MEMBER)
    assert answer.status_code == 200 and SENT in answer.get_data(as_text=True)


def test_an_unknown_setting_stops_start_up_with_the_fix(make_app):
    with pytest.raises(ConfigError, match="COPROD_SIGN_IN_LINKS is 'staff'. Use members"):
        make_app(config={"SIGN_IN_LINKS": "staff"})


def test_an_empty_or_overlong_address_is_a_form_error_that_keeps_what_was_typed(link_app, smtp):
    client = link_app.test_client()
    empty = _ask(client, "")
    assert empty.status_code == 400 and "Enter your email address" in empty.get_data(as_text=True)
    long = "x" * 250 + "@example.org"
    overlong = _ask(client, long)
    text = overlong.get_data(as_text=True)
    assert overlong.status_code == 400 and "Enter a shorter email address" in text and long in text
    assert smtp.messages == []
