"""Training: a course written and delivered by network members, launched from any LMS over
LTI 1.3 (pylti1p3, from the ``pylti1p3next`` distribution), and taken by staff on the intranet.

Lives at the top level (``training/``) but is a plugin like any other: it imports only the
portal's public modules.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, current_app, request, session
from sqlmodel import select

from coprod_portal.db import get_session
from coprod_portal.demo import ensure_user
from coprod_portal.hookspecs import hookimpl
from coprod_portal.i18n import _, _l
from coprod_portal.permissions import can
from coprod_portal.types import (
    ChecklistItem,
    ChecklistSection,
    ErasureReport,
    Job,
    Migrations,
    NavItem,
    PeriodicJob,
    Permission,
    Role,
    SearchResult,
    StoredFile,
    SubjectRecords,
)

from . import (  # noqa: F401  (routes register on bp)
    authoring,
    course,
    grades,
    handover,
    lti_views,
    platforms,
    privacy,
    scale,
    search,
    sessions,
)
from .content import DEMO_TRAINERS
from .models import TrainingTrainer
from .views import bp

__version__ = "0.1.0"
PORTAL_VERSIONS = ">=0.1,<1"
STAFF = ("admin", "coproduction_lead", "safeguarding_lead", "hr", "staff")


@hookimpl
def portal_startup(app: Flask) -> None:
    """Settings (PLUGIN_TRAINING) and the session cookie LMS frames need."""
    app.config["PLUGIN_TRAINING"] = {"iat_leeway_seconds": 60, **(app.config.get("PLUGIN_TRAINING") or {})}
    app.session_interface = _frame_aware(app.session_interface)


def _frame_aware(interface: Any) -> Any:
    """Sessions begun by an LTI launch get ``SameSite=None; Secure; Partitioned`` over HTTPS, so
    the browser keeps them inside the LMS's iframe; every other session keeps the core's Lax."""
    base = type(interface)

    class FrameAwareSession(base):  # type: ignore[misc, valid-type]
        def _framed(self) -> bool:
            return bool(request and request.is_secure and session.get("training_frame"))

        def get_cookie_samesite(self, app: Flask) -> Any:
            return "None" if self._framed() else super().get_cookie_samesite(app)

        def get_cookie_secure(self, app: Flask) -> bool:
            return True if self._framed() else super().get_cookie_secure(app)

        def get_cookie_partitioned(self, app: Flask) -> bool:
            return True if self._framed() else super().get_cookie_partitioned(app)

    framed = FrameAwareSession.__new__(FrameAwareSession)
    framed.__dict__.update(interface.__dict__)
    return framed


@hookimpl
def portal_blueprints(app: Flask) -> Any:
    return bp


@hookimpl
def portal_migrations() -> Migrations:
    return Migrations("training", Path(__file__).parent / "migrations")


@hookimpl
def portal_roles() -> list[Role]:
    return [Role("trainer", "Trainer", "A network member who writes and delivers training modules.")]


@hookimpl
def portal_permissions() -> list[Permission]:
    return [
        Permission("training.take", "Take the training course", (*STAFF, "trainer", "learner")),
        Permission(
            "training.author", "Edit training modules (trainers: their own)", ("coproduction_lead", "trainer")
        ),
        Permission("training.review", "Review and publish training modules", ("coproduction_lead",)),
        Permission("training.manage_platforms", "Register LMS platforms for LTI", ("admin",)),
        Permission(
            "training.record_sessions",
            "Record live sessions of training modules (trainers: sessions they delivered)",
            ("coproduction_lead", "trainer"),
        ),
        Permission(
            "training.record_any_session",
            "Record and see live sessions delivered by any trainer",
            ("coproduction_lead",),
        ),
    ]


@hookimpl
def portal_permission_allowed(user: Any, action: str, obj: Any) -> bool | None:
    if action == "audit.view_event" and getattr(obj, "plugin", None) == course.PLUGIN:
        return True if can(user, "training.review") or can(user, "training.manage_platforms") else None
    if action == "training.author" and obj is not None and "coproduction_lead" not in user.role_names:
        trainer = get_session().get(TrainingTrainer, (obj.key, user.id))
        return False if trainer is None else None
    return None


@hookimpl
def portal_nav_items(user: Any) -> list[NavItem]:
    return [NavItem(_("Training"), "plugin_training.index", order=60, permission="training.take")]


@hookimpl
def portal_seed_demo(session: Any) -> None:
    for email, name in DEMO_TRAINERS.items():
        ensure_user(session, email, name, ["trainer"])
    session.flush()
    course.install_packaged(session)
    session.commit()


@hookimpl
def portal_seed_scale(session: Any, factor: float) -> None:
    """50,000×factor LMS learners, two thirds with progress in a module, in bulk."""
    scale.seed(session, factor)


@hookimpl
def portal_file_allowed(file: StoredFile, user: Any) -> bool | None:
    if file.plugin != course.PLUGIN:
        return None
    return True if can(user, "training.take") else None


@hookimpl
def portal_jobs() -> list[Job]:
    return [
        Job(
            "training.send_grade",
            grades.send_grade_job,
            retries=8,
            retry_delay_seconds=60,
            description=_l("Send a learner's score back to their LMS (AGS)"),
        )
    ]


@hookimpl
def portal_periodic_jobs() -> list[PeriodicJob]:
    return [
        PeriodicJob(
            "training.purge_nonces",
            grades.purge_nonces,
            cron="17 * * * *",
            description=_l("Delete LTI login nonces older than a day, and tool keys past their overlap"),
        ),
        PeriodicJob(
            "training.retry_deliveries",
            grades.retry_deliveries,
            cron="5 * * * *",
            description=_l("Record trainers' deliveries the involvement hook could not take before"),
        ),
    ]


@hookimpl
def portal_checklist_sections(project: Any) -> list[ChecklistSection]:
    db = get_session()
    trainers = db.exec(select(TrainingTrainer.user_id)).all()
    waiting = db.exec(
        select(grades.TrainingDelivery.id).where(grades.col(grades.TrainingDelivery.involvement_id).is_(None))
    ).first()
    item = ChecklistItem(
        "trainers_are_members",
        _("Trainers are network members, paid for their deliveries"),
        hint=_("Every delivery of a training module is recorded as a pending involvement "
               "for the co-production lead to price."),
        met=bool(trainers) and waiting is None,
    )
    stages = current_app.config["PROJECT_STAGES"]
    return [
        ChecklistSection(
            "training", _("Training delivered by network members"), stages[min(2, len(stages) - 1)], (item,)
        )
    ]


@hookimpl
def portal_search(query: str, user: Any) -> list[SearchResult]:
    return search.results(query, user)


@hookimpl
def portal_subject_export(person: Any) -> SubjectRecords | None:
    """A staff member's progress and certificates, and what they wrote, reviewed or delivered as
    a trainer. LMS learners have no email in the portal, so a request by email cannot find them
    (see ``training/privacy.py``)."""
    return privacy.export(get_session(), person)


@hookimpl
def portal_subject_erase(person: Any, session: Any) -> ErasureReport | None:
    """Delete progress and certificates, trainer access and authorship; anonymise credits; keep
    deliveries (the record behind fees paid)."""
    return privacy.erase(session, person)
