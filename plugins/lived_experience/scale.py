"""The lived-experience share of the benchmark data set (``flask --app wsgi seed-scale``).

5,000 contributions at factor 1.0, by the demo members of staff (never the co-production lead, so
the lead's review list is full), in every visibility and review state, each with its consent. The
text is encrypted like any other contribution, with the one configured key object reused for every
row, and inserted in batches of 1,000.
"""

from __future__ import annotations

import json
from datetime import timedelta

from flask import current_app
from sqlalchemy import insert
from sqlmodel import Session, col, select

from coprod_portal.accounts import User
from coprod_portal.db import new_id, utcnow

from .access import ORDER, WORDING_VERSION
from .models import (
    ACCEPTED,
    CHANGES,
    DECLINED,
    WAITING,
    LivedExperienceConsent,
    LivedExperienceContribution,
    LivedExperienceProfile,
)
from .pseudonyms import suggest

PER_FACTOR = 5_000
BATCH = 1_000
STATES = [WAITING, WAITING, ACCEPTED, ACCEPTED, ACCEPTED, CHANGES, DECLINED]
TEXT = (
    "Benchmark contribution {n}: waiting for a first assessment felt long, and what helped was "
    "someone explaining what would happen next."
)


def seed(session: Session, factor: float) -> int:
    count = int(PER_FACTOR * factor)
    contributors = [
        u.id
        for u in session.exec(
            select(User).where(
                col(User.email).like("%@example.org"),
                col(User.email) != "lead@example.org",
                col(User.active).is_(True),
            )
        )
        if "staff" in u.role_names
    ]
    if not count or not contributors:
        return 0
    fernet = current_app.extensions["lived_experience_fernet"]  # one key object for every row

    def seal(text: str) -> str:
        return fernet.encrypt(text.encode("utf-8")).decode("ascii")

    now = utcnow()
    days = current_app.config.get("PLUGIN_LIVED_EXPERIENCE", {}).get("review_days", 365)
    note = seal(json.dumps({"kinds": ["mental_health"], "text": ""}))
    topics = seal("assessments")
    have_profile = set(session.exec(select(LivedExperienceProfile.user_id)).all())
    profiles = [
        {"user_id": uid, "opted_in_at": now, "explanation_version": WORDING_VERSION}
        for uid in contributors
        if uid not in have_profile
    ]
    if profiles:
        session.execute(insert(LivedExperienceProfile), profiles)
    for start in range(0, count, BATCH):
        contributions, consents = [], []
        for n in range(start, min(start + BATCH, count)):
            cid = new_id()
            at = now - timedelta(minutes=n)
            visibility = ORDER[n % len(ORDER)]
            contributor = contributors[n % len(contributors)]
            contributions.append(
                {
                    "id": cid,
                    "contributor_id": contributor,
                    "pseudonym": suggest(),
                    "visibility": visibility,
                    "status": "submitted",
                    "narrative_token": seal(TEXT.format(n=n)),
                    "content_note_token": note if n % 3 == 0 else None,
                    "topics_token": topics,
                    "created_at": at,
                    "updated_at": at,
                    "review_on": (at + timedelta(days=days)).date(),
                    "review_state": STATES[n % len(STATES)],
                }
            )
            consents.append(
                {
                    "id": new_id(),
                    "contribution_id": cid,
                    "contributor_id": contributor,
                    "purpose": visibility,
                    "use_description": "",
                    "wording_version": WORDING_VERSION,
                    "given_at": at,
                    "ended_because": "",
                }
            )
        session.execute(insert(LivedExperienceContribution), contributions)
        session.execute(insert(LivedExperienceConsent), consents)
        session.commit()
    return count
