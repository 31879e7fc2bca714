"""Running and watching background jobs: the admin page /admin/jobs and ``flask jobs run|list``."""

from __future__ import annotations

import logging
import sys
from typing import Any

import click
from flask import Blueprint, Flask, abort, current_app, flash, redirect, render_template, request, url_for
from flask.cli import AppGroup
from flask_login import current_user
from sqlalchemy import case
from sqlmodel import col, select

from . import audit, jobs, mail
from .config import ConfigError
from .db import get_session
from .i18n import _
from .jobs import JobFailure
from .pages import paginate
from .permissions import require

bp = Blueprint("jobs_admin", __name__, url_prefix="/admin/jobs")
jobs_cli = AppGroup("jobs", help="Background jobs: run the worker, list the jobs.")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.cli.add_command(jobs_cli)


# --- the admin page ----------------------------------------------------------------------------


@bp.route("")
@require("admin.jobs")
def index() -> Any:
    session = get_session()
    unresolved_first = case((col(JobFailure.status) == "resolved", 1), else_=0)
    query = select(JobFailure).order_by(unresolved_first, col(JobFailure.last_failed_at).desc())
    page = paginate(session, query, request.args.get("page", 1, type=int), 25)
    service = current_app.extensions["coprod_jobs"]
    return render_template(
        "admin/jobs.html", page=page, declared=jobs.declared(), storage=service.storage,
        immediate=service.immediate, mail_settings=mail.settings(current_app),
        given_up=jobs.given_up_count(session))


@bp.route("/failures/<failure_id>/try-again", methods=["POST"])
@require("admin.jobs")
def try_again(failure_id: str) -> Any:
    session = get_session()
    failure = session.get(JobFailure, failure_id)
    if failure is None:
        abort(404)
    try:
        jobs.try_again(session, failure)
    except ValueError as exc:
        flash(str(exc), "error")
        return redirect(url_for("jobs_admin.index"))
    audit.record(session, current_user, "tried a failed job again", "job", failure.id, failure.job_name)
    session.commit()
    flash(_("“%(job)s” is queued again. If it fails again it will be retried as before.",
            job=failure.job_name), "success")
    return redirect(url_for("jobs_admin.index"))


# --- command line ------------------------------------------------------------------------------


@jobs_cli.command("run")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64),
              help="How many jobs may run at the same time (threads).")
def run_worker(workers: int) -> None:
    """Run the worker: process queued jobs and start periodic ones on schedule (Ctrl-C stops it)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        consumer = jobs.consumer(current_app, workers=workers)
    except ConfigError as exc:
        click.secho(str(exc), fg="red", err=True)
        sys.exit(1)
    service = current_app.extensions["coprod_jobs"]
    click.echo(f"Worker started with {workers} thread(s); queue: {service.storage}. "
               f"{len(service.jobs)} jobs declared, {len(service.periodic)} on a schedule.")
    if mail.settings(current_app) is None:
        click.echo("E-mail is not set up (COPROD_SMTP_HOST is empty): notifications reach the inbox only.")
    consumer.run()


@jobs_cli.command("list")
def list_jobs() -> None:
    """Print every declared job, who declared it, its retries and its schedule."""
    click.echo(f"{'job':<40} {'plugin':<14} {'retries':<8} schedule (UTC)")
    for job in jobs.declared(current_app):
        click.echo(f"{job.name:<40} {job.plugin:<14} {job.retries:<8} {job.cron or '-'}")
        if job.description:
            click.echo(f"    {job.description}")
