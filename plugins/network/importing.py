"""Importing members from a CSV file: every row is checked first, and nothing is saved unless all are.

Each row is checked with the same form (and the same messages) as adding one member by hand, plus
the duplicate checks: an email address already in the register, or twice in the file. A broken
row is reported by its line number, next to the field it is about; then the whole file is refused
and the register is unchanged (one transaction for the whole import).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select
from werkzeug.datastructures import MultiDict

from coprod_portal.i18n import _, number

from .forms import IMPORT_COLUMNS, MemberForm
from .models import NetworkMember

MAX_ROWS = 2000


@dataclass
class Outcome:
    members: list[NetworkMember] = field(default_factory=list)
    problems: list[tuple[int, str, str]] = field(default_factory=list)  # line, column label, message
    file_problem: str = ""


def _label(name: str) -> str:
    """The column's name as the form's label reads in the reader's language (its code if none)."""
    return str(MemberForm.__dict__[name].args[0]) if name in MemberForm.__dict__ else name


def check(session: Session, text: str) -> Outcome:
    """Parse and check every row; ``members`` are unsaved and only filled when there is no problem."""
    try:
        return _check_rows(session, text)
    except csv.Error:  # e.g. a stray carriage return or NUL inside a cell
        return Outcome(file_problem=_("The file could not be read as CSV. Open it in your spreadsheet, "
                                      "save it again as CSV (UTF-8), and paste or upload it again"))


def _check_rows(session: Session, text: str) -> Outcome:
    outcome = Outcome()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if "preferred_name" not in header:
        outcome.file_problem = _(
            "The first line must name the columns, and include preferred_name. "
            "The columns you can use are: %(columns)s", columns=", ".join(IMPORT_COLUMNS)
        )
        return outcome
    unknown = [h for h in header if h and h not in IMPORT_COLUMNS]
    if unknown:
        outcome.file_problem = _("Remove or rename the columns we do not know: %(columns)s",
                                 columns=", ".join(unknown))
        return outcome
    reader.fieldnames = header
    rows = list(reader)
    if not rows:
        outcome.file_problem = _("The file has no rows of members under its first line")
        return outcome
    if len(rows) > MAX_ROWS:
        outcome.file_problem = _("Import at most %(most)s members at a time: split the file",
                                 most=number(MAX_ROWS))
        return outcome
    emails = [(r.get("email") or "").strip().lower() for r in rows]
    taken = {
        e: name
        for e, name in session.exec(
            select(NetworkMember.email, NetworkMember.preferred_name).where(
                col(NetworkMember.email).in_([e for e in emails if e])
            )
        )
    }
    seen: dict[str, int] = {}
    for index, row in enumerate(rows):
        line = index + 2  # the header is line 1
        if None in row:
            outcome.problems.append(
                (line, _("Row"), _("This row has more cells than the first line has columns"))
            )
            continue
        data = {name: (row.get(name) or "").strip() for name in IMPORT_COLUMNS}
        data["contact_by"] = data["contact_by"] or "email"
        data["preferred_format"] = data["preferred_format"] or "standard"
        data["status"] = data["status"] or "applicant"
        form = MemberForm(formdata=MultiDict(data), meta={"csrf": False})
        form.validate()
        for name, messages in form.errors.items():
            for message in messages:
                if _unknown_code(form, name):
                    codes = ", ".join(str(value) for value, _label_text in getattr(form, name).choices)
                    message = _("Use one of the codes %(codes)s", codes=codes)
                outcome.problems.append(
                    (line, _label(name), _("%(problem)s (you entered ‘%(entered)s’)", problem=message,
                                           entered=data.get(name, "")))
                )
        email = emails[index]
        if email and email in taken:
            outcome.problems.append(
                (line, _label("email"), _("%(name)s already has %(email)s in the register", name=taken[email],
                                          email=email))
            )
        elif email and email in seen:
            outcome.problems.append(
                (line, _label("email"), _("%(email)s is also on line %(line)s of the file", email=email,
                                          line=seen[email]))
            )
        if email:
            seen.setdefault(email, line)
        if not form.errors:
            outcome.members.append(
                NetworkMember(
                    preferred_name=data["preferred_name"],
                    email=email or None,
                    phone=data["phone"],
                    contact_by=data["contact_by"],
                    preferred_format=data["preferred_format"],
                    status=data["status"],
                    status_reason=data["status_reason"],
                )
            )
    if outcome.problems:
        outcome.members = []
    return outcome


def _unknown_code(form: MemberForm, name: str) -> bool:
    """Whether a column of codes holds a value that is none of them (WTForms' own message for it is
    in its own words and, in another language, its own translation, so the value itself is checked)."""
    choices = getattr(getattr(form, name, None), "choices", None)
    value = getattr(form, name).data if choices else None
    return bool(choices) and bool(value) and value not in {code for code, _label_text in choices}


def decode(upload: Any) -> str | None:
    """The uploaded file as text, or None when it is not UTF-8 text of up to 1 MB."""
    raw = upload.read(1_000_001)
    if len(raw) > 1_000_000:
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
