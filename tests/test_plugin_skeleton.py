"""``flask --app wsgi plugins new NAME``: the skeleton is a working plugin with a passing test."""

import os
import shutil
import subprocess
import sys
import tomllib

import pytest

from coprod_portal.testing import login

NAME = "skeleton_probe"


@pytest.fixture
def skeleton(runner, tmp_path):
    """A fresh skeleton made by the command, in a temporary folder; nothing is pip-installed."""
    result = runner.invoke(args=["plugins", "new", NAME, "--dir", str(tmp_path / "work")])
    assert result.exit_code == 0, result.output
    yield tmp_path / "work" / NAME
    sys.modules.pop(f"coprod_local_plugins.{NAME}", None)


def test_skeleton_is_a_package_with_an_entry_point_a_version_range_and_a_test(skeleton):
    project = tomllib.loads((skeleton / "pyproject.toml").read_text())
    assert project["project"]["entry-points"]["coprod_portal"] == {NAME: NAME}
    assert project["project"]["dependencies"] == ["coprod-portal>=0.1,<1"]
    package = (skeleton / NAME / "__init__.py").read_text()
    assert 'PORTAL_VERSIONS = ">=0.1,<1"' in package and f'Blueprint("plugin_{NAME}"' in package
    assert (skeleton / NAME / "templates" / NAME / "index.html").exists()
    assert (skeleton / "tests" / f"test_{NAME}.py").exists()


def test_skeleton_loads_from_a_plugins_folder_and_its_page_is_for_the_right_roles(make_app, skeleton):
    app = make_app(plugins=["builtins", NAME], config={"PLUGINS_DIR": str(skeleton)})
    assert app.extensions["coprod_plugins"].plugins[NAME].status == "enabled"
    lead = login(app.test_client(), "lead@example.org")
    assert f'href="/{NAME}/"' in lead.get("/").get_data(as_text=True)
    page = lead.get(f"/{NAME}/")
    assert page.status_code == 200 and "Skeleton probe" in page.get_data(as_text=True)
    staff = login(app.test_client(), "staff@example.org")
    assert staff.get(f"/{NAME}/").status_code == 403
    assert f'href="/{NAME}/"' not in staff.get("/").get_data(as_text=True)


def test_skeletons_own_tests_pass(skeleton):
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}  # its own SQLite
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=skeleton,
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout


def test_skeleton_passes_the_linter(skeleton):
    ruff = shutil.which("ruff", path=os.path.dirname(sys.executable))
    if ruff is None:
        pytest.skip("ruff is not installed in this environment")
    result = subprocess.run([ruff, "check", "."], cwd=skeleton, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize(("name", "message"), [
    ("Bad-Name", "cannot be a plugin name"),
    ("builtins", "is reserved by the portal"),
    ("flask", "A Python module called 'flask' is already installed"),
])
def test_names_the_portal_would_refuse_or_that_clash_are_refused(runner, tmp_path, name, message):
    result = runner.invoke(args=["plugins", "new", name, "--dir", str(tmp_path)])
    assert result.exit_code == 1 and message in result.output
    assert not (tmp_path / name).exists()


def test_an_existing_folder_is_never_overwritten(runner, tmp_path):
    (tmp_path / NAME).mkdir()
    (tmp_path / NAME / "notes.txt").write_text("mine")
    result = runner.invoke(args=["plugins", "new", NAME, "--dir", str(tmp_path)])
    assert result.exit_code == 1 and "already exists and is not empty" in result.output
    assert (tmp_path / NAME / "notes.txt").read_text() == "mine"
