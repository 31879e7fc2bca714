"""The yearly involvement report: people, projects, hours, roles, fees and expenses, groups.

A year is a UK tax year (6 April to 5 April), so the figures line up with members' own tax
returns and with the rates that change each April. Every count of people goes through the
portal's one small-number rule (``pages.small_number``). Hours count by the involvement's first
day; money counts by payment date.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import Response
from sqlalchemy import func
from sqlmodel import Session, col, select

from coprod_portal.pages import small_number

from .caps import COUNTED_CHOICES, pounds
from .forms import GROUPS, ROLES
from .models import NetworkInvolvement, NetworkMemberGroup, NetworkPayment

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
    first, last = tax_year(year)
    report = YearReport(first, last)
    rows = session.exec(
        select(
            NetworkInvolvement.member_id,
            NetworkInvolvement.role,
            NetworkInvolvement.project_id,
            NetworkInvolvement.hours + NetworkInvolvement.preparation_hours,
        ).where(
            NetworkInvolvement.status == "confirmed",
            NetworkInvolvement.starts_on >= first,
            NetworkInvolvement.starts_on <= last,
        )
    ).all()
    people: set[str] = set()
    projects: set[str] = set()
    by_role: dict[str, list[Any]] = defaultdict(lambda: [set(), 0, 0.0])
    for member_id, role, project_id, hours in rows:
        people.add(member_id)
        if project_id:
            projects.add(project_id)
        line = by_role[role]
        line[0].add(member_id)
        line[1] += 1
        line[2] += float(hours)
    report.people, report.projects, report.involvements = small_number(len(people)), len(projects), len(rows)
    report.hours = sum(line[2] for line in by_role.values())
    report.roles = [
        RoleLine(ROLES.get(role, role), small_number(len(line[0])), line[1], line[2])
        for role, line in sorted(by_role.items(), key=lambda kv: ROLES.get(kv[0], kv[0]))
    ]
    money = session.exec(
        select(
            NetworkPayment.kind,
            NetworkPayment.choice,
            func.sum(NetworkPayment.amount_pence),
            func.sum(NetworkPayment.offered_pence),
        )
        .where(
            NetworkPayment.status == "approved",
            NetworkPayment.paid_on >= first,
            NetworkPayment.paid_on <= last,
        )
        .group_by(NetworkPayment.kind, NetworkPayment.choice)
    ).all()
    for kind, choice, amount, offered in money:
        if kind == "expense":
            report.expenses += int(amount or 0)
        elif choice in COUNTED_CHOICES:
            report.fees_paid += int(amount or 0)
        elif choice == "donated":
            report.fees_donated += int(offered or 0)
        else:
            report.fees_declined += int(offered or 0)
    if people:
        counts: dict[str, int] = defaultdict(int)
        for group in session.exec(
            select(NetworkMemberGroup.group).where(col(NetworkMemberGroup.member_id).in_(people))
        ):
            counts[group] += 1
        report.groups = [(label, small_number(counts.get(key, 0))) for key, label in GROUPS.items()]
    return report


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
