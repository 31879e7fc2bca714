"""The plugin author guide and the contract: generated text is fresh, every hook is documented and
implemented somewhere, code in the guide is real, and the stable-contract promises hold."""

import ast
import importlib.util
import os
import re
import sys
from pathlib import Path

import pluggy
import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version

import coprod_portal
from coprod_portal import PUBLIC_MODULES, hookspecs
from coprod_portal.plugin_template import portal_versions, skeleton_files
from coprod_portal.testing import login

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "plugins.md"
REFERENCE = ROOT / "docs" / "hooks.md"

# Where plugins live: built-in plugins, the examples, the test plugins, and the core's own hooks.
PLUGIN_SOURCES = [ROOT / "plugins", ROOT / "training", ROOT / "examples", ROOT / "tests" / "plugins",
                  ROOT / "coprod_portal" / "core_hooks.py"]

# Hooks that no built-in, example or test plugin implements yet, with the issue whose plugin will
# be the first to. Take a hook off this list in the change that implements it: the last test
# below fails while a hook here is implemented, or no longer exists.
WAITING_FOR_THEIR_PLUGIN = {
    "portal_contribution_submitted": "issue 6: the lived-experience plugin raises it",
    "portal_training_completed": "issue 7: the training plugin raises it",
}


def _load_generator():
    spec = importlib.util.spec_from_file_location("docs_generate", ROOT / "docs" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


generate = _load_generator()


def _spec_names():
    return [name for name, _ in generate.hook_specs(hookspecs)]


def _implemented_hooks():
    """Names of functions marked @hookimpl in every plugin source, found by reading the code."""
    found = set()
    files = [p for source in PLUGIN_SOURCES
             for p in ([source] if source.is_file() else sorted(source.rglob("*.py")))]
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and any(
                    "hookimpl" in ast.unparse(decorator) for decorator in node.decorator_list):
                found.add(node.name)
    return found


def test_generated_docs_match_the_contract_and_the_code_they_show():
    stale = [str(path.relative_to(ROOT)) for path in generate.stale()]
    assert stale == [], f"{', '.join(stale)} out of date: run `make docs` and commit the result"


def test_every_hook_is_in_the_reference_with_its_documentation():
    reference = REFERENCE.read_text(encoding="utf-8")
    for name, fn in generate.hook_specs(hookspecs):
        assert f'<a id="{name}"></a>' in reference, name
        first_line = (fn.__doc__ or "").strip().splitlines()[0]
        assert generate.rst_to_markdown(first_line) in reference, name


def test_every_hook_is_implemented_by_a_built_in_example_or_test_plugin():
    unimplemented = set(_spec_names()) - _implemented_hooks() - WAITING_FOR_THEIR_PLUGIN.keys()
    assert unimplemented == set(), (
        "No plugin implements these hooks: implement them in a built-in, example or test plugin "
        "(with a test), or add them to WAITING_FOR_THEIR_PLUGIN naming the issue that will")


def test_the_waiting_list_names_only_real_hooks_nobody_implements_yet():
    specs, implemented = set(_spec_names()), _implemented_hooks()
    assert set(WAITING_FOR_THEIR_PLUGIN) - specs == set(), "no longer a hook: take it off the list"
    assert set(WAITING_FOR_THEIR_PLUGIN) & implemented == set(), "implemented now: take it off the list"


def test_links_in_the_guide_lead_to_real_files_and_hooks():
    specs = set(_spec_names())
    for doc in (GUIDE, REFERENCE):
        for target in re.findall(r"\]\(([^)#\s]*)(?:#([^)\s]*))?\)", doc.read_text(encoding="utf-8")):
            path, anchor = target
            if path.startswith(("http://", "https://")) or not path:
                continue
            assert (doc.parent / path).exists(), f"{doc.name} links to a missing {path}"
            if path == "hooks.md" and anchor:
                assert anchor in specs, f"{doc.name} links to {path}#{anchor}, which is not a hook"


def test_readme_links_to_the_guide():
    assert "(docs/plugins.md)" in (ROOT / "README.md").read_text(encoding="utf-8")


def _portal_imports(source):
    """Every coprod_portal module a piece of code imports."""
    modules = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names if alias.name.startswith("coprod_portal")}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("coprod_portal"):
            if node.module == "coprod_portal":
                modules |= {f"coprod_portal.{alias.name}" for alias in node.names
                            if not alias.name.startswith("__")}
            else:
                modules.add(node.module)
    return modules


def test_the_example_and_the_skeleton_use_only_the_public_modules():
    sources = {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8")
               for p in sorted((ROOT / "examples").rglob("*.py"))}
    sources |= {f"skeleton {path}": text for path, text in skeleton_files("boards", "0.1.0").items()
                if path.suffix == ".py"}
    private = {name: sorted(_portal_imports(text) - set(PUBLIC_MODULES)) for name, text in sources.items()}
    assert {name: modules for name, modules in private.items() if modules} == {}


def test_a_plugin_may_leave_out_arguments_it_does_not_need(make_app, tmp_path):
    """Opt-in arguments: the spec passes ``user``, this plugin asks for nothing."""
    (tmp_path / "plugins").mkdir()
    (tmp_path / "plugins" / "optin.py").write_text(
        "from coprod_portal.hookspecs import hookimpl\n"
        "from coprod_portal.types import DashboardCard\n\n\n"
        "@hookimpl\n"
        "def portal_dashboard_cards():\n"
        "    return DashboardCard('Opt-in card', 'Asked for no arguments.')\n")
    app = make_app(plugins=["builtins", "optin"], config={"PLUGINS_DIR": str(tmp_path / "plugins")})
    try:
        assert "Opt-in card" in login(app.test_client(), "staff@example.org").get("/").get_data(as_text=True)
    finally:
        sys.modules.pop("coprod_local_plugins.optin", None)


DEPRECATED_SPECS = '''
import pluggy

hookspec = pluggy.HookspecMarker("coprod_portal")

# --- old and new ---


@hookspec(warn_on_impl=DeprecationWarning("Use portal_new_thing instead; removed in 0.3."))
def portal_old_thing(user):
    """The old way."""


@hookspec(warn_on_impl_args={"user": DeprecationWarning("Use person instead; removed in 0.3.")})
def portal_new_thing(user, person):
    """The new way."""
'''


def test_a_deprecated_hook_is_marked_in_the_reference_and_warns_the_plugin_that_uses_it(tmp_path):
    path = tmp_path / "deprecated_specs.py"
    path.write_text(DEPRECATED_SPECS)
    spec = importlib.util.spec_from_file_location("deprecated_specs", path)
    specs = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(specs)
    reference = generate.hook_reference(specs)
    assert "## Old and new" in reference
    assert "**Deprecated:** Use portal_new_thing instead; removed in 0.3." in reference
    assert "**Deprecated argument `user`:** Use person instead; removed in 0.3." in reference

    class StillOnTheOldWay:
        @pluggy.HookimplMarker("coprod_portal")
        def portal_old_thing(self, user):
            return None

    manager = pluggy.PluginManager("coprod_portal")
    manager.add_hookspecs(specs)
    with pytest.warns(DeprecationWarning, match="Use portal_new_thing instead"):
        manager.register(StillOnTheOldWay())


def test_the_portal_version_is_exposed_and_new_plugins_declare_a_range_that_includes_it():
    version = Version(coprod_portal.__version__)
    assert version in SpecifierSet(portal_versions(coprod_portal.__version__))
    assert Version(f"{version.major + 1}.0") not in SpecifierSet(portal_versions(coprod_portal.__version__))


def _make_dry_run(target: str) -> str:
    """What ``make TARGET`` would run, without running it (``make -n``), for a checkout that is
    installed already (so only the target's own commands are listed)."""
    import shutil
    import subprocess

    if not shutil.which("make"):
        pytest.skip("make is not installed")
    env = {k: v for k, v in os.environ.items() if k not in {"TEST_WORKERS", "PYTEST_ARGS", "MAKEFLAGS"}}
    result = subprocess.run(["make", "-n", "--no-print-directory", target], cwd=ROOT, text=True,
                            capture_output=True, check=True, env=env)
    return result.stdout


def test_the_readmes_test_commands_run_the_suite_as_it_says():
    """``make test`` lints first and runs everything on every core; ``make test-fast`` (the quick
    loop the README offers) runs the suite on every core without the browser tests or lint."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "`make test-fast`" in readme and "without the browser tests" in readme
    full, fast = _make_dry_run("test"), _make_dry_run("test-fast")
    pytest_lines = [line for line in full.splitlines() if " -m pytest " in line]
    assert len(pytest_lines) == 2 and all("-n auto" in line for line in pytest_lines), full
    assert "not browser" not in full and "mypy" in full and "ruff check" in full
    fast_lines = [line for line in fast.splitlines() if " -m pytest " in line]
    assert "-n auto" in fast_lines[0] and '-m "not browser"' in fast_lines[0], fast
    assert "examples/governance" in fast_lines[1] and "mypy" not in fast and "ruff" not in fast
