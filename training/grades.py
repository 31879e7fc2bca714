"""Talking back to the LMS: scores through AGS, the roster through NRPS; and the jobs that
retry what could not be done at once (grades, trainers' deliveries) and purge old nonces."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import jwt
from flask import current_app
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.exception import LtiException
from pylti1p3.grade import Grade
from pylti1p3.lineitem import LineItem
from pylti1p3.names_roles import NamesRolesProvisioningService
from pylti1p3.service_connector import ServiceConnector
from sqlmodel import Session, col, select

from coprod_portal.db import get_session, utcnow
from coprod_portal.i18n import _

from . import handover, keys, lti
from .models import TrainingDelivery, TrainingGrade, TrainingLaunch, TrainingPlatform, TrainingProgress


class PlatformProblem(RuntimeError):
    """The LMS could not be reached or refused a request; the message is for an admin."""


class Connector(ServiceConnector):
    """Access tokens cached for the life of one connector only (no process-wide state); client
    assertions signed with the tool's loaded key object (pylti1p3 would parse the PEM per
    signature, ~28 ms; signing with the loaded key takes about 1 ms)."""

    def __init__(self, registration: Any, signing_key: Any) -> None:
        super().__init__(registration)
        self._tokens: dict[str, str] = {}
        self._signing_key = signing_key

    def encode_jwt(self, message: dict[str, Any], private_key: str, headers: dict[str, str]) -> str:
        return jwt.encode(message, self._signing_key, algorithm="RS256", headers=headers)

    def _get_cached_access_token(self, scope_key: str) -> str | None:
        return self._tokens.get(scope_key)

    def _cache_access_token(self, scope_key: str, access_token: str, expires_in: float) -> None:
        self._tokens[scope_key] = access_token


def _connector(session: Session, launch: TrainingLaunch) -> Connector:
    platform = session.get(TrainingPlatform, launch.platform_id)
    if platform is None:
        raise PlatformProblem(_("The LMS this launch came from is no longer registered."))
    registration = lti.registration_for(session, platform)
    return Connector(registration, keys.private_key_object(registration.key))


def send_grade(session: Session, grade: TrainingGrade) -> None:
    """POST the score (and completion) to the line item; create the line item if missing."""
    launch = session.get(TrainingLaunch, grade.launch_id)
    progress = session.get(TrainingProgress, grade.progress_id)
    if launch is None or progress is None:
        grade.status = "abandoned"
        return
    service = AssignmentsGradesService(
        _connector(session, launch),
        {
            "scope": json.loads(launch.ags_scopes),
            "lineitem": launch.lineitem_url,
            "lineitems": launch.lineitems_url,
        },
    )
    score = (
        Grade()
        .set_score_given(grade.score)
        .set_score_maximum(grade.out_of)
        .set_activity_progress("Completed")
        .set_grading_progress("FullyGraded")
        .set_timestamp(datetime.now(UTC).isoformat())
        .set_user_id(_subject(session, launch))
    )
    try:
        if launch.lineitem_url:
            service.put_grade(score)
        else:
            item = (
                LineItem()
                .set_tag(f"training:{progress.module_key}")
                .set_score_maximum(grade.out_of)
                .set_label(progress.module_key)
                .set_resource_id(progress.module_key)
            )
            service.put_grade(score, item)
    except (LtiException, OSError, ValueError) as exc:
        raise PlatformProblem(f"The LMS did not accept the score: {exc}") from exc
    grade.status, grade.sent_at = "sent", utcnow()


def _subject(session: Session, launch: TrainingLaunch) -> str:
    return str(json.loads(launch.claims).get("sub", ""))


def send_grade_job(grade_id: str) -> None:
    session = get_session()
    grade = session.get(TrainingGrade, grade_id)
    if grade is None or grade.status == "sent":
        return
    grade.attempts += 1
    try:
        send_grade(session, grade)
    except PlatformProblem as problem:
        grade.last_error = str(problem)[:500]
        session.commit()
        raise
    session.commit()


def roster(session: Session, launch: TrainingLaunch) -> list[dict[str, Any]]:
    """The course's members from NRPS, each with their progress in the portal."""
    from coprod_portal.accounts import Learner

    service = NamesRolesProvisioningService(
        _connector(session, launch), {"context_memberships_url": launch.nrps_url}
    )
    try:
        members = service.get_members()
    except (LtiException, OSError, ValueError) as exc:
        raise PlatformProblem(
            _("The LMS did not send the list of course members: %(problem)s", problem=str(exc))
        ) from exc
    platform = session.get(TrainingPlatform, launch.platform_id)
    assert platform is not None
    # Two queries whatever the class size: the learners we know, then all their progress.
    subjects = [str(member.get("user_id")) for member in members]
    learners = {
        learner.subject: learner.id
        for learner in session.exec(
            select(Learner).where(Learner.issuer == platform.issuer, col(Learner.subject).in_(subjects))
        )
    }
    progress: dict[str, list[TrainingProgress]] = {}
    refs = [f"l:{learner_id}" for learner_id in learners.values()]
    for row in session.exec(select(TrainingProgress).where(col(TrainingProgress.learner_ref).in_(refs))):
        progress.setdefault(row.learner_ref, []).append(row)
    rows = []
    for member, subject in zip(members, subjects, strict=True):
        mine = progress.get(f"l:{learners[subject]}", []) if subject in learners else []
        rows.append(
            {
                "name": member.get("name") or member.get("user_id"),
                "completed": [p.module_key for p in mine if p.completed_at],
                "started": [p.module_key for p in mine if not p.completed_at],
            }
        )
    return rows


def record_delivery(session: Session, delivery: TrainingDelivery) -> bool:
    """Ask the involvement hook to record it; False when nobody keeps involvement records."""
    host = current_app.extensions["coprod_plugins"]
    involvement_id = host.first(
        "portal_record_involvement",
        user_id=delivery.trainer_id,
        project_id=None,
        role="trainer",
        on=delivery.on,
        hours=delivery.hours,
        status="pending",
        note=delivery.note,
    )
    delivery.attempts += 1
    if involvement_id:
        delivery.involvement_id = str(involvement_id)
    return bool(involvement_id)


def retry_deliveries() -> None:
    """Periodic: record deliveries the involvement hook could not take before."""
    session = get_session()
    waiting = session.exec(
        select(TrainingDelivery).where(col(TrainingDelivery.involvement_id).is_(None)).limit(200)
    ).all()
    for delivery in waiting:
        record_delivery(session, delivery)
    session.commit()


def purge_nonces() -> None:
    """Periodic: old login nonces and handovers, and tool keys whose overlap after rotation has ended."""
    session = get_session()
    lti.purge_nonces(session)
    handover.purge(session)
    keys.purge_retired(session)
    session.commit()
