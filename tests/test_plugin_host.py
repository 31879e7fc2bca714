"""The plugin host: allow-list, isolation of failures, unknown hooks, versions, Plugins page."""

import sys

import pytest
from conftest import TEST_PLUGINS

from coprod_portal.testing import login


@pytest.fixture
def plugin_app(make_app):
    def factory(*names, **config):
        return make_app(plugins=list(names), config={"PLUGINS_DIR": str(TEST_PLUGINS), **config})

    return factory


def test_installed_plugin_does_not_run_until_allow_listed(plugin_app):
    app = plugin_app()
    host = app.extensions["coprod_plugins"]
    assert host.plugins["good"].status == "not enabled"
    assert host.pm.get_plugin("good") is None
    admin = login(app.test_client(), "admin@example.org")
    assert admin.get("/good/").status_code == 404
    assert "Good notes" not in admin.get("/").get_data(as_text=True)


def test_allow_listed_plugin_adds_page_nav_card_role_and_table(plugin_app):
    app = plugin_app("good")
    info = app.extensions["coprod_plugins"].plugins["good"]
    assert info.status == "enabled" and info.version == "1.2.3" and info.source == "local"
    assert "portal_blueprints" in info.hooks and "portal_migrations" in info.hooks
    assert "good_keeper" in app.extensions["coprod_roles"]
    admin = login(app.test_client(), "admin@example.org")
    home = admin.get("/").get_data(as_text=True)
    assert "Good card" in home and 'href="/good/"' in home
    notes = admin.get("/good/").get_data(as_text=True)
    assert "The first good note" in notes  # its table was migrated and its demo data seeded


def test_plugin_permission_keeps_its_page_from_other_roles(plugin_app):
    app = plugin_app("good")
    staff = login(app.test_client(), "staff@example.org")
    response = staff.get("/good/")
    assert response.status_code == 403
    assert "You do not have permission to see this page" in response.get_data(as_text=True)
    assert 'href="/good/"' not in staff.get("/").get_data(as_text=True)


def test_broken_plugin_is_listed_with_its_error_and_the_portal_keeps_serving(plugin_app):
    app = plugin_app("good", "broken")
    host = app.extensions["coprod_plugins"]
    assert host.plugins["broken"].status == "failed"
    assert "a_module_that_does_not_exist" in host.plugins["broken"].errors[0]
    assert host.plugins["good"].status == "enabled"
    admin = login(app.test_client(), "admin@example.org")
    page = admin.get("/admin/plugins").get_data(as_text=True)
    assert "broken" in page and "Failed" in page and "a_module_that_does_not_exist" in page
    assert admin.get("/good/").status_code == 200


def test_hook_without_spec_is_refused(plugin_app):
    app = plugin_app("nospec")
    info = app.extensions["coprod_plugins"].plugins["nospec"]
    assert info.status == "failed"
    assert "portal_nav_itemz" in info.errors[0] and "does not define" in info.errors[0]
    assert app.extensions["coprod_plugins"].pm.get_plugin("nospec") is None


def test_plugin_for_another_portal_version_is_refused_with_a_clear_message(plugin_app):
    info = plugin_app("oldversion").extensions["coprod_plugins"].plugins["oldversion"]
    assert info.status == "failed"
    assert "supports portal versions <0.1" in info.errors[0] and "0.1.0" in info.errors[0]


def test_unknown_name_in_allow_list_is_shown_as_a_warning(plugin_app):
    app = plugin_app("nosuchplugin")
    info = app.extensions["coprod_plugins"].plugins["nosuchplugin"]
    assert "no such plugin is installed" in info.errors[0]
    admin = login(app.test_client(), "admin@example.org")
    assert "no such plugin is installed" in admin.get("/admin/plugins").get_data(as_text=True)


def test_failing_display_hook_is_skipped_and_recorded(plugin_app):
    app = plugin_app("good", "flaky")
    admin = login(app.test_client(), "admin@example.org")
    home = admin.get("/")
    assert home.status_code == 200
    text = home.get_data(as_text=True)
    assert "Good card" in text  # the other plugin's card still shows
    info = app.extensions["coprod_plugins"].plugins["flaky"]
    assert info.status == "running with errors"
    assert any("card service is down" in error for error in info.errors)


def test_failing_permission_vote_counts_as_no(plugin_app):
    app = plugin_app("flaky")
    admin = login(app.test_client(), "admin@example.org")
    assert admin.get("/projects/").status_code == 200
    response = admin.get("/projects/new")
    assert response.status_code == 403
    assert "projects.create" in response.get_data(as_text=True)


def test_blueprint_outside_its_namespace_is_refused(plugin_app):
    app = plugin_app("badblueprint")
    info = app.extensions["coprod_plugins"].plugins["badblueprint"]
    assert any("must be named plugin_badblueprint" in error for error in info.errors)
    admin = login(app.test_client(), "admin@example.org")
    assert admin.get("/admin/takeover").status_code == 404


def test_plugins_cli_list_and_check(plugin_app):
    runner = plugin_app("good", "broken").test_cli_runner()
    listing = runner.invoke(args=["plugins", "list"])
    assert listing.exit_code == 0
    assert "good" in listing.output and "1.2.3" in listing.output and "failed" in listing.output
    check = runner.invoke(args=["plugins", "check"])
    assert check.exit_code == 1
    assert "broken:" in check.output


def test_plugins_check_passes_when_all_load(plugin_app):
    result = plugin_app("good").test_cli_runner().invoke(args=["plugins", "check"])
    assert result.exit_code == 0, result.output
    assert "All enabled plugins loaded." in result.output


def test_plugins_page_is_for_admins_only(plugin_app):
    app = plugin_app("good")
    for email in ("staff@example.org", "hr@example.org", "lead@example.org"):
        response = login(app.test_client(), email).get("/admin/plugins")
        assert response.status_code == 403
        assert "good" not in response.get_data(as_text=True).split("<main", 1)[1]


def test_event_listener_runs_after_commit_and_a_failing_one_does_not_block(plugin_app):
    app = plugin_app("good", "flaky")
    good = sys.modules["coprod_local_plugins.good"]
    good.received_events.clear()
    lead = login(app.test_client(), "lead@example.org")
    project_id = _project_id(app, "Redesign of the carers' assessment")
    token = _token(lead, f"/projects/{project_id}")
    response = lead.post(f"/projects/{project_id}/stage", data={"stage": "development", "csrf_token": token})
    assert response.status_code == 302
    assert good.received_events == [(project_id, "idea", "development")]
    assert any("listener is down" in e for e in app.extensions["coprod_plugins"].plugins["flaky"].errors)
    page = lead.get(f"/projects/{project_id}").get_data(as_text=True)
    assert "Development" in page


def _project_id(app, title):
    from sqlmodel import Session, select

    from coprod_portal.projects import Project

    with Session(app.extensions["coprod_engine"]) as session:
        return session.exec(select(Project).where(Project.title == title)).one().id


def _token(client, path):
    from coprod_portal.testing import csrf_token

    return csrf_token(client, path)


@pytest.fixture
def installed_plugin(tmp_path, monkeypatch):
    """A real installed distribution (a .dist-info on sys.path) that declares an entry point."""
    site = tmp_path / "site"
    (site / "orgboard").mkdir(parents=True)
    (site / "orgboard" / "__init__.py").write_text(
        "from coprod_portal.hookspecs import hookimpl\n"
        "from coprod_portal.types import DashboardCard\n\n"
        "@hookimpl\n"
        "def portal_dashboard_cards(user):\n"
        "    return DashboardCard('Board card', 'From an installed plugin.')\n"
    )
    info = site / "orgboard-2.0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: orgboard\nVersion: 2.0.1\n")
    (info / "entry_points.txt").write_text("[coprod_portal]\norgboard = orgboard\n")
    monkeypatch.syspath_prepend(str(site))
    yield
    sys.modules.pop("orgboard", None)


def test_installed_plugin_is_found_through_its_entry_point_but_off_by_default(installed_plugin, make_app):
    app = make_app()
    info = app.extensions["coprod_plugins"].plugins["orgboard"]
    assert (info.source, info.version, info.status) == ("installed", "2.0.1", "not enabled")


def test_installed_plugin_runs_once_allow_listed(installed_plugin, make_app):
    app = make_app(plugins=["builtins", "orgboard"])
    assert app.extensions["coprod_plugins"].plugins["orgboard"].status == "enabled"
    admin = login(app.test_client(), "admin@example.org")
    assert "Board card" in admin.get("/").get_data(as_text=True)


def test_event_queued_then_rolled_back_is_never_delivered(plugin_app):
    from sqlmodel import Session

    from coprod_portal import events

    app = plugin_app("good")
    good = sys.modules["coprod_local_plugins.good"]
    good.received_events.clear()
    with app.app_context(), Session(app.extensions["coprod_engine"]) as session:
        events.notify(session, "portal_project_stage_changed", project_id="p1", from_stage="idea",
                      to_stage="design")
        session.rollback()
        events.commit(session)
    assert good.received_events == []


def test_a_plugin_using_a_deprecated_hook_loads_and_the_warning_is_shown(tmp_path):
    """A deprecated hook keeps working for a minor version; admins see that it will stop."""
    import types as pytypes

    import pluggy as pluggy_module

    from coprod_portal.plugins import PluginHost

    specs = pytypes.ModuleType("deprecated_specs")
    marker = pluggy_module.HookspecMarker("coprod_portal")

    def portal_old_thing(user):
        """The old way."""

    specs.portal_old_thing = marker(warn_on_impl=DeprecationWarning(
        "portal_old_thing is deprecated: use portal_new_thing; it goes in 0.3."))(portal_old_thing)
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "oldway.py").write_text(
        "from coprod_portal.hookspecs import hookimpl\n\n"
        "@hookimpl\n"
        "def portal_old_thing(user):\n"
        "    return 'still works'\n"
    )
    host = PluginHost(["oldway"], folder, "0.1.0")
    host.pm.add_hookspecs(specs)
    host.load()
    info = host.plugins["oldway"]
    assert info.enabled and info.errors == []
    assert info.warnings == ["portal_old_thing is deprecated: use portal_new_thing; it goes in 0.3."]
    assert host.items("portal_old_thing", user=None) == ["still works"]
