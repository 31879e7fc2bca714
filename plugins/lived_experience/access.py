"""Who may see a contribution, and what label they see. The one place these rules live.

Line managers of the contributor (``User.line_manager_id``, a relation) and anyone with the HR
role never see a contribution, its existence, or its audit events, unless the contributor chose
a named visibility — and even then HR never sees the audit trail.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from coprod_portal.accounts import User
from coprod_portal.db import get_session
from coprod_portal.i18n import _, _l

from .models import ACCEPTED, SUBMITTED, LivedExperienceContribution

LEAD_ONLY = "lead_only"
TEAM = "team_pseudonymous"
ORG = "org_pseudonymous"
ORG_NAMED = "org_named"
PUBLIC = "public"
NAMED_USE = "public_named_use"  # consent purpose for one named public use

WORDING_VERSION = "2026-12"
EXPLANATION_VERSION = "2026-12"

# key: (label, who can see it, the consent wording the contributor agrees to)
VISIBILITY: dict[str, tuple[Any, Any, Any]] = {
    LEAD_ONLY: (
        _l("Only the co-production lead"),
        _l("Only the co-production lead can read it. Nobody else is told it exists."),
        _l("I agree that the co-production lead may read this contribution and use what they learn from "
            "it, without my name, to shape co-production work."),
    ),
    TEAM: (
        _l("The co-production team, under a pseudonym"),
        _l("The co-production lead and the co-production team can read it, under your pseudonym."),
        _l("I agree that the co-production lead and team may read this contribution under my pseudonym "
            "and use it, without my name, in co-production work and as evidence on projects."),
    ),
    ORG: (
        _l("Everyone in the organisation, under a pseudonym"),
        _l("Any member of staff can read it under your pseudonym, except your line manager and HR."),
        _l("I agree that any member of staff (but not my line manager or HR) may read this contribution "
            "under my pseudonym."),
    ),
    ORG_NAMED: (
        _l("Everyone in the organisation, with your name"),
        _l("Any member of staff can read it with your name, including your line manager and HR."),
        _l("I agree that any member of staff, including my line manager and HR, may read this "
            "contribution with my name. I understand the organisation may then be treated as knowing "
            "what I have shared."),
    ),
    PUBLIC: (
        _l("Public use (quote, video, training), under a pseudonym"),
        _l("It may be quoted in public material and training under your pseudonym. Staff read it "
            "under your pseudonym, except your line manager and HR. Using your name in public needs "
            "your separate agreement for each use."),
        _l("I agree that this contribution may be used in public material (quotes, video, training) "
            "under my pseudonym, after I have approved the final wording."),
    ),
}
NAMED_USE_WORDING = _l(
    "I agree that my name may appear with this contribution in the one use described above, and nowhere else."
)
ORDER = [LEAD_ONLY, TEAM, ORG, ORG_NAMED, PUBLIC]
NAMED = {ORG_NAMED}


def is_hr(user: Any) -> bool:
    return "hr" in getattr(user, "role_names", frozenset())


def manages(user: Any, contributor_id: str) -> bool:
    """Is ``user`` the line manager of the contributor?"""
    if getattr(user, "kind", "") != "staff":
        return False
    contributor = get_session().get(User, contributor_id)
    return contributor is not None and contributor.line_manager_id == user.id


def may_see(user: Any, contribution: LivedExperienceContribution) -> bool:
    """May ``user`` read this contribution now? Withdrawn contributions: nobody, not even its author.
    Before the co-production lead has accepted it, only its author and the lead."""
    if contribution.status != SUBMITTED or getattr(user, "kind", "") != "staff" or not user.is_active:
        return False
    if contribution.contributor_id == user.id:
        return True
    named = contribution.visibility in NAMED
    if not named and (is_hr(user) or manages(user, contribution.contributor_id)):
        return False
    roles = user.role_names
    if contribution.review_state != ACCEPTED and "coproduction_lead" not in roles:
        return False  # until the lead accepts it, only the contributor and the lead read it
    if contribution.visibility == LEAD_ONLY:
        return "coproduction_lead" in roles
    if contribution.visibility == TEAM:
        return bool(roles & {"coproduction_lead", "coproduction_team"})
    return contribution.visibility in (ORG, ORG_NAMED, PUBLIC) and "staff" in roles


def shown_name(contribution: LivedExperienceContribution) -> str:
    """The name shown with a contribution to people other than its author."""
    if contribution.visibility in NAMED:
        contributor = get_session().get(User, contribution.contributor_id)
        if contributor is not None:
            return contributor.display_name
    return contribution.pseudonym


def names_for(contributions: list[LivedExperienceContribution]) -> dict[str, str]:
    """``shown_name`` for a page of contributions, with one query for the named ones."""
    named = {c.contributor_id for c in contributions if c.visibility in NAMED}
    people = (
        {u.id: u.display_name for u in get_session().exec(select(User).where(col(User.id).in_(named)))}
        if named
        else {}
    )
    return {
        c.id: people.get(c.contributor_id, c.pseudonym) if c.visibility in NAMED else c.pseudonym
        for c in contributions
    }


def label(contribution: LivedExperienceContribution) -> str:
    return _("Lived experience shared by %(name)s", name=shown_name(contribution))
