"""Regenerate the generated parts of the plugin author guide: ``make docs`` (or this script).

* ``docs/hooks.md``, the hook reference, from the specs and docstrings in
  ``coprod_portal/hookspecs.py`` (the contract's docstrings are its documentation);
* the code shown in ``docs/plugins.md`` between ``<!-- include: … -->`` and
  ``<!-- end include -->``, copied from the real files it names, so the guide shows code that
  runs in the test suite.

``--check`` changes nothing and exits 1 when a file is out of date (``tests/test_docs.py``
fails the same way).

An include names a file relative to the repository, optionally followed by ``::`` and the
top-level functions or classes to show (with their decorators)::

    <!-- include: examples/governance/governance/__init__.py :: portal_permissions -->

``skeleton:PATH`` shows a file of the ``plugins new`` skeleton, made for the plugin "boards";
``public-modules`` lists ``coprod_portal.PUBLIC_MODULES`` with the first line of each docstring.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import inspect
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HOOKS_MD = ROOT / "docs" / "hooks.md"
GUIDE_MD = ROOT / "docs" / "plugins.md"
SKELETON_NAME = "boards"
LANGUAGES = {".py": "python", ".toml": "toml", ".html": "jinja", ".md": "markdown", ".txt": "text"}
INCLUDE = re.compile(
    r"^(?P<indent>[ \t]*)<!-- include: (?P<spec>.+?) -->\n(?P<body>.*?)^(?P=indent)<!-- end include -->",
    re.S | re.M)
SECTION = re.compile(r"^# -{2,} (?P<title>.+?) -*\s*$")


# --- the hook reference ------------------------------------------------------------------------


def hook_specs(module: Any) -> list[tuple[str, Any]]:
    """Every hook the module declares (functions carrying the spec marker), in source order."""
    marker = f"{module.hookspec.project_name}_spec"
    specs = [(name, fn) for name, fn in vars(module).items() if callable(fn) and hasattr(fn, marker)]
    return sorted(specs, key=lambda item: (_line(item[1]), item[0]))


def _line(fn: Any) -> int:
    try:
        return inspect.getsourcelines(fn)[1]
    except (OSError, TypeError):
        return sys.maxsize  # defined somewhere we cannot read: list it last


def _sections(module: Any) -> list[tuple[int, str]]:
    """(line, title) of each ``# --- title ---`` comment in the module's source."""
    try:
        lines = inspect.getsource(module).splitlines()
    except (OSError, TypeError):
        return []
    found = []
    for number, line in enumerate(lines, start=1):
        match = SECTION.match(line)
        if match:
            title = match.group("title").strip()
            found.append((number, title[:1].upper() + title[1:]))
    return found


def _signature(name: str, fn: Any) -> str:
    """The hook's signature as written in the source (annotations are strings there)."""
    parts = []
    for param in inspect.signature(fn).parameters.values():
        annotation = param.annotation
        if annotation is inspect.Parameter.empty:
            parts.append(param.name)
        else:
            text = annotation if isinstance(annotation, str) else inspect.formatannotation(annotation)
            parts.append(f"{param.name}: {text}")
    returns = inspect.signature(fn).return_annotation
    arrow = "" if returns is inspect.Signature.empty else (
        f" -> {returns if isinstance(returns, str) else inspect.formatannotation(returns)}")
    return f"{name}({', '.join(parts)}){arrow}"


def rst_to_markdown(text: str) -> str:
    """The little reStructuredText the docstrings use: ``code`` and ``::`` code blocks."""
    out: list[str] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.rstrip().endswith("::"):
            out.append(re.sub(r"\s*::$", ":", line.rstrip()))
            block, index = _indented_block(lines, index + 1)
            out += ["", "```python", *block, "```", ""]
            continue
        out.append(line)
        index += 1
    return re.sub(r"``(.+?)``", r"`\1`", "\n".join(out)).strip()


def _indented_block(lines: list[str], index: int) -> tuple[list[str], int]:
    while index < len(lines) and not lines[index].strip():
        index += 1
    block = []
    while index < len(lines) and (not lines[index].strip() or lines[index].startswith(" ")):
        block.append(lines[index])
        index += 1
    while block and not block[-1].strip():
        block.pop()
    return inspect.cleandoc("\n".join(block)).splitlines(), index


def _options(fn: Any, marker: str) -> list[str]:
    opts = getattr(fn, marker)
    notes = []
    if opts.get("firstresult"):
        notes.append("**One answer:** the first implementation that returns something other than "
                     "None answers; the rest are not called.")
    if opts.get("historic"):
        notes.append("**Historic:** plugins registered later are called with the earlier arguments too.")
    if opts.get("warn_on_impl"):
        notes.append(f"**Deprecated:** {opts['warn_on_impl']}")
    for arg, warning in (opts.get("warn_on_impl_args") or {}).items():
        notes.append(f"**Deprecated argument `{arg}`:** {warning}")
    return notes


def hook_reference(module: Any | None = None) -> str:
    """The whole of docs/hooks.md."""
    if module is None:
        from coprod_portal import hookspecs

        module = hookspecs
    marker = f"{module.hookspec.project_name}_spec"
    sections = _sections(module)
    groups: dict[str, list[tuple[str, Any]]] = {}
    for name, fn in hook_specs(module):
        line = _line(fn)
        title = next((t for n, t in reversed(sections) if n < line), "Hooks")
        groups.setdefault(title, []).append((name, fn))
    out = ["# Hook reference", "",
           "<!-- Generated by docs/generate.py from coprod_portal/hookspecs.py: do not edit by hand. "
           "Run `make docs` after changing a hook. -->", "",
           rst_to_markdown(inspect.getdoc(module) or ""), "", "## Every hook", ""]
    for title, hooks in groups.items():
        out.append(f"- {title}: " + ", ".join(f"[`{name}`](#{name})" for name, _ in hooks))
    for title, hooks in groups.items():
        out += ["", f"## {title}"]
        for name, fn in hooks:
            out += ["", f'<a id="{name}"></a>', "", f"### `{name}`", "", "```python",
                    _signature(name, fn), "```", ""]
            out += [note + "\n" for note in _options(fn, marker)]
            out.append(rst_to_markdown(inspect.getdoc(fn) or "*Not documented yet.*"))
    return "\n".join(out).rstrip() + "\n"


# --- code included in the guide ------------------------------------------------------------------


def public_modules() -> str:
    """A Markdown list of the modules plugins may import, each with what it is for."""
    from coprod_portal import PUBLIC_MODULES

    lines = []
    for name in PUBLIC_MODULES:
        doc = (inspect.getdoc(importlib.import_module(name)) or "").strip().split("\n\n")[0]
        lines.append(f"- `{name}` — {rst_to_markdown(' '.join(doc.split()))}")
    return "\n".join(lines) + "\n"


def _source_of(spec: str) -> tuple[str, str | None]:
    """(text, language) for an include spec: ``path``, ``path :: name …``, ``skeleton:path`` or
    ``public-modules`` (Markdown, not code: its language is None)."""
    if spec == "public-modules":
        return public_modules(), None
    path_text, _, names = (part.strip() for part in spec.partition("::"))
    if path_text.startswith("skeleton:"):
        from coprod_portal import __version__
        from coprod_portal.plugin_template import skeleton_files

        relative = Path(path_text.removeprefix("skeleton:").replace("PACKAGE", SKELETON_NAME))
        text = skeleton_files(SKELETON_NAME, __version__)[relative]
        suffix = relative.suffix
    else:
        path = ROOT / path_text
        text = path.read_text(encoding="utf-8")
        suffix = path.suffix
    if names:
        text = _definitions(text, names.split())
    return text.rstrip("\n") + "\n", LANGUAGES.get(suffix, "")


def _definitions(source: str, names: list[str]) -> str:
    """The named top-level definitions (with decorators and comments just above), in source order."""
    lines = source.splitlines()
    nodes = {n.name: n for n in ast.parse(source).body
             if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)}
    missing = [name for name in names if name not in nodes]
    if missing:
        raise KeyError(f"not defined at the top level: {', '.join(missing)}")
    chunks = []
    for node in sorted((nodes[name] for name in names), key=lambda n: n.lineno):
        start = min([node.lineno, *(d.lineno for d in node.decorator_list)]) - 1
        while start > 0 and lines[start - 1].startswith("#"):
            start -= 1
        chunks.append("\n".join(lines[start:node.end_lineno]))
    return "\n\n\n".join(chunks)


def refresh_includes(text: str) -> str:
    """``text`` with every include region replaced by the current code it names."""

    def replace(match: re.Match[str]) -> str:
        indent, spec = match.group("indent"), match.group("spec")
        code, language = _source_of(spec)
        fence = "````" if "```" in code else "```"
        body = code.splitlines() if language is None else [fence + language, *code.splitlines(), fence]
        lines = [f"<!-- include: {spec} -->", *body, "<!-- end include -->"]
        return "\n".join(f"{indent}{line}" if line else "" for line in lines)

    refreshed, count = INCLUDE.subn(replace, text)
    if count != text.count("<!-- include: "):
        raise ValueError("an include has no matching <!-- end include --> at the same indentation")
    return refreshed


# --- the command ---------------------------------------------------------------------------------


def outputs() -> dict[Path, str]:
    """What every generated file should contain now."""
    return {HOOKS_MD: hook_reference(), GUIDE_MD: refresh_includes(GUIDE_MD.read_text(encoding="utf-8"))}


def stale() -> list[Path]:
    """The generated files whose text differs from what they should contain."""
    return [path for path, text in outputs().items()
            if not path.exists() or path.read_text(encoding="utf-8") != text]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if out of date")
    args = parser.parse_args(argv)
    if args.check:
        out_of_date = stale()
        for path in out_of_date:
            print(f"{path.relative_to(ROOT)} is out of date: run `make docs`", file=sys.stderr)
        return 1 if out_of_date else 0
    for path, text in outputs().items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
