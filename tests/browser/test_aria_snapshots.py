"""ARIA snapshots of the main forms: the roles, names and structure a screen reader is given,
compared with the copies kept in tests/browser/aria/. After a deliberate change to a form, look
at the difference and store the new snapshot with ``UPDATE_ARIA=1``. Also: on an error render,
every field in error has its error message (and hint) read with it through aria-describedby."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

STORED = Path(__file__).parent / "aria"
UPDATE = os.environ.get("UPDATE_ARIA") == "1"

# name -> (who signs in, the page, the form on it)
FORMS = {
    "sign_in": (None, "/sign-in", "main form"),
    "start_project": ("lead@example.org", "/projects/new", "main form"),
    "checklist_item": ("lead@example.org", None, "main form"),
    "lived_experience_contribution": ("staff@example.org", "/lived_experience/new", "main form"),
    "training_check": ("staff@example.org", "/training/modules/coproduction/check", "main form"),
    "record_involvement": ("lead@example.org", None, "main form"),
}


def open_form(page: Page, name: str) -> None:
    """Reach the form as a person would where its address holds an id."""
    if name == "record_involvement":
        page.goto("/network/")
        page.get_by_role("link", name="Maya Williams").click()
        page.get_by_role("link", name="Record involvement").click()
    elif name == "checklist_item":
        page.goto("/projects/")
        page.get_by_role("link", name="Redesign of the carers' assessment").click()
        page.get_by_role("link", name="Open the co-production checklist").click()
        page.locator("main").get_by_role("link", name="Answer", exact=False).first.click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def stable(snapshot: str) -> str:
    """Leave out what changes with the data, not the form: values typed or pre-filled (a due date
    this year) and the options of long lists of records (projects). A template may leave them out:
    Playwright matches the rest."""
    lines, options = [], 0
    for line in snapshot.splitlines():
        if line.lstrip().startswith("- option ") and "[selected]" not in line:
            options += 1
            if options > 12:
                continue
        else:
            options = 0
        lines.append(re.sub(r'^(\s*- textbox "[^"]*"): .*$', r"\1", line))
    return "\n".join(lines)


@pytest.mark.parametrize("name", list(FORMS))
def test_main_form_aria_snapshot_matches_the_stored_one(page: Page, sign_in: Any, name: str) -> None:
    who, path, scope = FORMS[name]
    if who:
        sign_in(page, who)
    if path:
        page.goto(path)
    else:
        open_form(page, name)
    form = page.locator(scope).last
    stored = STORED / f"{name}.yml"
    if UPDATE:
        STORED.mkdir(exist_ok=True)
        stored.write_text(stable(form.aria_snapshot()) + "\n")
    assert stored.exists(), f"no stored snapshot {stored}: run with UPDATE_ARIA=1 and review it"
    expect(form).to_match_aria_snapshot(stored.read_text())


DESCRIBED = """() => [...document.querySelectorAll('.govuk-form-group--error')].flatMap(group => {
  const message = group.querySelector('.govuk-error-message');
  const hint = group.querySelector('.govuk-hint');
  return [...group.querySelectorAll('input:not([type=hidden]), textarea, select, fieldset')]
    .filter(el => !el.closest('fieldset') || el.tagName === 'FIELDSET'
                  || !el.closest('fieldset').closest('.govuk-form-group--error'))
    .map(el => {
      const ids = (el.getAttribute('aria-describedby') || '').split(/\\s+/);
      return {field: el.id || el.name, error: !!message && ids.includes(message.id),
              hint: !hint || ids.includes(hint.id)};
    });
})"""


@pytest.mark.parametrize("who, path, button", [
    ("lead@example.org", "/projects/new", "Save project"),
    ("staff@example.org", "/lived_experience/new", "Send my contribution"),
    ("staff@example.org", "/training/modules/coproduction/check", None),
])
def test_errors_and_hints_are_read_with_their_fields(page: Page, sign_in: Any, who: str, path: str,
                                                     button: str | None) -> None:
    sign_in(page, who)
    page.goto(path)
    submit = (page.get_by_role("button", name=button) if button
              else page.locator("main form button[type=submit], main form button:not([type])").last)
    submit.click()
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    fields = page.evaluate(DESCRIBED)
    assert fields, "no field in error"
    assert all(f["error"] and f["hint"] for f in fields), fields
