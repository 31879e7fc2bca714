"""Subject access and erasure (staff progress and certificates, trainers' records) and search."""

from __future__ import annotations

import json
from datetime import date

from coprod_portal.testing import csrf_token

from .conftest import launch

CHECK = "/training/modules/coproduction/check"


def _pass(client):
    return client.post(CHECK, data={"q1": "b", "q2": "a", "csrf_token": csrf_token(client, CHECK)})


def test_staff_export_lists_progress_and_certificate_and_erasure_removes_them(app, client_as):
    staff = client_as("staff@example.org")
    assert "You passed" in _pass(staff).get_data(as_text=True)
    lesson = "/training/modules/equality/lessons/act"
    staff.post(lesson, data={"csrf_token": csrf_token(staff, lesson)})
    runner = app.test_cli_runner()
    exported = runner.invoke(args=["subject", "export", "staff@example.org"])
    assert exported.exit_code == 0, exported.output
    section = next(s for s in json.loads(exported.output)["sections"] if s["section"] == "Training")
    taken = {r["Module you took"]: r for r in section["records"] if "Module you took" in r}
    passed = taken["Co-production: working in equal partnership"]
    assert passed["Score in the check"] == "2 of 2" and passed["Module version"] == 1
    assert passed["Certificate of completion"].startswith(f"completed on {date.today().isoformat()}")
    started = taken["Equality, diversity and human rights"]
    assert started["Lessons done"] == 1 and started["Certificate of completion"] is None
    assert any(r.get("What you did (audit log)") == "completed a training module" for r in section["records"])
    assert "LMS user id" in section["note"]  # LMS learners have no email: said in the export

    erased = runner.invoke(args=["subject", "erase", "staff@example.org", "--reason", "request", "--yes"])
    assert erased.exit_code == 0, erased.output
    assert "erased: progress, scores and certificates in 2 modules" in erased.output
    with app.app_context():
        from sqlmodel import select

        from coprod_portal.db import get_session
        from training.models import TrainingProgress

        assert get_session().exec(select(TrainingProgress)).all() == []


def test_trainer_erasure_anonymises_credits_and_keeps_deliveries(app, client_as):
    with app.app_context():
        from coprod_portal import accounts
        from coprod_portal.db import get_session
        from training.models import TrainingDelivery

        db = get_session()
        client_as("staff@example.org").get("/training/")  # installs the packaged modules
        trainer = accounts.user_by_email(db, "trainer@example.org")
        db.add(
            TrainingDelivery(module_key="coproduction", version=1, trainer_id=trainer.id, on=date(2026, 5, 1))
        )
        db.commit()
    runner = app.test_cli_runner()
    exported = json.loads(runner.invoke(args=["subject", "export", "trainer@example.org"]).output)
    section = next(s for s in exported["sections"] if s["section"] == "Training")
    records = section["records"]
    assert {"Module you train on and may edit": "Co-production: working in equal partnership"} in records
    assert any(
        r.get("Training you delivered") == "Co-production: working in equal partnership" for r in records
    )

    erased = runner.invoke(args=["subject", "erase", "trainer@example.org", "--reason", "request", "--yes"])
    assert erased.exit_code == 0, erased.output
    assert "erased: trainer access to 2 modules" in erased.output
    assert "lesson credits" in erased.output
    assert "kept:   1 training delivery (module, date, hours)" in erased.output and "HMRC" in erased.output
    page = (
        client_as("staff@example.org")
        .get("/training/modules/coproduction/lessons/what")
        .get_data(as_text=True)
    )
    assert "Rosa Trainer" not in page and "A member of the co-production network" in page


def test_lms_learner_is_not_found_by_email_and_keeps_progress(app, platform, client_as):
    learner = app.test_client()
    launch(learner, platform)
    _pass(learner)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["subject", "erase", "staff@example.org", "--reason", "r", "--yes"])
    assert result.exit_code == 0
    with app.app_context():
        from sqlmodel import select

        from coprod_portal.db import get_session
        from training.models import TrainingProgress

        refs = [p.learner_ref for p in get_session().exec(select(TrainingProgress))]
        assert len(refs) == 1 and refs[0].startswith("l:")  # the LMS learner's record is untouched


def test_search_finds_modules_and_lessons_literally(client_as):
    staff = client_as("staff@example.org")
    staff.get("/training/")
    page = staff.get("/search", query_string={"q": "equal partnership"}).get_data(as_text=True)
    assert 'href="/training/modules/coproduction"' in page
    lessons = staff.get("/search", query_string={"q": "ladder"}).get_data(as_text=True)
    assert "/training/modules/coproduction/lessons/" in lessons
    wildcard = staff.get("/search", query_string={"q": "%%"}).get_data(as_text=True)
    assert "/training/modules/" not in wildcard
