"""Subject access and erasure for the training plugin: a staff member's progress and certificates,
what they wrote or reviewed as a trainer, and their training deliveries.

Only people with a portal account are found here (``person.user_id``): staff who took the
course on the intranet and trainers. **Learners who came from an LMS over LTI have no email
address in the portal** — the portal knows them only as (LMS issuer, LMS user id), with the name
the LMS chose to send — so a subject access or erasure request by email cannot find them. Their
request goes to the LMS's organisation, which knows who they are; a portal admin can then find
their records by that LMS user id.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from coprod_portal.audit import AuditEvent
from coprod_portal.types import ErasureReport, SubjectRecords

from .course import PLUGIN
from .models import (
    TrainingDelivery,
    TrainingGrade,
    TrainingLiveSession,
    TrainingModule,
    TrainingProgress,
    TrainingTrainer,
    TrainingVersion,
)

SECTION = "Training"
CREDIT_AFTER_ERASURE = "A member of the co-production network"


def _titles(session: Session) -> dict[str, str]:
    return {m.key: m.title for m in session.exec(select(TrainingModule))}


def export(session: Session, person: Any) -> SubjectRecords | None:
    if not person.user_id:
        return None
    titles = _titles(session)
    records: list[dict[str, Any]] = []
    progress_rows = session.exec(
        select(TrainingProgress)
        .where(TrainingProgress.learner_ref == f"u:{person.user_id}")
        .order_by(col(TrainingProgress.updated_at))
    )
    for progress in progress_rows:
        records.append(
            {
                "Module you took": titles.get(progress.module_key, progress.module_key),
                "Module version": progress.version,
                "Lessons done": len(json.loads(progress.lessons_done or "[]")),
                "Where you left off": progress.last_lesson or None,
                "Score in the check": (
                    f"{progress.score} of {progress.out_of}" if progress.score is not None else None
                ),
                "Certificate of completion": (
                    f"completed on {progress.completed_at.date().isoformat()}, reference {progress.id[:12]}"
                    if progress.completed_at
                    else None
                ),
                "Last activity": progress.updated_at,
            }
        )
    for trainer in session.exec(select(TrainingTrainer).where(TrainingTrainer.user_id == person.user_id)):
        records.append(
            {"Module you train on and may edit": titles.get(trainer.module_key, trainer.module_key)}
        )
    for version in session.exec(
        select(TrainingVersion).where(
            sa.or_(
                col(TrainingVersion.author_id) == person.user_id,
                col(TrainingVersion.reviewed_by) == person.user_id,
            )
        )
    ):
        records.append(
            {
                "Module version you " + ("wrote" if version.author_id == person.user_id else "reviewed"): (
                    f"{titles.get(version.module_key, version.module_key)}, version {version.number}"
                ),
                "Status": version.status,
                "Review note": version.review_note or None,
                "Last changed": version.updated_at,
            }
        )
    for delivery in session.exec(
        select(TrainingDelivery)
        .where(TrainingDelivery.trainer_id == person.user_id)
        .order_by(col(TrainingDelivery.on))
    ):
        records.append(
            {
                "Training you delivered": titles.get(delivery.module_key, delivery.module_key),
                "Kind": "live session" if delivery.kind == "session" else "published module version",
                "Version": delivery.version,
                "On": delivery.on,
                "Hours": delivery.hours,
                "Note": delivery.note or None,
                "Sent for a fee": delivery.involvement_id is not None,
            }
        )
    for event in session.exec(
        select(AuditEvent)
        .where(AuditEvent.plugin == PLUGIN, AuditEvent.actor_id == person.user_id)
        .order_by(col(AuditEvent.at))
    ):
        records.append(
            {"What you did (audit log)": event.action, "About": event.subject_label, "When": event.at}
        )
    if not records:
        return None
    return SubjectRecords(
        SECTION,
        tuple(records),
        note="Learners who open the course from an LMS are not listed by email: the portal knows "
        "them only by their LMS user id. Ask the LMS's organisation for those records.",
    )


def erase(session: Session, person: Any) -> ErasureReport | None:
    """Delete progress and certificates, trainer links and authorship; anonymise credits.

    Deliveries are kept: each is the record behind a fee paid through the network plugin's
    ledger. Audit entries are kept as the core's audit log keeps them.
    """
    if not person.user_id:
        return None
    user_id = person.user_id
    erased: list[str] = []
    progress_ids = select(TrainingProgress.id).where(TrainingProgress.learner_ref == f"u:{user_id}")
    grades = _deleted(
        session, sa.delete(TrainingGrade).where(col(TrainingGrade.progress_id).in_(progress_ids))
    )
    progress = _deleted(
        session, sa.delete(TrainingProgress).where(col(TrainingProgress.learner_ref) == f"u:{user_id}")
    )
    if progress:
        erased.append(f"progress, scores and certificates in {progress} {_modules(progress)}")
    if grades:
        erased.append(f"{grades} {'score' if grades == 1 else 'scores'} waiting for an LMS")
    trainer = _deleted(session, sa.delete(TrainingTrainer).where(col(TrainingTrainer.user_id) == user_id))
    if trainer:
        erased.append(f"trainer access to {trainer} {_modules(trainer)}")
    credited = 0
    for version in session.exec(select(TrainingVersion)):
        changed = False
        if version.author_id == user_id:
            version.author_id, changed = None, True
        if version.reviewed_by == user_id:
            version.reviewed_by, changed = None, True
        content = json.loads(version.content)
        for lesson in content.get("lessons", []):
            for credit in lesson.get("credits", []):
                if credit.get("user_id") == user_id:
                    credit.update(user_id="", name=CREDIT_AFTER_ERASURE)
                    changed, credited = True, credited + 1
        if changed:
            version.content = json.dumps(content)
            session.add(version)
    if credited:
        erased.append(f"your name on {credited} lesson credits (now “{CREDIT_AFTER_ERASURE}”)")
    recorded = _deleted(  # the sessions stay (they are behind fees); who recorded them goes
        session,
        sa.update(TrainingLiveSession)
        .where(col(TrainingLiveSession.recorded_by) == user_id)
        .values(recorded_by=None),
    )
    if recorded:
        erased.append(f"your name as the person who recorded {recorded} live training sessions")
    kept: list[tuple[str, str]] = []
    deliveries = session.exec(
        select(sa.func.count()).select_from(TrainingDelivery).where(TrainingDelivery.trainer_id == user_id)
    ).one()
    if deliveries:
        kept.append(
            (
                f"{deliveries} training {'delivery' if deliveries == 1 else 'deliveries'} "
                "(module, date, hours)",
                "Each is the record behind a fee paid to you; payment records are kept for six "
                "years for HMRC.",
            )
        )
    return ErasureReport(SECTION, tuple(erased), tuple(kept))


def _modules(count: int) -> str:
    return "module" if count == 1 else "modules"


def _deleted(session: Session, statement: Any) -> int:
    return int(session.execute(statement).rowcount or 0)  # type: ignore[attr-defined]
