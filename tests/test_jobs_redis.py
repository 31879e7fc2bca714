"""Background jobs on a real Redis (Debian's redis-server, started here on 127.0.0.1): a worker
on every server sharing one queue, periodic jobs once per schedule across them, delayed jobs and
retries that outlive a killed worker, failures from every worker on the admin page, and clear
errors when Redis is missing or the address is wrong."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest
import redis
from conftest import TEST_PLUGINS
from huey.consumer import Scheduler
from sqlmodel import Session, select

from coprod_portal import create_app, jobs
from coprod_portal.audit import AuditEvent
from coprod_portal.config import ConfigError
from coprod_portal.jobs import JobFailure
from coprod_portal.testing import free_port, login, wait_until

ROOT = Path(__file__).parent.parent
REDIS_SERVER = os.environ.get("REDIS_SERVER_PATH", shutil.which("redis-server") or "/usr/bin/redis-server")
ROOM = "0123456789abcdef0123456789abcdef"
OTHER_ROOM = "fedcba9876543210fedcba9876543210"


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}



@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """A throwaway redis-server on a free port, without persistence; stopped after the session.

    Skipped when redis-server is not installed, except in CI, where that is a failure.
    """
    if not (os.path.isfile(REDIS_SERVER) and os.access(REDIS_SERVER, os.X_OK)):
        message = (f"redis-server not found at {REDIS_SERVER} (apt-get install redis-server, or set "
                   "REDIS_SERVER_PATH)")
        if _in_ci():
            pytest.fail(message)
        pytest.skip(message)
    folder = tmp_path_factory.mktemp("redis")
    port = free_port()
    server = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder), "--save", "",
         "--appendonly", "no", "--daemonize", "no", "--logfile", str(folder / "redis.log")],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    try:
        assert wait_until(lambda: _answers(client), 15), (folder / "redis.log").read_text()
        yield url
    finally:
        client.close()
        server.terminate()
        server.wait(timeout=15)


@pytest.fixture
def redis_url(redis_server):
    """The test's Redis, emptied first so that no queue or schedule leaks between tests."""
    client = redis.Redis.from_url(redis_server)
    client.flushall()
    client.close()
    return redis_server


@pytest.fixture
def redis_app(make_app, redis_url):
    return make_app(plugins=["chores"], config={"PLUGINS_DIR": str(TEST_PLUGINS), "JOBS_URL": redis_url,
                                                "JOBS_IMMEDIATE": False})


def _answers(client) -> bool:
    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False


def _events(app, action):
    with Session(app.extensions["coprod_engine"]) as session:
        return list(session.exec(select(AuditEvent).where(
            AuditEvent.action == action, AuditEvent.plugin == "chores")))


def _failures(app):
    with Session(app.extensions["coprod_engine"]) as session:
        return list(session.exec(select(JobFailure).order_by(JobFailure.first_failed_at)))


def _second_server(app):
    """Another portal process's view: its own Flask app and Huey, the same database and Redis."""
    return create_app({"TESTING": True, "SECRET_KEY": "test-secret", "PLUGINS": ["chores"],
                       "PLUGINS_DIR": str(TEST_PLUGINS), "DATABASE_URL": app.config["DATABASE_URL"],
                       "INSTANCE_PATH": app.instance_path, "JOBS_URL": app.config["JOBS_URL"],
                       "JOBS_IMMEDIATE": False})


def _start_worker(app, log_path: Path) -> subprocess.Popen:
    """``flask jobs run`` in its own process, as on a server of its own."""
    env = {**os.environ, "DATABASE_URL": app.config["DATABASE_URL"],
           "COPROD_INSTANCE_PATH": app.instance_path, "COPROD_PLUGINS": "chores",
           "COPROD_PLUGINS_DIR": str(TEST_PLUGINS),
           "COPROD_JOBS_URL": app.config["JOBS_URL"]}
    env.pop("COPROD_JOBS_IMMEDIATE", None)
    with log_path.open("w") as log:
        command = [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "run", "--workers", "1"]
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def _stop(worker: subprocess.Popen, log_path: Path) -> str:
    if worker.poll() is None:
        worker.send_signal(signal.SIGINT)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
    return log_path.read_text()


def _run_queue(*apps) -> int:
    """Run every queued task, each taken by whichever server's Huey asks first, until none is left."""
    hueys = [app.extensions["coprod_jobs"].huey for app in apps]
    ran = 0
    while any(huey.pending_count() for huey in hueys):
        for huey in hueys:
            task = huey.dequeue()
            if task is not None:
                huey.execute(task)
                ran += 1
    return ran


# --- periodic jobs: once per schedule across the servers -------------------------------------


def test_two_servers_schedulers_run_a_periodic_job_once_per_schedule(redis_app):
    servers = [redis_app, _second_server(redis_app)]
    nightly = datetime(2027, 3, 1, 2, 0)

    def tick(when):
        """Each server's Huey scheduler queues the periodic tasks due at ``when``."""
        for app in servers:
            scheduler = Scheduler(app.extensions["coprod_jobs"].huey, threading.Event(), 1, True)
            scheduler.enqueue_periodic_tasks(when)
        return _run_queue(*servers)

    assert tick(nightly) >= 3  # both servers' triggers, and the one job they queued
    assert len(_events(redis_app, "nightly round")) == 1
    tick(nightly.replace(second=40))  # a third worker, started later in the same minute
    assert len(_events(redis_app, "nightly round")) == 1
    tick(datetime(2027, 3, 1, 3, 0))  # not the schedule: nothing runs
    assert len(_events(redis_app, "nightly round")) == 1
    tick(datetime(2027, 3, 2, 2, 0))  # the next night runs once again
    assert len(_events(redis_app, "nightly round")) == 2

    huey = redis_app.extensions["coprod_jobs"].huey
    client = redis.Redis.from_url(redis_app.config["JOBS_URL"])
    marker = huey.storage.result_key("periodic.chores.nightly.2027-03-01T02:00")
    assert 0 < client.ttl(marker) <= jobs.SLOT_KEPT_SECONDS  # Redis forgets the slot by itself
    client.close()


def test_a_slot_is_claimed_once_and_old_sqlite_markers_are_forgotten(make_app):
    app = make_app(plugins=["chores"], config={"PLUGINS_DIR": str(TEST_PLUGINS), "JOBS_IMMEDIATE": False})
    huey = app.extensions["coprod_jobs"].huey
    assert jobs._claim_slot(huey, "chores.nightly", "2027-03-01T02:00")
    assert not jobs._claim_slot(huey, "chores.nightly", "2027-03-01T02:00")
    assert jobs._claim_slot(huey, "core.purge_login_attempts", "2027-03-01T02:00")  # another job
    assert jobs._claim_slot(huey, "chores.nightly", "2027-03-03T02:00")
    kept = {key for key in huey.storage.result_items() if key.startswith("periodic.")}
    assert kept == {"periodic.chores.nightly.2027-03-03T02:00",
                    "periodic.core.purge_login_attempts.2027-03-01T02:00"}


# --- workers in their own processes ----------------------------------------------------------


def test_retries_and_delayed_jobs_outlive_a_killed_worker(redis_app, tmp_path):
    huey = redis_app.extensions["coprod_jobs"].huey
    first = _start_worker(redis_app, tmp_path / "first.log")
    second = None
    try:
        with redis_app.app_context():
            jobs.enqueue("chores.fails_once_slowly", room_id=ROOM)
        assert wait_until(lambda: [f.status for f in _failures(redis_app)] == ["retrying"], 60), (
            (tmp_path / "first.log").read_text())
        assert wait_until(lambda: huey.scheduled_count() == 1)  # the retry, in four seconds
        with redis_app.app_context():
            jobs.enqueue("chores.tidy", delay_seconds=3, room_id=OTHER_ROOM)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=15)
        assert huey.scheduled_count() == 2  # Redis kept both
        assert _events(redis_app, "tidied") == []
        time.sleep(4)  # both are due now, and no worker runs
        assert _events(redis_app, "tidied") == []

        second = _start_worker(redis_app, tmp_path / "second.log")
        assert wait_until(lambda: len(_events(redis_app, "tidied")) == 2, 60), (
            (tmp_path / "second.log").read_text())
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
        if second is not None:
            _stop(second, tmp_path / "second.log")
    assert sorted(event.subject_id for event in _events(redis_app, "tidied")) == sorted([ROOM, OTHER_ROOM])
    assert len(_events(redis_app, "chore attempt")) == 2  # one failure, one retry: nothing ran twice
    [failure] = _failures(redis_app)
    assert wait_until(lambda: _failures(redis_app)[0].status == "resolved")
    assert failure.worker == f"{socket.gethostname()} (process {first.pid})"


def test_failures_from_every_servers_worker_are_listed_with_the_worker(redis_app, tmp_path):
    pids = []
    for number, room in enumerate((ROOM, OTHER_ROOM)):
        log_path = tmp_path / f"worker-{number}.log"
        worker = _start_worker(redis_app, log_path)
        pids.append(worker.pid)
        try:
            with redis_app.app_context():
                jobs.enqueue("chores.supplier", room_id=room)
            assert wait_until(lambda expected=number + 1: len(_failures(redis_app)) == expected, 60), (
                log_path.read_text())
        finally:
            output = _stop(worker, log_path)
        assert f"queue: Redis at {redis_app.config['JOBS_URL']}" in output
    by_room = {failure.arguments: failure for failure in _failures(redis_app)}
    host = socket.gethostname()
    assert by_room[f"room_id={ROOM}"].worker == f"{host} (process {pids[0]})"
    assert by_room[f"room_id={OTHER_ROOM}"].worker == f"{host} (process {pids[1]})"

    page = login(redis_app.test_client(), "admin@example.org").get("/admin/jobs").get_data(as_text=True)
    assert "Last failed on" in page
    assert f"Redis at {redis_app.config['JOBS_URL']}" in page
    for failure, pid in zip(_failures(redis_app), pids, strict=True):
        row = page[page.index(f'id="failure-{failure.id}"'):]
        row = row[:row.index("</tr>")]
        assert "The cupboard is locked" in row and f"{host} (process {pid})" in row


# --- settings ----------------------------------------------------------------------------------


def test_unreachable_redis_stops_start_up_naming_the_setting(tmp_path):
    closed = f"redis://:s3cret@127.0.0.1:{free_port()}/0"
    with pytest.raises(ConfigError) as caught:
        create_app({"INSTANCE_PATH": str(tmp_path), "JOBS_URL": closed})
    message = str(caught.value)
    assert message.startswith("COPROD_JOBS_URL is 'redis://:***@127.0.0.1:")
    assert "but no Redis answered there" in message and "Start Redis, or correct COPROD_JOBS_URL" in message
    assert "s3cret" not in message


def test_unreachable_redis_is_not_needed_when_jobs_run_immediately(tmp_path):
    # no plugins: on PostgreSQL the lived-experience plugin would ask for its key first
    app = create_app({"INSTANCE_PATH": str(tmp_path), "JOBS_IMMEDIATE": True, "PLUGINS": [],
                      "JOBS_URL": f"redis://127.0.0.1:{free_port()}/0"})
    assert app.extensions["coprod_jobs"].immediate


@pytest.mark.parametrize("url, expected", [
    ("redis://127.0.0.1:not-a-port/0", "is not a Redis address the portal can read"),
    ("http://127.0.0.1:6379/0", "which the portal cannot use"),
    ("redis6://127.0.0.1:6379/0", "which the portal cannot use"),
])
def test_a_wrong_jobs_url_is_refused_naming_the_setting(tmp_path, url, expected):
    with pytest.raises(ConfigError) as caught:
        create_app({"INSTANCE_PATH": str(tmp_path), "JOBS_URL": url})
    assert str(caught.value).startswith(f"COPROD_JOBS_URL is '{url}'")
    assert expected in str(caught.value) and "redis://host:6379/0" in str(caught.value)
