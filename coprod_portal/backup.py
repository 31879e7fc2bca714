"""Backups of the portal's database, taken while the portal runs, and restoring one into a new instance.

SQLite: SQLite's online backup API copies the database as of one moment (one read transaction,
so a save half-way through is either in the copy whole or not at all) while the web workers go
on reading and writing. The copy is written to a temporary file beside the target, checked, and
only then renamed into place, so a backup file either is complete or does not exist.

PostgreSQL: ``pg_dump`` is the right tool (consistent, compressed, restorable table by table), and
its version must match the server's, so the portal does not run it for you: ``backup`` prints the
commands for this database instead (without the password, which ``pg_dump`` reads from
``PGPASSWORD`` or ``~/.pgpass``, never from the command line where other users can see it).
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from flask import Flask
from sqlalchemy.engine import URL

from . import db

SQLITE_HEADER = b"SQLite format 3\x00"
VERSION_TABLE_PREFIX = "alembic_version_"


class BackupError(Exception):
    """A backup or restore that was refused or failed; the message says what to do."""


@dataclass(frozen=True)
class Summary:
    """What a backup or restore copied: tables, rows and each migration history's version."""

    path: Path
    tables: int
    rows: int
    versions: dict[str, str]

    @property
    def sentence(self) -> str:
        size = self.path.stat().st_size if self.path.exists() else 0
        return (f"{self.tables} tables, {self.rows} rows, {size / 1_048_576:.1f} MiB; migrations "
                + ", ".join(f"{name} {rev}" for name, rev in sorted(self.versions.items())))


def sqlite_path(app: Flask) -> Path | None:
    """The SQLite file behind the app's engine, or None when the database is a server."""
    url = app.extensions["coprod_engine"].url
    return Path(url.database) if url.get_backend_name() == "sqlite" and url.database else None


def backup(app: Flask, target: Path, force: bool = False) -> Summary:
    """Copy the running SQLite database to ``target`` (temp file, check, atomic rename)."""
    source = sqlite_path(app)
    if source is None:
        raise BackupError(pg_dump_instructions(app.extensions["coprod_engine"].url, target))
    target = target.resolve()
    if target == source.resolve():
        raise BackupError("The backup cannot be the live database itself. Choose another file.")
    if target.exists() and not force:
        raise BackupError(f"{target} already exists. Choose a new file name, or add --force to replace it.")
    if not target.parent.is_dir():
        raise BackupError(f"The folder {target.parent} does not exist. Create it first.")
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        _copy(source, partial)
        summary = describe(partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    _sync_folder(target.parent)
    return Summary(target, summary.tables, summary.rows, summary.versions)


def _copy(source: Path, partial: Path) -> None:
    """One consistent snapshot, made self-contained (no -wal file) and checked before it is kept."""
    with closing(sqlite3.connect(source)) as live, closing(sqlite3.connect(partial)) as copy:
        live.execute("PRAGMA busy_timeout=5000")
        live.backup(copy)  # all pages in one step: one read transaction, one moment
        copy.execute("PRAGMA journal_mode=DELETE")
        problem = copy.execute("PRAGMA quick_check").fetchone()[0]
        if problem != "ok":
            raise BackupError(f"The copy failed its integrity check ({problem}); nothing was kept.")
        copy.commit()
    with open(partial, "rb") as handle:
        os.fsync(handle.fileno())


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def describe(path: Path) -> Summary:
    """Tables, rows and migration versions of a portal database file; refuses anything else."""
    with open(path, "rb") as handle:
        if handle.read(16) != SQLITE_HEADER:
            raise BackupError(f"{path} is not a SQLite database, so it is not a portal backup.")
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            tables = [name for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
            versions = {
                name.removeprefix(VERSION_TABLE_PREFIX): row[0]
                for name in tables if name.startswith(VERSION_TABLE_PREFIX)
                for row in conn.execute(f'SELECT version_num FROM "{name}"')
            }
            rows = sum(conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in tables)
    except sqlite3.Error as exc:
        raise BackupError(f"{path} cannot be read as a portal backup ({exc}). Make backups with "
                          "`flask --app wsgi backup`, not by copying the database file.") from exc
    if "core" not in versions:
        raise BackupError(f"{path} is a SQLite database but not the portal's (it has no core migration "
                          "history). Nothing was restored.")
    return Summary(path, len(tables), rows, versions)


def restore(app: Flask, source: Path, force: bool = False) -> tuple[Summary, list[str]]:
    """Copy a backup over this instance's SQLite database, then apply any newer migrations.

    Refuses a file that is not a portal backup, a backup made by a newer portal (a migration
    this installation does not know), and a target that already holds data (unless ``force``).
    """
    target = sqlite_path(app)
    if target is None:
        raise BackupError(pg_restore_instructions(app.extensions["coprod_engine"].url, source))
    if not source.is_file():
        raise BackupError(f"There is no backup file at {source}.")
    summary = describe(source)
    _check_versions(app, summary.versions)
    if not force and (accounts := accounts_in(target)):
        raise BackupError(f"The database {target} is in use: it holds {accounts} accounts. Restore into "
                          "a new instance, or add --force to replace everything in it.")
    app.extensions["coprod_engine"].dispose()
    with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as backup_file, \
            closing(sqlite3.connect(target)) as live:
        live.execute("PRAGMA busy_timeout=5000")
        backup_file.backup(live)
        live.execute("PRAGMA journal_mode=WAL")
    applied = db.upgrade(app)
    return Summary(target, summary.tables, summary.rows, summary.versions), applied


def accounts_in(path: Path) -> int:
    """Accounts in a database (0 for a new or freshly migrated one, whose only rows are reference data)."""
    if not path.exists() or path.stat().st_size == 0:
        return 0
    with closing(sqlite3.connect(path)) as conn:  # the live database (WAL): not read-only
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'core_user'").fetchone():
            return 0
        return int(conn.execute("SELECT count(*) FROM core_user").fetchone()[0])


def _check_versions(app: Flask, versions: dict[str, str]) -> None:
    """Every migration the backup has applied must be one this installation knows."""
    sources = {source.plugin: source for source in db.migration_sources(app)}
    for name, revision in sorted(versions.items()):
        if name not in sources:
            continue  # a plugin that is off here: its tables come along, untouched
        folder = str(sources[name].directory)
        script = ScriptDirectory(folder, version_locations=[folder])
        try:
            known = script.get_revision(revision) is not None
        except CommandError:
            known = False
        if not known:
            raise BackupError(
                f"The backup was made by a newer version of the portal ({name} migration {revision} is "
                "unknown here). Install that version or newer, then restore. Nothing was changed.")


def _server_parts(url: URL) -> str:
    parts = [f"--host={url.host or 'localhost'}", f"--port={url.port or 5432}"]
    if url.username:
        parts.append(f"--username={url.username}")
    return " ".join([*parts, f"--dbname={url.database or ''}"])


def pg_dump_instructions(url: URL, target: Path) -> str:
    """What to run instead on PostgreSQL (the password stays out of the command line)."""
    return (
        "The database is PostgreSQL: back it up with pg_dump (the client of the same major version "
        "as the server), while the portal runs:\n\n"
        f"  pg_dump --format=custom --no-owner {_server_parts(url)} --file={target}\n\n"
        "pg_dump takes the password from PGPASSWORD or ~/.pgpass. Restore into a new, empty "
        "database with:\n\n"
        f"  pg_restore --no-owner --exit-on-error {_server_parts(url)} {target}\n\n"
        "Nothing was backed up by this command.")


def pg_restore_instructions(url: URL, source: Path) -> str:
    return (
        "The database is PostgreSQL: restore a pg_dump backup into a new, empty database with:\n\n"
        f"  pg_restore --no-owner --exit-on-error {_server_parts(url)} {source}\n\n"
        "then run `flask --app wsgi db upgrade`. Nothing was restored by this command.")
