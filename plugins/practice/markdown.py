"""Practice examples as Markdown files with front matter, to load the examples an organisation has
already written and to give every public example to a website the same way.

A file looks like this (front matter between ``---`` lines; a section per ``## `` heading)::

    ---
    title: Carers set the questions
    stage: design
    rung: co_production
    groups: Six unpaid carers and two social workers
    tags: design.presence, startup.payment
    ---
    ## The situation
    ...

Front matter is one ``key: value`` a line (no nesting), so no YAML library is needed and nothing
in a file can run code. Imported examples are drafts: the co-production lead reviews them first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coprod_portal.projects import RUNGS

from .forms import TAG, tag_list

SECTIONS = {  # heading in the file -> field
    "The situation": "situation",
    "What was done": "what_was_done",
    "What changed": "what_changed",
    "What was hard": "what_was_hard",
    "Costs and how people were paid": "costs_and_payment",
    "Easy Read": "easy_read",
}
FRONT = ("title", "stage", "rung", "groups", "tags", "contact")
LIMITS = {"title": 200, "who_involved": 2000, "contact": 200, "costs_and_payment": 2000, "tags": 1000}
MAX_FILE = 100_000


@dataclass
class Parsed:
    """One file's example as field values, or the problems that stop it being imported."""

    name: str
    values: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def parse(name: str, text: str, stages: list[str]) -> Parsed:
    found = Parsed(name)
    match = re.match(r"\A---\r?\n(.*?)\r?\n---\r?\n?(.*)\Z", text, flags=re.S)
    if not match:
        found.problems.append("it does not start with front matter between two lines of ---")
        return found
    for number, line in enumerate(match.group(1).splitlines(), start=2):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, colon, value = line.partition(":")
        key = key.strip().lower()
        if not colon or key not in FRONT:
            found.problems.append(f"line {number}: expected one of {', '.join(FRONT)} then a colon")
            continue
        found.values["who_involved" if key == "groups" else key] = _unquote(value.strip())
    found.values.update(_sections(match.group(2), found.problems))
    found.values["tags"] = "\n".join(tag_list(found.values.get("tags", "").strip("[]")))
    _check(found, stages)
    return found


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def _sections(body: str, problems: list[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    current: str | None = None
    lines: list[str] = []
    for line in body.splitlines() + ["## "]:
        if line.startswith("## "):
            if current is not None:
                values[current] = "\n".join(lines).strip()
            heading = line[3:].strip()
            current = SECTIONS.get(heading)
            if heading and current is None:
                problems.append(f"‘## {heading[:60]}’ is not one of the sections: {', '.join(SECTIONS)}")
            lines = []
        elif current is not None:
            lines.append(line)
    return values


def _check(found: Parsed, stages: list[str]) -> None:
    values = found.values
    if not values.get("title"):
        found.problems.append("it has no title")
    if values.get("stage") not in stages:
        found.problems.append(f"stage must be one of {', '.join(stages)}")
    if values.get("rung") not in RUNGS:
        found.problems.append(f"rung must be one of {', '.join(RUNGS)}")
    wrong = [t for t in tag_list(values.get("tags")) if not TAG.match(t)]
    if wrong:
        found.problems.append(f"‘{wrong[0][:60]}’ is not a checklist item reference such as startup.payment")
    for name, value in values.items():
        limit = LIMITS.get(name, 4000)
        if len(value) > limit:
            found.problems.append(f"{name} is longer than {limit:,} characters")


def read_folder(folder: Path, stages: list[str]) -> list[Parsed]:
    parsed = []
    for path in sorted(folder.glob("*.md")):
        if path.stat().st_size > MAX_FILE:
            parsed.append(Parsed(path.name, problems=[f"it is larger than {MAX_FILE:,} bytes"]))
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            parsed.append(Parsed(path.name, problems=["it is not UTF-8 text"]))
            continue
        parsed.append(parse(path.name, text, stages))
    return parsed


def to_markdown(example: Any) -> str:
    front = {"title": example.title, "stage": example.stage, "rung": example.rung,
             "groups": example.who_involved, "tags": ", ".join(example.tag_list), "contact": example.contact}
    lines = ["---", *(f"{k}: {_one_line(v)}" for k, v in front.items() if v), "---"]
    for heading, name in SECTIONS.items():
        text = getattr(example, name)
        if text:
            lines += ["", f"## {heading}", "", text.strip()]
    return "\n".join(lines) + "\n"


def _one_line(value: str) -> str:
    return " ".join(value.split())


def file_name(title: str, taken: set[str]) -> str:
    stem = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60] or "example"
    name, n = f"{stem}.md", 2
    while name in taken:
        name, n = f"{stem}-{n}.md", n + 1
    taken.add(name)
    return name
