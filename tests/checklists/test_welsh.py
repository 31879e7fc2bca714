"""The checklists plugin in Welsh: ideas and a refused form, Welsh dates, each notification in its
reader's language (the nightly reminder too), and every text of the pages a member reaches translated."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from pathlib import Path

from babel.messages.pofile import read_po
from sqlmodel import col, select

from coprod_portal import accounts
from coprod_portal.db import get_session, utcnow
from coprod_portal.notifications import Notification
from coprod_portal.testing import csrf_token, translation_probe
from plugins.checklists import reminders

from .helpers import answer, start_project

POT = Path(__file__).resolve().parents[2] / "plugins/checklists/translations/checklists.pot"
WELSH_MONTH = r"(Ionawr|Chwefror|Mawrth|Ebrill|Mai|Mehefin|Gorffennaf|Awst|Medi|Hydref|Tachwedd|Rhagfyr)"


def own_texts() -> set[str]:
    with POT.open("rb") as pot:
        return {m.id[0] if isinstance(m.id, tuple) else m.id for m in read_po(pot) if m.id}


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def bodies(app, email: str) -> list[str]:
    with app.app_context():
        session = get_session()
        user = accounts.user_by_email(session, email)
        return list(session.exec(select(Notification.body).where(Notification.user_id == user.id)))


def test_the_nightly_reminder_is_written_in_the_owners_language(app, client_as):
    staff = client_as("staff@example.org")
    staff.get("/language/cy")  # stored on the account: the job runs without anyone's request
    project_id = start_project(staff, "Digwyddiad gwrando")
    soon = (utcnow() + timedelta(days=3)).date()
    assert answer(staff, project_id, "startup.roles", status="not_yet",
                  due_on=[str(soon.day), str(soon.month), str(soon.year)]).status_code == 302
    with app.app_context():
        reminders.remind_due()
    sent = [body for body in bodies(app, "staff@example.org") if "Digwyddiad gwrando" in body]
    assert sent == ["Mae 1 eitem o restr wirio cyd-gynhyrchu ‘Digwyddiad gwrando’ yn ddyledus o fewn "
                    "wythnos. Atebwch nhw ar dudalen y rhestr wirio."]


def test_an_idea_sent_in_welsh(app, client_as):
    staff = client_as("staff@example.org")
    staff.get("/language/cy")
    refused = staff.post("/checklists/ideas/new", data={
        "title": "", "description": "Agor ar ddydd Sadwrn.",
        "csrf_token": csrf_token(staff, "/checklists/ideas/new")})
    page = text(refused)
    assert refused.status_code == 400
    assert "Rhowch eich syniad mewn ychydig eiriau" in page and "Enter your idea" not in page
    assert "Agor ar ddydd Sadwrn." in page  # nothing typed is lost

    sent = staff.post("/checklists/ideas/new", data={
        "title": "Agor ar ddydd Sadwrn", "description": "Agor ar ddydd Sadwrn.",
        "csrf_token": csrf_token(staff, "/checklists/ideas/new")})
    assert sent.status_code == 302
    idea = text(staff.get(sent.location))
    assert "Diolch: cafodd eich syniad ei anfon." in idea and "Anfonwyd gan" in idea
    assert re.search(r"Chi, \d{1,2} " + WELSH_MONTH + r" \d{4}", idea), "who sent it and a Welsh date"
    with app.app_context():
        session = get_session()
        lead = accounts.user_by_email(session, "lead@example.org")
        titles = session.exec(select(Notification.title).where(Notification.user_id == lead.id)
                              .order_by(col(Notification.created_at).desc())).all()
    assert titles[0] == "A new idea was sent"  # the lead reads English, whoever sent it


def test_every_text_of_the_ideas_and_rating_pages_has_welsh(client_as):
    staff = client_as("staff@example.org")
    staff.get("/language/cy")
    missing: set[str] = set()
    for path in ("/checklists/ideas", "/checklists/ideas/new", "/checklists/you-said-we-did",
                 "/checklists/rate"):
        with translation_probe() as probe:
            assert staff.get(path).status_code == 200, path
        missing |= probe.missing & own_texts()
    assert not missing, f"texts without Welsh: {sorted(missing)}"
    assert "Prosiectau y buoch yn cymryd rhan ynddynt" in text(staff.get("/checklists/rate"))


def test_the_portfolio_names_stages_in_the_readers_language(client_as):
    lead = client_as("lead@example.org")
    lead.get("/language/cy")
    page = text(lead.get("/checklists/?page=1"))
    assert '<option value="design" >Dylunio</option>' in page.replace('selected', '')
    rows = re.findall(r'<td class="govuk-table__cell">([^<]*)</td>', page)
    assert "Cyflawni" in rows or "Dylunio" in rows, rows[:12]
    assert not {"Design", "Delivery", "Development", "Idea", "Review"} & set(rows), rows[:12]
