"""The plugin host: finds plugins, applies the allow-list, loads them, and calls hooks safely.

Plugins come from the entry-point group ``coprod_portal`` (built-ins ship that way too) and
from a local folder of ``.py`` files or packages (``COPROD_PLUGINS_DIR``). Installing a
plugin never enables it: only names in ``COPROD_PLUGINS`` run (``builtins`` stands for all
built-in plugins, and is the default). A plugin that fails to import, asks for another
portal version, or implements a hook the portal does not define is logged, listed with
its error, and skipped; the portal keeps serving.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import re
import sys
import warnings
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy
from flask_babel import force_locale
from markupsafe import Markup, escape
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from . import hookspecs
from .i18n import DEFAULT_LANGUAGE, _l, locale_code

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "coprod_portal"
BUILTIN_DISTRIBUTION = "coprod-portal"
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
# What the Plugins page shows for each status and source (the codes themselves are kept as they are)
STATUS_LABELS = {"enabled": _l("Enabled"), "not enabled": _l("Not enabled"), "failed": _l("Failed"),
                 "running with errors": _l("Running with errors")}
SOURCE_LABELS = {"core": _l("core"), "built-in": _l("built-in"), "installed": _l("installed"),
                 "local": _l("local"), "missing": _l("missing")}


class Problem(str):
    """A plugin's problem: English wherever it is used as text (logs, the command line, tests),
    and in the reader's language where a page shows it (``{{ problem }}``)."""

    translated: Any

    def __new__(cls, translated: Any) -> Problem:
        with force_locale(locale_code(DEFAULT_LANGUAGE)):  # not the language of whoever's request failed
            english = str(translated)
        problem = super().__new__(cls, english)
        problem.translated = translated
        return problem

    def __html__(self) -> Markup:
        return escape(str(self.translated))


@dataclass
class PluginInfo:
    """What the Plugins page and ``flask plugins list`` show about one plugin."""

    name: str
    source: str  # "core", "built-in", "installed" or "local"
    version: str = ""
    enabled: bool = False
    hooks: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # each a Problem
    module: str = ""
    warnings: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.errors and not self.enabled:
            return "failed"
        if self.errors:
            return "running with errors"
        return "enabled" if self.enabled else "not enabled"

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS.get(self.status, self.status))

    @property
    def source_label(self) -> str:
        return str(SOURCE_LABELS.get(self.source, self.source))


@dataclass
class _Candidate:
    name: str
    source: str
    version: str
    load: Any  # () -> ModuleType


class PluginHost:
    """Owns the pluggy manager; the rest of the portal calls hooks only through it."""

    def __init__(self, allow: list[str], local_dir: str | Path | None, portal_version: str):
        self.pm = pluggy.PluginManager("coprod_portal")
        self.pm.add_hookspecs(hookspecs)
        self.portal_version = Version(portal_version)
        self.plugins: dict[str, PluginInfo] = {}
        self._allow = list(allow)
        self._local_dir = Path(local_dir) if local_dir else None

    # --- loading ---------------------------------------------------------------------------

    def register_core(self, module: ModuleType) -> None:
        """Register the core's own hook implementations; they are listed as source "core"."""
        self.pm.register(module, name="core")
        self.plugins["core"] = PluginInfo(
            "core", "core", str(self.portal_version), True, self._hooks_of("core"), [], module.__name__
        )

    def load(self) -> None:
        """Discover every plugin, then load the allowed ones in a stable order."""
        candidates = self._discover()
        wanted = self._expand_allow_list(candidates)
        for name in sorted(candidates):
            cand = candidates[name]
            info = PluginInfo(name, cand.source, cand.version)
            self.plugins[name] = info
            if name in wanted:
                self._load_one(cand, info)
        for name in wanted - candidates.keys():
            self.plugins[name] = PluginInfo(
                name, "missing", errors=[
                    Problem(_l("'%(name)s' is named in COPROD_PLUGINS but no such plugin is installed. "
                               "Install it (pip install …) or remove the name from COPROD_PLUGINS.",
                               name=name))
                ],
            )
        self.pm.check_pending()

    def _discover(self) -> dict[str, _Candidate]:
        found: dict[str, _Candidate] = {}
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            found[ep.name] = self._from_entry_point(ep)
        for name, cand in self._local_candidates().items():
            found.setdefault(name, cand)
        return found

    @staticmethod
    def _from_entry_point(ep: EntryPoint) -> _Candidate:
        dist = ep.dist
        dist_name = (dist.name if dist else "").lower().replace("_", "-")
        source = "built-in" if dist_name == BUILTIN_DISTRIBUTION else "installed"
        return _Candidate(ep.name, source, dist.version if dist else "", ep.load)

    def _local_candidates(self) -> dict[str, _Candidate]:
        if not self._local_dir or not self._local_dir.is_dir():
            return {}
        found = {}
        for path in sorted(self._local_dir.iterdir()):
            if path.name.startswith(("_", ".")):
                continue
            if path.suffix == ".py":
                found[path.stem] = _Candidate(path.stem, "local", "", _file_loader(path.stem, path))
            elif (path / "__init__.py").exists():
                init = path / "__init__.py"
                found[path.name] = _Candidate(path.name, "local", "", _file_loader(path.name, init))
        return found

    def _expand_allow_list(self, candidates: dict[str, _Candidate]) -> set[str]:
        wanted: set[str] = set()
        for name in self._allow:
            if name == "builtins":
                wanted |= {n for n, c in candidates.items() if c.source == "built-in"}
            else:
                wanted.add(name)
        return wanted

    def _load_one(self, cand: _Candidate, info: PluginInfo) -> None:
        if not NAME_PATTERN.match(cand.name):
            info.errors.append(
                Problem(_l("The name '%(name)s' is not allowed: use lower-case letters, digits and _.",
                           name=cand.name))
            )
            return
        try:
            module = cand.load()
        except Exception as exc:  # any import error must not take the portal down
            log.exception("plugin %s failed to import", cand.name)
            info.errors.append(Problem(_l("It could not be loaded: %(error)s",
                                          error=_error_text(exc))))
            return
        info.module = getattr(module, "__name__", str(module))
        info.version = info.version or str(getattr(module, "__version__", ""))
        refusal = self._version_refusal(module)
        if refusal:
            info.errors.append(refusal)
            return
        self._register(module, info)

    def _version_refusal(self, module: Any) -> Problem | None:
        wanted = getattr(module, "PORTAL_VERSIONS", None)
        if wanted is None:
            return None
        try:
            spec = SpecifierSet(str(wanted))
        except InvalidSpecifier:
            return Problem(_l("It declares PORTAL_VERSIONS = %(wanted)s, which is not a version range.",
                              wanted=repr(wanted)))
        if self.portal_version in spec:
            return None
        return Problem(_l("It supports portal versions %(wanted)s, but this portal is %(version)s. "
                          "Install a version of the plugin made for this portal.", wanted=str(wanted),
                          version=str(self.portal_version)))

    def _register(self, module: Any, info: PluginInfo) -> None:
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                self.pm.register(module, name=info.name)
        except Exception as exc:
            info.errors.append(Problem(_l("It could not be registered: %(error)s", error=str(exc))))
            return
        # a deprecated hook still works for one minor version: say so where admins look
        info.warnings = [str(w.message) for w in caught]
        unknown = [c.name for c in self.pm.get_hookcallers(module) or [] if c.spec is None]
        if unknown:
            self.pm.unregister(module)
            info.errors.append(
                Problem(_l("It implements %(hooks)s, which this portal does not define. Check the "
                           "spelling, or the portal version the plugin needs.",
                           hooks=", ".join(sorted(unknown))))
            )
            return
        info.enabled = True
        info.hooks = self._hooks_of(info.name)

    def _hooks_of(self, name: str) -> list[str]:
        plugin = self.pm.get_plugin(name)
        return sorted(c.name for c in self.pm.get_hookcallers(plugin) or [])

    # --- calling ---------------------------------------------------------------------------

    def call(self, hook: str, *, deny_on_error: bool = False, failures: list[str] | None = None,
             reraise: tuple[type[Exception], ...] = (), **kwargs: Any) -> list[tuple[str, Any]]:
        """Call each implementation of ``hook`` on its own; return (plugin, answer) pairs.

        None answers are dropped. A failing implementation is logged and recorded on its
        plugin; with ``deny_on_error`` it counts as the answer False (permission votes), and
        its name is added to ``failures`` when the caller must know (erasure must be whole).
        Exceptions of the ``reraise`` types pass through (a setting start-up cannot do without).
        """
        caller = getattr(self.pm.hook, hook)
        answers: list[tuple[str, Any]] = []
        for impl in reversed(caller.get_hookimpls()):
            try:
                answer = impl.function(*[kwargs[arg] for arg in impl.argnames])
            except reraise:
                raise
            except Exception as exc:
                self.hook_failed(impl.plugin_name, hook, exc)
                if failures is not None:
                    failures.append(impl.plugin_name)
                if deny_on_error:
                    answers.append((impl.plugin_name, False))
                continue
            if answer is not None:
                answers.append((impl.plugin_name, answer))
        return answers

    def items(self, hook: str, **kwargs: Any) -> list[Any]:
        """Call a list-returning hook and flatten the answers (a single item counts as one)."""
        flat: list[Any] = []
        for _, answer in self.call(hook, **kwargs):
            flat.extend(answer if isinstance(answer, list | tuple) else [answer])
        return flat

    def first(self, hook: str, **kwargs: Any) -> Any:
        """The first answer that is not None, for hooks where one plugin provides a service."""
        caller = getattr(self.pm.hook, hook)
        for impl in reversed(caller.get_hookimpls()):
            try:
                answer = impl.function(*[kwargs[arg] for arg in impl.argnames])
            except Exception as exc:
                self.hook_failed(impl.plugin_name, hook, exc)
                continue
            if answer is not None:
                return answer
        return None

    def hook_failed(self, plugin: str, hook: str, exc: BaseException) -> None:
        """Record a failure so admins see it; never re-raise into the user's request."""
        log.error("plugin %s failed in %s", plugin, hook, exc_info=exc)
        info = self.plugins.get(plugin)
        if info is not None:
            message = Problem(_l("%(hook)s failed: %(error)s", hook=hook,
                                 error=_error_text(exc)))
            if message not in info.errors:
                info.errors.append(message)

    @property
    def failures(self) -> list[PluginInfo]:
        """Plugins with any error; ``flask plugins check`` fails when this is not empty."""
        return [info for info in self.plugins.values() if info.errors]


def _error_text(exc: BaseException) -> str:
    """An exception as a plugin problem quotes it: ``ValueError: what went wrong``."""
    return type(exc).__name__ + ": " + str(exc)


def _file_loader(name: str, path: Path):  # type: ignore[no-untyped-def]
    """A loader for a plugin in the local folder, imported as ``coprod_local_plugins.<name>``."""

    def load() -> ModuleType:
        module_name = f"coprod_local_plugins.{name}"
        sys.modules.setdefault("coprod_local_plugins", ModuleType("coprod_local_plugins"))
        if module_name in sys.modules:
            return sys.modules[module_name]
        spec = importlib.util.spec_from_file_location(
            module_name, path, submodule_search_locations=[str(path.parent)]
            if path.name == "__init__.py" else None
        )
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot import {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[module_name]
            raise
        return module

    return load
