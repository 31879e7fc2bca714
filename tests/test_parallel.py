"""The suite on every core (``pytest -n``): groups stay on one worker, and on PostgreSQL every
worker has a database of its own."""

import os
import subprocess
import sys
import textwrap

import pytest
import sqlalchemy as sa
from sqlmodel import Session

GROUPED = textwrap.dedent('''
    import os
    import pytest

    pytest_plugins = ["coprod_portal.testing"]

    def _where(name):
        with open(os.environ["WHERE_FILE"], "a") as out:
            out.write(f"{name} {os.environ.get('PYTEST_XDIST_WORKER')}\\n")

    @pytest.mark.xdist_group("shared-server")
    @pytest.mark.parametrize("n", range(8))
    def test_grouped(n):
        _where("grouped")

    @pytest.mark.parametrize("n", range(8))
    def test_free(n):
        _where("free")
''')


def test_tests_marked_with_one_group_run_on_one_worker(tmp_path):
    (tmp_path / "test_grouped.py").write_text(GROUPED)
    where = tmp_path / "where.txt"
    env = {**os.environ, "WHERE_FILE": str(where)}
    env.pop("DATABASE_URL", None)
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-n", "2", "--dist", "loadgroup",
                             "-p", "no:cacheprovider", "test_grouped.py"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    runs = [line.split() for line in where.read_text().splitlines()]
    grouped = {worker for name, worker in runs if name == "grouped"}
    assert len([1 for name, _ in runs if name == "grouped"]) == 8 and len(grouped) == 1, runs
    assert "16 passed" in result.stdout


@pytest.mark.skipif(not (os.environ.get("DATABASE_URL", "").startswith("postgresql")
                         and os.environ.get("PYTEST_XDIST_WORKER")),
                    reason="a worker's own database: PostgreSQL under pytest -n")
def test_each_worker_has_a_postgresql_database_of_its_own_copied_from_the_template(app):
    worker = os.environ["PYTEST_XDIST_WORKER"]
    url = sa.make_url(app.config["DATABASE_URL"])
    assert url.database.endswith(f"_{worker}")
    with app.extensions["coprod_engine"].connect() as conn:
        names = set(conn.execute(sa.text("SELECT datname FROM pg_database")).scalars())
        tables = set(sa.inspect(conn).get_table_names())
    base = url.database.removesuffix(f"_{worker}")
    assert {base, f"{base}_template", url.database} <= names
    assert "core_user" in tables  # migrated: the template's tables came with the copy


def test_a_test_gets_a_fresh_database_for_its_plugins_whatever_ran_before_it(tmp_path):
    """Apps with other plugins come and go (on PostgreSQL each plugin set's schema is set aside
    and brought back): each new app sees its own plugins' tables and the demo data only."""
    from coprod_portal import accounts
    from coprod_portal.testing import build_app

    def tables(app):
        with app.extensions["coprod_engine"].connect() as conn:
            return set(sa.inspect(conn).get_table_names())

    def add_someone(app):
        with app.app_context(), Session(app.extensions["coprod_engine"]) as session:
            accounts.create_user(session, "left.behind@example.org", "Left Behind", ["staff"])
            session.commit()

    def emails(app):
        with app.extensions["coprod_engine"].connect() as conn:
            return set(conn.execute(sa.text("SELECT email FROM core_user")).scalars())

    first = build_app(tmp_path / "1")
    add_someone(first)
    other = build_app(tmp_path / "2", plugins=["lived_experience"])
    assert "network_member" not in tables(other) and "left.behind@example.org" not in emails(other)
    add_someone(other)
    again = build_app(tmp_path / "3")
    assert "network_member" in tables(again) and "left.behind@example.org" not in emails(again)
    assert "staff@example.org" in emails(again)
    back = build_app(tmp_path / "4", plugins=["lived_experience"])
    assert "left.behind@example.org" not in emails(back) and "network_member" not in tables(back)
