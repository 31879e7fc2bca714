"""Database: one SQLModel engine per app, one session per request, Alembic migrations.

The core and every plugin keep their own Alembic revisions and their own version table
(``alembic_version_core``, ``alembic_version_<plugin>``), so switching one plugin off
never blocks upgrading the rest.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, g
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlmodel import Session

from . import freshness
from .config import ConfigError
from .types import Migrations

log = logging.getLogger(__name__)
CORE_MIGRATIONS = Migrations("core", Path(__file__).parent / "migrations")


def new_id() -> str:
    """A non-guessable identifier for every record that belongs to a person."""
    return uuid.uuid4().hex


def utcnow() -> datetime:
    """Aware UTC time; SQLModel stores it the same way on SQLite and PostgreSQL."""
    return datetime.now(UTC)


def make_engine(url: str) -> Engine:
    """Create the engine; SQLite gets WAL and foreign keys, a bad URL a clear message."""
    try:
        engine = sa.create_engine(url, pool_pre_ping=not url.startswith("sqlite"))
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise ConfigError(
            f"DATABASE_URL is not a database address the portal understands ({exc}). "
            "Use sqlite:///path/to/portal.db or postgresql+psycopg://user:password@host/dbname."
        ) from exc
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def init_app(app: Flask) -> None:
    """Attach the engine and close each request's session when the request ends."""
    app.extensions["coprod_engine"] = make_engine(app.config["DATABASE_URL"])
    freshness.track_writes(app.extensions["coprod_engine"])
    app.extensions["coprod_db_outage"] = Outage()
    app.teardown_appcontext(_close_session)


def engine() -> Engine:
    return current_app.extensions["coprod_engine"]


def get_session() -> Session:
    """The request's session: created on first use, closed at teardown."""
    if "db_session" not in g:
        g.db_session = Session(engine(), expire_on_commit=False)
    return g.db_session


def lock_for_update(session: Session, model: Any, row_id: str) -> None:
    """Hold a write lock on one record until the transaction ends, so a check followed by a save
    (a cap, a budget) cannot race the same check in another worker and both pass.

    Call it before the check's queries. PostgreSQL locks the row (``SELECT … FOR UPDATE``); the
    queries after it see everything committed while it waited. SQLite allows one writer at a time:
    a no-op ``UPDATE`` takes the write lock now, before the check reads, not at the first ``INSERT``.
    """
    table = model.__table__
    key = table.c.id
    if session.get_bind().dialect.name == "sqlite":
        session.execute(sa.update(table).where(key == row_id).values(id=key))
    else:
        session.execute(sa.select(key).where(key == row_id).with_for_update())


def _close_session(_exc: BaseException | None) -> None:
    """End the request's session. The answer is already made: if the connection died meanwhile
    (the database restarting), closing it must not turn that answer into an error."""
    session = g.pop("db_session", None)
    if session is not None:
        try:
            session.close()
        except UNAVAILABLE as error:
            log.warning("the database connection was lost while the request ended: %s", error)


# Errors that mean "the database cannot answer just now" (stopped, restarting, unreachable, every
# pooled connection busy, SQLite locked past its busy timeout), not "this request is wrong".
UNAVAILABLE = (sa.exc.OperationalError, sa.exc.DisconnectionError, sa.exc.TimeoutError)


class Outage:
    """One worker's view of a database outage, so the log says once when it starts and once when it ends
    (not once per request turned away while it lasts)."""

    def __init__(self) -> None:
        self.since: datetime | None = None
        self.turned_away = 0

    def failed(self, exc: BaseException) -> None:
        if self.since is None:
            self.since = utcnow()
            log.error("the database is unavailable; answering 503 until it is back",
                      exc_info=(type(exc), exc, exc.__traceback__))
        self.turned_away += 1

    def answered(self) -> None:
        if self.since is not None:
            log.warning("the database is answering again after %.1f s (%d requests turned away)",
                        (utcnow() - self.since).total_seconds(), self.turned_away)
            self.since, self.turned_away = None, 0


def outage() -> Outage:
    return current_app.extensions["coprod_db_outage"]


def database_answers() -> bool:
    """True when a trivial query succeeds (for /healthz).

    Straight on the pooled driver connection: the check is that the database answers, and
    SQLAlchemy's statement and result machinery would cost more than the query itself.
    """
    try:
        connection = engine().raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute("SELECT 1")
            cursor.fetchall()
            cursor.close()
        finally:
            connection.close()
    except Exception as exc:  # any failure means "not healthy"; the reason goes to the log, once
        outage().failed(exc)
        return False
    outage().answered()
    return True


def check_connection(app: Flask) -> None:
    """Fail start-up commands early with a message naming DATABASE_URL."""
    try:
        with app.extensions["coprod_engine"].connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:
        raise ConfigError(
            f"The database at DATABASE_URL cannot be reached: {exc.__class__.__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else ''}. Check the address, that the "
            "server runs, and the user's password."
        ) from exc


# --- migrations ------------------------------------------------------------------------------


def migration_sources(app: Flask) -> list[Migrations]:
    """The core's migrations first, then each enabled plugin's, in plugin-name order."""
    host = app.extensions["coprod_plugins"]
    found = [m for _, m in host.call("portal_migrations") if isinstance(m, Migrations)]
    return [CORE_MIGRATIONS, *sorted(found, key=lambda m: m.plugin)]


def upgrade(app: Flask, target: str = "heads") -> list[str]:
    """Apply every pending migration; returns what was applied, for the CLI to print."""
    applied: list[str] = []
    eng = app.extensions["coprod_engine"]
    for source in migration_sources(app):
        applied += _upgrade_one(eng, source, target)
    return applied


def _upgrade_one(eng: Engine, source: Migrations, target: str) -> list[str]:
    # imported here: a web worker never migrates, and Alembic costs about 10 MiB in every process
    from alembic.config import Config as AlembicConfig
    from alembic.runtime.environment import EnvironmentContext
    from alembic.script import ScriptDirectory

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(source.directory))
    script = ScriptDirectory(str(source.directory), version_locations=[str(source.directory)])
    applied: list[str] = []

    def do_upgrade(rev: Any, _context: Any) -> Any:
        return script._upgrade_revs(target, rev)

    def note(ctx: Any, step: Any, heads: Any, run_args: Any) -> None:
        applied.append(f"{source.plugin}: {step.up_revision_id} {step.up_revision.doc or ''}")

    # migrations run before the servers start, and before the table of versions exists: untracked
    untracked = eng.connect().execution_options(**{freshness.UNTRACKED: True})
    with untracked as conn, conn.begin(), EnvironmentContext(cfg, script, fn=do_upgrade) as env:
        env.configure(
            connection=conn,
            version_table=f"alembic_version_{source.plugin}",
            render_as_batch=eng.dialect.name == "sqlite",
            on_version_apply=note,
        )
        env.run_migrations()
    return applied
