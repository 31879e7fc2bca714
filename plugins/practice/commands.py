"""``flask --app wsgi practice import DIR`` and ``export DIR``: practice examples as Markdown files."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlmodel import select

from coprod_portal import accounts
from coprod_portal.db import get_session
from coprod_portal.projects import stages

from . import access, markdown
from .models import PracticeExample

FOLDER = click.Path(file_okay=False, path_type=Path)


@click.group("practice", help="Practice examples: import and export as Markdown files.")
def cli() -> None:
    pass


@cli.command("import", help="Load every .md file in DIR as a draft example written by --author.")
@click.argument("folder", metavar="DIR", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--author", required=True, help="E-mail address of the account that will send them for review.")
@with_appcontext
def import_folder(folder: Path, author: str) -> None:
    session = get_session()
    writer = accounts.user_by_email(session, author)
    if writer is None or not writer.active:
        raise click.ClickException(f"There is no active account with the e-mail address {author}.")
    parsed = markdown.read_folder(folder, stages())
    if not parsed:
        raise click.ClickException(f"There are no .md files in {folder}.")
    problems = [f"{p.name}: {problem}" for p in parsed for problem in p.problems]
    if problems:
        raise click.ClickException("Nothing was imported. Correct these files and run it again:\n  "
                                   + "\n  ".join(problems))
    added = 0
    for found in parsed:
        same_title = select(PracticeExample.id).where(PracticeExample.title == found.values["title"])
        if session.exec(same_title).first():
            click.echo(f"{found.name}: skipped, an example with this title is already here")
            continue
        session.add(PracticeExample(**found.values, author_id=writer.id, status="draft", visibility="staff"))
        added += 1
    session.commit()
    click.echo(f"Imported {added} example(s) as drafts. They are published once the co-production lead "
               "has reviewed them.")


@cli.command("export", help="Write every example published for everyone to DIR, one .md file each.")
@click.argument("folder", metavar="DIR", type=FOLDER)
@with_appcontext
def export_folder(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    examples = access.public_examples(get_session())
    for example in examples:
        (folder / markdown.file_name(example.title, taken)).write_text(markdown.to_markdown(example),
                                                                      encoding="utf-8")
    click.echo(f"Wrote {len(examples)} public example(s) to {folder}.")
