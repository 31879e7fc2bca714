"""The benchmark data set's training share, and the course list staying flat as it grows."""

from __future__ import annotations

from sqlalchemy import func, select

from coprod_portal.testing import queries_run


def _queries(app, client, path):
    return len(queries_run(app, client, path))


def test_seed_scale_adds_learners_with_progress_and_the_course_list_stays_flat(app, client_as):
    staff = client_as("staff@example.org")
    staff.get("/training/")
    before = _queries(app, staff, "/training/")
    result = app.test_cli_runner().invoke(args=["seed-scale", "--factor", "0.01"])
    assert result.exit_code == 0, result.output
    again = app.test_cli_runner().invoke(args=["seed-scale", "--factor", "0.01"])  # safe to repeat
    assert again.exit_code == 0, again.output
    with app.app_context():
        from coprod_portal.accounts import Learner
        from coprod_portal.db import get_session
        from training.models import TrainingProgress
        from training.scale import ISSUER

        db = get_session()
        learners = db.execute(select(func.count()).select_from(Learner).where(Learner.issuer == ISSUER))
        assert learners.scalar_one() == 1_000
        progress = db.execute(select(func.count()).select_from(TrainingProgress)).scalar_one()
        completed = db.execute(
            select(func.count())
            .select_from(TrainingProgress)
            .where(TrainingProgress.completed_at.is_not(None))
        ).scalar_one()
        assert 600 <= progress <= 700 and 100 <= completed < progress
    assert _queries(app, staff, "/training/") == before  # no query per learner or per row
