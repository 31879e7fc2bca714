"""Answers remembered between requests that are never stale: a version per table, bumped in the
same transaction as every write to it.

A page that shows the same small counts on every visit (the home page's cards, the inbox count
in the navigation) need not count them again while nothing they read has changed. Every
``INSERT``, ``UPDATE`` or ``DELETE`` that goes through the database engine notes its table on
the connection; when that transaction commits, the version row of each table it wrote
(``core_table_version``) is bumped in the same transaction, just before the ``COMMIT``. A write
and its new version therefore become visible together, to every worker and every server.

``remembered(session, key, build)`` reads the versions once per request (one small query), then
answers from this process's memory when the tables the statement reads still have the versions
they had when the answer was computed; otherwise it runs ``build()`` and remembers the row. The
tables are read from the statement itself, so a statement cannot forget one it depends on.

Why this is never stale: the versions are read *before* the statement runs, so a remembered
answer is at least as new as the versions it is filed under. Any write committed before a
request starts has bumped a version that request then reads, so the request counts again.

Only data is remembered, never text: callers build their sentences (in the person's language)
from the numbers on every request. Keys must name everything the statement depends on besides
the tables it reads (the person, their roles, today's date), and begin with the caller's name.

Not seen: SQL written as text (nothing in the portal writes that way), migrations, and a backup
restored into a new instance: those happen before the servers start, and each worker starts
with an empty memory.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import sqlalchemy as sa
from flask import current_app, g, has_app_context
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.util import find_tables
from sqlmodel import Field, Session, SQLModel

WRITTEN = "coprod_tables_written"  # on a connection: the tables its open transaction wrote
UNTRACKED = "coprod_untracked"  # execution option: do not bump (migrations run before the table exists)
VERSIONS = "coprod_table_versions"  # on flask.g: the versions read for this request
MEMORY = "coprod_remembered"  # in app.extensions: key -> (tables, versions, row)
MEMORY_SIZE = 4096  # answers kept per process; past that the memory starts again empty


class TableVersion(SQLModel, table=True):
    """How many committed transactions have written to a table (no row: none yet)."""

    __tablename__ = "core_table_version"
    name: str = Field(primary_key=True, max_length=100)
    version: int = 0


VERSION_TABLE: sa.Table = TableVersion.__table__  # type: ignore[attr-defined]
READ_VERSIONS = f"SELECT name, version FROM {VERSION_TABLE.name}"
BUMP_VERSION = (f"INSERT INTO {VERSION_TABLE.name} (name, version) VALUES ({{marker}}, 1) "
                f"ON CONFLICT (name) DO UPDATE SET version = {VERSION_TABLE.name}.version + 1")


def track_writes(engine: Engine) -> None:
    """Bump the version of every table a transaction writes, in that transaction (the app's engine)."""
    sa.event.listen(engine, "after_execute", _note_write)
    sa.event.listen(engine, "commit", _bump_versions)
    sa.event.listen(engine, "rollback", _forget_writes)


def _note_write(conn: Connection, statement: Any, *_args: Any) -> None:
    if not isinstance(statement, UpdateBase):
        return
    name = getattr(statement.table, "name", None)
    if name and name != VERSION_TABLE.name:
        conn.info.setdefault(WRITTEN, set()).add(name)
        _forget_request_versions()


def _bump_versions(conn: Connection) -> None:
    """Just before COMMIT: every table written is bumped, in name order (so two transactions
    writing the same tables lock their version rows in the same order). The statement is plain
    SQL that SQLite and PostgreSQL both read, sent to the driver as it is: it runs on every
    committing request, and building it through SQLAlchemy cost a third of a small commit."""
    written = sorted(conn.info.pop(WRITTEN, ()))
    if not written or conn.get_execution_options().get(UNTRACKED):
        return
    marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    conn.exec_driver_sql(BUMP_VERSION.format(marker=marker), [(name,) for name in written])
    _forget_request_versions()


def _forget_writes(conn: Connection) -> None:
    """On rollback. A connection the database dropped (a restart) has nothing left to forget, and
    asking it would fail the request's teardown with a 500 instead of the polite 503; at worst a
    stale note costs one extra bump later, never a stale answer."""
    if conn.invalidated or conn.closed:
        return
    conn.info.pop(WRITTEN, None)


def _forget_request_versions() -> None:
    """After this request writes, its own next reads must not use versions read before."""
    if has_app_context():
        g.pop(VERSIONS, None)


def versions(session: Session) -> dict[str, int]:
    """Every table's version, read once per request (again after the request writes)."""
    found: dict[str, int] | None = g.get(VERSIONS)
    if found is None:
        # plain SQL on the request's connection: this runs on every signed-in page
        rows = session.connection().exec_driver_sql(READ_VERSIONS).all()
        found = g.setdefault(VERSIONS, {name: version for name, version in rows})
    return found


def remembered(session: Session, key: tuple[Hashable, ...], build: Callable[[], Any]) -> tuple[Any, ...]:
    """The one row ``build()``'s statement selects, as a tuple, remembered in this process until a
    table it reads is written (by any worker). ``key`` names the statement and everything it
    depends on besides those tables: ``("myplugin.waiting", user.id, today)``.

    While the request's own transaction has written (or holds changes not yet flushed) and not
    committed, the statement runs every time: the answer must include the request's own changes.
    """
    return _remember(session, key, build, lambda result: tuple(result.one()))  # type: ignore[no-any-return]


def remembered_rows(session: Session, key: tuple[Hashable, ...], build: Callable[[], Any]) -> list[Any]:
    """Every row ``build()``'s statement selects, kept like :func:`remembered`. Select columns,
    not whole records: the rows are kept between requests, so they must not be ORM objects."""
    return list(_remember(session, key, build, lambda result: tuple(result.all())))


def remembered_record(session: Session, key: tuple[Hashable, ...], build: Callable[[], Any],
                      also: tuple[str, ...] = ()) -> Any:
    """The one ORM record (or None) ``build()``'s statement loads, kept detached like
    :func:`remembered`; each request gets its own copy, put into its session without a query
    (``Session.merge(load=False)``), so it may change and save it as if it had loaded it.

    Tables that only a loader option reaches (``joinedload``) are not in the statement: name
    them in ``also``. Only the core uses this, for the signed-in account (staff or learner) on every
    request.
    """
    def detached(result: Any) -> Any:
        record = result.unique().scalar_one_or_none()
        if record is not None:
            session.expunge(record)
        return record

    record = _remember(session, key, build, detached, also)
    return None if record is None else session.merge(record, load=False)


def statement_key(statement: Any) -> tuple[Hashable, ...] | None:
    """A key naming ``statement`` and its values, for a caller that remembers an answer for any
    statement it is given (``pages.paginate``'s count), or None when the statement cannot be named.

    SQLAlchemy names each statement's shape for its own cache of compiled SQL (``CacheKey``);
    with the values bound into it, that names the question exactly."""
    found = statement._generate_cache_key()
    if found is None:
        return None
    values: list[Hashable] = []
    for bind in found.bindparams:
        value = bind.effective_value
        value = tuple(value) if isinstance(value, list) else value
        try:
            hash(value)
        except TypeError:
            return None
        values.append(value)
    return (found.key, tuple(values))


def _remember(session: Session, key: tuple[Hashable, ...], build: Callable[[], Any],
              fetch: Callable[[Any], Any], also: tuple[str, ...] = ()) -> Any:
    if session.new or session.dirty or session.deleted or (
            session.in_transaction() and session.connection().info.get(WRITTEN)):
        return fetch(session.execute(build()))
    memory: dict[tuple[Hashable, ...], tuple[tuple[str, ...], tuple[int, ...], Any]] = (
        current_app.extensions.setdefault(MEMORY, {}))
    now = versions(session)
    kept = memory.get(key)
    if kept is not None and kept[1] == tuple(now.get(name, 0) for name in kept[0]):
        return kept[2]
    statement = build()
    read = {t.name for t in find_tables(statement, include_joins=True, include_aliases=True)
            if isinstance(t, sa.Table)}
    tables = tuple(sorted(read | set(also)))
    before = tuple(now.get(name, 0) for name in tables)
    answer = fetch(session.execute(statement))
    if len(memory) >= MEMORY_SIZE:
        memory.clear()
    memory[key] = (tables, before, answer)
    return answer
