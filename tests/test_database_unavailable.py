"""The database unavailable for a moment: a polite 503 (Retry-After), one log line, recovery by itself."""

import glob
import logging
import os
import subprocess
import uuid
from pathlib import Path

import pytest
from sqlmodel import select

from coprod_portal import db
from coprod_portal.accounts import User
from coprod_portal.testing import build_app, csrf_token, free_port, login

ROOT = Path(__file__).resolve().parent.parent
POLITE = "Sorry, the service is unavailable for a moment"


def unreachable_engine(tmp_path: Path):
    """A real engine on a database file that cannot be opened (its folder does not exist)."""
    return db.make_engine(f"sqlite:///{tmp_path / 'gone' / 'portal.db'}")


def assert_polite_503(response) -> None:
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    html = response.get_data(as_text=True)
    assert POLITE in html and "Nothing you saved before this has been lost" in html
    assert "Traceback" not in html and "OperationalError" not in html


def test_pages_answer_a_polite_503_and_log_once_while_the_database_is_unreachable(app, tmp_path, caplog):
    client = login(app.test_client(), "lead@example.org")
    working = app.extensions["coprod_engine"]
    app.extensions["coprod_engine"] = unreachable_engine(tmp_path)
    with caplog.at_level(logging.WARNING, logger="coprod_portal.db"):
        for path in ("/", "/projects/", "/network/"):
            assert_polite_503(client.get(path))
        health = client.get("/healthz")
        assert health.status_code == 503 and health.headers["Retry-After"] == "5"
        assert health.get_data(as_text=True) == "database unavailable"
        assert health.mimetype == "text/plain"
        assert [r.message for r in caplog.records].count(
            "the database is unavailable; answering 503 until it is back") == 1
        app.extensions["coprod_engine"] = working
        assert client.get("/").status_code == 200
        assert any("answering again" in r.message and "4 requests turned away" in r.message
                   for r in caplog.records)


def test_the_503_page_is_drawn_without_the_signed_in_menu(app, tmp_path):
    client = login(app.test_client(), "admin@example.org")
    app.extensions["coprod_engine"] = unreachable_engine(tmp_path)
    html = client.get("/").get_data(as_text=True)
    assert POLITE in html and "Sign out" not in html and "Error code 503" in html


# --- a real PostgreSQL server, stopped and started again -----------------------------------------



@pytest.fixture
def own_postgres():
    """A throwaway PostgreSQL server of this test's own (the suite's may be shared: never stop that)."""
    if not glob.glob("/usr/lib/postgresql/*/bin/initdb"):
        pytest.skip("PostgreSQL is not installed (.ci/run installs it)")
    folder = f"/tmp/coprod-pg-outage-{uuid.uuid4().hex[:8]}"  # not under /root: postgres must reach it
    env = {**os.environ, "PGPORT_TEST": str(free_port())}

    def start() -> str:
        return subprocess.run([ROOT / ".ci/postgres.sh", folder], env=env, check=True,
                              capture_output=True, text=True).stdout.strip()

    def stop(keep: bool = True) -> None:
        subprocess.run([ROOT / ".ci/postgres-stop.sh", folder, *(["--keep"] if keep else [])],
                       env=env, check=True, capture_output=True)

    try:
        yield start(), start, stop
    finally:
        stop(keep=False)


def test_postgresql_restart_answers_503_then_recovers_with_nothing_acknowledged_lost(own_postgres, tmp_path):
    url, start, stop = own_postgres
    app = build_app(tmp_path, config={"DATABASE_URL": url})
    client = login(app.test_client(), "admin@example.org")
    token = csrf_token(client, "/admin/users/new")
    saved = client.post("/admin/users/new", data={
        "csrf_token": token, "email": "saved.before@example.org", "display_name": "Saved Before",
        "roles": ["staff"]})
    assert saved.status_code in (302, 303), saved.get_data(as_text=True)[:500]

    stop()
    assert_polite_503(client.get("/"))
    refused = client.post("/admin/users/new", data={
        "csrf_token": token, "email": "sent.during@example.org", "display_name": "Sent During",
        "roles": ["staff"]})
    assert_polite_503(refused)
    assert client.get("/healthz").status_code == 503

    start()
    assert client.get("/").status_code == 200, "the first request after the restart is served"
    assert client.get("/healthz").get_data(as_text=True) == "ok"
    with app.app_context():
        emails = set(db.get_session().exec(select(User.email)))
    assert "saved.before@example.org" in emails and "sent.during@example.org" not in emails
    app.extensions["coprod_engine"].dispose()


@pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
                    reason="a server-side connection end needs PostgreSQL")
def test_an_answer_made_before_the_connection_dies_is_still_given(app, caplog):
    """The database restarting between the view's answer and the end of the request (the session's
    closing ROLLBACK fails) must not turn a made answer into a 500."""
    import sqlalchemy as sa
    from flask import g

    @app.route("/test-connection-ends")
    def connection_ends():
        session = db.get_session()
        pid = session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        with app.extensions["coprod_engine"].connect() as other:
            other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        g.ended_pid = pid
        return "answered"

    with caplog.at_level(logging.WARNING, logger="coprod_portal.db"):
        response = app.test_client().get("/test-connection-ends")
    assert response.status_code == 200 and response.get_data(as_text=True) == "answered"
    assert "connection was lost while the request ended" in caplog.text
    assert app.test_client().get("/healthz").status_code == 200
