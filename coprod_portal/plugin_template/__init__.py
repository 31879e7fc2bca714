"""``flask --app wsgi plugins new NAME``: a working plugin skeleton to start from.

The skeleton is a separate installable package with one page, one nav item, one permission
and a test that uses ``coprod_portal.testing``. Its files are under ``templates/`` here, with
``$name``-style placeholders; ``PACKAGE`` in a path becomes the plugin's name.
"""

from __future__ import annotations

import importlib.util
from importlib.metadata import entry_points
from pathlib import Path
from string import Template

from packaging.version import Version

from ..plugins import ENTRY_POINT_GROUP, NAME_PATTERN

TEMPLATES = Path(__file__).parent / "templates"
RESERVED = {"builtins", "core", "test", "tests"}


class SkeletonError(ValueError):
    """The skeleton cannot be created; the message says why and what to do instead."""


def portal_versions(portal_version: str) -> str:
    """The range a new plugin declares: this minor version up to the next major one."""
    version = Version(portal_version)
    return f">={version.major}.{version.minor},<{version.major + 1}"


def check_name(name: str) -> None:
    """Refuse names the portal would refuse, and names that would clash on import."""
    if not NAME_PATTERN.match(name):
        raise SkeletonError(f"'{name}' cannot be a plugin name: use 1 to 40 lower-case letters, digits "
                            "and _, starting with a letter (for example: boards).")
    if name in RESERVED:
        raise SkeletonError(f"'{name}' is reserved by the portal: choose another name.")
    if importlib.util.find_spec(name) is not None:
        raise SkeletonError(f"A Python module called '{name}' is already installed, so your plugin's package "
                            "would clash with it: choose another name.")
    if any(ep.name == name for ep in entry_points(group=ENTRY_POINT_GROUP)):
        raise SkeletonError(f"A plugin called '{name}' is already installed: choose another name.")


def skeleton_files(name: str, portal_version: str) -> dict[Path, str]:
    """Every file of the skeleton for plugin ``name``: path inside the project → text."""
    values = {
        "name": name,
        "title": name.replace("_", " ").capitalize(),
        "distribution": "coprod-" + name.replace("_", "-"),
        "portal_versions": portal_versions(portal_version),
    }
    files = {}
    for source in sorted(p for p in TEMPLATES.rglob("*.tmpl") if p.is_file()):
        relative = source.relative_to(TEMPLATES).with_suffix("")
        target = Path(*(part.replace("PACKAGE", name) for part in relative.parts))
        files[target] = Template(source.read_text(encoding="utf-8")).substitute(values)
    return files


def create_skeleton(name: str, parent: Path, portal_version: str) -> list[Path]:
    """Write the skeleton to ``parent/name``; return the files written."""
    check_name(name)
    project = parent / name
    if project.exists() and any(project.iterdir()):
        raise SkeletonError(f"{project} already exists and is not empty: choose another --dir or name.")
    written = []
    for relative, text in skeleton_files(name, portal_version).items():
        target = project / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written.append(target)
    return written
