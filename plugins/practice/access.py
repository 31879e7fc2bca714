"""Who may read, write and review which practice example: the one place these rules live.

Every page, the search answers, the project panel, the checklist hook, the public page and the
feed ask here, so an example hidden by a withdrawn consent is hidden from all of them at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlmodel import Session, col, select

from coprod_portal.i18n import _l
from coprod_portal.permissions import can

from .models import PracticeCoauthor, PracticeExample

PLUGIN = "practice"
STAFF_ROLES = frozenset({"admin", "coproduction_lead", "safeguarding_lead", "hr", "staff"})
STATUSES = {
    "draft": _l("Draft"),
    "in_review": _l("Waiting for review"),
    "changes_requested": _l("Changes asked for"),
    "published": _l("Published"),
    "declined": _l("Declined"),
}
VISIBILITIES = {
    "staff": _l("Staff only"),
    "staff_and_members": _l("Staff and network members"),
    "public": _l("Everyone, on the public page and feed"),
}
# Statuses in which the writers may still change the text and invite co-authors.
EDITABLE = frozenset({"draft", "changes_requested"})


def has_account(user: Any) -> bool:
    return getattr(user, "kind", "") == "staff" and bool(getattr(user, "is_active", False))


def is_staff(user: Any) -> bool:
    """Staff, as opposed to network members with an account: decided by the core's staff roles."""
    return has_account(user) and bool(STAFF_ROLES & set(getattr(user, "role_names", frozenset())))


def is_reviewer(user: Any) -> bool:
    return has_account(user) and can(user, "practice.review")


def coauthors(session: Session, example_ids: Iterable[str]) -> dict[str, list[PracticeCoauthor]]:
    """Co-author rows of several examples in one query, by example id."""
    ids = list(set(example_ids))
    found: dict[str, list[PracticeCoauthor]] = {i: [] for i in ids}
    if ids:
        for row in session.exec(select(PracticeCoauthor).where(col(PracticeCoauthor.example_id).in_(ids))):
            found[row.example_id].append(row)
    return found


def consents_stand(rows: list[PracticeCoauthor]) -> bool:
    """No co-author has withdrawn (a co-author still to sign off does not hide a published example:
    one cannot be published before everyone signed off, and nobody can be added after)."""
    return all(row.withdrawn_at is None for row in rows)


def is_writer(user: Any, example: PracticeExample, rows: list[PracticeCoauthor]) -> bool:
    if not has_account(user):
        return False
    return example.author_id == user.id or any(r.user_id == user.id for r in rows)


def published_to(user: Any, example: PracticeExample, rows: list[PracticeCoauthor]) -> bool:
    """The published example, with every consent standing, is meant for this reader."""
    if example.status != "published" or not consents_stand(rows):
        return False
    if example.visibility == "public":
        return True
    if example.visibility == "staff_and_members":
        return has_account(user)
    return is_staff(user)


def may_read(user: Any, example: PracticeExample, rows: list[PracticeCoauthor]) -> bool:
    """Writers and reviewers see it whatever its state (a withdrawal is shown to them as a warning);
    everyone else only once it is published for them and every consent stands."""
    return is_writer(user, example, rows) or is_reviewer(user) or published_to(user, example, rows)


def may_edit(user: Any, example: PracticeExample, rows: list[PracticeCoauthor]) -> bool:
    mine = example.author_id == getattr(user, "id", None) or any(
        r.user_id == getattr(user, "id", None) and r.withdrawn_at is None for r in rows
    )
    return has_account(user) and mine and example.status in EDITABLE


def is_lead_author(user: Any, example: PracticeExample) -> bool:
    return has_account(user) and example.author_id == user.id


def published_for(session: Session, user: Any) -> list[PracticeExample]:
    """Published examples this person may read, newest first, withdrawn consents left out."""
    newest = (col(PracticeExample.published_at).desc(), col(PracticeExample.id))
    examples = list(session.exec(select(PracticeExample).where(PracticeExample.status == "published")
                                 .order_by(*newest)))
    rows = coauthors(session, (e.id for e in examples))
    return [e for e in examples if published_to(user, e, rows[e.id])]


def public_examples(session: Session) -> list[PracticeExample]:
    """What the public page and the feed show: published, public, every consent standing."""
    examples = list(session.exec(select(PracticeExample).where(
        PracticeExample.status == "published", PracticeExample.visibility == "public")
        .order_by(col(PracticeExample.published_at).desc(), col(PracticeExample.id))))
    rows = coauthors(session, (e.id for e in examples))
    return [e for e in examples if consents_stand(rows[e.id])]
