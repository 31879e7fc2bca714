"""Remembered answers are never stale: a write through one portal (one worker, one server) shows
at once on another portal sharing the database, for every card and count that is remembered.

Two app instances on the same database stand for two workers: each has its own memory, and they
meet only through the database (SQLite here, PostgreSQL with DATABASE_URL set).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlmodel import col, select

from coprod_portal import create_app, freshness
from coprod_portal.accounts import User
from coprod_portal.db import get_session
from coprod_portal.projects import Project, ProjectTeamMember
from coprod_portal.testing import build_app, login, queries_run
from plugins.checklists.models import Answer, ProjectChecklist, ProjectPerson
from plugins.lived_experience import service
from plugins.lived_experience.models import WAITING, LivedExperienceCheckin
from plugins.network.models import NetworkInvolvement


@pytest.fixture
def portals(tmp_path: Any) -> tuple[Flask, Flask]:
    """The portal that writes, and a second one on the same database that reads."""
    writer = build_app(tmp_path)
    reader = create_app({**writer.config, "INSTANCE_PATH": str(tmp_path / "second")})
    return writer, reader


def _card(html: str, title: str) -> str:
    heading = rf'portal-card__title"[^>]*>{re.escape(title)}</h2>'
    match = re.search(heading + r'\s*<p class="govuk-body">([^<]*)</p>', html)
    return match.group(1) if match else ""


def _number(text: str) -> int:
    """The first number in a card's sentence; sentences that say "no", "not" or "nothing" count 0."""
    found = re.search(r"\d+", text)
    return int(found.group()) if found else 0


def _user(email: str) -> User:
    return get_session().exec(select(User).where(User.email == email)).one()


def _write(portal: Flask, change: Any) -> None:
    """One committed transaction through ``portal``, as a request of that worker would make it."""
    with portal.app_context():
        change(get_session())
        get_session().commit()


def _join_a_team(session: Any) -> None:
    lead = _user("lead@example.org")
    mine = select(ProjectTeamMember.project_id).where(ProjectTeamMember.user_id == lead.id)
    others = select(Project).where(Project.owner_id != lead.id, col(Project.id).not_in(mine))
    other = session.exec(others).first()
    session.add(ProjectTeamMember(project_id=other.id, user_id=lead.id))


def _put_off_an_item(session: Any) -> None:
    lead = _user("lead@example.org")
    owned = select(Project.id).where(Project.owner_id == lead.id)
    due = session.exec(select(Answer).where(
        Answer.status == "", col(Answer.due_on).is_not(None), col(Answer.due_on) <= date.today(),
        sa.or_(Answer.owner_id == lead.id, col(Answer.project_id).in_(owned)))).first()
    due.due_on = date.today() + timedelta(days=400)  # no longer due within the card's two weeks


def _unblock_a_project(session: Any) -> None:
    session.exec(select(ProjectChecklist).where(col(ProjectChecklist.blocked))).first().blocked = False


def _cancel_a_pending_involvement(session: Any) -> None:
    session.exec(select(NetworkInvolvement).where(NetworkInvolvement.status == "pending")).first().status = (
        "cancelled")


def _ask_for_a_review(session: Any) -> None:
    session.exec(service.visible_query(_user("lead@example.org"))).first().review_state = WAITING


@pytest.mark.parametrize(("title", "change", "step"), [
    ("Your projects", _join_a_team, 1),
    ("Checklist items due", _put_off_an_item, -1),
    ("Projects blocked at a stage gate", _unblock_a_project, -1),
    ("Network involvement to price", _cancel_a_pending_involvement, -1),
    ("Lived experience to review", _ask_for_a_review, 1),
])
def test_each_remembered_card_of_the_lead_shows_a_write_from_another_portal_at_once(
        portals, title, change, step):
    writer, reader = portals
    lead = login(reader.test_client(), "lead@example.org")
    before = _number(_card(lead.get("/").get_data(as_text=True), title))
    assert _number(_card(lead.get("/").get_data(as_text=True), title)) == before  # now from memory
    _write(writer, change)
    assert _number(_card(lead.get("/").get_data(as_text=True), title)) == before + step


def test_the_wellbeing_and_rating_cards_and_the_inbox_count_follow_writes_at_once(portals):
    writer, reader = portals
    safeguarding = login(reader.test_client(), "safeguarding@example.org")
    member = login(reader.test_client(), "member@example.org")
    assert _card(safeguarding.get("/").get_data(as_text=True), "Wellbeing check-ins") == (
        "Nobody is waiting for a wellbeing conversation.")
    assert ">Inbox<" in safeguarding.get("/").get_data(as_text=True)
    rated = _number(_card(member.get("/").get_data(as_text=True), "How involved were you?"))
    assert rated

    def changes(session: Any) -> None:
        from coprod_portal import notifications

        staff, member_user = _user("staff@example.org"), _user("member@example.org")
        session.add(LivedExperienceCheckin(user_id=staff.id, how_to_reach="phone"))
        theirs = select(ProjectPerson.project_id).where(ProjectPerson.user_id == member_user.id)
        project = session.exec(select(Project).where(col(Project.id).not_in(theirs))).first()
        session.add(ProjectPerson(project_id=project.id, user_id=member_user.id))
        to = _user("safeguarding@example.org").id
        notifications.send(to, "A test message", "Read me.", session=session)

    _write(writer, changes)
    home = safeguarding.get("/").get_data(as_text=True)
    assert _card(home, "Wellbeing check-ins") == "1 member of staff asked for a wellbeing conversation."
    assert 'Inbox <span aria-hidden="true">(1)</span>' in home
    assert _number(_card(member.get("/").get_data(as_text=True), "How involved were you?")) == rated + 1


def test_the_second_visit_is_answered_from_memory_and_a_write_elsewhere_counts_again(portals):
    writer, reader = portals
    lead = login(reader.test_client(), "lead@example.org")
    lead.get("/")
    remembered = " ".join(queries_run(reader, lead, "/"))
    assert "network_involvement" not in remembered and "checklists_answer" not in remembered
    assert "core_table_version" in remembered  # one small query for the versions instead

    def price_nothing(session: Any) -> None:
        session.execute(sa.update(NetworkInvolvement).where(NetworkInvolvement.status == "pending")
                        .values(status="cancelled"))  # a bulk statement is seen like any other write

    _write(writer, price_nothing)
    counted_again = " ".join(queries_run(reader, lead, "/"))
    assert "network_involvement" in counted_again and "checklists_answer" not in counted_again
    assert "No involvement is waiting to be priced." in lead.get("/").get_data(as_text=True)


def test_a_write_bumps_its_tables_version_when_it_commits_and_not_when_it_rolls_back(app):
    def version(name: str) -> int:
        with app.app_context():
            return freshness.versions(get_session()).get(name, 0)

    start = version("core_project")
    with app.app_context():
        session = get_session()
        project = session.exec(select(Project)).first()
        project.title = "Renamed, then thought better of"
        session.flush()
        session.rollback()
    assert version("core_project") == start
    with app.app_context():
        session = get_session()
        session.exec(select(Project)).first().title = "Renamed"
        session.commit()
    assert version("core_project") == start + 1


def test_a_request_sees_its_own_writes_before_and_after_it_commits(app):
    with app.test_request_context():
        session = get_session()
        lead = _user("lead@example.org")

        def unread() -> Any:
            from coprod_portal.notifications import Notification

            return sa.select(sa.func.count()).select_from(Notification).where(Notification.user_id == lead.id)

        (before,) = freshness.remembered(session, ("test.unread", lead.id), unread)
        from coprod_portal import notifications

        notifications.send(lead.id, "First", "One.", session=session)
        assert freshness.remembered(session, ("test.unread", lead.id), unread) == (before + 1,)
        session.commit()
        assert freshness.remembered(session, ("test.unread", lead.id), unread) == (before + 1,)


def test_the_yearly_report_counts_an_involvement_recorded_through_another_portal_at_once(portals):
    from plugins.network import totals
    from plugins.network.models import NetworkMember
    from plugins.network.reports import year_report

    writer, reader = portals
    day = date.today() - timedelta(days=1)
    year = totals.tax_year_of(day)
    with reader.app_context():
        before = year_report(get_session(), year)
    with reader.app_context():  # a second request: answered from memory, the same figures
        assert year_report(get_session(), year).involvements == before.involvements

    def involve_someone_new(session: Any) -> None:
        this_year = NetworkInvolvement.starts_on >= date(year, 4, 6)
        involved = select(NetworkInvolvement.member_id).where(this_year)
        member = session.exec(select(NetworkMember).where(col(NetworkMember.id).not_in(involved))).first()
        session.add(NetworkInvolvement(member_id=member.id, role="interview_panel", starts_on=day,
                                       ends_on=day, hours=2))

    _write(writer, involve_someone_new)
    with reader.app_context():
        after = year_report(get_session(), year)
    assert after.involvements == before.involvements + 1
    assert after.hours == before.hours + 2
    assert sum(n for _, n, _ in after.months) == sum(n for _, n, _ in before.months) + 1


def test_a_password_changed_or_an_account_closed_through_another_portal_signs_out_at_once(portals):
    from coprod_portal import accounts

    writer, reader = portals
    staff = login(reader.test_client(), "staff@example.org")
    assert staff.get("/").status_code == 200 and staff.get("/").status_code == 200  # kept in memory
    new_password = "a-new-long-password-2027"
    _write(writer, lambda session: accounts.set_password(_user("staff@example.org"), new_password))
    assert staff.get("/").status_code == 302  # the old session token is refused at once

    lead = login(reader.test_client(), "lead@example.org")
    assert lead.get("/").status_code == 200

    def close_account(session: Any) -> None:
        _user("lead@example.org").active = False

    _write(writer, close_account)
    assert lead.get("/").status_code == 302


def test_a_role_taken_away_through_another_portal_takes_its_pages_away_at_once(portals):
    from coprod_portal.accounts import UserRole

    writer, reader = portals
    lead = login(reader.test_client(), "lead@example.org")
    assert lead.get("/network/").status_code == 200
    assert lead.get("/network/").status_code == 200

    def take_the_lead_role_away(session: Any) -> None:
        lead_user = _user("lead@example.org")
        session.delete(session.get(UserRole, (lead_user.id, "coproduction_lead")))

    _write(writer, take_the_lead_role_away)
    assert lead.get("/network/").status_code == 403


def test_the_portfolio_charts_count_a_checklist_changed_through_another_portal_at_once(portals):
    writer, reader = portals
    lead = login(reader.test_client(), "lead@example.org")

    def not_decided(html: str) -> int:
        match = re.search(r"(\d+) have not decided yet", html)
        assert match, "the first-stage chart's summary is missing"
        return int(match.group(1))

    before = not_decided(lead.get("/checklists/").get_data(as_text=True))
    assert not_decided(lead.get("/checklists/").get_data(as_text=True)) == before

    def decide_one(session: Any) -> None:
        record = session.exec(select(ProjectChecklist).where(ProjectChecklist.first_stage == "")).first()
        record.first_stage = "design"

    _write(writer, decide_one)
    assert not_decided(lead.get("/checklists/").get_data(as_text=True)) == before - 1


def test_the_accounts_waiting_to_be_linked_follow_a_link_made_through_another_portal_at_once(portals):
    from plugins.network.models import NetworkMember

    writer, reader = portals
    lead = login(reader.test_client(), "lead@example.org")
    assert "newmember@example.org" in lead.get("/network/").get_data(as_text=True)
    assert "newmember@example.org" in lead.get("/network/").get_data(as_text=True)

    def link(session: Any) -> None:
        member = session.exec(select(NetworkMember).where(col(NetworkMember.user_id).is_(None))).first()
        member.user_id = _user("newmember@example.org").id

    _write(writer, link)
    assert "newmember@example.org" not in lead.get("/network/").get_data(as_text=True)


def test_a_lists_number_of_rows_and_pages_follow_a_write_through_another_portal_at_once(portals):
    """``paginate`` remembers how many rows a list has, for each filter: a member added or
    leaving elsewhere changes the count, and the pages, on the next visit."""
    from plugins.network.models import NetworkMember

    writer, reader = portals
    lead = login(reader.test_client(), "lead@example.org")

    def shown(path: str) -> tuple[int, str]:
        html = lead.get(path).get_data(as_text=True)
        found = re.search(r"(\d+) members?\. Groups", html)
        pages = re.search(r"page \d+ of (\d+)", html)
        assert found and pages, html[:2000]
        return int(found.group(1)), pages.group(1)

    everyone, active = shown("/network/?page=1"), shown("/network/?status=active")
    assert shown("/network/?page=1") == everyone  # the second visit: from memory
    assert "network_member" not in " ".join(
        q for q in queries_run(reader, lead, "/network/?page=1") if "count(" in q.lower())

    def join_then_leave(session: Any) -> None:
        for n in range(50):  # enough for another page
            session.add(NetworkMember(preferred_name=f"New member {n}", status="active"))
        session.exec(select(NetworkMember).where(NetworkMember.status == "active")).first().status = "left"

    _write(writer, join_then_leave)
    assert shown("/network/?page=1")[0] == everyone[0] + 50
    assert shown("/network/?page=1")[1] == str(int(everyone[1]) + 1)
    assert shown("/network/?status=active")[0] == active[0] + 49


def test_a_statement_with_a_value_that_cannot_be_named_is_counted_every_time(app):
    """``statement_key`` names a statement by its shape and values; a value it cannot name (a
    dict bound as JSON) gives no key, so ``paginate`` counts again rather than guess."""
    json_value = sa.bindparam("doc", {"a": 1}, type_=sa.JSON)
    plain = sa.select(sa.func.count()).select_from(Project).where(Project.stage == "design")
    with_json = sa.select(sa.func.count()).select_from(Project).where(
        sa.literal(1) == sa.cast(json_value, sa.Integer))
    assert freshness.statement_key(plain) is not None
    assert freshness.statement_key(plain) != freshness.statement_key(
        sa.select(sa.func.count()).select_from(Project).where(Project.stage == "delivery"))
    assert freshness.statement_key(with_json) is None
