"""The training plugin's share of the benchmark data set (``flask --app wsgi seed-scale``):
50,000×factor LMS learners, about two thirds of them with progress in a module and a third of
those with a completed check. Inserted in bulk, in batches of 1,000, committed per batch."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session

from coprod_portal.accounts import Learner
from coprod_portal.db import new_id, utcnow

from . import course
from .models import TrainingProgress

ISSUER = "https://scale-lms.example.org"
BATCH = 1_000


def seed(session: Session, factor: float) -> int:
    """Add the learners and their progress; safe to run again (each run adds a new cohort)."""
    if course.install_packaged(session):
        session.commit()
    modules = course.all_published(session)
    total = int(50_000 * factor)
    cohort = new_id()[:8]
    now = utcnow()
    for start in range(0, total, BATCH):
        learners: list[dict[str, Any]] = []
        progress: list[dict[str, Any]] = []
        for i in range(start, min(start + BATCH, total)):
            learner_id = new_id()
            learners.append(
                {
                    "id": learner_id,
                    "issuer": ISSUER,
                    "subject": f"{cohort}-{i}",
                    "display_name": f"Scale learner {i}",
                    "created_at": now - timedelta(minutes=i),
                }
            )
            if i % 3 == 2 or not modules:
                continue  # a third never started
            module = modules[i % len(modules)]
            lessons = [lesson["key"] for lesson in module.lessons]
            done = lessons if i % 3 == 0 else lessons[: max(1, len(lessons) // 2)]
            completed = i % 3 == 0 and i % 2 == 0
            quiz = len(module.content["quiz"])
            progress.append(
                {
                    "id": new_id(),
                    "learner_ref": f"l:{learner_id}",
                    "module_key": module.module.key,
                    "version": module.version.number,
                    "lessons_done": json.dumps(done),
                    "last_lesson": done[-1],
                    "score": quiz if completed else None,
                    "out_of": quiz if completed else None,
                    "completed_at": now - timedelta(minutes=i) if completed else None,
                    "updated_at": now - timedelta(minutes=i),
                }
            )
        session.execute(insert(Learner), learners)
        if progress:
            session.execute(insert(TrainingProgress), progress)
        session.commit()
    return total
