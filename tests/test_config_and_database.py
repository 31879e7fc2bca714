"""Start-up settings, bad settings, health check, and migrations per plugin."""

import os
import stat

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from conftest import TEST_PLUGINS
from sqlmodel import SQLModel

from coprod_portal import create_app
from coprod_portal.config import ConfigError
from coprod_portal.testing import build_app


def test_bad_database_url_stops_start_up_naming_the_setting(tmp_path):
    with pytest.raises(ConfigError) as caught:
        create_app({"DATABASE_URL": "notadatabase://x", "INSTANCE_PATH": str(tmp_path)})
    assert "DATABASE_URL" in str(caught.value) and "postgresql+psycopg://" in str(caught.value)


def test_unreachable_database_fails_db_upgrade_with_a_clear_message(tmp_path):
    app = create_app({"DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none",
                      "INSTANCE_PATH": str(tmp_path), "PLUGINS": []})
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 1
    assert "The database at DATABASE_URL cannot be reached" in result.output


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_instance_folder_is_named(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
    with pytest.raises(ConfigError, match="instance folder"):
        create_app({"INSTANCE_PATH": str(locked / "inner")})


def test_instance_path_that_is_a_file_is_named(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(ConfigError) as caught:
        create_app({"INSTANCE_PATH": str(blocker)})
    assert "instance folder" in str(caught.value) and "COPROD_INSTANCE_PATH" in str(caught.value)


def test_secret_key_is_generated_once_and_kept(tmp_path):
    one_machine = {"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": None,
                   "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.db'}"}
    first = create_app(one_machine)
    second = create_app(one_machine)
    assert len(first.config["SECRET_KEY"]) > 40
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert oct((tmp_path / "secret_key").stat().st_mode)[-3:] == "600"


def test_sqlite_runs_in_wal_mode_with_foreign_keys(app):
    if app.extensions["coprod_engine"].dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with app.extensions["coprod_engine"].connect() as conn:
        assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1


def test_healthz_answers_ok_then_503_when_the_database_is_gone(app):
    client = app.test_client()
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_data(as_text=True) == "ok"
    app.extensions["coprod_engine"] = sa.create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    response = client.get("/healthz")
    assert response.status_code == 503 and "database unavailable" in response.get_data(as_text=True)


def test_each_plugin_has_its_own_version_table(make_app):
    app = make_app(plugins=["good"], config={"PLUGINS_DIR": str(TEST_PLUGINS)})
    tables = sa.inspect(app.extensions["coprod_engine"]).get_table_names()
    assert {"alembic_version_core", "alembic_version_good", "good_note"} <= set(tables)


def test_switching_a_plugin_off_never_blocks_upgrading_the_rest(tmp_path):
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp_path / 'shared.db'}"
    with_good = build_app(tmp_path, ["good"], {"PLUGINS_DIR": str(TEST_PLUGINS), "DATABASE_URL": url})
    assert with_good.extensions["coprod_plugins"].plugins["good"].enabled
    without = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path / "i2"), "PLUGINS": []})
    result = without.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "already up to date" in result.output


def test_core_migrations_match_the_models(app):
    """A model change without a migration (or the reverse) fails here."""
    with app.extensions["coprod_engine"].connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        core_tables = SQLModel.metadata
        diffs = [d for d in compare_metadata(context, core_tables)
                 if _table_of(d).startswith("core_")]
    assert diffs == []


def _table_of(diff):
    item = diff[0] if isinstance(diff, list) else diff
    for part in item[1:]:
        name = getattr(part, "name", None) if not isinstance(part, str) else part
        table = getattr(part, "table", None)
        if table is not None:
            return table.name
        if isinstance(name, str) and name.startswith("core_"):
            return name
    return ""


def test_moments_are_shown_in_the_organisations_time_zone(make_app):
    from datetime import UTC, datetime

    from flask import render_template_string

    summer = datetime(2027, 7, 1, 23, 30, tzinfo=UTC)
    app = make_app()
    with app.test_request_context():
        assert render_template_string("{{ t|moment }}", t=summer) == "2 July 2027, 00:30 BST"
        assert render_template_string("{{ t|day }}", t=summer) == "2 July 2027"
    tokyo = make_app(config={"TIMEZONE": "Asia/Tokyo"})
    with tokyo.test_request_context():
        assert render_template_string("{{ t|moment }}", t=summer) == "2 July 2027, 08:30 JST"


def test_unknown_time_zone_stops_start_up_naming_the_setting(tmp_path):
    with pytest.raises(ConfigError, match="COPROD_TIMEZONE"):
        create_app({"INSTANCE_PATH": str(tmp_path), "TIMEZONE": "Mars/Olympus_Mons"})
