"""Test helpers for plugin authors (and the portal's own tests).

Use it as a pytest plugin: put ``pytest_plugins = ["coprod_portal.testing"]`` in your
``conftest.py``. Then:

* ``make_app(plugins=["myplugin"], config={...})`` builds a portal with exactly the plugins
  you name (``"builtins"`` means all built-in ones), on a fresh, fully migrated database:
  SQLite in a temporary folder, or PostgreSQL when ``DATABASE_URL`` is set.
* ``app`` is ``make_app()`` with the built-in plugins; ``client`` and ``runner`` are Flask's.
* ``login(client, "lead@example.org")`` signs a test client in; ``client_as("coproduction_lead")``
  gives a new client signed in as a demo user with that role.
* ``queries_run(app, client, "/page")`` gets the page and returns the SQL statements it ran, for
  tests that a page's queries stay flat as data grows (no N+1) or avoid a table.
* ``charts_on(html)`` reads every chart (the ``chart`` macro) on a page, and
  ``assert_chart_matches_its_table(chart)`` checks that what it draws says what its table says.
* ``pseudo_translated()`` shows every translated text as ⟦text⟧, and ``untranslated_words(html,
  words_in_database(app))`` lists the visible text a page shows that is not marked for translation;
  ``translation_probe()`` records the texts a page looked up that the active language lacks.
* ``wait_until(check, seconds)`` waits for something a worker does in another thread or process;
  ``free_port()`` gives a loopback port for a server a test starts.
* ``DEMO_PASSWORD`` and the demo users (``coprod_portal.demo.DEMO_USERS``) exist in every app.
* Background jobs run as soon as they are queued (``JOBS_IMMEDIATE``), in the test's own
  thread; pass ``config={"JOBS_IMMEDIATE": False}`` to queue them in ``instance/jobs.db`` for
  a real worker (``jobs.consumer(app)``). Delayed jobs and retries never run in immediate mode.
"""

from __future__ import annotations

import gettext as gettext_module
import hashlib
import os
import re
import shutil
import socket
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from . import create_app, db
from .demo import DEMO_PASSWORD, DEMO_USERS, seed

__all__ = ["DEMO_PASSWORD", "build_app", "queries_run", "login", "csrf_token", "role_email", "charts_on",
           "assert_chart_matches_its_table", "free_port", "wait_until", "pseudo_translated",
           "untranslated_words", "words_in_database", "translation_probe"]

_templates: dict[tuple[Any, ...], Path] = {}


def role_email(role: str) -> str:
    """The demo user who holds ``role`` with the fewest other roles (so "staff" is a plain member
    of staff, not the admin who is also staff)."""
    holders = sorted((len(roles), email) for email, _, roles, _ in DEMO_USERS if role in roles)
    if not holders:
        raise KeyError(f"no demo user has the role {role}")
    return holders[0][1]


def build_app(tmp_path: Path, plugins: list[str] | None = None, config: dict[str, Any] | None = None,
              seed_demo: bool = True) -> Flask:
    """A portal on a fresh, migrated database, with demo users (and demo data) in it."""
    settings = {"TESTING": True, "SECRET_KEY": "test-secret", "PLUGINS": plugins or ["builtins"],
                "LOGIN_LIMIT_PER_ADDRESS": 1000, "PASSWORD_HASH_MEMORY_KIB": 1024,
                "JOBS_IMMEDIATE": True, **(config or {})}
    url = os.environ.get("DATABASE_URL")
    settings.setdefault("DATABASE_URL", url if url else f"sqlite:///{tmp_path / 'portal.db'}")
    settings.setdefault("INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app(settings)
    if settings["DATABASE_URL"].startswith("sqlite"):
        _prepare_sqlite(app, settings, seed_demo)
    else:
        _prepare_server_database(app, _template_key(settings, seed_demo), seed_demo)
    return app


def _template_key(settings: dict[str, Any], seed_demo: bool) -> tuple[Any, ...]:
    """Apps with the same plugins (and demo data or not) start from the same database; and the
    same secret key, since seeded data may be encrypted with keys derived from it."""
    return (tuple(settings["PLUGINS"]), str(settings.get("PLUGINS_DIR")), seed_demo,
            str(settings.get("SECRET_KEY")))


def _prepare_sqlite(app: Flask, settings: dict[str, Any], seed_demo: bool) -> None:
    """Migrating is the slow part: do it once per plugin set and copy the file."""
    key = _template_key(settings, seed_demo)
    target = Path(settings["DATABASE_URL"].removeprefix("sqlite:///"))
    if key in _templates and _templates[key].exists():
        app.extensions["coprod_engine"].dispose()
        shutil.copyfile(_templates[key], target)
        return
    _migrate_and_seed(app, seed_demo)
    app.extensions["coprod_engine"].dispose()
    template = target.with_name(f"template-{len(_templates)}.db")
    shutil.copyfile(target, template)
    _templates[key] = template


class _ServerSnapshot:
    """The rows of a freshly migrated and seeded PostgreSQL database, kept in memory.

    Migrating and seeding costs about a second per test on PostgreSQL; emptying the tables and
    putting these rows back costs a small fraction of that. The snapshot is used only while the
    schema is still the one it was taken from (same tables, same migration versions): a test
    that leaves its database migrated elsewhere gets a rebuilt one.
    """

    def __init__(self, key: tuple[Any, ...], engine: sa.Engine) -> None:
        self.key = key
        self.metadata = sa.MetaData()
        self.metadata.reflect(engine)
        with engine.connect() as conn:
            self.rows = {t.name: [dict(r._mapping) for r in conn.execute(t.select())]
                         for t in self.metadata.sorted_tables}
            self.serials = [tuple(r) for r in conn.execute(sa.text(
                "SELECT table_name, column_name FROM information_schema.columns"
                " WHERE table_schema = 'public' AND column_default LIKE 'nextval(%'"))]

    def _versions(self, conn: sa.Connection) -> dict[str, list[Any]]:
        return {name: sorted(conn.execute(sa.text(f'SELECT version_num FROM "{name}"')).scalars())
                for name in self.rows if name.startswith("alembic_version")}

    def matches(self, conn: sa.Connection) -> bool:
        """Whether the database still has the tables and migration versions it was taken of."""
        tables = set(sa.inspect(conn).get_table_names())
        return tables == set(self.rows) and self._versions(conn) == {
            name: sorted(r["version_num"] for r in rows)
            for name, rows in self.rows.items() if name.startswith("alembic_version")}

    def restore(self, engine: sa.Engine) -> bool:
        """Put the snapshot's rows back; False if the schema has changed since it was taken."""
        with engine.begin() as conn:
            if not self.matches(conn):
                return False
            names = ", ".join(f'"{name}"' for name in self.rows)
            conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            for table in self.metadata.sorted_tables:
                if self.rows[table.name]:
                    conn.execute(table.insert(), self.rows[table.name])
            for name, column in self.serials:
                conn.execute(sa.text(
                    f"SELECT setval(pg_get_serial_sequence('\"{name}\"', '{column}'),"
                    f' COALESCE(MAX("{column}"), 1), MAX("{column}") IS NOT NULL) FROM "{name}"'))
        return True


_server_snapshot: list[_ServerSnapshot] = []


def _prepare_server_database(app: Flask, key: tuple[Any, ...], seed_demo: bool) -> None:
    """Start from the snapshot of a migrated, seeded database when one fits; else migrate.

    Tests ask for several plugin sets (keys), and a migration costs seconds on PostgreSQL, so
    each key's schema is kept: switching keys renames the current ``public`` schema aside
    (``ALTER SCHEMA … RENAME``, a catalogue change) and renames the wanted key's back, then puts
    its snapshot's rows back. A key seen for the first time is migrated into a new ``public``.

    A worker's database copied from the run's template (``pytest -n``) already holds what the
    built-in plugins' key needs, as its comment says: the first app only takes the snapshot."""
    engine = app.extensions["coprod_engine"]
    current = _server_snapshot[0] if _server_snapshot else None
    if current is not None and current.key == key and current.restore(engine):
        return
    if current is None:
        built_for = _database_comment(engine)
        if built_for == repr(key):
            _server_snapshot[:] = [_ServerSnapshot(key, engine)]
            return
        if built_for is not None:
            _set_database_comment(engine, None)  # what it says will no longer be true
        _drop_schemas_set_aside_earlier(engine)
    wanted = _set_aside.pop(key, None)
    with engine.begin() as conn:
        if current is not None and current.key != key and current.matches(conn):
            aside = _aside_name(current.key)
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{aside}" CASCADE'))
            conn.execute(sa.text(f'ALTER SCHEMA public RENAME TO "{aside}"'))
            _set_aside[current.key] = current
        else:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        if wanted is not None:
            conn.execute(sa.text(f'ALTER SCHEMA "{_aside_name(key)}" RENAME TO public'))
        else:
            conn.execute(sa.text("CREATE SCHEMA public"))
    if wanted is not None and wanted.restore(engine):
        _server_snapshot[:] = [wanted]
        return
    if wanted is not None:  # set aside, yet no longer what it was: build it again
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
    _migrate_and_seed(app, seed_demo)
    _server_snapshot[:] = [_ServerSnapshot(key, engine)]


_set_aside: dict[tuple[Any, ...], _ServerSnapshot] = {}  # keys whose schema is renamed aside


def _drop_schemas_set_aside_earlier(engine: sa.Engine) -> None:
    """Schemas an earlier test run set aside in this database: nothing knows their rows now."""
    with engine.begin() as conn:
        names: list[str] = list(conn.execute(sa.text(
            "SELECT nspname FROM pg_namespace WHERE left(nspname, 12) = 'coprod_test_'")).scalars())
        for name in names:
            conn.execute(sa.text(f'DROP SCHEMA "{name}" CASCADE'))


def _aside_name(key: tuple[Any, ...]) -> str:
    """The name a key's schema has while another key's is ``public``."""
    return "coprod_test_" + hashlib.sha256(repr(key).encode()).hexdigest()[:16]


def _database_comment(engine: sa.Engine) -> str | None:
    with engine.connect() as conn:
        return conn.execute(sa.text(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database"
            " WHERE datname = current_database()")).scalar()


def _set_database_comment(engine: sa.Engine, comment: str | None) -> None:
    """Say on the database itself which plugins, demo data and key its tables were built for."""
    name = engine.url.database
    with engine.begin() as conn:
        if comment is None:
            conn.execute(sa.text(f'COMMENT ON DATABASE "{name}" IS NULL'))
        else:
            quoted = comment.replace("'", "''")
            conn.execute(sa.text(f"COMMENT ON DATABASE \"{name}\" IS '{quoted}'"))


# --- running on every core (pytest -n, with pytest-xdist) -----------------------------------


def pytest_configure(config: pytest.Config) -> None:
    """Under ``pytest -n N`` each worker gets a PostgreSQL database of its own.

    Tests empty and refill the database they run on, so two workers must never share one. The
    first worker to start migrates and seeds one template database for the run (under an
    advisory lock, so the others wait for it); each worker's database is a copy of it, made with
    ``CREATE DATABASE … TEMPLATE …`` in a fraction of a migration's time. ``DATABASE_URL`` is
    pointed at the worker's database before any test reads it. SQLite needs nothing: every
    test's database is already a file in its own temporary folder."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    url = os.environ.get("DATABASE_URL", "")
    if worker and url.startswith("postgresql"):
        os.environ["DATABASE_URL"] = _database_for_worker(
            url, worker, os.environ.get("PYTEST_XDIST_TESTRUNUID", "run"))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``pytest.mark.xdist_group("name")`` keeps tests on one worker (``--dist loadgroup``).

    pytest-xdist 3.8 names a grouped test ``<id>@<group>`` by writing ``item._nodeid``, which
    pytest 9 no longer reads (a node's id is built from ``item._id``): every group was silently
    spread over all workers, and each worker started its servers and crawls again. This does
    the same through the attribute pytest 9 reads; a test already named by xdist is left as is."""
    if not getattr(config.option, "loadgroup", False):  # set on each worker under --dist loadgroup
        return
    from _pytest.nodeid import NodeId

    for item in items:
        groups = sorted({str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
                         for mark in item.iter_markers("xdist_group")})
        if groups and "@" not in item.nodeid and isinstance(getattr(item, "_id", None), NodeId):
            item._id = NodeId.parse(f"{item.nodeid}@{'_'.join(groups)}")


def _database_for_worker(url: str, worker: str, run: str) -> str:
    """The URL of ``worker``'s own database on the server ``url`` names, copied from the run's
    template (made here if this is the first worker of the run to ask)."""
    address = sa.make_url(url)
    base = address.database or "postgres"
    template, own = f"{base}_template", f"{base}_{worker}"
    key = _template_key({"PLUGINS": ["builtins"], "SECRET_KEY": "test-secret"}, True)
    stamp = f"{run} {key!r}"
    server = sa.create_engine(address.set(database="postgres"), isolation_level="AUTOCOMMIT",
                              poolclass=sa.pool.NullPool)
    try:
        with server.connect() as conn:
            conn.execute(sa.text("SELECT pg_advisory_lock(hashtext(:name))"), {"name": template})
            try:
                found = conn.execute(sa.text(
                    "SELECT shobj_description(oid, 'pg_database') FROM pg_database"
                    " WHERE datname = :name"), {"name": template}).first()
                if found is None or found[0] != stamp:
                    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)'))
                    conn.execute(sa.text(f'CREATE DATABASE "{template}"'))
                    _build_template(str(address.set(database=template).render_as_string(
                        hide_password=False)), key, stamp)
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{own}" WITH (FORCE)'))
                conn.execute(sa.text(f'CREATE DATABASE "{own}" TEMPLATE "{template}"'))
            finally:
                conn.execute(sa.text("SELECT pg_advisory_unlock(hashtext(:name))"), {"name": template})
    finally:
        server.dispose()
    worker_url = address.set(database=own).render_as_string(hide_password=False)
    engine = sa.create_engine(worker_url, poolclass=sa.pool.NullPool)
    try:
        _set_database_comment(engine, repr(key))
    finally:
        engine.dispose()
    return worker_url


def _build_template(url: str, key: tuple[Any, ...], stamp: str) -> None:
    """Migrate and seed the template with the built-in plugins, then let go of every connection
    (a database is copied only while nobody is connected to it)."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        app = build_app(Path(folder), config={"DATABASE_URL": url})
        engine: sa.Engine = app.extensions["coprod_engine"]
        _set_database_comment(engine, stamp)
        engine.dispose()
    _server_snapshot.clear()


def _migrate_and_seed(app: Flask, seed_demo: bool) -> None:
    with app.app_context():
        db.upgrade(app)
        if seed_demo:
            with db.Session(app.extensions["coprod_engine"]) as session:
                seed(session)


def csrf_token(client: FlaskClient, path: str = "/sign-in") -> str:
    """Fetch a page and return the CSRF token in its first form."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    if not match:
        raise AssertionError(f"no CSRF token on {path}")
    return match.group(1)


def queries_run(app: Flask, client: FlaskClient, path: str) -> list[str]:
    """Get ``path`` (it must answer 200) and return the SQL statements it ran, in order."""
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        statements.append(statement)

    engine = app.extensions["coprod_engine"]
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(path)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200, f"{path} answered {response.status_code}"
    return statements


@dataclass
class ChartSeen:
    """A chart as a page shows it: what the drawing says, and what its table says.

    ``drawn`` has one ``(label, figure, bar width or None)`` per bar, in order (a hidden small
    number has no bar); ``table`` one ``(label, figure)`` per row; ``name`` is the drawing's
    accessible name and description, from the ids it points to."""

    key: str
    name: str
    drawn: list[tuple[str, str, float | None]]
    headings: list[str]
    table: list[tuple[str, str]]


def _text(element: ET.Element) -> str:
    return " ".join("".join(element.itertext()).split())


def charts_on(html: str) -> list[ChartSeen]:
    """Every chart drawn by the ``chart`` macro on the page, read back from the HTML."""
    found = []
    for figure in re.findall(r'<figure class="portal-chart".*?</figure>', html, flags=re.S):
        root = ET.fromstring(re.sub(r'\sxmlns="[^"]+"', "", figure))
        svg = root.find(".//svg")
        assert svg is not None and svg.get("role") == "img", "a chart is one image to screen readers"
        by_id = {e.get("id"): _text(e) for e in svg.iter() if e.get("id")}
        name = " ".join(by_id.get(i, "") for i in (svg.get("aria-labelledby") or "").split())
        drawn = []
        for bar in svg.iter("g"):
            texts = {t.get("class"): _text(t) for t in bar.iter("text")}
            rect = bar.find("rect")
            drawn.append((texts["portal-chart__label"], texts["portal-chart__figure"],
                          float(rect.get("width", "0")) if rect is not None else None))
        headings = [_text(t) for t in svg.iter("text") if t.get("class") == "portal-chart__heading"]
        table = [(_text(row.find("th")), _text(row.find("td")))  # type: ignore[arg-type]
                 for row in root.iter("tr") if row.find("td") is not None]
        found.append(ChartSeen(root.get("id", ""), name, drawn, headings, table))
    return found


def assert_chart_matches_its_table(chart: ChartSeen, number: Callable[[str], float | None]) -> None:
    """The drawing says what the table says, and each bar's length is in proportion to its figure.

    ``number`` reads a figure as the table shows it ("£12.50", "40%", "fewer than 5"), giving None
    for a figure that must have no bar."""
    assert chart.name.strip(), f"{chart.key}: the drawing has no accessible name"
    assert len(chart.drawn) == len(chart.table), chart.key
    for (label, figure, _), (row_label, row_figure) in zip(chart.drawn, chart.table, strict=True):
        assert row_label.endswith(label) and figure == row_figure, (chart.key, label, row_label)
    values = [number(figure) for _, figure, _ in chart.drawn]
    scale = chart_scale(chart, max([v for v in values if v is not None] + [0]))
    for (label, _, width), value in zip(chart.drawn, values, strict=True):
        if value is None or value == 0:
            assert not width, (chart.key, label, "a hidden or zero figure draws no bar")
        else:
            assert width is not None and abs(width - value * scale) <= 0.02, (chart.key, label)


def chart_scale(chart: ChartSeen, top: float) -> float:
    """Pixels per unit: the longest bar over the largest figure."""
    widths = [w for _, _, w in chart.drawn if w]
    return max(widths) / top if widths and top else 0.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now, for a server a test starts.

    The operating system picks it, so tests on other workers (``pytest -n``) get other ports."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(check: Callable[[], Any], seconds: float = 30.0) -> bool:
    """Ask ``check`` ten times a second until it answers true (True) or ``seconds`` pass (False):
    for tests that watch a worker in another thread or process."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


def login(client: FlaskClient, email: str, password: str = DEMO_PASSWORD) -> FlaskClient:
    """Sign ``client`` in through the real sign-in form; fails loudly if it does not work."""
    response = client.post("/sign-in", data={
        "email": email, "password": password, "csrf_token": csrf_token(client)})
    assert response.status_code == 302, f"sign-in as {email} failed: {response.status_code}"
    return client


@pytest.fixture
def make_app(tmp_path: Path) -> Callable[..., Flask]:
    """Factory: ``make_app(plugins=[...], config={...})``."""

    def factory(plugins: list[str] | None = None, config: dict[str, Any] | None = None,
                seed_demo: bool = True) -> Flask:
        return build_app(tmp_path, plugins, config, seed_demo)

    return factory


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


@pytest.fixture
def client_as(app: Flask) -> Iterator[Callable[[str], FlaskClient]]:
    """``client_as("hr")``: a fresh client signed in as the demo user with that role."""

    def factory(role_or_email: str) -> FlaskClient:
        email = role_or_email if "@" in role_or_email else role_email(role_or_email)
        return login(app.test_client(), email)

    yield factory


# --- translations ---------------------------------------------------------------------------

PSEUDO_OPEN, PSEUDO_CLOSE = "\u27e6", "\u27e7"  # ⟦ ⟧
_MARKED = re.compile(f"{PSEUDO_OPEN}[^{PSEUDO_OPEN}{PSEUDO_CLOSE}]*{PSEUDO_CLOSE}")
_TECHNICAL = re.compile(r"\S+@\S+|\w+://\S+|(?<!\w)/\S*|\w+(?:[._:]\w+)+\S*")
_WORD = re.compile(r"[^\W\d_]{2,}")
# attributes people see or hear, besides the text
_SPOKEN_ATTRIBUTES = {"alt", "title", "aria-label", "placeholder", "aria-roledescription"}
_SKIPPED_ELEMENTS = {"script", "style", "code", "pre", "kbd", "samp", "template", "textarea"}


class _PseudoTranslations(gettext_module.NullTranslations):
    """Every text marked for translation comes back as ⟦text⟧, whatever the language."""

    def gettext(self, message: str) -> str:
        return f"{PSEUDO_OPEN}{message}{PSEUDO_CLOSE}"

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.gettext(singular if n == 1 else plural)

    def pgettext(self, context: str, message: str) -> str:
        return self.gettext(message)

    def npgettext(self, context: str, singular: str, plural: str, n: int) -> str:
        return self.ngettext(singular, plural, n)

    ugettext, ungettext, upgettext, unpgettext = gettext, ngettext, pgettext, npgettext


@contextmanager
def pseudo_translated() -> Iterator[None]:
    """While inside, every text marked for translation (``_``, ``_l``, ``ngettext``, ``{% trans %}``)
    is shown as ⟦text⟧, so ``untranslated_words`` can find the visible text that is not marked."""
    pseudo = _PseudoTranslations()
    with _catalogue_replaced(lambda real: pseudo):
        yield


@contextmanager
def _catalogue_replaced(replacement: Callable[[Any], Any]) -> Iterator[None]:
    """While inside, every text is looked up in ``replacement(the real catalogue)``: through the
    portal's ``i18n.catalogue`` and through Flask-Babel's own functions alike."""
    import flask_babel

    from . import i18n

    original, original_catalogue = flask_babel.Domain.get_translations, i18n.catalogue
    flask_babel.Domain.get_translations = lambda self: replacement(original(self))  # type: ignore[method-assign]
    i18n.catalogue = lambda: replacement(original(flask_babel.get_domain()))  # type: ignore[assignment]
    try:
        yield
    finally:
        flask_babel.Domain.get_translations = original  # type: ignore[method-assign]
        i18n.catalogue = original_catalogue  # type: ignore[assignment]


class _VisibleText(HTMLParser):
    """The text of a page a person sees or hears, in document order, one piece per line.

    Left out: scripts and styles, code samples and typed values (``code``, ``pre``, ``textarea``…),
    anything marked ``translate="no"`` (names, identifiers, data), and parts in another language
    marked with their own ``lang`` (the link to the Welsh page says "Cymraeg" on an English page)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self._skipping: list[str] = []  # open elements whose text is left out
        self._page_lang = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "html":
            self._page_lang = found.get("lang") or ""
        other_language = "lang" in found and tag != "html" and found["lang"] != self._page_lang
        void = tag in {"input", "img", "br", "hr", "meta", "link", "area", "source", "wbr", "col"}
        if not void and (self._skipping or tag in _SKIPPED_ELEMENTS or found.get("translate") == "no"
                         or other_language):
            self._skipping.append(tag)
            return
        if self._skipping:
            return
        for name in _SPOKEN_ATTRIBUTES:
            if found.get(name):
                self.pieces.append(str(found[name]))
        if tag == "input" and found.get("type") in {"submit", "button"} and found.get("value"):
            self.pieces.append(str(found["value"]))

    def handle_endtag(self, tag: str) -> None:
        if self._skipping and self._skipping[-1] == tag:
            self._skipping.pop()

    def handle_data(self, data: str) -> None:
        if not self._skipping and data.strip():
            self.pieces.append(data)


def untranslated_words(html: str, known_words: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """The pieces of a page's visible text (rendered inside ``pseudo_translated``) holding a word
    that is neither inside a translated text nor one of ``known_words`` (data: names, titles…).

    Web addresses, e-mail addresses and dotted or underscored identifiers are not words."""
    parser = _VisibleText()
    parser.feed(html)
    text = "\n".join(parser.pieces)
    while True:  # a translated text can hold another (a link's text inside a sentence)
        text, found = _MARKED.subn("\n", text)
        if not found:
            break
    known = {word.casefold() for word in known_words}
    problems = []
    for piece in text.splitlines():
        words = _WORD.findall(_TECHNICAL.sub(" ", piece.replace(PSEUDO_OPEN, " ").replace(PSEUDO_CLOSE, " ")))
        if any(word.casefold() not in known for word in words):
            problems.append(" ".join(piece.split()))
    return problems


def words_in_database(app: Flask) -> set[str]:
    """Every word stored in the database's text columns: the data a page may show untranslated."""
    words: set[str] = set()
    engine = app.extensions["coprod_engine"]
    metadata = sa.MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        for table in metadata.tables.values():
            columns = [c for c in table.columns if isinstance(c.type, sa.String | sa.Text)]
            if not columns:
                continue
            for row in connection.execute(sa.select(*columns)):
                for value in row:
                    if isinstance(value, str):
                        words.update(w.casefold() for w in _WORD.findall(value))
    return words


@dataclass
class TranslationsUsed:
    """What a ``translation_probe`` saw: each text looked up, and those with no translation."""

    looked_up: set[str]
    missing: set[str]


@contextmanager
def translation_probe() -> Iterator[TranslationsUsed]:
    """Record every text looked up while inside, and which ones the active language's catalogue
    lacks (English shown instead). Pages rendered in Welsh with it show what still needs a
    translator."""
    seen = TranslationsUsed(set(), set())

    def catalogue_has(translations: Any, key: Any) -> bool:
        return bool(getattr(translations, "_catalog", {}).get(key))

    class Recording:
        def __init__(self, real: Any) -> None:
            self.real = real

        def ugettext(self, message: str) -> str:
            seen.looked_up.add(message)
            if not catalogue_has(self.real, message):
                seen.missing.add(message)
            return str(self.real.ugettext(message))

        def ungettext(self, singular: str, plural: str, n: int) -> str:
            seen.looked_up.add(singular)
            if not catalogue_has(self.real, (singular, 0)):
                seen.missing.add(singular)
            return str(self.real.ungettext(singular, plural, n))

        def upgettext(self, context: str, message: str) -> str:
            return self.ugettext(message) if not context else str(self.real.upgettext(context, message))

        def unpgettext(self, context: str, singular: str, plural: str, n: int) -> str:
            return str(self.real.unpgettext(context, singular, plural, n))

        gettext, ngettext, pgettext, npgettext = ugettext, ungettext, upgettext, unpgettext

    with _catalogue_replaced(Recording):
        yield seen
