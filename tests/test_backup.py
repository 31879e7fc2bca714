"""``flask backup`` and ``flask restore``: a consistent copy of a running portal, restored whole elsewhere."""

import re
import sqlite3
import threading
from contextlib import closing
from pathlib import Path

import pytest
from sqlmodel import Session

from coprod_portal import audit, create_app

PAIR = "backup test: one of a pair"


def on_sqlite(app) -> bool:
    return app.config["DATABASE_URL"].startswith("sqlite")


def tables(path: Path) -> dict[str, list[tuple]]:
    """Every table's rows, sorted, so two databases compare table by table."""
    with closing(sqlite3.connect(path)) as conn:
        names = [n for (n,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        return {n: sorted(conn.execute(f'SELECT * FROM "{n}"').fetchall(), key=repr) for n in names}


def write_pairs(app, stop: threading.Event, written: list[int]) -> None:
    """A busy portal: two audit entries per transaction, so a torn copy would show an odd count."""
    while not stop.is_set():
        with Session(app.extensions["coprod_engine"]) as session:
            for _ in range(2):
                audit.record(session, None, PAIR, "", "", "")
            session.commit()
        written.append(2)


def fresh_instance(tmp_path: Path):
    folder = tmp_path / "restored"
    return create_app({"TESTING": True, "SECRET_KEY": "test", "INSTANCE_PATH": str(folder),
                       "DATABASE_URL": f"sqlite:///{folder / 'portal.db'}"})


def test_backup_while_writing_then_restore_into_a_fresh_instance_gives_the_same_tables(app, tmp_path):
    if not on_sqlite(app):
        pytest.skip("SQLite's online backup; PostgreSQL uses pg_dump")
    stop, written = threading.Event(), []
    writer = threading.Thread(target=write_pairs, args=(app, stop, written))
    writer.start()
    try:
        while len(written) < 20:
            threading.Event().wait(0.01)
        result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "portal-backup.db")])
    finally:
        stop.set()
        writer.join()
    assert result.exit_code == 0, result.output
    assert "Backed up to" in result.output and "rows" in result.output and "back them up too" in result.output
    copy = tables(tmp_path / "portal-backup.db")
    pairs = sum(1 for row in copy["core_audit_event"] if PAIR in row)
    assert pairs > 0 and pairs % 2 == 0, "the copy holds whole transactions only"
    assert pairs <= sum(written)
    assert len(copy["core_user"]) >= 9 and copy["network_member"], "the demo data is in the copy"

    restored = fresh_instance(tmp_path)
    result = restored.test_cli_runner().invoke(args=["restore", str(tmp_path / "portal-backup.db")])
    assert result.exit_code == 0, result.output
    assert "Restored" in result.output
    restored.extensions["coprod_engine"].dispose()
    after = tables(tmp_path / "restored" / "portal.db")
    assert after.keys() == copy.keys()
    for name in copy:
        assert after[name] == copy[name], f"table {name} differs after restore"


def test_restored_instance_serves_the_backed_up_accounts(app, tmp_path):
    if not on_sqlite(app):
        pytest.skip("SQLite's online backup")
    app.test_cli_runner().invoke(args=["backup", str(tmp_path / "b.db")])
    restored = fresh_instance(tmp_path)
    restored.test_cli_runner().invoke(args=["restore", str(tmp_path / "b.db")])
    client = restored.test_client()
    from coprod_portal.testing import login

    login(client, "lead@example.org")
    assert "Sign out" in client.get("/").get_data(as_text=True)


def test_backup_refuses_to_overwrite_without_force_and_keeps_no_partial_file(app, tmp_path):
    if not on_sqlite(app):
        pytest.skip("SQLite's online backup")
    target = tmp_path / "b.db"
    target.write_text("an older backup")
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["backup", str(target)])
    assert refused.exit_code == 1 and "already exists" in refused.output and "--force" in refused.output
    assert target.read_text() == "an older backup"
    replaced = runner.invoke(args=["backup", str(target), "--force"])
    assert replaced.exit_code == 0, replaced.output
    assert target.read_bytes()[:16] == b"SQLite format 3\x00"
    assert [p.name for p in tmp_path.iterdir() if "partial" in p.name] == []
    missing = runner.invoke(args=["backup", str(tmp_path / "no-such-folder" / "b.db")])
    assert missing.exit_code == 1 and "does not exist" in missing.output


def test_restore_refuses_a_database_in_use_unless_forced(app, tmp_path):
    if not on_sqlite(app):
        pytest.skip("SQLite's online backup")
    runner = app.test_cli_runner()
    runner.invoke(args=["backup", str(tmp_path / "b.db")])
    refused = runner.invoke(args=["restore", str(tmp_path / "b.db")])
    assert refused.exit_code == 1 and "--force" in refused.output
    assert re.search(r"in use: it holds \d+ accounts", refused.output)
    forced = runner.invoke(args=["restore", str(tmp_path / "b.db"), "--force"])
    assert forced.exit_code == 0, forced.output


def test_restore_refuses_files_that_are_not_compatible_portal_backups(app, tmp_path):
    if not on_sqlite(app):
        pytest.skip("SQLite's online backup")
    restored = fresh_instance(tmp_path)
    runner = restored.test_cli_runner()
    text = tmp_path / "notes.txt"
    text.write_text("not a database")
    assert "not a SQLite database" in runner.invoke(args=["restore", str(text)]).output
    other = tmp_path / "other.db"
    with closing(sqlite3.connect(other)) as conn:
        conn.execute("CREATE TABLE things (id integer)")
    assert "not the portal's" in runner.invoke(args=["restore", str(other)]).output
    app.test_cli_runner().invoke(args=["backup", str(tmp_path / "newer.db")])
    with closing(sqlite3.connect(tmp_path / "newer.db")) as conn:
        conn.execute("UPDATE alembic_version_network SET version_num = 'network_9999'")
        conn.commit()
    newer = runner.invoke(args=["restore", str(tmp_path / "newer.db")])
    assert newer.exit_code == 1 and "newer version of the portal" in newer.output
    assert "network_9999" in newer.output
    missing = runner.invoke(args=["restore", str(tmp_path / "nothing.db")])
    assert missing.exit_code == 1 and "There is no backup file" in missing.output
    assert not (tmp_path / "restored" / "portal.db").exists() or \
        tables(tmp_path / "restored" / "portal.db").get("core_user", []) == []


def test_backup_on_postgresql_explains_pg_dump_without_the_password(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "INSTANCE_PATH": str(tmp_path),
                      "DATABASE_URL": "postgresql+psycopg://portal:s3cret@db.internal:5433/portal"})
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "portal.dump")])
    assert result.exit_code == 1
    assert "pg_dump --format=custom" in result.output and "--host=db.internal --port=5433" in result.output
    assert "pg_restore" in result.output and "Nothing was backed up" in result.output
    assert "s3cret" not in result.output
