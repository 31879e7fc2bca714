"""Staff single sign-on with OpenID Connect, against a real OpenID Provider (``oidc-provider``
from npm, started on 127.0.0.1 by these tests; see tests/oidc_provider.py).

Every refusal is a page in the portal's shell that says what to do, never a 500, and leaves
nobody signed in; each is in the audit log.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from joserfc.jwk import OctKey
from oidc_provider import (
    CLIENT_ID,
    RunningProvider,
    new_key,
    portal_settings,
    running_provider,
    sign_in_at_provider,
)
from sqlmodel import Session, col, select

from coprod_portal import accounts
from coprod_portal.audit import AuditEvent
from coprod_portal.config import ConfigError
from coprod_portal.testing import csrf_token, login

# Under pytest -n these tests stay on one worker: they share the servers (or crawls) their
# module-wide fixtures start, which would otherwise start again on every worker.
pytestmark = pytest.mark.xdist_group("oidc-provider")

PORTAL = "http://localhost"
CALLBACK = f"{PORTAL}/sign-in/sso/callback"
SIGNED_OUT = f"{PORTAL}/signed-out"


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningProvider]:
    with running_provider(tmp_path_factory.mktemp("provider"), [CALLBACK], [SIGNED_OUT]) as running:
        yield running


@pytest.fixture
def sso_app(make_app: Any, provider: RunningProvider) -> Flask:
    return make_app(config=portal_settings(provider))


def start(client: FlaskClient) -> str:
    response = client.get("/sign-in/sso")
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.location


def sso_sign_in(client: FlaskClient, account: str, **kwargs: Any) -> Any:
    back = sign_in_at_provider(start(client), account, CALLBACK, **kwargs)
    return client.get(back.removeprefix(PORTAL))


def signed_in_as(client: FlaskClient) -> str | None:
    """The name on the home page, or None when the home page sends the client to sign in."""
    home = client.get("/")
    if home.status_code != 200:
        return None
    text = home.get_data(as_text=True)
    return text.split("Hello, ", 1)[1].split("<", 1)[0] if "Hello, " in text else None


def user(app: Flask, email: str) -> accounts.User:
    with Session(app.extensions["coprod_engine"]) as session:
        found = accounts.user_by_email(session, email)
        assert found is not None
        found.role_names  # noqa: B018 - load the roles before the session closes
        return found


def audit_actions(app: Flask) -> list[tuple[str, str, str]]:
    with Session(app.extensions["coprod_engine"]) as session:
        events = session.exec(select(AuditEvent).order_by(col(AuditEvent.id))).all()
        return [(event.action, event.subject_label, event.detail) for event in events]


def assert_refused(response: Any, status: int, words: str) -> str:
    text = response.get_data(as_text=True)
    assert response.status_code == status, text
    assert "Skip to main content" in text and words in text and "You are not signed in" in text
    return text


# --- the happy paths --------------------------------------------------------------------------


def test_the_sign_in_page_offers_the_organisations_provider(sso_app: Flask) -> None:
    text = sso_app.test_client().get("/sign-in").get_data(as_text=True)
    assert "Sign in with Example Care ID" in text and 'href="/sign-in/sso"' in text
    assert "Or sign in with a password" in text


def test_an_existing_account_signs_in_and_gets_its_mapped_roles(sso_app: Flask) -> None:
    """Code flow with PKCE: the provider saw an S256 challenge, the portal links by verified
    email (whatever its case), and the leads group gives the co-production lead role."""
    client = sso_app.test_client()
    authorize = parse_qs(urlsplit(start(client)).query)
    assert authorize["code_challenge_method"] == ["S256"] and authorize["nonce"] and authorize["state"]
    response = sso_sign_in(client, "lee")
    assert response.status_code == 302 and response.location == "/"
    assert signed_in_as(client) == "Lee Lead"
    assert ("signed in with single sign-on", "Lee Lead", f"issuer {sso_app.config['OIDC_ISSUER']}, "
            "subject lee") in audit_actions(sso_app)


def test_roles_from_the_map_are_given_and_taken_away_at_every_sign_in(
        sso_app: Flask, provider: RunningProvider) -> None:
    """Other roles stay as an administrator set them; a group called "admin" gives nothing,
    because only a mapping the operator wrote can give the admin role."""
    assert user(sso_app, "staff@example.org").role_names == {"staff"}
    with provider.changed_account("sam", groups=["everyone", "portal-leads", "admin"]):
        sso_sign_in(sso_app.test_client(), "sam")
    assert user(sso_app, "staff@example.org").role_names == {"staff", "coproduction_lead"}
    sso_sign_in(sso_app.test_client(), "sam")  # removed from the group at the provider meanwhile
    assert user(sso_app, "staff@example.org").role_names == {"staff"}
    changes = [(action, detail) for action, _label, detail in audit_actions(sso_app) if "role" in action]
    assert changes == [("role given by single sign-on", "coproduction_lead"),
                       ("role removed by single sign-on", "coproduction_lead")]


def test_the_first_sign_in_links_the_account_and_later_ones_follow_the_subject(
        sso_app: Flask, provider: RunningProvider) -> None:
    """Once linked, the provider's subject says who it is: a changed email address at the
    provider still reaches the same account, and a second person given the same address does not."""
    sso_sign_in(sso_app.test_client(), "sam")
    with Session(sso_app.extensions["coprod_engine"]) as session:
        links = session.exec(select(accounts.UserIdentity)).all()
        assert [(link.issuer, link.subject) for link in links] == [(provider.issuer, "sam")]
    with provider.changed_account("sam", email="sasha.staff@example.org"):
        client = sso_app.test_client()
        sso_sign_in(client, "sam")
        assert signed_in_as(client) == "Sasha Staff"
    twin = sso_app.test_client()
    assert_refused(sso_sign_in(twin, "sam-twin"), 403, "already used by a different Example Care ID account")
    assert signed_in_as(twin) is None
    actions = [(action, detail) for action, _label, detail in audit_actions(sso_app)
               if "linked" in action or "refused" in action]
    assert actions == [("single sign-on linked to account", f"issuer {provider.issuer}, subject sam"),
                       ("single sign-on refused", "account linked to another identity")]


def test_a_new_person_is_refused_unless_accounts_may_be_created(make_app: Any,
                                                                provider: RunningProvider) -> None:
    refused_app = make_app(config=portal_settings(provider))
    client = refused_app.test_client()
    assert_refused(sso_sign_in(client, "nia"), 403, "Ask an administrator to add you")
    assert signed_in_as(client) is None
    assert ("single sign-on refused", "nia.new@example.org", "no account for this email") \
        in audit_actions(refused_app)


def test_a_new_person_gets_a_staff_account_when_allowed(make_app: Any, provider: RunningProvider) -> None:
    app = make_app(config=portal_settings(provider, OIDC_CREATE_ACCOUNTS=True))
    client = app.test_client()
    sso_sign_in(client, "nia")
    assert signed_in_as(client) == "Nia New"
    created = user(app, "nia.new@example.org")
    assert created.role_names == {"staff", "admin"} and created.password_hash is None
    events = [(action, detail) for action, label, detail in audit_actions(app) if label == "Nia New"]
    assert [action for action, _detail in events] == [
        "account created by single sign-on", "single sign-on linked to account",
        "role given by single sign-on", "signed in with single sign-on"]
    assert events[2][1] == "admin"  # from the explicit portal-admins=admin mapping


def test_keys_are_fetched_once_and_again_once_after_the_provider_rotates_them(
        make_app: Any, tmp_path: Any) -> None:
    """The provider restarts on the same address with a new signing key: the first token with the
    new key id makes the portal fetch the keys again, once."""
    with running_provider(tmp_path, [CALLBACK], [SIGNED_OUT]) as first:
        app = make_app(config=portal_settings(first))
        client_app = app.extensions["coprod_oidc"].create_client("oidc")
        sso_sign_in(app.test_client(), "lee")
        sso_sign_in(app.test_client(), "sam")
        assert client_app.key_fetches == 1 and client_app.keys_fetched_at is not None
        port = first.port
    with running_provider(tmp_path, [CALLBACK], [SIGNED_OUT], port=port, key=new_key("second-key")):
        client = app.test_client()
        sso_sign_in(client, "lee")
        assert signed_in_as(client) == "Lee Lead"
        assert client_app.key_fetches == 2


# --- sign-out ---------------------------------------------------------------------------------


def test_sign_out_ends_the_portal_session_and_the_providers(sso_app: Flask) -> None:
    client = sso_app.test_client()
    sso_sign_in(client, "lee")
    response = client.post("/sign-out", data={"csrf_token": csrf_token(client, "/")})
    assert signed_in_as(client) is None
    end_session = urlsplit(response.location)
    assert response.status_code == 302 and end_session.path == "/session/end"
    query = parse_qs(end_session.query)
    assert query["client_id"] == [CLIENT_ID] and query["post_logout_redirect_uri"] == [SIGNED_OUT]
    back = _confirm_logout_at_provider(response.location)
    text = client.get(back.removeprefix(PORTAL)).get_data(as_text=True)
    assert "You are signed out" in text and "of the portal and of Example Care ID" in text
    again = client.get("/signed-out").get_data(as_text=True)  # visited again: no claim about the provider
    assert "You are not signed in to the portal" in again


def _confirm_logout_at_provider(url: str) -> str:
    browser = requests.Session()
    page = browser.get(url, allow_redirects=False, timeout=10)
    form = page.text.split('name="xsrf" value="', 1)[1].split('"', 1)[0]
    action = page.text.split('action="', 1)[1].split('"', 1)[0]
    done = browser.post(requests.compat.urljoin(page.url, action),
                        data={"xsrf": form, "logout": "yes"}, allow_redirects=False, timeout=10)
    assert done.is_redirect, done.text[:300]
    return str(done.headers["Location"])


def test_password_sign_out_stays_in_the_portal(sso_app: Flask) -> None:
    client = login(sso_app.test_client(), "staff@example.org")
    response = client.post("/sign-out", data={"csrf_token": csrf_token(client, "/")})
    assert response.location == "/sign-in"


# --- refusals from the real provider ---------------------------------------------------------


def test_an_unverified_email_is_refused(sso_app: Flask) -> None:
    client = sso_app.test_client()
    assert_refused(sso_sign_in(client, "una"), 403, "has not been verified")
    assert signed_in_as(client) is None
    assert ("single sign-on refused", "staff@example.org", "email address not verified") \
        in audit_actions(sso_app)


def test_a_deactivated_account_is_refused_although_the_provider_says_yes(
        sso_app: Flask, provider: RunningProvider) -> None:
    with Session(sso_app.extensions["coprod_engine"]) as session:
        staff = accounts.user_by_email(session, "staff@example.org")
        assert staff is not None
        accounts.deactivate(staff)
        session.commit()
    client = sso_app.test_client()
    with provider.changed_account("sam", groups=["portal-leads"]):
        assert_refused(sso_sign_in(client, "sam"), 403, "Your account has been closed")
    assert signed_in_as(client) is None
    assert user(sso_app, "staff@example.org").role_names == {"staff"}  # no role given either


def test_access_denied_at_the_provider(sso_app: Flask) -> None:
    client = sso_app.test_client()
    assert_refused(sso_sign_in(client, "lee", abort=True), 403, "was cancelled or not allowed")
    assert ("single sign-on refused", "", "the provider said access_denied") in audit_actions(sso_app)


def test_state_missing_or_not_ours(sso_app: Flask) -> None:
    client = sso_app.test_client()
    assert_refused(client.get("/sign-in/sso/callback?code=abc"), 400, "did not start here")
    start(client)
    assert_refused(client.get("/sign-in/sso/callback?code=abc&state=not-ours"), 400, "did not start here")
    assert signed_in_as(client) is None


def test_a_callback_opened_in_another_browser_is_refused(sso_app: Flask) -> None:
    back = sign_in_at_provider(start(sso_app.test_client()), "lee", CALLBACK)
    other = sso_app.test_client()
    assert_refused(other.get(back.removeprefix(PORTAL)), 400, "did not start here")
    assert signed_in_as(other) is None


def test_a_replayed_code_is_refused_by_the_provider(sso_app: Flask) -> None:
    """The browser's session is put back as it was before the callback, so the portal's own
    state check passes and the provider itself must refuse the used code."""
    first = sso_app.test_client()
    back = sign_in_at_provider(start(first), "lee", CALLBACK)
    cookie = first.get_cookie("session")
    assert cookie is not None
    assert first.get(back.removeprefix(PORTAL)).status_code == 302
    replay = sso_app.test_client()
    replay.set_cookie("session", cookie.value)
    text = assert_refused(replay.get(back.removeprefix(PORTAL)), 400, "the code may have been used")
    assert "invalid_grant" in text
    assert signed_in_as(replay) is None


def test_a_nonce_that_does_not_match_is_refused(sso_app: Flask) -> None:
    client = sso_app.test_client()
    back = sign_in_at_provider(start(client), "lee", CALLBACK)
    with client.session_transaction() as session:
        for key, value in session.items():
            if key.startswith("_state_oidc_"):
                value["data"]["nonce"] = "a nonce from another sign-in"
                session[key] = value
    assert_refused(client.get(back.removeprefix(PORTAL)), 401, "did not pass the portal")
    assert signed_in_as(client) is None
    assert any(action == "single sign-on refused" and "nonce" in detail
               for action, _label, detail in audit_actions(sso_app))


def test_a_provider_that_names_another_issuer_is_refused(make_app: Any, tmp_path: Any) -> None:
    """The provider calls itself http://localhost:<port> while the portal was told 127.0.0.1."""
    with running_provider(tmp_path, [CALLBACK], [SIGNED_OUT], issuer_host="localhost") as other:
        settings = portal_settings(other, OIDC_ISSUER=other.issuer.replace("localhost", "127.0.0.1"))
        app = make_app(config=settings)
        response = app.test_client().get("/sign-in/sso")
        assert_refused(response, 400, "Ask your administrator to check COPROD_OIDC_ISSUER")


def test_an_unreachable_provider_gets_a_polite_page_and_break_glass_still_works(
        make_app: Any, tmp_path: Any) -> None:
    with running_provider(tmp_path, [CALLBACK], [SIGNED_OUT]) as stopped:
        issuer = stopped.issuer
    app = make_app(config=portal_settings(stopped, OIDC_ISSUER=issuer, LOCAL_SIGN_IN=False,
                                          BREAK_GLASS_EMAIL="admin@example.org"))
    client = app.test_client()
    response = client.get("/sign-in/sso")
    text = response.get_data(as_text=True)
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert "cannot reach Example Care ID" in text and "Nothing has been lost" in text
    assert "Skip to main content" in text
    page = client.get("/sign-in").get_data(as_text=True)
    assert "Emergency administrator sign-in" in page and "Or sign in with a password" not in page
    assert signed_in_as(login(app.test_client(), "admin@example.org")) == "Alex Admin"
    staff = app.test_client()
    refused = staff.post("/sign-in", data={
        "email": "staff@example.org", "password": "demo-password-2026", "csrf_token": csrf_token(staff)})
    assert refused.status_code == 400
    assert "The email address or password is not right" in refused.get_data(as_text=True)
    assert signed_in_as(staff) is None


# --- tokens the real provider would never issue ------------------------------------------------


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _claims(provider: RunningProvider, nonce: str, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {"iss": provider.issuer, "aud": CLIENT_ID, "sub": "lee", "iat": now, "exp": now + 300,
              "nonce": nonce, "email": "lead@example.org", "email_verified": True, "name": "Lee Lead",
              "groups": ["portal-leads"]}
    claims.update(changes)
    return {key: value for key, value in claims.items() if value is not None}


def _forged(provider: RunningProvider, nonce: str, kind: str) -> str:
    if kind == "alg none":
        return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims(provider, nonce))}."
    if kind == "HS256 with the public key":
        public = json.dumps(provider.key.as_dict(private=False)).encode()
        return provider.sign(_claims(provider, nonce), {"alg": "HS256"}, OctKey.import_key(public))
    if kind == "unknown key id":
        return provider.sign(_claims(provider, nonce), {"kid": "a-key-nobody-published"},
                             new_key("a-key-nobody-published"))
    changes = {"wrong issuer": {"iss": "https://elsewhere.example.org"},
               "wrong audience": {"aud": "another-application"},
               "another audience naming us as azp": {"aud": ["another-application"], "azp": CLIENT_ID},
               "expired": {"iat": int(time.time()) - 3600, "exp": int(time.time()) - 600},
               "issued in the future": {"iat": int(time.time()) + 3600},
               "the genuine article": {}}[kind]
    return provider.sign(_claims(provider, nonce, **changes))


FORGERY_CAUGHT_BY = {
    "alg none": "Algorithm of 'none' is not allowed",
    "HS256 with the public key": "Algorithm of 'HS256' is not allowed",
    "unknown key id": "No key for kid: 'a-key-nobody-published'",
    "wrong issuer": "'iss'", "wrong audience": "'aud'", "another audience naming us as azp": "'aud'",
    "expired": "The token is expired", "issued in the future": "issued in the future"}


@pytest.mark.parametrize("kind", list(FORGERY_CAUGHT_BY))
def test_forged_id_tokens_are_refused(sso_app: Flask, provider: RunningProvider,
                                      monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    """The real provider never issues these, so the test signs them itself (it owns the key it
    gave the provider) and puts one in place of the ID token in the provider's real answer, at the
    callback, after a real code exchange."""
    refused = _callback_with_forged_token(sso_app, provider, monkeypatch, kind)
    assert_refused(refused, 401, "did not pass the portal")
    reasons = [detail for action, _label, detail in audit_actions(sso_app)
               if action == "single sign-on refused"]
    assert len(reasons) == 1 and FORGERY_CAUGHT_BY[kind] in reasons[0]


def test_the_forging_harness_itself_signs_in_with_a_genuine_token(
        sso_app: Flask, provider: RunningProvider, monkeypatch: pytest.MonkeyPatch) -> None:
    """The harness of the test above, with a correct token: so each refusal is for its flaw."""
    response = _callback_with_forged_token(sso_app, provider, monkeypatch, "the genuine article")
    assert response.status_code == 302


def test_an_unknown_key_id_makes_one_refetch_of_the_keys(
        sso_app: Flask, provider: RunningProvider, monkeypatch: pytest.MonkeyPatch) -> None:
    client_app = sso_app.extensions["coprod_oidc"].create_client("oidc")
    sso_sign_in(sso_app.test_client(), "sam")
    assert client_app.key_fetches == 1
    _callback_with_forged_token(sso_app, provider, monkeypatch, "unknown key id")
    assert client_app.key_fetches == 2


def _callback_with_forged_token(app: Flask, provider: RunningProvider, monkeypatch: pytest.MonkeyPatch,
                                kind: str) -> Any:
    client = app.test_client()
    back = sign_in_at_provider(start(client), "lee", CALLBACK)
    with client.session_transaction() as session:
        nonce = next(value["data"]["nonce"] for key, value in session.items()
                     if key.startswith("_state_oidc_"))
    oidc_client = app.extensions["coprod_oidc"].create_client("oidc")
    real_exchange = oidc_client.fetch_access_token

    def exchange_then_swap(*args: Any, **kwargs: Any) -> Any:
        token = real_exchange(*args, **kwargs)
        assert token["id_token"]
        token["id_token"] = _forged(provider, nonce, kind)
        return token

    monkeypatch.setattr(oidc_client, "fetch_access_token", exchange_then_swap)
    response = client.get(back.removeprefix(PORTAL))
    monkeypatch.undo()
    if response.status_code != 302:
        assert signed_in_as(client) is None
    return response


# --- settings -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("settings", "words"), [
    ({"OIDC_ROLE_MAP": "portal-leads=chief"}, "'chief', which is not a portal role"),
    ({"OIDC_ROLE_MAP": "portal-leads"}, "is not of the form group=role"),
    ({"LOCAL_SIGN_IN": False}, "set COPROD_BREAK_GLASS_EMAIL"),
    ({"OIDC_ISSUER": "http://login.example.org"}, "must be an https:// address"),
    ({"OIDC_CLIENT_SECRET": ""}, "COPROD_OIDC_CLIENT_SECRET is not"),
    ({"OIDC_SCOPES": "email profile"}, "must include 'openid'"),
])
def test_settings_that_do_not_fit_stop_start_up(make_app: Any, provider: RunningProvider,
                                                settings: dict[str, Any], words: str) -> None:
    with pytest.raises(ConfigError, match=words.replace("(", r"\(")):
        make_app(config=portal_settings(provider, **settings))


def test_local_sign_in_cannot_be_switched_off_without_single_sign_on(make_app: Any) -> None:
    with pytest.raises(ConfigError, match="nobody could sign in"):
        make_app(config={"LOCAL_SIGN_IN": False, "BREAK_GLASS_EMAIL": "admin@example.org"})


def test_without_single_sign_on_its_pages_say_so(app: Flask) -> None:
    client = app.test_client()
    assert "Sign in with" not in client.get("/sign-in").get_data(as_text=True)
    assert_refused(client.get("/sign-in/sso"), 404, "Single sign-on is not set up")
    assert_refused(client.get("/sign-in/sso/callback?code=x&state=y"), 404, "Single sign-on is not set up")


def test_admin_and_plugins_pages_say_how_people_sign_in(sso_app: Flask, app: Flask) -> None:
    admin = login(sso_app.test_client(), "admin@example.org")
    for path in ("/admin/", "/admin/plugins"):
        text = admin.get(path).get_data(as_text=True)
        assert f"Set up with Example Care ID ({sso_app.config['OIDC_ISSUER']})" in text
        assert "Not yet by this server" in text and "On for every staff account" in text
    sso_sign_in(sso_app.test_client(), "sam")
    fetched = sso_app.extensions["coprod_oidc"].create_client("oidc").keys_fetched_at
    text = admin.get("/admin/").get_data(as_text=True)
    assert "Not yet by this server" not in text
    assert f"{fetched:%-d %B %Y}, " in text and "(by this server)" in text
    plain = login(app.test_client(), "admin@example.org").get("/admin/plugins").get_data(as_text=True)
    assert "Single sign-on" in plain and "Not set up" in plain


def test_the_identity_link_is_in_a_subject_access_export_and_erased_with_the_account(
        sso_app: Flask, provider: RunningProvider) -> None:
    sso_sign_in(sso_app.test_client(), "sam")
    admin = login(sso_app.test_client(), "admin@example.org")
    page = "/admin/subject-access/"
    download = admin.post(page + "download", data={"email": "staff@example.org", "format": "json",
                                                   "csrf_token": csrf_token(admin, page)})
    sections = {s["section"]: s["records"] for s in json.loads(download.get_data(as_text=True))["sections"]}
    assert sections["Your account"][0]["Single sign-on identities"].startswith(
        f"sam at {provider.issuer} (linked ")
    erased = admin.post(page + "erase", data={
        "email": "staff@example.org", "reason": "Request of 3 March 2027", "confirm": "y",
        "csrf_token": csrf_token(admin, page)})
    assert "Links to single sign-on identities" in erased.get_data(as_text=True)
    with Session(sso_app.extensions["coprod_engine"]) as session:
        assert session.exec(select(accounts.UserIdentity)).all() == []
    # the erased person signing in again is a stranger: no account is found for them
    assert_refused(sso_sign_in(sso_app.test_client(), "sam"), 403, "Ask an administrator to add you")


def test_sign_in_returns_to_the_page_asked_for_on_this_site_only(sso_app: Flask) -> None:
    client = sso_app.test_client()
    page = client.get("/sign-in?next=/projects/").get_data(as_text=True)
    assert 'href="/sign-in/sso?next=/projects/"' in page
    back = sign_in_at_provider(client.get("/sign-in/sso?next=/projects/").location, "lee", CALLBACK)
    assert client.get(back.removeprefix(PORTAL)).location == "/projects/"
    elsewhere = sso_app.test_client()
    back = sign_in_at_provider(elsewhere.get("/sign-in/sso?next=//evil.example.org/").location,
                               "lee", CALLBACK)
    assert elsewhere.get(back.removeprefix(PORTAL)).location == "/"


def test_an_answer_naming_another_issuer_is_refused_before_its_code_is_used(sso_app: Flask) -> None:
    """RFC 9207: the provider names itself in its answer; a swapped answer is refused, and the
    genuine one still works afterwards (its code was never sent anywhere)."""
    client = sso_app.test_client()
    back = sign_in_at_provider(start(client), "lee", CALLBACK)
    query = parse_qs(urlsplit(back).query)
    assert query["iss"] == [sso_app.config["OIDC_ISSUER"]]
    swapped = back.removeprefix(PORTAL).replace("iss=", "iss=https%3A%2F%2Fevil.example.org&was=")
    assert_refused(client.get(swapped), 400, "This sign-in did not come from Example Care ID")
    assert signed_in_as(client) is None
    assert client.get(back.removeprefix(PORTAL)).status_code == 302
    assert signed_in_as(client) == "Lee Lead"


@pytest.mark.parametrize("query", [
    "", "code=&state=", "error=server_error&error_description=%3Cscript%3Ealert(1)%3C/script%3E",
    "error=" + "x" * 5000, "code=%00&state=%00", "code=%F0%9F%92%A5&state=%E2%80%AE",
    "code=a&code=b&state=c&state=d", "state[]=x",
])
def test_hostile_callbacks_are_refused_politely(sso_app: Flask, query: str) -> None:
    client = sso_app.test_client()
    start(client)
    response = client.get(f"/sign-in/sso/callback?{query}")
    text = response.get_data(as_text=True)
    assert 400 <= response.status_code < 500 and "Skip to main content" in text
    assert "<script>alert" not in text and "x" * 61 not in text
    assert signed_in_as(client) is None
