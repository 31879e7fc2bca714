"""Every page, for every role, with other people's records in the URL: nothing is shown beyond what
the role may see, judged by content (names, access needs, payments, contributions, audit entries),
and every page carries the security headers.

The records and their sensitive strings are in ``others_records.py``; the routes come from the app
itself, so a new page is walked as soon as it is registered.
"""

from __future__ import annotations

import re
import weakref

import others_records
import pytest
import route_access
from flask_login import login_user
from sqlmodel import Session
from test_route_matrix import DEMO, NEEDS_CONTEXT

from coprod_portal import accounts
from coprod_portal.db import new_id
from coprod_portal.permissions import can
from coprod_portal.testing import csrf_token, login

ANONYMOUS = "visitor"


def pages(app):
    """Every GET route except static files, with its view (the list the accessibility crawl uses)."""
    yield from sorted(route_access.get_pages(app), key=lambda page: page[0].rule)


def path_for(rule, ids, **override):
    values = {**ids, **override}
    missing = set(rule.arguments) - set(values)
    assert not missing, f"{rule.rule}: no record for {missing}; add one to others_records.py"
    return rule.build({arg: values[arg] for arg in rule.arguments}, append_unknown=False)[1]


def allowed(app, email, permission):
    if email == ANONYMOUS:
        return False
    with app.test_request_context(), Session(app.extensions["coprod_engine"]) as session:
        user = accounts.user_by_email(session, email)
        login_user(user)
        return can(user, permission)


def client_for(app, email):
    return app.test_client() if email == ANONYMOUS else login(app.test_client(), email)


def leaks(text, email):
    return [secret for secret, who in others_records.SECRETS.items() if secret in text and email not in who]


def assert_security_headers(response, where):
    csp = response.headers.get("Content-Security-Policy", "")
    script_src = re.search(r"script-src([^;]*)", csp) or re.search(r"default-src([^;]*)", csp)
    assert script_src and "'unsafe-inline'" not in script_src.group(1), where
    assert "frame-ancestors" in csp or "sandbox" in csp, where
    assert response.headers.get("X-Content-Type-Options") == "nosniff", where
    assert response.headers.get("Referrer-Policy"), where


@pytest.fixture
def world_app(make_app):
    app = make_app()
    return app, others_records.seed(app)


@pytest.mark.parametrize("email", [*DEMO, ANONYMOUS])
def test_no_page_shows_a_role_anything_of_others_beyond_its_permissions(world_app, email):
    """Walk every page (other people's ids in the URL): no leaks, no crash, refusals in the shell."""
    app, world = world_app
    client = client_for(app, email)
    shown, seen = 0, set()
    for rule, view in pages(app):
        path = path_for(rule, world.ids)
        response = client.get(path)
        text = response.get_data(as_text=True)
        seen |= {secret for secret in others_records.SECRETS if secret in text}
        where = (email, path, response.status_code)
        assert response.status_code < 500, where
        assert not leaks(text, email), (*where, leaks(text, email))
        assert_security_headers(response, where)
        permission = getattr(view, "required_permission", None)
        if permission and not allowed(app, email, permission):
            expected = (302,) if email == ANONYMOUS else (403, 404)
            assert response.status_code in expected, where
        if permission and email == ANONYMOUS:
            assert "/sign-in" in response.location, where
        shown += response.status_code == 200
    assert shown > (2 if email == ANONYMOUS else 5)
    # and the walk is real: whoever may see a record does find it on some page
    assert {secret for secret, who in others_records.SECRETS.items() if email in who} <= seen


GUESSABLE_ARGUMENTS = {"year": "a year", "number": "a module version's number, within a module",
                       "key": "a training module's name, shown in its address on purpose",
                       "lesson_key": "a lesson's name within a module",
                       "ref": "an item's name in a checklist",
                       "version_id": "a checklist template version", "section_id": "a template section",
                       "item_id": "a template item", "token": "a one-time reset code (random, hashed)",
                       "filename": "a static file", "code": "a language code (en, cy), not a record",
                       "language": "a language code (en, cy), not a record"}


def test_record_ids_in_addresses_are_random_and_not_numbers(world_app):
    """Records of people are addressed by 128-bit random ids, never by a counter."""
    app, world = world_app
    for rule in app.url_map.iter_rules():
        for arg in rule.arguments:
            if arg in GUESSABLE_ARGUMENTS:
                continue
            assert rule._converters[arg].__class__.__name__ == "UnicodeConverter", (rule.rule, arg)
            assert re.fullmatch(r"[0-9a-f]{32}", str(world.ids[arg])), (arg, world.ids[arg])
    made = {new_id() for _ in range(2000)}
    assert len(made) == 2000 and all(re.fullmatch(r"[0-9a-f]{32}", i) for i in made)


# Records whose very existence is private: someone refused must not learn whether the id is real.
# (Files and ideas answer a refusal with a page that says why — "ask the person who shared it" —
# because people reach them from links others send; a random id on its own reveals nothing.)
EXISTENCE_IS_PRIVATE = ("contribution_id", "checkin_id", "notification_id", "member_id",
                        "payment_id", "involvement_id", "consent_id")


@pytest.mark.parametrize("email", DEMO)
def test_a_guessed_id_gets_the_same_answer_as_someone_elses(world_app, email):
    app, world = world_app
    client = client_for(app, email)
    for rule, _ in pages(app):
        private = [arg for arg in rule.arguments if arg in EXISTENCE_IS_PRIVATE]
        if not private or rule.endpoint in NEEDS_CONTEXT:
            continue
        real = client.get(path_for(rule, world.ids))
        guessed = client.get(path_for(rule, world.ids, **{arg: new_id() for arg in private}))
        assert guessed.status_code in (403, 404), (email, rule.rule, guessed.status_code)
        if real.status_code in (403, 404):
            assert real.status_code == guessed.status_code, (email, rule.rule, real.status_code)


# the training a learner was launched into, and the shell's pages
LEARNER_PAGES = ("plugin_training.", "core.home", "core.accessibility", "core.healthz", "auth.login",
                 "auth.reset_password", "sign_in_links.",  # (asking for a sign-in link is a shell page)
                 "plugin_practice.public", "plugin_practice.feed")  # and what everyone may read


def test_an_lti_learner_sees_only_their_own_training(world_app):
    """A learner launched from an LMS (real signed id_token) reaches training pages and nothing else."""
    from training_plugin.conftest import launch
    from training_plugin.platform import TestPlatform

    app, world = world_app
    client = app.test_client()
    platform = TestPlatform(tool_jwks=lambda: client.get("/training/lti/jwks").get_json())
    try:
        assert platform.register(app.test_cli_runner()).exit_code == 0
        assert launch(client, platform).status_code in (200, 302, 303)
        reached = set()
        for rule, _ in pages(app):
            path = path_for(rule, world.ids)
            response = client.get(path)
            text = response.get_data(as_text=True)
            where = ("learner", path, response.status_code)
            assert response.status_code < 500, where
            assert not leaks(text, "learner"), (*where, leaks(text, "learner"))
            assert_security_headers(response, where)
            if response.status_code == 200:
                assert rule.endpoint.startswith(LEARNER_PAGES), where
                reached.add(rule.endpoint)
        assert {"plugin_training.index", "plugin_training.module"} <= reached
        assert others_records.LEARNER_NAME in client.get("/").get_data(as_text=True)
    finally:
        platform.stop()


# --- every POST route, for every role, with a valid CSRF token ----------------------------------

ALL = frozenset([*DEMO, ANONYMOUS])
SIGNED_IN = frozenset(DEMO)
NOBODY: frozenset[str] = frozenset()
LEAD, ADMIN, STAFF = others_records.LEAD, others_records.ADMIN, others_records.STAFF
PROJECT_TEAM = frozenset({ADMIN, LEAD, STAFF})  # the world's project: led by Lee, Sasha on its team
# Who may POST to each route with the records of others_records.py in its address. DECLARED: the
# permission the view declares decides (checked with can()); a set: the record in the address
# narrows it to these people. A POST route missing here fails the test.
DECLARED = None
POST_WHO: dict[str, frozenset[str] | None] = {
    "auth.login": ALL, "auth.logout": SIGNED_IN, "auth.change_password": SIGNED_IN,
    "auth.reset_password": NOBODY,  # the code in the address is not a real one
    "sign_in_links.request_link": ALL,  # the same answer for everyone
    "sign_in_links.open_link": NOBODY,  # the token in the address is not a real one
    "plugin_training.lti_launch": NOBODY, "plugin_training.lti_login": NOBODY,  # signed by an LMS
    "plugin_training.deep_link": NOBODY,  # only inside a deep-linking launch
    "preferences.edit": DECLARED, "inbox.read_all": DECLARED,
    "admin.new_user": DECLARED, "admin.user": DECLARED, "admin.set_active": DECLARED,
    "admin.reset_code": DECLARED, "jobs_admin.try_again": DECLARED,
    "subjects.find": DECLARED, "subjects.download": DECLARED, "subjects.erase": DECLARED,
    "projects.new_project": DECLARED, "projects.edit": PROJECT_TEAM, "projects.change_stage": PROJECT_TEAM,
    "projects.add_team_member": PROJECT_TEAM, "projects.remove_team_member": PROJECT_TEAM,
    "plugin_checklists.answer_item": PROJECT_TEAM, "plugin_checklists.claim_rung": PROJECT_TEAM,
    "plugin_checklists.new_feedback": PROJECT_TEAM, "plugin_checklists.publish_feedback": PROJECT_TEAM,
    "plugin_checklists.rate_rung": NOBODY,  # only network members who took part in that project
    "plugin_checklists.idea": frozenset({ADMIN, LEAD}),  # Harper's idea: those who manage ideas
    "plugin_checklists.new_idea": DECLARED, "plugin_checklists.templates": DECLARED,
    "plugin_checklists.template_section": DECLARED, "plugin_checklists.template_item": DECLARED,
    "plugin_checklists.template_remove": DECLARED, "plugin_checklists.template_discard": DECLARED,
    "plugin_checklists.template_publish": DECLARED,
    "plugin_lived_experience.new": DECLARED, "plugin_lived_experience.opt_in": DECLARED,
    "plugin_lived_experience.opt_out": DECLARED, "plugin_lived_experience.checkin": DECLARED,
    "plugin_lived_experience.close_checkin": DECLARED,
    # Sasha's contribution: only Sasha changes it, only the lead reviews it
    **{f"plugin_lived_experience.{name}": frozenset({STAFF}) for name in (
        "edit", "sharing", "named_use", "end_named_use", "withdraw", "keep", "approve_wording")},
    "plugin_lived_experience.review": frozenset({LEAD}),
    **{f"plugin_network.{name}": DECLARED for name in (
        "new_member", "import_members", "edit_member", "member_caps", "consent", "private",
        "new_involvement", "new_expense", "fee", "edit_fee", "cancel_payment", "budget", "rates",
        "my_caps", "link_account")},
    "plugin_training.lesson": DECLARED, "plugin_training.check": DECLARED,
    "plugin_training.edit": DECLARED, "plugin_training.submit": DECLARED,
    "plugin_training.translate": DECLARED,
    "plugin_training.review": DECLARED, "plugin_training.platforms": DECLARED,
    "plugin_training.platform_status": DECLARED, "plugin_training.rotate_keys": DECLARED,
    "plugin_training.registration_links": DECLARED, "plugin_training.withdraw_registration_link": DECLARED,
    "plugin_training.module_sessions": DECLARED,
    "plugin_training.edit_platform": DECLARED,
    # Sasha's draft practice example: only Sasha writes it; it has no co-author to sign off or withdraw
    "plugin_practice.new": DECLARED, "plugin_practice.review": DECLARED,
    **{f"plugin_practice.{name}": frozenset({STAFF}) for name in ("edit", "invite", "submit")},
    **{f"plugin_practice.{name}": NOBODY for name in ("sign_off", "withdraw", "remove_coauthor")},
}


def post_routes(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "POST" in rule.methods:
            yield rule, app.view_functions[rule.endpoint]


def fingerprint(app):
    """Everything stored, as one hash: a refused POST must leave it exactly as it was.

    Every row of every table but the sign-in counter (failed sign-ins are counted, as they
    should be), in a stable order. On PostgreSQL the server hashes each table's rows itself, in
    one statement for all of them: the page walks call this twice per route."""
    import hashlib

    engine = app.extensions["coprod_engine"]
    names = _stored_tables(engine)
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            each = " UNION ALL ".join(
                f"SELECT {i} AS n, md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) AS h"
                f' FROM "{name}" t' for i, name in enumerate(names))
            return conn.exec_driver_sql(f"SELECT string_agg(h, ',' ORDER BY n) FROM ({each}) AS x").scalar()
        digest = hashlib.sha256()
        cursor = conn.connection.dbapi_connection.cursor()  # plain tuples: no Row objects to repr
        for name in names:
            digest.update(name.encode())
            digest.update(repr(cursor.execute(f'SELECT * FROM "{name}"').fetchall()).encode())
        return digest.hexdigest()


def _stored_tables(engine):
    """The tables ``fingerprint`` reads, found once per database (a POST creates none)."""
    import sqlalchemy as sa

    if engine not in _TABLES:
        with engine.connect() as conn:
            names = sa.inspect(conn).get_table_names()
        _TABLES[engine] = sorted(name for name in names if name != "core_login_attempt")
    return _TABLES[engine]


_TABLES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def form_data(html, path):
    """The fields of the form that posts to ``path`` on a page, as a person would send them."""
    data: dict[str, str] = {}
    for form in re.findall(r"<form\b(.*?)</form>", html, flags=re.S):
        action = re.search(r'action="([^"]*)"', form)
        if action and action.group(1) not in ("", path):
            continue
        for tag in re.findall(r"<(?:input|textarea|select)\b[^>]*>", form):
            name = re.search(r'name="([^"]+)"', tag)
            if not name or name.group(1) in data or "csrf" in name.group(1):
                continue
            value = re.search(r'value="([^"]*)"', tag)
            data[name.group(1)] = value.group(1) if value else "12"
        return data
    return data


def may_post(app, email, rule, view):
    who = POST_WHO[rule.endpoint]
    if who is DECLARED:
        return allowed(app, email, view.required_permission)
    return email in who


def _insider(app, rule, clients):
    """A client signed in as the first demo person who may post to ``rule`` (or the lead)."""
    view = app.view_functions[rule.endpoint]
    email = next((e for e in DEMO if may_post(app, e, rule, view)), LEAD)
    if email not in clients:
        clients[email] = login(app.test_client(), email)
    return clients[email]


@pytest.mark.parametrize("email", [*DEMO, ANONYMOUS])
def test_every_post_route_refuses_whoever_may_not_and_changes_nothing(world_app, email):
    app, world = world_app
    routes = list(post_routes(app))
    assert {rule.endpoint for rule, _ in routes} == set(POST_WHO), "every POST route needs an entry"
    insiders: dict[str, object] = {}  # a client for someone who may post there, to fill in the form
    client = client_for(app, email)
    token = csrf_token(client, "/sign-in" if email == ANONYMOUS else "/account/password")
    refused = [(rule, view) for rule, view in routes if not may_post(app, email, rule, view)]
    for rule, _ in refused:
        path = path_for(rule, world.ids)
        data = form_data(_insider(app, rule, insiders).get(path).get_data(as_text=True), path) \
            if "GET" in rule.methods else {}
        before = fingerprint(app)
        response = client.post(path, data={**data, "csrf_token": token})
        where = (email, rule.endpoint, path, response.status_code)
        assert response.status_code in (302, 400, 403, 404), where
        if response.status_code == 302:
            assert "/sign-in" in response.location or rule.endpoint == "auth.login", where
        assert fingerprint(app) == before, where
    for rule, _ in routes:
        if (rule, _) in refused:
            continue
        response = client.post(path_for(rule, world.ids), data={"csrf_token": token})
        assert response.status_code < 500 and response.status_code != 403, (email, rule.rule,
                                                                             response.status_code)


# --- over HTTPS ---------------------------------------------------------------------------------

HTTPS = "https://portal.example.org"


@pytest.mark.parametrize("email", [LEAD, "member@example.org"])
def test_over_https_every_page_sends_hsts_and_the_session_cookie_is_secure(world_app, email):
    app, world = world_app
    client = app.test_client()
    token = csrf_token_over_https(client)
    client.post("/sign-in", base_url=HTTPS, data={
        "email": email, "password": "demo-password-2026", "csrf_token": token})
    cookie = client.get_cookie("session", domain="portal.example.org")
    assert cookie is not None and cookie.secure and cookie.http_only and cookie.same_site == "Lax"
    for rule, _ in pages(app):
        response = client.get(path_for(rule, world.ids), base_url=HTTPS)
        where = (email, rule.rule, response.status_code)
        assert response.status_code < 500, where
        assert "max-age=" in response.headers.get("Strict-Transport-Security", ""), where
        assert_security_headers(response, where)


def csrf_token_over_https(client):
    html = client.get("/sign-in", base_url=HTTPS).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
