"""The benchmark data set loads (encrypted like any other), and the lead's lists stay flat as it grows."""

from __future__ import annotations

from sqlalchemy import func, text
from sqlmodel import select

from coprod_portal.db import get_session
from coprod_portal.demo import seed_scale
from coprod_portal.testing import queries_run
from plugins.lived_experience.models import LivedExperienceConsent, LivedExperienceContribution


def _queries(app, client, path: str) -> int:
    client.get(path)  # warm: sessions, permissions, caches
    return len(queries_run(app, client, path))


def _count(app, model) -> int:
    with app.app_context():
        return get_session().exec(select(func.count()).select_from(model)).one()


PAGES = [
    "/lived_experience/review",
    "/lived_experience/review?state=accepted",
    "/lived_experience/review?state=declined&page=2",
    "/lived_experience/shared",
    "/",
]


def test_seed_scale_adds_encrypted_contributions_and_the_lists_do_not_grow_with_them(app, client_as):
    lead = client_as("lead@example.org")
    before = _count(app, LivedExperienceContribution)
    with app.app_context():
        seed_scale(get_session(), 0.01)
    assert _count(app, LivedExperienceContribution) == before + 50
    assert _count(app, LivedExperienceConsent) >= 50
    small = {path: _queries(app, lead, path) for path in PAGES}
    waiting = lead.get("/lived_experience/review").get_data(as_text=True)
    assert "waiting for your review" in lead.get("/").get_data(as_text=True)
    assert waiting.count("the contribution shared by") >= 5
    with app.app_context():
        seed_scale(get_session(), 0.03)
        raw = get_session().execute(text("select narrative_token from lived_experience_contribution")).all()
    assert _count(app, LivedExperienceContribution) == before + 200
    assert not any("Benchmark contribution" in (row[0] or "") for row in raw)  # stored encrypted
    large = {path: _queries(app, lead, path) for path in PAGES}
    assert large == small
    page = lead.get("/lived_experience/review?state=accepted").get_data(as_text=True)
    assert "Next" in page  # paginated
    opened = lead.get("/lived_experience/review").get_data(as_text=True)
    first = opened.split('href="/lived_experience/contributions/', 1)[1][:32]
    assert "Benchmark contribution" in lead.get(f"/lived_experience/contributions/{first}").get_data(
        as_text=True
    )
