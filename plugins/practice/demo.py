"""Demo data: six practice examples of the demo organisation, written for it, linked to checklist items.

Runs once every plugin's demo data is in (``portal_seed_demo_done``): the member's account comes from
the network plugin's demo. Safe to run again: an example is added only when its title is not there.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import Session, select

from coprod_portal import accounts
from coprod_portal.db import utcnow

from .models import PracticeCoauthor, PracticeExample

MEMBER_EMAIL = "member@example.org"
EXAMPLES: list[dict[str, Any]] = [
    {
        "title": "Carers set the questions for the carers' assessment",
        "situation": "Carers told us the assessment form asked about tasks, not about how caring "
        "affected their own lives, and that it took two visits to finish.",
        "who_involved": "Six unpaid carers from the network, two social workers and a team manager.",
        "what_was_done": "Carers and social workers met four times in the design stage. Carers rewrote "
        "the questions in their own words; social workers checked each one against what the law asks.",
        "stage": "design", "rung": "co_production", "visibility": "public",
        "what_changed": "The new form has eleven questions instead of thirty, starts with ‘what matters "
        "to you’, and is usually finished in one visit.",
        "what_was_hard": "Fitting meetings around caring: two carers could only take part by phone.",
        "costs_and_payment": "Carers were offered a fee for each meeting, paid the way each chose, and "
        "replacement care was arranged so they could come.",
        "contact": "coproduction@example.org", "tags": "design.presence\nstartup.payment",
        "easy_read": "Carers helped us change a form. The form is shorter now. It asks what matters to you.",
        "coauthor": MEMBER_EMAIL,
        "words": "I had filled in the old form three times. Being asked to fix it, and being paid for "
        "my time, made me feel our experience counted.",
    },
    {
        "title": "Paying members on time, the way they choose",
        "situation": "Members waited up to eight weeks for fees, and some worried that payments would "
        "affect their benefits.",
        "who_involved": "Members of the network who take part in panels, the finance team and a "
        "welfare rights adviser.",
        "what_was_done": "Before any work starts, each member now chooses how to be paid (fee, voucher, "
        "or expenses only) and sets a limit that keeps their benefits safe.",
        "stage": "idea", "rung": "co_design", "visibility": "staff_and_members",
        "what_changed": "Fees are paid within ten working days, and nobody has been paid over their "
        "own limit since the change.",
        "what_was_hard": "Agreeing a process the finance system could follow without special cases.",
        "costs_and_payment": "The welfare rights adviser's time was paid from the co-production budget.",
        "contact": "coproduction@example.org", "tags": "startup.payment\nstartup.budget",
    },
    {
        "title": "Telling people what happened to their ideas",
        "situation": "People who came to our listening events said they never heard what became of "
        "what they told us.",
        "who_involved": "People who use day services, their families, and the day services team.",
        "what_was_done": "After each event we write a short ‘you said, we did’ note, in standard and "
        "Easy Read versions, and send it to everyone who came.",
        "stage": "delivery", "rung": "engagement", "visibility": "public",
        "what_changed": "More people came back to the next events, and people now ask when the note "
        "is coming.",
        "what_was_hard": "Admitting the things we could not change, and saying why.",
        "costs_and_payment": "Staff time and printing; people were reimbursed their travel.",
        "contact": "dayservices@example.org", "tags": "delivery.you_said_we_did",
    },
    {
        "title": "Agreeing roles before a project starts",
        "situation": "Members joined projects without knowing what was expected of them or what "
        "they could decide.",
        "who_involved": "Network members, project leads and the co-production lead.",
        "what_was_done": "Each new project now writes down, with the members taking part, what each "
        "role decides, how much time it takes and how it is paid.",
        "stage": "idea", "rung": "co_production", "visibility": "staff",
        "what_changed": "Fewer members left projects part way, and disagreements were easier to settle.",
        "what_was_hard": "Project leads found it hard to give up decisions they were used to making.",
        "costs_and_payment": "No extra cost: it takes one meeting at the start.",
        "contact": "coproduction@example.org", "tags": "startup.roles",
    },
    {
        "title": "Young carers planning their own website",
        "situation": "Young carers said the council's pages for them were written for adults and hard "
        "to find on a phone.",
        "who_involved": "Young carers aged 14 to 18, a youth worker and the web team.",
        "what_was_done": "Young carers drew the pages they wanted on paper; the web team built them and "
        "the young carers tested each one on their own phones.",
        "stage": "delivery", "rung": "co_production", "visibility": "public",
        "what_changed": "Still being written: the site goes live next month.",
        "contact": "coproduction@example.org", "tags": "startup.accessibility",
        "status": "draft", "coauthor": MEMBER_EMAIL, "agreed": False,
    },
    {
        "title": "A listening hour for carers",
        "situation": "Carers wanted somewhere to tell us what was going wrong without filling in a form.",
        "who_involved": "Carers who use the carers' centre, and two staff from the carers' team.",
        "what_was_done": "A monthly hour at the carers' centre where carers talk, staff listen and "
        "write down what they hear, then report back at the next one.",
        "stage": "review", "rung": "engagement", "visibility": "staff_and_members",
        "what_changed": "Three changes to the carers' centre's opening hours came from the "
        "listening hour.",
        "contact": "carers@example.org", "tags": "review.shared",
        "status": "in_review", "author": "staff@example.org",
    },
]
# The first four are published; the last two show the work in progress: a draft the member is
# invited to sign off, and one waiting for the co-production lead's review.
EXTRA = ("coauthor", "words", "agreed", "author")


def seed(session: Session) -> None:
    lead = accounts.user_by_email(session, "lead@example.org")
    if lead is None:
        return
    member = accounts.user_by_email(session, MEMBER_EMAIL)
    now = utcnow()
    for n, data in enumerate(EXAMPLES):
        if session.exec(select(PracticeExample.id).where(PracticeExample.title == data["title"])).first():
            continue
        coauthor = member if data.get("coauthor") == MEMBER_EMAIL else None
        author = accounts.user_by_email(session, data.get("author", "lead@example.org"))
        if (data.get("coauthor") and coauthor is None) or author is None:
            continue  # the network plugin is off: no member to have co-written it
        published = data.get("status", "published") == "published"
        days = 30 * (n + 1) if published else len(EXAMPLES) - n  # work in progress is the newest
        _add(session, data, author, lead, coauthor, now - timedelta(days=days))
    session.commit()


def _add(session: Session, data: dict[str, Any], author: Any, lead: Any, coauthor: Any, when: Any) -> None:
    fields = {k: v for k, v in data.items() if k not in EXTRA}
    status = fields.setdefault("status", "published")
    example = PracticeExample(**fields, author_id=author.id, created_at=when, updated_at=when)
    if status == "published":
        example.published_at, example.reviewed_by_id, example.reviewed_at = when, lead.id, when
    session.add(example)
    session.flush()
    if coauthor is not None:
        agreed = data.get("agreed", True)
        session.add(PracticeCoauthor(example_id=example.id, user_id=coauthor.id, words=data.get("words", ""),
                                     invited_at=when, agreed_at=when if agreed else None))
