"""Hostile input, generated: every form, the LTI endpoints and the pages that read query strings get
script tags, quotes, unicode, very long text, NUL bytes, numbers out of range and malformed dates.
Nothing may crash (no 5xx, no SQL error shown) and nothing stored may come back unescaped.

Forms are found from the app: every POST route, filled in as the page that shows it would be.
Examples are few and derandomized (no example database), so a run is quick and repeatable.
"""

from __future__ import annotations

import csv
import io
import re

import others_records
import pytest
import route_access
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from test_authorization import DEMO, POST_WHO, _insider, may_post, path_for, post_routes

from coprod_portal.testing import csrf_token, login

MARK = "fz7"  # every script the fuzz stores carries this, so an unescaped one is found on any page
HOSTILE = [
    f"<script>alert('{MARK}')</script>", f'"><img src=x onerror=alert("{MARK}")>',
    f"'; DROP TABLE core_user; -- {MARK}", f"=HYPERLINK(\"http://evil.example\",\"{MARK}\")",
    f"+cmd|' /C calc'!A0 {MARK}", f"-2+3 {MARK}", f"@SUM(1+1) {MARK}", f"\t=1+1 {MARK}",
    f"\r=1+1 {MARK}", f"nul\x00byte {MARK}", f"\u202eevil\u202c {MARK}", "Zoë Ñandú 東京 🙂",
    "%s %d {0} ${x} {{7*7}}", "-1", "0", "99999999999999999999999", "1e309", "NaN", "-0.000001",
    "2026-13-45", "31/02/2026", "0000-00-00", "", " ", "x" * 5000,
]
UNSAFE = [f"<script>alert('{MARK}')", f'<img src=x onerror=alert("{MARK}")', f"<script>alert(&#39;{MARK}"]
SQL_ERRORS = ("OperationalError", "IntegrityError", "ProgrammingError", "sqlite3.", "psycopg",
              "DataError", "Traceback")
FUZZ = settings(max_examples=6, deadline=None, derandomize=True, database=None,
                phases=[Phase.explicit, Phase.generate],  # no shrinking: the failing values are printed
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

hostile_text = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40).map(lambda t: f"{t}{MARK}"))
NOT_FUZZED = {"auth.login", "auth.logout", "auth.change_password", "auth.reset_password",  # test_auth.py
              "sign_in_links.request_link", "sign_in_links.open_link",  # test_sign_in_links.py
              "plugin_training.lti_launch", "plugin_training.lti_login",  # fuzzed on their own below
              "subjects.erase", "admin.set_active"}  # would erase or lock out the people doing the fuzzing


def form_fields(html, path):
    """name -> (kind, [allowed values]) for the form that posts to ``path``."""
    fields: dict[str, tuple[str, list[str]]] = {}
    for form in re.findall(r"<form\b(.*?)</form>", html, flags=re.S):
        action = re.search(r'action="([^"]*)"', form)
        if action and action.group(1) not in ("", path):
            continue
        for tag, name in re.findall(r'(<(?:input|textarea|select)\b[^>]*\bname="([^"]+)"[^>]*>)', form):
            if name == "csrf_token":
                continue
            typed = re.search(r'type="(\w+)"', tag)
            kind = "select" if tag.startswith("<select") else (typed.group(1) if typed else "text")
            value = re.search(r'value="([^"]*)"', tag)
            count_kind, values = fields.get(name, (kind, []))
            values.append(value.group(1) if value else "")
            fields[name] = (count_kind, values)
        selects = re.findall(r'<select\b[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, flags=re.S)
        for name, options in selects:
            fields[name] = ("select", re.findall(r'value="([^"]*)"', options))
        break
    return fields


def draw_form(data, fields):
    """Values for each field: mostly hostile, sometimes a valid choice so deeper code is reached."""
    out: dict[str, object] = {}
    for name, (kind, values) in fields.items():
        if kind in ("radio", "checkbox", "select", "hidden", "submit"):
            out[name] = data.draw(st.one_of(st.sampled_from(values or [""]), hostile_text))
        elif kind == "file":
            continue
        elif len(values) > 1:  # a date typed in boxes, or a repeated field
            out[name] = [data.draw(hostile_text) for _ in values]
        else:
            out[name] = data.draw(hostile_text)
    return out


@pytest.fixture
def fuzz_world(make_app):
    app = make_app()
    world = others_records.seed(app)
    forms = []
    insiders: dict = {"admin@example.org": login(app.test_client(), "admin@example.org")}
    insiders["admin@example.org"].post("/lived_experience/take-part", data={  # to reach its forms
        "understood": "y", "csrf_token": csrf_token(insiders["admin@example.org"], "/lived_experience/")})
    for rule, view in post_routes(app):
        if rule.endpoint in NOT_FUZZED or "GET" not in rule.methods:
            continue
        if not any(may_post(app, email, rule, view) for email in DEMO):
            continue
        path = path_for(rule, world.ids)
        client = _insider(app, rule, insiders)
        fields = form_fields(client.get(path).get_data(as_text=True), path)
        if fields:
            forms.append((rule.endpoint, path, client, fields))
    return app, world, forms


def assert_handled(response, where):
    text = response.get_data(as_text=True)
    assert response.status_code < 500, where
    assert not any(error in text for error in SQL_ERRORS), where
    assert not any(unsafe in text for unsafe in UNSAFE), where


def test_every_form_survives_hostile_input_and_never_echoes_a_script(fuzz_world):
    app, world, forms = fuzz_world
    assert len(forms) >= 30, [endpoint for endpoint, *_ in forms]
    tokens = {id(client): csrf_token(client, "/account/password") for _, _, client, _ in forms}

    @FUZZ
    @given(st.data())
    def post_everywhere(data):
        for endpoint, path, client, fields in forms:
            values = draw_form(data, fields)
            response = client.post(path, data={**values, "csrf_token": tokens[id(client)]})
            assert_handled(response, (endpoint, values))

    post_everywhere()
    for email in ("lead@example.org", "admin@example.org", "staff@example.org", "member@example.org"):
        assert_stored_values_are_escaped_everywhere(app, world, email)


def assert_stored_values_are_escaped_everywhere(app, world, email):
    """Walk every page as ``email``: whatever the fuzz stored is shown only escaped."""
    client = login(app.test_client(), email)
    for rule, _ in route_access.get_pages(app):
        if "filename" in rule.arguments:
            continue
        response = client.get(path_for(rule, world.ids))
        assert_handled(response, (email, rule.rule, response.status_code))
        if response.mimetype == "text/csv":
            assert_no_formula_cells(response.get_data(as_text=True), rule.rule)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def assert_no_formula_cells(text, where):
    for row in csv.reader(io.StringIO(text)):
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS), (where, cell)


QUERY_PAGES = ["/search", "/audit/", "/projects/", "/inbox", "/network/", "/checklists/", "/network/reports",
               "/checklists/ideas", "/lived_experience/shared", "/training/", "/practice/"]


@FUZZ
@given(st.data())
def test_query_strings_with_hostile_values_are_answered_politely(world_app_for_queries, data):
    client = world_app_for_queries
    for path in QUERY_PAGES:
        query = {name: data.draw(hostile_text) for name in ("q", "page", "from", "to", "actor", "subject",
                                                            "status", "stage", "year", "sort")}
        assert_handled(client.get(path, query_string=query), (path, query))


@pytest.fixture
def world_app_for_queries(make_app):
    return login(make_app().test_client(), "lead@example.org")


@FUZZ
@given(iss=hostile_text, hint=hostile_text, target=hostile_text, state=hostile_text, token=hostile_text)
def test_lti_endpoints_refuse_hostile_requests_with_a_4xx(lti_client, iss, hint, target, state, token):
    login_page = lti_client.get("/training/lti/login", query_string={
        "iss": iss, "login_hint": hint, "target_link_uri": target, "client_id": hint})
    assert_handled(login_page, ("login", iss))
    assert 300 <= login_page.status_code < 500
    launch = lti_client.post("/training/lti/launch", data={"state": state, "id_token": token})
    assert_handled(launch, ("launch", state, token))
    assert 400 <= launch.status_code < 500


@pytest.fixture
def lti_client(make_app):
    return make_app().test_client()


def test_every_post_route_is_fuzzed_or_says_why_not(fuzz_world):
    app, _, forms = fuzz_world
    fuzzed = {endpoint for endpoint, *_ in forms}
    buttons = {rule.endpoint for rule, _ in post_routes(app) if "GET" not in rule.methods}
    unreachable = {e for e, who in POST_WHO.items() if who is not None and not who}
    assert set(POST_WHO) - fuzzed - buttons - NOT_FUZZED - unreachable <= {
        "plugin_training.lesson",  # a "mark as done" button: no fields to fill
        "plugin_training.review",  # the seeded version is published already: nothing to review
        "plugin_training.edit_platform",  # no LMS in the world; the same form is fuzzed at .platforms
        "plugin_lived_experience.named_use",  # only for contributions shared for public use
        "plugin_network.link_account",  # the world's account is no member's (404): see test_unlinked_account
        "plugin_practice.review",  # the world's example is a draft, not waiting: see tests/practice
    }


@FUZZ
@given(prefix=st.sampled_from(FORMULA_STARTS), rest=st.text(max_size=30))
def test_a_csv_cell_never_starts_a_formula(prefix, rest):
    from plugins.network.reports import safe_cell

    assert not safe_cell(prefix + rest).startswith(FORMULA_STARTS)
    assert safe_cell(42) == 42 and safe_cell("Carers") == "Carers"


def test_every_csv_export_is_found_and_has_no_formula_cells(app):
    """Walk every page as the people who can export: each CSV found is checked cell by cell. A new
    export must be added here after checking it writes its cells through a formula-safe helper."""
    exports = set()
    for email in ("lead@example.org", "admin@example.org"):
        client = login(app.test_client(), email)
        for rule, _ in route_access.get_pages(app):
            if "filename" in rule.arguments:
                continue
            response = client.get(rule.build({arg: 2026 for arg in rule.arguments}, append_unknown=False)[1])
            if response.mimetype == "text/csv":
                exports.add(rule.endpoint)
                assert response.headers["Content-Disposition"].startswith("attachment")
                assert_no_formula_cells(response.get_data(as_text=True), rule.rule)
    assert exports == {"plugin_network.report_csv"}
