"""Check that constraints.txt pins every dependency pyproject.toml asks for, within its range.

`make lint` runs it. constraints.txt is what every install uses (`pip install -c constraints.txt`),
so a dependency added to pyproject.toml without a pin, or a pin left behind after a requirement
moved, would install something nobody tested; this check makes that drift fail the build.

Usage: python .ci/check_constraints.py [CONSTRAINTS] [PYPROJECT ...]
(defaults: constraints.txt, pyproject.toml and examples/governance/pyproject.toml)
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PYPROJECTS = (ROOT / "pyproject.toml", ROOT / "examples" / "governance" / "pyproject.toml")


def read_pins(constraints: Path) -> dict[str, Version]:
    """The `name==version` lines of a constraints file, by canonical name."""
    pins: dict[str, Version] = {}
    for line in constraints.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        requirement = Requirement(line)
        exact = [spec for spec in requirement.specifier if spec.operator == "=="]
        if exact:
            pins[canonicalize_name(requirement.name)] = Version(exact[0].version)
    return pins


def read_requirements(pyproject: Path) -> tuple[str, list[Requirement]]:
    """The project's own name and every requirement it declares (dependencies and extras)."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    lines = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        lines.extend(extra)
    return canonicalize_name(project["name"]), [Requirement(line) for line in lines]


def problems(constraints: Path, pyprojects: list[Path]) -> list[str]:
    """One sentence per requirement that constraints.txt leaves unpinned or pins outside its range."""
    pins = read_pins(constraints)
    found: list[str] = []
    projects = [read_requirements(path) for path in pyprojects]
    own_names = {name for name, _ in projects}  # installed from this repository, never pinned
    for (_, requirements), path in zip(projects, pyprojects, strict=True):
        for requirement in requirements:
            name = canonicalize_name(requirement.name)
            if name in own_names:
                continue
            pin = pins.get(name)
            if pin is None:
                found.append(f"{path.name}: {requirement} has no pin in {constraints.name}")
            elif not requirement.specifier.contains(pin, prereleases=True):
                found.append(
                    f"{path.name}: {requirement} is not satisfied by the pin {name}=={pin} "
                    f"in {constraints.name}"
                )
    return found


def main(argv: list[str]) -> int:
    constraints = Path(argv[0]) if argv else ROOT / "constraints.txt"
    pyprojects = [Path(arg) for arg in argv[1:]] or list(DEFAULT_PYPROJECTS)
    found = problems(constraints, pyprojects)
    for line in found:
        print(line, file=sys.stderr)
    if found:
        print(
            "Pin the new versions in constraints.txt (see its header for how to regenerate it).",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
