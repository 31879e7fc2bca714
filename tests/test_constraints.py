"""constraints.txt must pin every dependency pyproject.toml declares, within its range."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / ".ci" / "check_constraints.py"

PYPROJECT = """
[project]
name = "example-portal"
dependencies = ["flask==3.1.3", "packaging>=24"]

[project.optional-dependencies]
test = ["pytest==9.2.0"]
"""


def _load():
    spec = importlib.util.spec_from_file_location("check_constraints", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _write(tmp_path: Path, constraints: str) -> tuple[Path, Path]:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    (tmp_path / "constraints.txt").write_text(constraints)
    return tmp_path / "constraints.txt", tmp_path / "pyproject.toml"


def test_the_repository_constraints_pin_every_dependency():
    result = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_matching_pins_pass(tmp_path):
    constraints, pyproject = _write(tmp_path, "# pins\nFlask==3.1.3\npackaging==26.4\npytest==9.2.0\n")
    assert _load().problems(constraints, [pyproject]) == []


def test_a_dependency_without_a_pin_is_refused(tmp_path):
    constraints, pyproject = _write(tmp_path, "flask==3.1.3\npackaging==26.4\n")
    found = _load().problems(constraints, [pyproject])
    assert found == ["pyproject.toml: pytest==9.2.0 has no pin in constraints.txt"]


def test_a_pin_outside_the_requirement_is_refused(tmp_path):
    constraints, pyproject = _write(tmp_path, "flask==3.1.2\npackaging==23.2\npytest==9.2.0\n")
    found = _load().problems(constraints, [pyproject])
    assert len(found) == 2
    assert "flask==3.1.3 is not satisfied by the pin flask==3.1.2" in found[0]
    assert "packaging>=24 is not satisfied by the pin packaging==23.2" in found[1]


def test_the_command_fails_and_says_how_to_fix(tmp_path):
    constraints, pyproject = _write(tmp_path, "flask==3.1.3\n")
    result = subprocess.run(
        [sys.executable, str(SCRIPT), str(constraints), str(pyproject)], capture_output=True, text=True
    )
    assert result.returncode == 1
    assert "packaging>=24 has no pin" in result.stderr
    assert "Pin the new versions in constraints.txt" in result.stderr
