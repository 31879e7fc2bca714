"""``flask --app wsgi …`` commands: db upgrade, create-user, plugins list|check, seed-demo."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from . import accounts, db
from .config import ConfigError

db_cli = AppGroup("db", help="Database migrations.")
plugins_cli = AppGroup("plugins", help="Installed plugins.")


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
    if password is not None and (problem := accounts.password_problem(password)):
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


@click.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Add demo users for every role and each plugin's demo data (safe to run again)."""
    from .demo import DEMO_PASSWORD, seed

    with db.Session(current_app.extensions["coprod_engine"]) as session:
        created = seed(session)
    click.echo(f"Demo data ready ({created} new users). Demo password for every account: "
               f"{DEMO_PASSWORD}")


def init_app(app: Flask) -> None:
    for command in (db_cli, plugins_cli, create_user, seed_demo):
        app.cli.add_command(command)
