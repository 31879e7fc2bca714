"""Background jobs: work that runs outside the web request, retried until it works.

Plugins declare jobs through ``portal_jobs`` (``types.Job``) and schedules through
``portal_periodic_jobs`` (``types.PeriodicJob``), then queue work with::

    from coprod_portal import jobs

    jobs.enqueue("network.send_reminder", delay_seconds=3600, member_id=member.id)
    jobs.enqueue_after_commit(session, "network.send_reminder", member_id=member.id)

The queue is Huey's: a SQLite file (``instance/jobs.db``) by default, Redis when
``COPROD_JOBS_URL=redis://…`` (install the ``redis`` extra then). ``flask --app wsgi jobs
run`` is the worker; ``make run`` starts one beside the web server. With Redis, every server may
run a worker: they share the queue, the delayed jobs and the retries, and a periodic job runs
once per schedule across all of them (see ``_claim_slot``). With ``JOBS_IMMEDIATE``
(tests) a job runs as soon as it is queued, in the caller's thread, and delayed jobs and
retries wait forever.

Huey binds its tasks when they are defined, but plugins come and go with the allow-list, so
the core registers ONE Huey task (``portal_job``) that looks the job up by name in the app's
registry, built at start-up from the hooks. Each job runs in an app context with a fresh
database session. A job that raises is retried with back-off (the delay doubles each time,
up to an hour); every failure is written to ``core_job_failure`` through Huey's signals, with
the worker (host name and process id) that saw it, and listed for admins on /admin/jobs, where a
job that gave up can be tried again.
"""

# No "from __future__ import annotations": this module defines a SQLModel table.
import json
import logging
import os
import re
import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app
from huey import RedisExpireHuey, SqliteHuey, crontab, signals
from huey.storage import RedisExpireStorage
from huey.utils import normalize_time
from sqlalchemy import func
from sqlmodel import Field, Session, SQLModel, col, select

from .config import ConfigError
from .db import new_id, utcnow
from .i18n import _, _l
from .types import Job, PeriodicJob

log = logging.getLogger(__name__)

GENERIC_TASK = "portal_job"
MAX_RETRY_DELAY_SECONDS = 3600
BACKOFF = 2
RESOLVED_KEPT_DAYS = 30
SLOT_KEPT_SECONDS = 24 * 3600  # how long a claimed schedule slot is remembered
SLOT_FORMAT = "%Y-%m-%dT%H:%M"  # one slot per minute: cron's finest step
REDIS_CONNECT_TIMEOUT_SECONDS = 5
JOB_NAME = re.compile(r"^(?P<plugin>[a-z][a-z0-9_]{0,39})\.[a-z][a-z0-9_]{0,59}$")
_ID_LIKE = re.compile(r"^(?:[0-9a-f]{32}|[0-9a-f-]{36}|\d{1,20})$")  # our ids, uuids, numbers
_AFTER_COMMIT = "coprod_jobs_after_commit"
STATUS_LABELS = {"retrying": _l("Retrying"), "gave_up": _l("Gave up"), "resolved": _l("Resolved")}


class JobFailure(SQLModel, table=True):
    """One queued job that failed at least once: what, when, how often, and where it stands.

    ``arguments`` is a summary safe to show (ids and numbers; other text only as its
    length). ``kwargs_json`` keeps the arguments so an admin can try the job again; it is
    cleared once the job has worked. ``worker`` says which server and process saw the last
    failure, since with Redis every server runs a worker and they all write here.
    """

    __tablename__ = "core_job_failure"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    task_id: str = Field(unique=True, index=True, max_length=64)
    job_name: str = Field(max_length=100, index=True)
    arguments: str = Field(default="", max_length=500)
    kwargs_json: str | None = Field(default=None, sa_type=sa.Text)
    error: str = Field(default="", max_length=1000)
    worker: str = Field(default="", max_length=200)  # host name and process id of the last failure
    attempts: int = 0
    status: str = Field(default="retrying", max_length=20, index=True)
    first_failed_at: datetime = Field(default_factory=utcnow)
    last_failed_at: datetime = Field(default_factory=utcnow, index=True)
    next_try_at: datetime | None = None
    resolved_at: datetime | None = None

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS.get(self.status, self.status))


@dataclass(frozen=True)
class DeclaredJob:
    """A job in the registry: what a plugin declared, and which plugin declared it."""

    name: str
    plugin: str
    function: Any
    retries: int
    retry_delay_seconds: int
    description: str = ""
    cron: str | None = None


@dataclass
class JobService:
    """Everything the portal knows about jobs, kept in ``app.extensions["coprod_jobs"]``."""

    huey: Any
    storage: str
    jobs: dict[str, DeclaredJob] = field(default_factory=dict)
    task: Any = None

    @property
    def periodic(self) -> list[DeclaredJob]:
        return [job for job in self.jobs.values() if job.cron]

    @property
    def immediate(self) -> bool:
        return bool(self.huey.immediate)


class UnknownJob(RuntimeError):
    """A queued job whose name no enabled plugin declares (any more)."""


# --- public API ------------------------------------------------------------------------------


def enqueue(name: str, *, delay_seconds: int = 0, **kwargs: Any) -> None:
    """Queue the job ``name`` with keyword arguments (JSON values: pass ids, not content).

    It runs in the worker, after ``delay_seconds``. Refuses, with a ``ValueError`` or
    ``TypeError`` naming the problem, a job nobody declared or arguments that are not JSON.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    payload = _checked(app, name, delay_seconds, kwargs)
    _schedule(app, name, payload, delay_seconds)


def enqueue_after_commit(session: Session, name: str, *, delay_seconds: int = 0, **kwargs: Any) -> None:
    """Queue the job once ``session`` commits; nothing is queued if it rolls back.

    Use it when the job reads what you are saving (for example an e-mail about a record you
    have just added). Mistakes (unknown job, arguments that are not JSON) are refused at once.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    payload = _checked(app, name, delay_seconds, kwargs)
    if not session.in_transaction():
        session.begin()  # so that a rollback before any query still drops the job
    session.info.setdefault(_AFTER_COMMIT, []).append((app, name, payload, delay_seconds))


def declared(app: Flask | None = None) -> list[DeclaredJob]:
    """Every job the core and the enabled plugins declared, by name."""
    service = _service(app or current_app)
    return sorted(service.jobs.values(), key=lambda job: job.name)


def given_up_count(session: Session) -> int:
    """How many jobs gave up after all their retries and wait for an admin."""
    query = select(func.count()).select_from(JobFailure).where(JobFailure.status == "gave_up")
    return int(session.exec(query).one())


def try_again(session: Session, failure: JobFailure) -> None:
    """Queue a job that gave up again, with its original arguments and all its retries.

    It keeps its task id, so further failures are added to the same row. Raises ValueError
    with a message for the admin when it cannot be tried again.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if failure.status != "gave_up":
        raise ValueError(_("This job has not given up, so there is nothing to try again: it is "
                           "still retrying by itself.") if failure.status == "retrying" else
                         _("This job has not given up, so there is nothing to try again: it has "
                           "worked since."))
    if failure.job_name not in _service(app).jobs:
        raise ValueError(_("“%(job)s” cannot be tried again: no enabled plugin declares it now. "
                           "Switch its plugin back on first.", job=failure.job_name))
    if failure.kwargs_json is None:
        raise ValueError(_("The arguments of this job were not kept, so it cannot be tried again."))
    failure.status = "retrying"
    failure.next_try_at = utcnow()
    session.add(failure)
    session.commit()
    _schedule(app, failure.job_name, failure.kwargs_json, 0, task_id=failure.task_id)


def purge_resolved_failures() -> None:
    """Periodic job ``core.purge_job_failures``: forget failures resolved over 30 days ago."""
    from .db import get_session

    session = get_session()
    cutoff = utcnow() - timedelta(days=RESOLVED_KEPT_DAYS)
    session.execute(sa.delete(JobFailure).where(
        col(JobFailure.status) == "resolved", col(JobFailure.resolved_at) < cutoff))
    session.commit()


def consumer(app: Flask, workers: int = 2, **options: Any) -> Any:
    """A Huey consumer (worker threads plus the scheduler) for this app's queue."""
    service = _service(app)
    if service.immediate:
        raise ConfigError("COPROD_JOBS_IMMEDIATE is on, so jobs run as soon as they are queued and "
                          "there is nothing for a worker to do. Switch it off to use a worker.")
    options.setdefault("worker_type", "thread")
    return service.huey.create_consumer(workers=workers, **options)


# --- start-up ---------------------------------------------------------------------------------


def init_app(app: Flask) -> None:
    """Read the settings, create the queue, and build the registry from the hooks."""
    app.config.setdefault("JOBS_URL", os.environ.get("COPROD_JOBS_URL", ""))
    app.config.setdefault("JOBS_IMMEDIATE", os.environ.get("COPROD_JOBS_IMMEDIATE", "").strip().lower()
                          in {"1", "true", "yes", "on"})
    huey, storage = _make_huey(app)
    service = JobService(huey, storage)
    app.extensions["coprod_jobs"] = service
    service.task = huey.task(name=GENERIC_TASK, retry_backoff=BACKOFF)(_runner(app))
    _collect(app, service)
    huey.signal(signals.SIGNAL_ERROR)(_failed(app))
    huey.signal(signals.SIGNAL_COMPLETE)(_worked(app))


class _SlottedPeriodic:
    """Periodic tasks that carry their schedule slot: the minute the scheduler read them for.

    Every worker runs Huey's scheduler, so with two servers each periodic task is queued twice
    for the same minute. The slot lets the trigger claim that minute once (``_claim_slot``).
    """

    def read_periodic(self, timestamp: datetime | None) -> list[Any]:
        timestamp = timestamp or self._get_timestamp()  # type: ignore[attr-defined]
        tasks: list[Any] = super().read_periodic(timestamp)  # type: ignore[misc]
        for task in tasks:
            task.kwargs = {"slot": timestamp.strftime(SLOT_FORMAT)}
        return tasks


class PortalRedisHuey(_SlottedPeriodic, RedisExpireHuey):
    """Huey on Redis, one Redis key per stored value, so a claimed slot can expire (SET NX EX)."""


class PortalSqliteHuey(_SlottedPeriodic, SqliteHuey):
    """Huey on a SQLite file, for a single server."""


def _make_huey(app: Flask) -> tuple[Any, str]:
    url = app.config["JOBS_URL"] or ""
    immediate = bool(app.config["JOBS_IMMEDIATE"])
    if url.startswith(("redis://", "rediss://", "unix://")):
        return _redis_huey(url, immediate), f"Redis at {_without_password(url)}"
    if url and not url.startswith("sqlite:///"):
        raise ConfigError(f"COPROD_JOBS_URL is '{_without_password(url)}', which the portal cannot use. "
                          "Leave it empty for a SQLite file in the instance folder, or use "
                          "sqlite:///path/to/jobs.db or redis://host:6379/0.")
    path = Path(url.removeprefix("sqlite:///")) if url else Path(app.instance_path) / "jobs.db"
    huey = PortalSqliteHuey("coprod_portal", filename=str(path), results=False, immediate=immediate)
    return huey, f"SQLite file {path}"


def _redis_huey(url: str, immediate: bool) -> Any:
    """Huey on the Redis at ``url``, refusing to start when that Redis does not answer.

    Failing at start-up, with the setting named, beats a portal that starts and then loses
    every job it queues.
    """
    shown = _without_password(url)
    try:
        import redis
    except ImportError as exc:
        raise ConfigError("COPROD_JOBS_URL points at Redis, but the redis package is not installed. "
                          "Install it with: .venv/bin/pip install -c constraints.txt -e '.[redis]'") from exc
    try:
        pool = redis.ConnectionPool.from_url(url, socket_connect_timeout=REDIS_CONNECT_TIMEOUT_SECONDS)
    except ValueError as exc:
        raise ConfigError(f"COPROD_JOBS_URL is '{shown}', which is not a Redis address the portal can "
                          f"read ({exc}). Write it as redis://host:6379/0.") from exc
    huey = PortalRedisHuey("coprod_portal", connection_pool=pool, results=False, immediate=immediate)
    if immediate:
        return huey  # jobs run in the caller's thread; Redis is not used
    try:
        huey.storage.conn.ping()
    except redis.RedisError as exc:
        raise ConfigError(f"COPROD_JOBS_URL is '{shown}', but no Redis answered there ({exc}). Start "
                          "Redis, or correct COPROD_JOBS_URL, then start the portal again.") from exc
    return huey


def _without_password(url: str) -> str:
    """The URL as shown in messages and on the admin page: any password replaced by ***."""
    return re.sub(r"(//[^:/@]*:)[^@/]*@", r"\1***@", url)


def _collect(app: Flask, service: JobService) -> None:
    """Build the registry from portal_jobs and portal_periodic_jobs, refusing bad declarations."""
    host = app.extensions["coprod_plugins"]
    for hook, kind in (("portal_jobs", Job), ("portal_periodic_jobs", PeriodicJob)):
        for plugin, answer in host.call(hook):
            for job in answer if isinstance(answer, list | tuple) else [answer]:
                problem = _declaration_problem(service, plugin, job, kind)
                cron = getattr(job, "cron", None)
                validate = None
                if problem is None and cron is not None:
                    try:
                        validate = crontab(*_cron_fields(cron), strict=True)
                    except ValueError as exc:
                        problem = (f"The schedule “{cron}” of {job.name} is not a crontab line ({exc}). "
                                   "Write five fields, minute hour day month day-of-week, e.g. "
                                   "“0 3 * * *”.")
                if problem:
                    host.hook_failed(plugin, hook, ValueError(problem + " It was not registered."))
                    continue
                service.jobs[job.name] = DeclaredJob(
                    job.name, plugin, job.function, max(0, int(job.retries)),
                    max(0, int(job.retry_delay_seconds)), job.description, cron)
                if validate is not None:
                    service.huey.periodic_task(validate, name=f"periodic:{job.name}")(
                        _trigger(app, job.name))


def _declaration_problem(service: JobService, plugin: str, job: Any, kind: Any) -> str | None:
    if not isinstance(job, kind):
        return f"It returned a {type(job).__name__} where a coprod_portal.types.{kind.__name__} belongs."
    match = JOB_NAME.match(job.name or "")
    if match is None or match["plugin"] != plugin:
        return (f"The job name “{job.name}” must be “{plugin}.<job>”, in lower-case letters, "
                "digits and _.")
    if job.name in service.jobs:
        return f"A job called {job.name} is already declared."
    if not callable(job.function):
        return f"The function of {job.name} cannot be called."
    return None


def _cron_fields(cron: str) -> list[str]:
    fields = (cron or "").split()
    if len(fields) != 5:
        raise ValueError(f"it has {len(fields)} fields, not 5")
    return fields


# --- running ----------------------------------------------------------------------------------


def _service(app: Any) -> JobService:
    return app.extensions["coprod_jobs"]


def _checked(app: Flask, name: str, delay_seconds: int, kwargs: dict[str, Any]) -> str:
    if name not in _service(app).jobs:
        raise ValueError(f"There is no job called “{name}”. Declare it with the portal_jobs hook, and "
                         "check that its plugin is enabled.")
    if not isinstance(delay_seconds, int) or delay_seconds < 0:
        raise ValueError("delay_seconds must be a whole number of seconds, 0 or more.")
    try:
        return json.dumps(kwargs, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"The arguments of job “{name}” must be JSON values (text, numbers, true/false, "
                        f"None, lists and dicts): {exc}. Pass ids rather than objects.") from exc


def _schedule(app: Flask, name: str, payload: str, delay_seconds: int, task_id: str | None = None) -> None:
    service = _service(app)
    job = service.jobs[name]
    eta = None
    if delay_seconds:
        eta = normalize_time(delay=delay_seconds, utc=service.huey.utc)
    task = service.task.task_class(
        (name, payload), {}, id=task_id, eta=eta, retries=job.retries,
        retry_delay=job.retry_delay_seconds, retry_backoff=BACKOFF)
    if eta is None:
        service.huey.enqueue(task)
    else:
        # Straight into the schedule (Redis's, or the SQLite file's). Queued instead, a worker
        # would take it off the queue only to put it in the schedule, and a worker killed in
        # between would lose it.
        service.huey.add_schedule(task)


def _runner(app: Flask) -> Any:
    def portal_job(name: str, payload: str) -> None:
        """Run the named job in an app context, with its own database session."""
        with app.app_context():
            job = _service(app).jobs.get(name)
            if job is None:
                raise UnknownJob(f"No enabled plugin declares the job “{name}” any more; its plugin may "
                                 "have been switched off. Switch it back on and try the job again.")
            job.function(**json.loads(payload))

    return portal_job


def _trigger(app: Flask, name: str) -> Any:
    def trigger(slot: str | None = None) -> None:
        huey = _service(app).huey
        slot = slot or huey._get_timestamp().strftime(SLOT_FORMAT)
        if _claim_slot(huey, name, slot):
            _schedule(app, name, "{}", 0)
        else:
            log.info("periodic job %s already ran for %s on another worker", name, slot)

    return trigger


def _claim_slot(huey: Any, name: str, slot: str) -> bool:
    """Claim the schedule slot ``slot`` (a minute) of the periodic job ``name``; False if taken.

    Every worker's scheduler queues each periodic task, so with a worker on every server the
    trigger runs once per worker for the same minute. Huey's ``lock_task`` only stops two
    copies running *at the same time*; the trigger takes milliseconds, so the second copy
    would simply run after the first. What must be unique is the slot, so the trigger writes a
    marker for job + minute with Huey's ``put_if_empty``, which is atomic in every Huey
    storage: on Redis it is ``SET key NX EX`` (``RedisExpireStorage``), and the key expires by
    itself after a day; in a SQLite file it is an insert into Huey's key/value table, and
    markers over a day old are removed here. Only the worker whose write succeeds queues the
    job. A day is far longer than any copy of the trigger waits in the queue.
    """
    key = f"periodic.{name}.{slot}"
    if isinstance(huey.storage, RedisExpireStorage):
        return bool(huey.put_if_empty(key, "1", SLOT_KEPT_SECONDS))
    if not huey.put_if_empty(key, "1"):
        return False
    cutoff = datetime.strptime(slot, SLOT_FORMAT) - timedelta(seconds=SLOT_KEPT_SECONDS)
    oldest_kept = cutoff.strftime(SLOT_FORMAT)
    prefix = f"periodic.{name}."
    for old in list(huey.storage.result_items()):
        if old.startswith(prefix) and old.removeprefix(prefix) < oldest_kept:
            huey.storage.delete_data(old)
    return True


def _is_portal_job(task: Any) -> bool:
    return type(task).__name__ == GENERIC_TASK and len(getattr(task, "args", ())) == 2


def _failed(app: Flask) -> Any:
    def on_error(_signal: str, task: Any, exc: BaseException | None = None) -> None:
        if not _is_portal_job(task):
            return
        delay = None
        if task.retries > 0 and task.retry_delay:
            delay = min(task.retry_delay, MAX_RETRY_DELAY_SECONDS)
            task.retry_delay = delay  # Huey waits this long, then doubles it for the next time
        name, payload = task.args
        error = describe(exc)
        log.warning("job %s failed (%s); %s", name, error,
                    f"trying again in {delay or 0}s" if task.retries > 0 else "it gave up")
        with Session(app.extensions["coprod_engine"]) as session:
            row = session.exec(select(JobFailure).where(JobFailure.task_id == task.id)).first()
            now = utcnow()
            if row is None:
                row = JobFailure(task_id=task.id, job_name=name, arguments=summarise(payload),
                                 kwargs_json=payload, first_failed_at=now)
            row.attempts += 1
            row.last_failed_at = now
            row.error = error
            row.worker = worker_identity()
            row.status = "retrying" if task.retries > 0 else "gave_up"
            row.next_try_at = now + timedelta(seconds=delay or 0) if task.retries > 0 else None
            row.resolved_at = None
            session.add(row)
            session.commit()

    return on_error


def _worked(app: Flask) -> Any:
    def on_complete(_signal: str, task: Any) -> None:
        if not _is_portal_job(task):
            return
        with Session(app.extensions["coprod_engine"]) as session:
            row = session.exec(select(JobFailure).where(JobFailure.task_id == task.id)).first()
            if row is None or row.status == "resolved":
                return
            row.status = "resolved"
            row.resolved_at = utcnow()
            row.next_try_at = None
            row.kwargs_json = None  # kept only to try again
            session.add(row)
            session.commit()

    return on_complete


def worker_identity() -> str:
    """This worker as admins see it: the server's host name and the process id."""
    return f"{socket.gethostname()} (process {os.getpid()})"[:200]


def describe(exc: BaseException | None) -> str:
    """The error as admins see it: its kind and message, shortened."""
    if exc is None:
        return "The job stopped without saying why."
    text = str(exc).strip()
    return (f"{type(exc).__name__}: {text}" if text else type(exc).__name__)[:1000]


def summarise(payload: str) -> str:
    """Arguments as admins see them: ids, numbers and true/false; any other text only by length."""
    try:
        kwargs = json.loads(payload)
    except ValueError:
        return "unreadable arguments"
    parts = []
    for key, value in sorted(kwargs.items()):
        if value is None or isinstance(value, bool | int | float):
            shown = json.dumps(value)
        elif isinstance(value, str) and _ID_LIKE.match(value):
            shown = value
        elif isinstance(value, str):
            shown = f"text of {len(value)} characters"
        elif isinstance(value, list):
            shown = f"list of {len(value)} items"
        else:
            shown = f"{len(value)} fields" if isinstance(value, dict) else "a value"
        parts.append(f"{key}={shown}")
    return (", ".join(parts) or "no arguments")[:500]


@sa.event.listens_for(Session, "after_commit")
def _enqueue_committed(session: Session) -> None:
    for app, name, payload, delay in session.info.pop(_AFTER_COMMIT, []):
        try:
            _schedule(app, name, payload, delay)
        except Exception:  # the caller's work is saved; the queue being down must not undo it
            log.exception("could not queue job %s after commit", name)


@sa.event.listens_for(Session, "after_rollback")
def _drop_uncommitted(session: Session) -> None:
    session.info.pop(_AFTER_COMMIT, None)
