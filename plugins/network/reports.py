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
from flask_babel import format_date
from sqlalchemy import and_, func
from sqlmodel import Session, select

from coprod_portal.charts import Bar, Chart, people_bar
from coprod_portal.freshness import remembered, remembered_rows
from coprod_portal.i18n import _, _l, money
from coprod_portal.pages import small_number

from .caps import COUNTED_CHOICES
from .forms import GROUPS, ROLES
from .models import (
    NetworkMemberGroup,
    NetworkMonthInvolvement,
    NetworkYearMember,
    NetworkYearMoney,
    NetworkYearProject,
    NetworkYearRole,
)

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
YEARS_COMPARED = 4  # groups represented: this tax year and the three before it
CHOICE_LABELS = {"full": _l("Took the full fee"), "reduced": _l("Took a reduced amount"),
                 "declined": _l("Declined the fee"), "donated": _l("Donated the fee to charity")}


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
    # for the charts: (first day of the tax month, involvements, hours) for the year's twelve;
    # per choice, (offered, received by the member) in pence; per earlier year, group -> people
    months: list[tuple[date, int, float]] = field(default_factory=list)
    choices: dict[str, tuple[int, int]] = field(default_factory=dict)
    groups_by_year: dict[int, dict[str, int]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.first.year}/{(self.first.year + 1) % 100:02d}"


def year_report(session: Session, year: int) -> YearReport:
    """Read from the running totals (``totals.py``): a few small rows, however big the year is."""
    first, last = tax_year(year)
    report = YearReport(first, last)
    people = _rows(session, NetworkYearMember, year)
    report.projects = _rows(session, NetworkYearProject, year)
    report.people = small_number(people)
    by_role = remembered_rows(
        session,
        ("network.report_roles", year),
        lambda: select(NetworkYearRole.role, NetworkYearRole.people, NetworkYearRole.involvements,
                       NetworkYearRole.hours)
        .where(NetworkYearRole.tax_year == year, NetworkYearRole.involvements > 0),
    )
    report.involvements = sum(line.involvements for line in by_role)
    report.hours = float(sum(line.hours for line in by_role))
    report.roles = sorted(
        (RoleLine(str(ROLES.get(line.role, line.role)), small_number(line.people), line.involvements,
                  line.hours)
         for line in by_role),
        key=lambda line: line.role,
    )
    choices = {choice: [0, 0] for choice in CHOICE_LABELS}
    for row in remembered_rows(
        session,
        ("network.report_money", year),
        lambda: select(NetworkYearMoney.kind, NetworkYearMoney.choice, NetworkYearMoney.offered_pence,
                       NetworkYearMoney.amount_pence).where(NetworkYearMoney.tax_year == year),
    ):
        if row.kind != "expense" and row.choice in choices:
            choices[row.choice][0] += row.offered_pence
            choices[row.choice][1] += row.amount_pence if row.choice in COUNTED_CHOICES else 0
        if row.kind == "expense":
            report.expenses += row.amount_pence
        elif row.choice in COUNTED_CHOICES:
            report.fees_paid += row.amount_pence
        elif row.choice == "donated":
            report.fees_donated += row.offered_pence
        else:
            report.fees_declined += row.offered_pence
    report.choices = {choice: (offered, received) for choice, (offered, received) in choices.items()}
    report.groups_by_year = _groups_by_year(session, year)
    if people:
        counts = report.groups_by_year.get(year, {})
        report.groups = [(str(label), small_number(counts.get(key, 0))) for key, label in GROUPS.items()]
    report.months = _months(session, first, last)
    return report


def _groups_by_year(session: Session, year: int) -> dict[int, dict[str, int]]:
    """People involved per group, for this tax year and the ones before it, in one query.

    From the few members who chose a group, each looked up among each year's people by key."""
    rows = remembered_rows(session, ("network.report_groups", year), lambda: (
        select(NetworkYearMember.tax_year, NetworkMemberGroup.group,
               func.count(func.distinct(NetworkMemberGroup.member_id)))
        .join(NetworkYearMember, NetworkYearMember.member_id == NetworkMemberGroup.member_id)
        .where(and_(NetworkYearMember.tax_year > year - YEARS_COMPARED, NetworkYearMember.tax_year <= year))
        .group_by(NetworkYearMember.tax_year, NetworkMemberGroup.group)))
    found: dict[int, dict[str, int]] = {}
    for tax_year, group, count in rows:
        found.setdefault(int(tax_year), {})[group] = int(count)
    return found


def _months(session: Session, first: date, last: date) -> list[tuple[date, int, float]]:
    """The tax year's twelve tax months (6 April to 5 May, and so on), with involvements and hours."""
    kept_months = NetworkMonthInvolvement
    rows = remembered_rows(session, ("network.report_months", first, last), lambda: (
        select(kept_months.month, kept_months.involvements, kept_months.hours)
        .where(kept_months.month >= first, kept_months.month <= last)))
    kept = {row.month: row for row in rows}
    months = []
    month = first
    while month <= last:
        row = kept.get(month)
        months.append((month, row.involvements if row else 0, float(row.hours) if row else 0.0))
        month = date(month.year + (month.month == 12), month.month % 12 + 1, 6)
    return months


def _rows(session: Session, model: Any, year: int) -> int:
    """Rows of a totals table for the year (one per member or project involved): remembered until
    the totals change, since the count grows with the year."""
    (count,) = remembered(session, ("network.report_rows", model.__tablename__, year),
                          lambda: select(func.count()).select_from(model).where(model.tax_year == year))
    return int(count)


def safe_cell(value: Any) -> Any:
    """A spreadsheet never runs a cell as a formula: text starting = + - @ tab or CR gets a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_response(report: YearReport, year: int) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    rows: list[list[Any]] = [
        [_("Involvement report"), report.label],
        [_("From"), report.first.isoformat(), _("To"), report.last.isoformat()],
        [],
        [_("Measure"), _("Value")],
        [_("People involved"), report.people],
        [_("Projects"), report.projects],
        [_("Involvements"), report.involvements],
        [_("Hours including preparation"), f"{report.hours:g}"],
        [_("Fees paid to members"), money(report.fees_paid)],
        [_("Fees donated to charity"), money(report.fees_donated)],
        [_("Fees declined"), money(report.fees_declined)],
        [_("Expenses paid (not earnings)"), money(report.expenses)],
        [],
        [_("Role"), _("People"), _("Involvements"), _("Hours")],
        *[[line.role, line.people, line.involvements, f"{line.hours:g}"] for line in report.roles],
        [],
        [_("Group (members' own choice)"), _("People")],
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


def year_label(year: int) -> str:
    return f"{year}/{(year + 1) % 100:02d}"


def report_charts(report: YearReport) -> list[Chart]:
    """The report's three charts, drawn from the same figures as its tables."""
    return [_months_chart(report), _fees_chart(report), _groups_chart(report)]


def _months_chart(report: YearReport) -> Chart:
    bars = [Bar(str(format_date(month, "MMM y")), float(count), str(count))
            for month, count, _hours in report.months]
    chart = Chart("chart-months", _("Involvement through the year"),
                  _("No confirmed involvement in this tax year."), _("Month (6th to 5th)"), _("Involvements"),
                  bars)
    highest = chart.highest()
    if highest:
        total = sum(count for _month, count, _hours in report.months)
        chart.summary = _("%(total)s confirmed involvements in the tax year %(year)s, the most in the month "
                          "from 6 %(month)s (%(count)s). Each month runs from the 6th to the 5th, like the "
                          "tax year.", total=total, year=report.label, month=highest.label,
                          count=highest.text)
    return chart


def _fees_chart(report: YearReport) -> Chart:
    bars: list[Bar] = []
    for choice, label in CHOICE_LABELS.items():
        offered, received = report.choices.get(choice, (0, 0))
        bars.append(Bar(_("Offered"), float(offered), money(offered), str(label)))
        bars.append(Bar(_("Received by the member"), float(received), money(received), str(label)))
    offered = sum(o for o, _ in report.choices.values())
    received = sum(r for _, r in report.choices.values())
    declined = report.choices.get("declined", (0, 0))[0]
    donated = report.choices.get("donated", (0, 0))[0]
    summary = _("Of %(offered)s offered in fees, members received %(received)s: each member chooses what "
                "to take, so that fees never put their benefits at risk. %(declined)s was declined and "
                "%(donated)s donated to charity.", offered=money(offered), received=money(received),
                declined=money(declined), donated=money(donated)) if offered else (
        _("No fees were offered in this tax year."))
    return Chart("chart-fees", _("Fees: what members chose to receive"), summary, _("What members chose"),
                 _("Amount"), bars)


def _groups_chart(report: YearReport) -> Chart:
    first = report.first.year
    years = [y for y in range(first - YEARS_COMPARED + 1, first + 1)
             if y in report.groups_by_year or y == first]
    bars = [people_bar(year_label(y), report.groups_by_year.get(y, {}).get(key, 0), str(label))
            for key, label in GROUPS.items() for y in years]
    span = year_label(years[0]) if len(years) == 1 else _(
        "%(first)s to %(last)s", first=year_label(years[0]), last=year_label(years[-1]))
    summary = _("People involved from each group members chose to be counted in, in the tax years %(span)s. "
                "A person may be in more than one group. Counts under 5 read “fewer than 5” and have no bar.",
                span=span)
    return Chart("chart-groups", _("Groups represented over the years"), summary, _("Group and tax year"),
                 _("People"), bars)
