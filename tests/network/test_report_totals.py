"""The yearly report reads running totals: after every kind of write they equal the raw rows' sums."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import pytest
from sqlmodel import select

from coprod_portal.db import get_session
from coprod_portal.testing import queries_run
from plugins.network import totals
from plugins.network.models import (
    NetworkInvolvement,
    NetworkMember,
    NetworkMonthInvolvement,
    NetworkPayment,
    NetworkYearMember,
    NetworkYearMemberRole,
    NetworkYearMoney,
    NetworkYearProject,
    NetworkYearRole,
)
from plugins.network.reports import year_report


def _tax_month(day: date) -> date:
    """6 May to 5 June is named 6 May: counted here from the calendar, not with the plugin's code."""
    if day.day >= 6:
        return date(day.year, day.month, 6)
    return date(day.year - (day.month == 1), (day.month - 2) % 12 + 1, 6)


def _raw(session) -> dict[str, dict]:
    """Everything the totals hold, counted the slow way from the involvement and payment rows."""
    member_role: dict = defaultdict(lambda: [0, 0.0])
    members: dict = defaultdict(int)
    projects: dict = defaultdict(int)
    months: dict = defaultdict(lambda: [0, 0.0])
    for inv in session.exec(select(NetworkInvolvement).where(NetworkInvolvement.status == "confirmed")):
        year = totals.tax_year_of(inv.starts_on)
        member_role[(year, inv.member_id, inv.role)][0] += 1
        member_role[(year, inv.member_id, inv.role)][1] += inv.hours + inv.preparation_hours
        members[(year, inv.member_id)] += 1
        if inv.project_id:
            projects[(year, inv.project_id)] += 1
        months[_tax_month(inv.starts_on)][0] += 1
        months[_tax_month(inv.starts_on)][1] += inv.hours + inv.preparation_hours
    roles: dict = defaultdict(lambda: [0, 0, 0.0])
    for (year, _, role), (n, hours) in member_role.items():
        line = roles[(year, role)]
        line[0], line[1], line[2] = line[0] + 1, line[1] + n, line[2] + hours
    money: dict = defaultdict(lambda: [0, 0])
    for pay in session.exec(select(NetworkPayment).where(NetworkPayment.status == "approved")):
        key = (totals.tax_year_of(pay.paid_on), pay.kind, pay.choice)
        money[key][0] += pay.amount_pence
        money[key][1] += pay.offered_pence
    return {"member_role": {k: (n, pytest.approx(h)) for k, (n, h) in member_role.items()},
            "members": dict(members), "projects": dict(projects),
            "roles": {k: (p, n, pytest.approx(h)) for k, (p, n, h) in roles.items()},
            "money": {k: tuple(v) for k, v in money.items() if any(v)},
            "months": {k: (n, pytest.approx(h)) for k, (n, h) in months.items()}}


def _kept(session) -> dict[str, dict]:
    return {
        "member_role": {(r.tax_year, r.member_id, r.role): (r.involvements, r.hours)
                        for r in session.exec(select(NetworkYearMemberRole))},
        "members": {(r.tax_year, r.member_id): r.involvements
                    for r in session.exec(select(NetworkYearMember))},
        "projects": {(r.tax_year, r.project_id): r.involvements
                     for r in session.exec(select(NetworkYearProject))},
        "roles": {(r.tax_year, r.role): (r.people, r.involvements, r.hours)
                  for r in session.exec(select(NetworkYearRole)) if r.involvements},
        "money": {(r.tax_year, r.kind, r.choice): (r.amount_pence, r.offered_pence)
                  for r in session.exec(select(NetworkYearMoney)) if r.amount_pence or r.offered_pence},
        "months": {r.month: (r.involvements, r.hours)
                   for r in session.exec(select(NetworkMonthInvolvement)) if r.involvements},
    }


def _assert_totals_match(session) -> None:
    raw, kept = _raw(session), _kept(session)
    for name in raw:
        assert kept[name] == raw[name], name


def test_the_demo_data_is_counted_into_the_totals(app):
    with app.app_context():
        session = get_session()
        _assert_totals_match(session)
        assert _kept(session)["roles"], "the demo network has involvement to count"


def test_totals_follow_every_write_edit_and_deletion(app):
    with app.app_context():
        session = get_session()
        member = session.exec(select(NetworkMember).order_by(NetworkMember.preferred_name)).first()
        project_id = session.exec(select(NetworkInvolvement.project_id).where(
            NetworkInvolvement.project_id.is_not(None))).first()  # type: ignore[union-attr]
        day = date(2026, 4, 10)
        inv = NetworkInvolvement(member_id=member.id, project_id=project_id, role="interview_panel",
                                 starts_on=day, ends_on=day, hours=2.5, preparation_hours=0.5)
        fee = NetworkPayment(member_id=member.id, involvement_id=inv.id, kind="fee", offered_pence=5000,
                             amount_pence=5000, paid_on=day)
        session.add_all([inv, fee])
        session.commit()
        _assert_totals_match(session)

        inv.hours, inv.role = 4.0, "co_design"  # an edit: moves hours to another role
        fee.choice, fee.amount_pence = "donated", 0
        session.commit()
        _assert_totals_match(session)

        inv.starts_on = inv.ends_on = date(2026, 4, 5)  # across the tax-year boundary
        fee.paid_on = date(2026, 4, 5)
        session.commit()
        _assert_totals_match(session)

        inv.starts_on = inv.ends_on = date(2026, 3, 31)  # into another month
        session.commit()
        _assert_totals_match(session)

        inv.starts_on = inv.ends_on = date(2026, 1, 3)  # the tax month that started in December
        session.commit()
        _assert_totals_match(session)

        inv.status, fee.status = "cancelled", "cancelled"
        session.commit()
        _assert_totals_match(session)

        inv.status, fee.status = "confirmed", "approved"
        session.commit()
        session.delete(fee)
        session.commit()
        _assert_totals_match(session)
        session.delete(inv)
        session.commit()
        _assert_totals_match(session)


def test_a_write_rolled_back_leaves_the_totals_as_they_were(app):
    with app.app_context():
        session = get_session()
        before = _kept(session)
        member = session.exec(select(NetworkMember)).first()
        day = date.today() - timedelta(days=3)
        session.add(NetworkInvolvement(member_id=member.id, role="interview_panel", starts_on=day,
                                       ends_on=day, hours=3))
        session.flush()
        session.rollback()
        assert _kept(session) == before


def test_the_report_reads_the_totals_and_rebuild_agrees(app):
    with app.app_context():
        session = get_session()
        year = totals.tax_year_of(date.today() - timedelta(days=30))
        first = year_report(session, year)
        totals.rebuild(session.connection())
        session.commit()
        _assert_totals_match(session)
        again = year_report(session, year)
        assert (again.people, again.projects, again.involvements, again.fees_paid) == (
            first.people, first.projects, first.involvements, first.fees_paid)
        raw_count = sum(n for (y, _), (_, n, _) in _raw(session)["roles"].items() if y == year)
        assert first.involvements == raw_count > 0


def test_the_totals_tables_match_their_migration(app):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    with app.extensions["coprod_engine"].connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        diffs = [d for d in compare_metadata(context, SQLModel.metadata)
                 if "network_year_" in repr(d) or "network_month_" in repr(d)]
    assert diffs == []


def test_the_report_page_reads_no_involvement_or_payment_rows(app, client_as):
    lead = client_as("coproduction_lead")
    year = totals.tax_year_of(date.today())
    path = f"/network/reports?year={year}"
    page = lead.get(path)  # also warms sessions, permissions and caches
    assert page.status_code == 200 and "Involvements" in page.get_data(as_text=True)
    statements = queries_run(app, lead, path)
    read = " ".join(statements)
    assert "FROM network_involvement" not in read and "FROM network_payment" not in read
    assert len(statements) <= 8
