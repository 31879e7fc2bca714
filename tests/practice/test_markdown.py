"""Import a folder of Markdown files with front matter; export every public example the same way."""

from __future__ import annotations

from sqlmodel import select

from coprod_portal.db import get_session

GOOD = """---
title: "Members chose the interview questions"
stage: commissioning
rung: co_design
groups: Four network members and the commissioning team
tags: startup.roles, design.presence
---
## The situation

Tenders were judged by staff alone.

## What was done

Members wrote two of the five interview questions & scored the answers.

## What changed

The contract went to the provider members scored highest.
"""


def _examples(app):
    from plugins.practice.models import PracticeExample

    with app.app_context():
        return {e.title: e for e in get_session().exec(select(PracticeExample))}


def test_import_loads_drafts_for_review_and_is_safe_to_run_again(app, runner, tmp_path):
    (tmp_path / "interviews.md").write_text(GOOD, encoding="utf-8")
    result = runner.invoke(args=["practice", "import", str(tmp_path), "--author", "lead@example.org"])
    assert result.exit_code == 0, result.output
    assert "Imported 1 example(s) as drafts" in result.output
    example = _examples(app)["Members chose the interview questions"]
    assert example.status == "draft" and example.visibility == "staff"
    assert example.stage == "commissioning" and example.rung == "co_design"
    assert example.tag_list == ["startup.roles", "design.presence"]
    assert example.who_involved == "Four network members and the commissioning team"
    assert "scored the answers" in example.what_was_done
    again = runner.invoke(args=["practice", "import", str(tmp_path), "--author", "lead@example.org"])
    assert "skipped, an example with this title is already here" in again.output
    assert len([t for t in _examples(app) if t == "Members chose the interview questions"]) == 1


def test_a_bad_file_stops_the_import_and_says_what_to_correct(app, runner, tmp_path):
    (tmp_path / "good.md").write_text(GOOD, encoding="utf-8")
    (tmp_path / "bad.md").write_text("---\ntitle: Broken\nstage: someday\nrung: top\ncolour: red\n"
                                     "tags: not a ref!\n---\n## Appendix\nx\n", encoding="utf-8")
    (tmp_path / "plain.md").write_text("No front matter here", encoding="utf-8")
    before = set(_examples(app))
    result = runner.invoke(args=["practice", "import", str(tmp_path), "--author", "lead@example.org"])
    assert result.exit_code == 1 and "Nothing was imported" in result.output
    for problem in ("bad.md: stage must be one of", "bad.md: rung must be one of", "bad.md: line 5",
                    "is not a checklist item reference", "‘## Appendix’ is not one of the sections",
                    "plain.md: it does not start with front matter"):
        assert problem in result.output
    assert set(_examples(app)) == before
    unknown = runner.invoke(args=["practice", "import", str(tmp_path), "--author", "nobody@example.org"])
    assert unknown.exit_code == 1 and "no active account" in unknown.output


def test_export_writes_only_public_examples_and_reads_back_the_same(app, runner, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(args=["practice", "export", str(out)])
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in out.glob("*.md"))
    assert files == ["carers-set-the-questions-for-the-carers-assessment.md",
                     "telling-people-what-happened-to-their-ideas.md"]  # the demo's public examples
    text = (out / files[0]).read_text(encoding="utf-8")
    assert text.startswith("---\ntitle: Carers set the questions") and "## What changed" in text
    from plugins.practice.markdown import parse

    with app.app_context():
        from coprod_portal.projects import stages

        parsed = parse(files[0], text, stages())
    original = _examples(app)["Carers set the questions for the carers' assessment"]
    assert parsed.problems == []
    for name in ("title", "stage", "rung", "situation", "what_changed", "easy_read", "contact"):
        assert parsed.values[name] == getattr(original, name), name
