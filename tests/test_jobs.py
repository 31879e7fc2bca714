"""Background jobs: declaring, queueing, running (immediately and in a real worker), retries
with back-off, failures shown to admins, trying again, periodic jobs and bad declarations."""

import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import TEST_PLUGINS
from sqlmodel import Session, select

from coprod_portal import create_app, jobs
from coprod_portal.audit import AuditEvent
from coprod_portal.auth import LoginAttempt
from coprod_portal.config import ConfigError
from coprod_portal.jobs import JobFailure
from coprod_portal.testing import csrf_token, login, wait_until

ROOM = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def chores_app(make_app):
    def factory(*names, **config):
        return make_app(plugins=list(names or ["chores"]),
                        config={"PLUGINS_DIR": str(TEST_PLUGINS), **config})

    return factory


def _events(app, action, plugin="chores"):
    with Session(app.extensions["coprod_engine"]) as session:
        return list(session.exec(select(AuditEvent).where(
            AuditEvent.action == action, AuditEvent.plugin == plugin)))


def _failures(app):
    with Session(app.extensions["coprod_engine"]) as session:
        return list(session.exec(select(JobFailure).order_by(JobFailure.first_failed_at)))


def _run_due_retries(app):
    """Run every scheduled task as if a day had passed (Huey's own execute, in immediate mode)."""
    huey = app.extensions["coprod_jobs"].huey
    later = datetime.now(UTC).replace(tzinfo=None) + timedelta(days=1)
    due = huey.read_schedule(later)
    for task in due:
        huey.execute(task, later)
    return len(due)


def _seconds_to_next_try(failure):
    return round((failure.next_try_at - failure.last_failed_at).total_seconds())


# --- declaring and listing --------------------------------------------------------------------


def test_admin_page_lists_declared_jobs_schedules_queue_and_mail_status(chores_app):
    app = chores_app()
    admin = login(app.test_client(), "admin@example.org")
    page = admin.get("/admin/jobs").get_data(as_text=True)
    for name in ("chores.tidy", "chores.cupboard", "chores.nightly", "core.send_notification_email",
                 "core.purge_login_attempts"):
        assert f'id="job-{name}"' in page
    assert "<code>0 2 * * *</code>" in page and "The nightly round." in page
    assert "Jobs run as soon as they are queued" in page  # the test suite's immediate mode
    assert "Not set up: notifications reach people's inboxes in the portal only" in page
    assert "No job has failed." in page
    assert 'href="/admin/jobs"' in admin.get("/admin/").get_data(as_text=True)  # the admin page links it


def test_jobs_page_and_nav_item_are_for_admins_only(chores_app):
    app = chores_app()
    for email in ("staff@example.org", "lead@example.org", "hr@example.org"):
        client = login(app.test_client(), email)
        response = client.get("/admin/jobs")
        assert response.status_code == 403
        assert "You do not have permission to see this page" in response.get_data(as_text=True)
        assert "admin.jobs" in response.get_data(as_text=True)
        assert 'href="/admin/jobs"' not in client.get("/").get_data(as_text=True)
        assert client.get("/admin/").status_code == 403


def test_jobs_list_command_prints_every_job_and_schedule(chores_app):
    result = chores_app().test_cli_runner().invoke(args=["jobs", "list"])
    assert result.exit_code == 0, result.output
    assert "chores.nightly" in result.output and "0 2 * * *" in result.output
    assert "core.purge_login_attempts" in result.output and "Tidies a room." in result.output


def test_bad_declarations_are_refused_with_reasons_and_the_rest_registered(chores_app):
    app = chores_app("chores", "badjobs")
    info = app.extensions["coprod_plugins"].plugins["badjobs"]
    errors = "\n".join(info.errors)
    assert info.status == "running with errors"
    assert "The job name “chores.steal” must be “badjobs.<job>”" in errors
    assert "A job called badjobs.fine is already declared." in errors
    assert "The job name “badjobs.Not-A-Name” must be" in errors
    assert "The function of badjobs.not_callable cannot be called." in errors
    assert "It returned a dict where a coprod_portal.types.Job belongs." in errors
    assert "The schedule “61 * * * *” of badjobs.too_late is not a crontab line" in errors
    assert "The schedule “0 3 * *” of badjobs.too_short is not a crontab line (it has 4 fields" in errors
    assert errors.count("It was not registered.") == 7
    names = {job.name for job in jobs.declared(app)}
    assert {"badjobs.fine", "badjobs.nightly", "chores.tidy"} <= names
    assert not names & {"chores.steal", "badjobs.too_late", "badjobs.not_callable"}
    admin = login(app.test_client(), "admin@example.org")
    assert "chores.steal" in admin.get("/admin/plugins").get_data(as_text=True)


# --- queueing and running ---------------------------------------------------------------------


def test_job_runs_with_its_arguments_in_an_app_context_with_its_own_session(chores_app):
    app = chores_app()
    with app.app_context():
        jobs.enqueue("chores.tidy", room_id=ROOM, times=3)
    [event] = _events(app, "tidied")
    assert event.subject_id == ROOM and event.detail == "times=3"
    assert _failures(app) == []


def test_enqueue_refuses_unknown_jobs_bad_arguments_and_bad_delays(chores_app):
    app = chores_app()
    with app.app_context():
        with pytest.raises(ValueError) as unknown:
            jobs.enqueue("chores.sweep", room_id=ROOM)
        assert "There is no job called “chores.sweep”" in str(unknown.value)
        assert "check that its plugin is enabled" in str(unknown.value)
        with pytest.raises(TypeError) as not_json:
            jobs.enqueue("chores.tidy", room_id=object())
        assert "must be JSON values" in str(not_json.value) and "Pass ids" in str(not_json.value)
        with pytest.raises(ValueError, match="delay_seconds must be a whole number of seconds"):
            jobs.enqueue("chores.tidy", delay_seconds=-5, room_id=ROOM)
    assert _events(app, "tidied") == []


def test_job_queued_after_commit_runs_only_if_the_work_commits(chores_app):
    app = chores_app()
    client = login(app.test_client(), "staff@example.org")
    response = client.post(f"/chores/tidy/{ROOM}", data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code == 302
    assert [e.detail for e in _events(app, "tidied")] == ["times=2"]
    with app.app_context():
        from coprod_portal.db import get_session

        session = get_session()
        jobs.enqueue_after_commit(session, "chores.tidy", room_id="f" * 32)
        session.rollback()
        session.commit()  # a later commit must not send what was rolled back
    assert [e.subject_id for e in _events(app, "tidied")] == [ROOM]


def test_delayed_job_waits_in_the_queue(chores_app):
    app = chores_app()
    with app.app_context():
        jobs.enqueue("chores.tidy", delay_seconds=600, room_id=ROOM)
    assert _events(app, "tidied") == []
    assert _run_due_retries(app) == 1
    assert len(_events(app, "tidied")) == 1


# --- failures, retries, back-off ---------------------------------------------------------------


def test_failing_job_is_recorded_and_retried_with_doubling_delays_until_it_gives_up(chores_app):
    app = chores_app()
    with app.app_context():
        jobs.enqueue("chores.cupboard", room_id=ROOM)
    [failure] = _failures(app)
    assert failure.job_name == "chores.cupboard" and failure.status == "retrying"
    assert failure.attempts == 1 and _seconds_to_next_try(failure) == 60
    assert failure.error == "RuntimeError: The cupboard is locked; ask facilities for the key"
    assert failure.arguments == f"room_id={ROOM}"

    assert _run_due_retries(app) == 1
    [failure] = _failures(app)
    assert failure.attempts == 2 and failure.status == "retrying"
    assert _seconds_to_next_try(failure) == 120  # the delay doubles

    assert _run_due_retries(app) == 1
    [failure] = _failures(app)
    assert failure.attempts == 3 and failure.status == "gave_up" and failure.next_try_at is None
    assert _run_due_retries(app) == 0  # never silently dropped, never retried forever

    admin = login(app.test_client(), "admin@example.org")
    page = admin.get("/admin/jobs").get_data(as_text=True)
    assert "Gave up" in page and "3 times" in page and "The cupboard is locked" in page
    assert "1 job gave up</strong>" in page and "Try again" in page
    home = admin.get("/").get_data(as_text=True)
    assert "Background jobs need attention" in home
    assert "1 background job gave up after all its tries and needs you." in home
    staff_home = login(app.test_client(), "staff@example.org").get("/").get_data(as_text=True)
    assert "Background jobs need attention" not in staff_home


def test_back_off_is_capped_at_an_hour(chores_app):
    app = chores_app()
    with app.app_context():
        jobs.enqueue("chores.supplier", room_id=ROOM)
    delays = [_seconds_to_next_try(_failures(app)[0])]
    while _run_due_retries(app):
        failure = _failures(app)[0]
        if failure.next_try_at:
            delays.append(_seconds_to_next_try(failure))
    assert delays == [1000, 2000, 3600, 3600]
    assert _failures(app)[0].status == "gave_up" and _failures(app)[0].attempts == 5


def test_job_that_works_on_a_retry_is_marked_resolved_and_forgets_its_arguments(chores_app):
    app = chores_app()
    with app.app_context():
        jobs.enqueue("chores.fails_once", room_id=ROOM)
    [failure] = _failures(app)
    assert failure.status == "retrying" and "ConnectionError" in failure.error
    _run_due_retries(app)
    [failure] = _failures(app)
    assert failure.status == "resolved" and failure.resolved_at is not None
    assert failure.kwargs_json is None and failure.attempts == 1
    assert [e.detail for e in _events(app, "tidied")] == ["after a retry"]
    page = login(app.test_client(), "admin@example.org").get("/admin/jobs").get_data(as_text=True)
    assert "Resolved" in page and "Background jobs need attention" not in page


def test_arguments_summary_shows_ids_and_numbers_but_never_free_text(chores_app):
    app = chores_app()
    with app.app_context():
        jobs.enqueue("chores.cupboard", room_id="Sam's room, where she talks about her depression")
    [failure] = _failures(app)
    assert failure.arguments == "room_id=text of 48 characters"
    page = login(app.test_client(), "admin@example.org").get("/admin/jobs").get_data(as_text=True)
    assert "depression" not in page and "room_id=text of 48 characters" in page
    assert jobs.summarise(json.dumps({"n": 3, "ok": True, "ids": [1, 2], "d": {"a": 1}})) == (
        "d=1 fields, ids=list of 2 items, n=3, ok=true")


def test_admin_tries_a_job_that_gave_up_again_and_it_resolves(chores_app):
    app = chores_app()
    with app.app_context():
        jobs.enqueue("chores.cupboard", room_id=ROOM)
    _run_due_retries(app)
    _run_due_retries(app)
    [failure] = _failures(app)
    assert failure.status == "gave_up"
    admin = login(app.test_client(), "admin@example.org")
    app.config["CHORES_CUPBOARD_OPEN"] = True  # the admin fixed the cause
    token = csrf_token(admin, "/admin/jobs")
    response = admin.post(f"/admin/jobs/failures/{failure.id}/try-again", data={"csrf_token": token},
                          follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "“chores.cupboard” is queued again." in page
    [failure] = _failures(app)
    assert failure.status == "resolved" and failure.attempts == 3
    assert [e.detail for e in _events(app, "tidied")] == ["from the cupboard"]
    assert [e.subject_label for e in _events(app, "tried a failed job again", "core")] == [
        "chores.cupboard"]
    again = admin.post(f"/admin/jobs/failures/{failure.id}/try-again", data={"csrf_token": token},
                       follow_redirects=True).get_data(as_text=True)
    assert "This job has not given up, so there is nothing to try again: it has worked since." in again
    assert len(_events(app, "tidied")) == 1


def test_try_again_is_refused_while_retrying_for_unknown_jobs_and_without_csrf(chores_app):
    app = chores_app()
    with app.app_context():
        jobs.enqueue("chores.cupboard", room_id=ROOM)
    [retrying] = _failures(app)
    with Session(app.extensions["coprod_engine"]) as session:
        gone = JobFailure(task_id="t-gone", job_name="gardening.weed", arguments="no arguments",
                          kwargs_json="{}", status="gave_up", attempts=6)
        session.add(gone)
        session.commit()
        gone_id = gone.id
    admin = login(app.test_client(), "admin@example.org")
    token = csrf_token(admin, "/admin/jobs")
    page = admin.post(f"/admin/jobs/failures/{retrying.id}/try-again", data={"csrf_token": token},
                      follow_redirects=True).get_data(as_text=True)
    assert "it is still retrying by itself." in page
    page = admin.post(f"/admin/jobs/failures/{gone_id}/try-again", data={"csrf_token": token},
                      follow_redirects=True).get_data(as_text=True)
    assert "“gardening.weed” cannot be tried again: no enabled plugin declares it now." in page
    refused = admin.post(f"/admin/jobs/failures/{gone_id}/try-again")
    assert refused.status_code == 400 and "security check failed" in refused.get_data(as_text=True)
    missing = admin.post("/admin/jobs/failures/nothing-here/try-again", data={"csrf_token": token})
    assert missing.status_code == 404 and "Page not found" in missing.get_data(as_text=True)
    staff = login(app.test_client(), "staff@example.org")
    forbidden = staff.post(f"/admin/jobs/failures/{gone_id}/try-again",
                           data={"csrf_token": csrf_token(staff, "/")})
    assert forbidden.status_code == 403


def test_a_job_whose_plugin_is_gone_fails_visibly(chores_app):
    app = chores_app()
    service = app.extensions["coprod_jobs"]
    service.huey.enqueue(service.task.task_class(("gardening.weed", "{}"), {}, retries=0))
    [failure] = _failures(app)
    assert failure.status == "gave_up"
    assert "No enabled plugin declares the job “gardening.weed” any more" in failure.error


# --- periodic jobs ----------------------------------------------------------------------------


def test_periodic_jobs_run_on_their_schedule_through_the_queue(chores_app):
    app = chores_app()
    huey = app.extensions["coprod_jobs"].huey
    periodic = {task.__name__: task for task in huey._registry._periodic_tasks}
    assert {"periodic:chores.nightly", "periodic:core.purge_login_attempts"} <= set(periodic)
    nightly = periodic["periodic:chores.nightly"]()
    assert nightly.validate_datetime(datetime(2027, 3, 1, 2, 0))
    assert not nightly.validate_datetime(datetime(2027, 3, 1, 3, 0))
    due = huey.read_periodic(datetime(2027, 3, 1, 2, 0))
    assert "periodic:chores.nightly" in {type(task).__name__ for task in due}
    for task in due:
        huey.execute(task)
    assert len(_events(app, "nightly round")) == 1


def test_purge_login_attempts_forgets_old_failed_sign_ins(chores_app):
    app = chores_app()
    with Session(app.extensions["coprod_engine"]) as session:
        session.add(LoginAttempt(key="account:old@example.org", at=datetime.now(UTC) - timedelta(hours=2)))
        session.add(LoginAttempt(key="account:new@example.org"))
        session.commit()
    with app.app_context():
        jobs.enqueue("core.purge_login_attempts")
    with Session(app.extensions["coprod_engine"]) as session:
        assert [a.key for a in session.exec(select(LoginAttempt))] == ["account:new@example.org"]


# --- a real worker ----------------------------------------------------------------------------


def test_real_worker_processes_jobs_and_retries_from_the_sqlite_queue(chores_app):
    app = chores_app(JOBS_IMMEDIATE=False)
    assert (Path(app.instance_path) / "jobs.db").exists()
    with app.app_context():
        jobs.enqueue("chores.tidy", room_id=ROOM)
        jobs.enqueue("chores.fails_once", room_id="e" * 32)
    assert _events(app, "tidied") == []  # queued, not run: no worker yet
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    consumer = jobs.consumer(app, workers=2, periodic=False, initial_delay=0.05, max_delay=0.2)
    consumer.start()
    try:
        assert wait_until(lambda: len(_events(app, "tidied")) == 2)
        assert wait_until(lambda: [f.status for f in _failures(app)] == ["resolved"])
    finally:
        consumer.stop(graceful=True)
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    assert sorted(e.subject_id for e in _events(app, "tidied")) == [ROOM, "e" * 32]


def test_jobs_run_command_is_a_worker_that_stops_cleanly(chores_app, tmp_path):
    app = chores_app(JOBS_IMMEDIATE=False)
    env = {**os.environ, "DATABASE_URL": app.config["DATABASE_URL"],
           "COPROD_INSTANCE_PATH": app.instance_path, "COPROD_PLUGINS": "chores",
           "COPROD_PLUGINS_DIR": str(TEST_PLUGINS),
           "COPROD_SECRET_KEY": "test-secret-long-enough-for-the-minimum"}
    env.pop("COPROD_JOBS_IMMEDIATE", None)
    root = Path(__file__).parent.parent
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "run", "--workers",
                               "1"], cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True)
    try:
        with app.app_context():
            jobs.enqueue("chores.tidy", room_id=ROOM)
        assert wait_until(lambda: len(_events(app, "tidied")) == 1, 30)
    finally:
        worker.send_signal(signal.SIGINT)
        output, _ = worker.communicate(timeout=20)
    assert worker.returncode == 0, output
    assert "Worker started with 1 thread(s); queue: SQLite file" in output
    assert "E-mail is not set up" in output


def test_jobs_run_refuses_in_immediate_mode(chores_app):
    result = chores_app().test_cli_runner().invoke(args=["jobs", "run"])
    assert result.exit_code == 1
    assert "COPROD_JOBS_IMMEDIATE is on" in result.output and "there is nothing for a worker to do" in (
        result.output)


# --- settings ---------------------------------------------------------------------------------


def test_unusable_jobs_url_stops_start_up_naming_the_setting(tmp_path):
    with pytest.raises(ConfigError) as caught:
        create_app({"INSTANCE_PATH": str(tmp_path), "JOBS_URL": "ftp://queue.example.org"})
    assert "COPROD_JOBS_URL is 'ftp://queue.example.org'" in str(caught.value)
    assert "redis://host:6379/0" in str(caught.value)


def test_redis_url_without_the_redis_package_names_the_fix(tmp_path):
    try:
        import redis  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("the redis package is installed here")
    with pytest.raises(ConfigError) as caught:
        create_app({"INSTANCE_PATH": str(tmp_path), "JOBS_URL": "redis://127.0.0.1:6379/0"})
    assert "redis package is not installed" in str(caught.value) and "'.[redis]'" in str(caught.value)


def test_sqlite_jobs_url_puts_the_queue_where_it_says(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path / "i"), "JOBS_URL": f"sqlite:///{tmp_path / 'q.db'}",
                      "PLUGINS": []})
    assert app.extensions["coprod_jobs"].storage == f"SQLite file {tmp_path / 'q.db'}"
    assert (tmp_path / "q.db").exists()
