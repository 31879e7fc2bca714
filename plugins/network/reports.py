"""The yearly involvement report: people, projects, hours, roles, fees and expenses, groups.

A year is a UK tax year (6 April to 5 April), so the figures line up with members' own tax
returns and with the rates that change each April. Every count of people goes through the
portal's one small-number rule (``pages.small_number``). Hours count by the involvement's first
day; money counts by payment date.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import Response
from sqlalchemy import and_, func
from sqlmodel import Session, select

from coprod_portal.pages import small_number

from .caps import COUNTED_CHOICES, pounds
from .forms import GROUPS, ROLES
from .models import (
    NetworkMemberGroup,
    NetworkYearMember,
    NetworkYearMoney,
    NetworkYearProject,
    NetworkYearRole,
)

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def tax_year(year: int) -> tuple[date, date]:
    return date(year, 4, 6), date(year + 1, 4, 5)


def current_year_start(today: date | None = None) -> date:
    today = today or date.today()
    start = date(today.year, 4, 6)
    return start if today >= start else date(today.year - 1, 4, 6)


@dataclass
class RoleLine:
    role: str
    people: str
    involvements: int
    hours: float


@dataclass
class YearReport:
    first: date
    last: date
    people: str = "0"
    projects: int = 0
    involvements: int = 0
    hours: float = 0
    fees_paid: int = 0
    fees_donated: int = 0
    fees_declined: int = 0
    expenses: int = 0
    roles: list[RoleLine] = field(default_factory=list)
    groups: list[tuple[str, str]] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.first.year}/{(self.first.year + 1) % 100:02d}"


def year_report(session: Session, year: int) -> YearReport:
    """Read from the running totals (``totals.py``): a few small rows, however big the year is."""
    first, last = tax_year(year)
    report = YearReport(first, last)
    people = _rows(session, NetworkYearMember, NetworkYearMember.tax_year == year)
    report.projects = _rows(session, NetworkYearProject, NetworkYearProject.tax_year == year)
    report.people = small_number(people)
    by_role = session.exec(
        select(NetworkYearRole).where(NetworkYearRole.tax_year == year, NetworkYearRole.involvements > 0)
    ).all()
    report.involvements = sum(line.involvements for line in by_role)
    report.hours = float(sum(line.hours for line in by_role))
    report.roles = sorted(
        (RoleLine(ROLES.get(line.role, line.role), small_number(line.people), line.involvements, line.hours)
         for line in by_role),
        key=lambda line: line.role,
    )
    for money in session.exec(select(NetworkYearMoney).where(NetworkYearMoney.tax_year == year)):
        if money.kind == "expense":
            report.expenses += money.amount_pence
        elif money.choice in COUNTED_CHOICES:
            report.fees_paid += money.amount_pence
        elif money.choice == "donated":
            report.fees_donated += money.offered_pence
        else:
            report.fees_declined += money.offered_pence
    if people:
        # from the few members who chose a group, each looked up among the year's people by key
        counts = dict(
            session.exec(
                select(NetworkMemberGroup.group, func.count(func.distinct(NetworkMemberGroup.member_id)))
                .join(NetworkYearMember, and_(NetworkYearMember.member_id == NetworkMemberGroup.member_id,
                                              NetworkYearMember.tax_year == year))
                .group_by(NetworkMemberGroup.group)
            ).all()
        )
        report.groups = [(label, small_number(int(counts.get(key, 0)))) for key, label in GROUPS.items()]
    return report


def _rows(session: Session, model: Any, where: Any) -> int:
    return int(session.exec(select(func.count()).select_from(model).where(where)).one())


def safe_cell(value: Any) -> Any:
    """A spreadsheet never runs a cell as a formula: text starting = + - @ tab or CR gets a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_response(report: YearReport, year: int) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    rows: list[list[Any]] = [
        ["Involvement report", report.label],
        ["From", report.first.isoformat(), "To", report.last.isoformat()],
        [],
        ["Measure", "Value"],
        ["People involved", report.people],
        ["Projects", report.projects],
        ["Involvements", report.involvements],
        ["Hours including preparation", f"{report.hours:g}"],
        ["Fees paid to members", pounds(report.fees_paid)],
        ["Fees donated to charity", pounds(report.fees_donated)],
        ["Fees declined", pounds(report.fees_declined)],
        ["Expenses paid (not earnings)", pounds(report.expenses)],
        [],
        ["Role", "People", "Involvements", "Hours"],
        *[[line.role, line.people, line.involvements, f"{line.hours:g}"] for line in report.roles],
        [],
        ["Group (members' own choice)", "People"],
        *[[label, count] for label, count in report.groups],
    ]
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="network-involvement-{year}.csv"',
            "Cache-Control": "private, no-store",
        },
    )
