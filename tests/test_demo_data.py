"""Demo data: every project gets its checklist, whatever the plugins' order; seeding twice changes nothing."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

PLUGINS = ["builtins", "outreach"]
PLUGINS_DIR = str(Path(__file__).parent / "plugins")


def _reverse_plugin_order(app: Flask) -> list[str]:
    """Register the plugins again in the opposite order: hooks are then called the other way round."""
    pm = app.extensions["coprod_plugins"].pm
    registered = [(name, plugin) for name, plugin in pm.list_name_plugin() if name != "core"]
    for name, _ in registered:
        pm.unregister(name=name)
    for name, plugin in reversed(registered):
        pm.register(plugin, name=name)
    return [impl.plugin_name for impl in pm.hook.portal_seed_demo.get_hookimpls()]


def _tables(app: Flask) -> dict[str, str]:
    """A digest of every table's rows (sorted), to tell whether anything changed."""
    engine = app.extensions["coprod_engine"]
    metadata = sa.MetaData()
    metadata.reflect(engine)
    digests = {}
    with engine.connect() as conn:
        for name, table in sorted(metadata.tables.items()):
            rows = sorted(repr(tuple(row)) for row in conn.execute(sa.select(table)))
            digests[name] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    return digests


def _projects_without_checklist(app: Flask) -> list[str]:
    with app.extensions["coprod_engine"].connect() as conn:
        return sorted(conn.execute(sa.text(
            "SELECT title FROM core_project WHERE id NOT IN (SELECT project_id FROM checklists_project)"
        )).scalars())


def _seed(app: Flask) -> Any:
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    return result


@pytest.mark.parametrize("order", ["as loaded", "reversed"])
def test_every_demo_project_has_its_checklist_and_seeding_twice_changes_nothing(make_app, order):
    app = make_app(plugins=PLUGINS, config={"PLUGINS_DIR": PLUGINS_DIR}, seed_demo=False)
    if order == "reversed":
        before = [impl.plugin_name for impl in
                  app.extensions["coprod_plugins"].pm.hook.portal_seed_demo.get_hookimpls()]
        assert _reverse_plugin_order(app) != before
    _seed(app)
    with app.extensions["coprod_engine"].connect() as conn:
        titles = set(conn.execute(sa.text("SELECT title FROM core_project")).scalars())
    # projects made by the core, the checklists, the network and an outside plugin's demo data
    assert {"Redesign of the carers' assessment", "Short breaks directory",
            "Recruiting our new director of care", "Annual co-production conference",
            "Mental health crisis line review", "Community outreach in the market square"} <= titles
    assert _projects_without_checklist(app) == []
    first = _tables(app)
    _seed(app)
    second = _tables(app)
    assert [name for name in first if first[name] != second[name]] == []


def test_network_demo_projects_are_answered_and_people_stored(make_app):
    """The network's projects get answers up to their stage and their people, in the first seed."""
    app = make_app(plugins=PLUGINS, config={"PLUGINS_DIR": PLUGINS_DIR}, seed_demo=False)
    _seed(app)
    with app.extensions["coprod_engine"].connect() as conn:
        done, total = conn.execute(sa.text(
            "SELECT c.done_count, c.total_count FROM checklists_project c JOIN core_project p "
            "ON p.id = c.project_id WHERE p.title = 'Recruiting our new director of care'"
        )).one()
        people = conn.execute(sa.text("SELECT count(*) FROM checklists_project_person")).scalar()
    assert total > 0 and done > total // 2
    assert people > 0


def test_a_project_made_by_any_plugin_gets_its_checklist_in_the_same_transaction(app):
    """portal_project_created: a project saved by plain SQLModel code has its checklist at commit."""
    from sqlmodel import Session, select

    from coprod_portal import accounts
    from coprod_portal.projects import Project

    with app.app_context(), Session(app.extensions["coprod_engine"]) as session:
        lead = accounts.user_by_email(session, "lead@example.org")
        project = Project(title="Made by a plugin", owner_id=lead.id)
        session.add(project)
        session.commit()
        project_id = project.id
        rolled_back = Project(title="Never saved", owner_id=lead.id)
        session.add(rolled_back)
        session.flush()
        session.rollback()
        assert session.exec(select(Project).where(Project.title == "Never saved")).first() is None
    with app.extensions["coprod_engine"].connect() as conn:
        rows = conn.execute(sa.text("SELECT project_id FROM checklists_project")).scalars().all()
    assert project_id in rows
    assert rolled_back.id not in rows
