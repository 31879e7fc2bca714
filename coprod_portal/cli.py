"""``flask --app wsgi …``: db upgrade, create-user, plugins list|check, seed-demo, backup, restore,
files migrate-to-storage."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from . import accounts, db
from .config import ConfigError

db_cli = AppGroup("db", help="Database migrations.")
plugins_cli = AppGroup("plugins", help="Installed plugins.")
subject_cli = AppGroup("subject", help="Subject access requests and erasure.")
files_cli = AppGroup("files", help="Uploaded files and where they are stored.")


def _fail(message: str) -> None:
    click.secho(message, fg="red", err=True)
    sys.exit(1)


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Apply the core's and every enabled plugin's pending migrations."""
    try:
        db.check_connection(current_app)
        applied = db.upgrade(current_app)
    except ConfigError as exc:
        _fail(str(exc))
    for line in applied:
        click.echo(f"applied {line}")
    click.echo("The database is up to date." if applied else "Nothing to apply: already up to date.")


@click.command("create-user")
@with_appcontext
@click.argument("email")
@click.option("--name", default="", help="Display name (default: the part before @).")
@click.option("--role", "roles", multiple=True, required=True, help="A role; repeat for more.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user(email: str, name: str, roles: tuple[str, ...], password_stdin: bool) -> None:
    """Create a staff account, e.g. create-user a@example.org --role admin --password-stdin."""
    known = current_app.extensions["coprod_roles"]
    unknown = [role for role in roles if role not in known]
    if unknown:
        _fail(f"Unknown role {', '.join(unknown)}. Roles are: {', '.join(sorted(known))}.")
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    if password is not None and (problem := accounts.password_problem(password, email)):
        _fail(problem)
    session = db.Session(current_app.extensions["coprod_engine"])
    with session:
        if accounts.user_by_email(session, email):
            _fail(f"An account for {email} already exists.")
        accounts.create_user(session, email, name or email.split("@")[0], list(roles), password)
        session.commit()
    click.echo(f"Created {email} with roles {', '.join(roles)}.")


@plugins_cli.command("list")
def plugins_list() -> None:
    """Print every plugin: name, version, source, status, hooks and errors."""
    host = current_app.extensions["coprod_plugins"]
    click.echo(f"{'name':<20} {'version':<10} {'source':<10} {'status':<20} hooks")
    for info in sorted(host.plugins.values(), key=lambda i: i.name):
        click.echo(f"{info.name:<20} {info.version:<10} {info.source:<10} {info.status:<20} "
                   f"{', '.join(info.hooks)}")
        for error in info.errors:
            click.echo(f"    error: {error}")
        for warning in info.warnings:
            click.echo(f"    warning: {warning}")


@plugins_cli.command("check")
def plugins_check() -> None:
    """Exit non-zero when any plugin failed to load or register (for CI)."""
    failures = current_app.extensions["coprod_plugins"].failures
    for info in failures:
        for error in info.errors:
            click.echo(f"{info.name}: {error}", err=True)
    if failures:
        sys.exit(1)
    click.echo("All enabled plugins loaded.")


@plugins_cli.command("new", with_appcontext=False)
@click.argument("name")
@click.option("--dir", "directory", default=".", show_default=True, type=click.Path(file_okay=False),
              help="The folder to create the plugin's project folder NAME in.")
def plugins_new(name: str, directory: str) -> None:
    """Create a working plugin NAME (a page, a nav item, a permission and a test) to start from."""
    from . import __version__
    from .plugin_template import SkeletonError, create_skeleton

    try:
        written = create_skeleton(name, Path(directory), __version__)
    except SkeletonError as exc:
        _fail(str(exc))
    project = Path(directory) / name
    for path in written:
        click.echo(f"created {path}")
    click.echo(f"\nNext:\n  cd {project} && python -m pytest     # its tests pass already\n"
               f"  pip install -e {project}\n  COPROD_PLUGINS=builtins,{name} flask --app wsgi run\n"
               "The plugin author guide is docs/plugins.md.")


@click.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Add demo users for every role and each plugin's demo data (safe to run again)."""
    from .demo import DEMO_PASSWORD, demo_accounts, seed

    with db.Session(current_app.extensions["coprod_engine"]) as session:
        created = seed(session)
        accounts_list = demo_accounts(session)
    click.echo(f"Demo data ready ({created} new users). Demo sign-ins, all with the password "
               f"{DEMO_PASSWORD}:")
    for email, roles in accounts_list:
        click.echo(f"  {email:<32} {roles}")


@click.command("seed-scale")
@click.option("--factor", type=float, default=1.0, help="1.0 is the full benchmark data set.")
@with_appcontext
def seed_scale(factor: float) -> None:
    """Add the large data set the benchmarks measure (after seed-demo; slow at factor 1.0)."""
    from .demo import seed_scale as build

    with db.Session(current_app.extensions["coprod_engine"]) as session:
        try:
            projects = build(session, factor)
        except RuntimeError as exc:
            _fail(str(exc))
    click.echo(f"Scale data ready: {projects} projects plus every plugin's share (factor {factor}).")


@click.command("backup")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace PATH if it exists.")
def backup_command(path: Path, force: bool) -> None:
    """Copy the database to PATH while the portal runs (SQLite; prints pg_dump use for PostgreSQL)."""
    from .backup import BackupError, backup

    try:
        summary = backup(current_app, path, force)
    except BackupError as exc:
        _fail(str(exc))
    click.echo(f"Backed up to {summary.path}: {summary.sentence}.")
    where = current_app.config.get("FILES_DIR") or "the storage named by COPROD_FILES_STORAGE"
    if current_app.config.get("FILES_STORAGE") == "s3":
        where = f"the bucket {current_app.config['S3_BUCKET']}"
    click.echo(f"Uploaded files ({where}) and the keys in the instance folder "
               "are not in this file: back them up too, separately.")


@click.command("restore")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
def restore_command(path: Path, force: bool) -> None:
    """Restore a backup made by `backup` into this instance's database (a new one, unless --force)."""
    from .backup import BackupError, restore

    try:
        summary, applied = restore(current_app, path, force)
    except BackupError as exc:
        _fail(str(exc))
    click.echo(f"Restored {path} into {summary.path}: {summary.sentence}.")
    for line in applied:
        click.echo(f"applied {line}")


@subject_cli.command("export")
@click.argument("email")
@click.option("--format", "kind", type=click.Choice(["json", "html"]), default="json")
@click.option("--output", type=click.Path(dir_okay=False, writable=True),
              help="File to write (default: print).")
def subject_export(email: str, kind: str, output: str | None) -> None:
    """Everything the portal holds about the person with EMAIL, as JSON or a readable page."""
    from . import audit, subjects

    with db.Session(current_app.extensions["coprod_engine"]) as session:
        person = subjects.find_person(session, email)
        sections = subjects.gather(session, person)
        if not sections:
            _fail(f"The portal holds nothing about {person.email}. Check the spelling, and try any "
                  "other email address the person uses.")
        body = subjects.as_json(person, sections) if kind == "json" else subjects.as_html(person, sections)
        audit.record(session, None, "exported personal data (command line)", "user" if person.user_id
                     else "", person.user_id or "", person.display_name, reason="subject access request")
        session.commit()
    if output:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(body)
        click.echo(f"Wrote {sum(len(s.records) for s in sections)} records in {len(sections)} sections "
                   f"to {output}.")
    else:
        click.echo(body)


@subject_cli.command("erase")
@click.argument("email")
@click.option("--reason", required=True, help="Why, for example the date of the person's request.")
@click.option("--yes", is_flag=True, help="Confirm: erasure cannot be undone.")
def subject_erase(email: str, reason: str, yes: bool) -> None:
    """Erase or anonymise what each plugin may, and report what is kept and why."""
    from . import subjects

    if not yes:
        _fail("Erasure cannot be undone. Run again with --yes once you have checked the request.")
    # The app context's own session, as a page would use: plugins delete files (files.delete) in
    # it, so the files go in the same transaction as the rest of the erasure.
    session = db.get_session()
    person = subjects.find_person(session, email)
    if not subjects.gather(session, person):
        _fail(f"The portal holds nothing about {person.email}.")
    try:
        reports = subjects.erase(session, person, None, reason)
    except subjects.ErasureFailed as failed:
        _fail(f"Nothing was erased: {', '.join(failed.plugins)} could not erase its records.")
    for report in reports:
        click.echo(f"{report.section}:")
        for what in report.erased:
            click.echo(f"  erased: {what}")
        for what, why in report.kept:
            click.echo(f"  kept:   {what} ({why})")


@files_cli.command("migrate-to-storage")
@click.option("--from", "source", type=click.Path(file_okay=False, path_type=Path),
              help="The local uploads folder (default: COPROD_FILES_DIR, else instance/files).")
def files_migrate(source: Path | None) -> None:
    """Copy uploads from the local folder into the configured storage, verifying each checksum.

    Safe to run again after an interruption: files already there with the same checksum are skipped.
    """
    from . import files

    target = files.storage()
    if isinstance(target, files.LocalStorage):
        _fail("COPROD_FILES_STORAGE is 'local', so uploads are already kept in the local folder and there "
              "is nowhere to move them. Set COPROD_FILES_STORAGE (for example to s3, with the COPROD_S3_* "
              "settings), then run this again.")
    folder = source or Path(current_app.config.get("FILES_DIR") or Path(current_app.instance_path) / "files")
    if not folder.is_dir():
        _fail(f"There is no uploads folder at {folder}. Name it with --from.")
    with db.Session(current_app.extensions["coprod_engine"]) as session:
        try:
            done = files.migrate_to_storage(session, files.LocalStorage(folder), target)
        except files.StorageUnavailable as exc:
            _fail(f"Stopped: {exc}. Nothing copied so far is lost; run the command again to carry on.")
    click.echo(f"Copied {done.copied} file{'s' if done.copied != 1 else ''} from {folder} into the store, "
               f"each checked against its recorded SHA-256; {done.already_there} "
               f"{'was' if done.already_there == 1 else 'were'} there already.")
    for file_id in done.mismatched:
        click.echo(f"  not copied: file {file_id}: the local copy does not match its recorded checksum.")
    for file_id in done.unverified:
        click.echo(f"  check: file {file_id}: the copy in the store reads back with a different checksum.")
    for file_id in done.missing:
        click.echo(f"  missing: file {file_id}: not in {folder}, and not in the store with its checksum.")
    if done.problems:
        plural = done.problems != 1
        _fail(f"{done.problems} file{'s' if plural else ''} need{'' if plural else 's'} a look (listed "
              "above). The local folder was left as it was.")
    click.echo("Every recorded file is in the store. Keep the local folder until you have checked the "
               "portal serves files, then remove it.")


def init_app(app: Flask) -> None:
    for command in (db_cli, plugins_cli, subject_cli, files_cli, create_user, seed_demo, seed_scale,
                    backup_command, restore_command):
        app.cli.add_command(command)
