"""The yearly report's running totals, kept in the same transaction as every write.

Counting a tax year row by row costs time in proportion to the year (about 50,000 involvements
and 100,000 payments at full scale). The report reads these totals instead: a few rows per role
and per kind of payment, and one row per member and per project involved (counted by index).

Two session hooks keep them, so no write path can forget:

- involvement: every member-year and project-year that an added, changed or deleted involvement
  touches (before and after the change) is counted again from the involvement rows after the
  flush, and the difference goes to the per-role totals;
- payments: an approved payment's amounts are taken off the totals of its old year, kind and
  choice, and added to its new ones; a confirmed involvement's count and hours likewise move
  between the totals of its old and new month.

Bulk inserts bypass the hooks: the scale data set calls :func:`rebuild` afterwards, and so does
the migration that created the tables.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from .models import (
    NetworkInvolvement,
    NetworkMonthInvolvement,
    NetworkPayment,
    NetworkYearMember,
    NetworkYearMemberRole,
    NetworkYearMoney,
    NetworkYearProject,
    NetworkYearRole,
)

INVOLVEMENT_FIELDS = ("member_id", "project_id", "role", "starts_on", "status", "hours", "preparation_hours")
PAYMENT_FIELDS = ("kind", "choice", "paid_on", "status", "amount_pence", "offered_pence")
TOUCHED = "network_totals_touched"

INV = NetworkInvolvement.__table__  # type: ignore[attr-defined]
PAY = NetworkPayment.__table__  # type: ignore[attr-defined]
MEMBER_ROLE = NetworkYearMemberRole.__table__  # type: ignore[attr-defined]
MEMBER = NetworkYearMember.__table__  # type: ignore[attr-defined]
PROJECT = NetworkYearProject.__table__  # type: ignore[attr-defined]
ROLE = NetworkYearRole.__table__  # type: ignore[attr-defined]
MONEY = NetworkYearMoney.__table__  # type: ignore[attr-defined]
MONTH = NetworkMonthInvolvement.__table__  # type: ignore[attr-defined]


def tax_year_of(day: date) -> int:
    """The UK tax year (6 April to 5 April) a day falls in, named by the year it starts."""
    return day.year if (day.month, day.day) >= (4, 6) else day.year - 1


def month_of(day: date) -> date:
    """The tax month a day falls in (the 6th to the 5th, so twelve make a tax year), named by its 6th."""
    if day.day >= 6:
        return day.replace(day=6)
    before = day.replace(day=1) - timedelta(days=1)
    return before.replace(day=6)


def _bounds(year: int) -> tuple[date, date]:
    return date(year, 4, 6), date(year + 1, 4, 5)


def _values(obj: Any, names: tuple[str, ...], before: bool) -> dict[str, Any]:
    """The object's values now, or as last loaded from the database (``before``)."""
    state = sa.inspect(obj)
    found = {}
    for name in names:
        history = state.attrs[name].history
        found[name] = history.deleted[0] if before and history.deleted else getattr(obj, name)
    return found


# --- keeping the totals --------------------------------------------------------------------------


@sa.event.listens_for(Session, "before_flush")
def _note_changes(session: Session, _context: Any, _instances: Any) -> None:
    """Note the member-years and project-years to count again; move payment amounts now."""
    members, projects = session.info.setdefault(TOUCHED, (set(), set()))
    money: dict[tuple[int, str, str], list[int]] = defaultdict(lambda: [0, 0])
    months: dict[date, list[Any]] = defaultdict(lambda: [0, 0.0])
    with session.no_autoflush:
        for obj, sides in _changed(session):
            for before in sides:
                if isinstance(obj, NetworkInvolvement):
                    values = _values(obj, INVOLVEMENT_FIELDS, before)
                    year = tax_year_of(values["starts_on"])
                    members.add((year, values["member_id"]))
                    if values["project_id"]:
                        projects.add((year, values["project_id"]))
                    if values["status"] == "confirmed":
                        sign = -1 if before else 1
                        month = months[month_of(values["starts_on"])]
                        month[0] += sign
                        hours = float(values["hours"] or 0) + float(values["preparation_hours"] or 0)
                        month[1] += sign * hours
                elif isinstance(obj, NetworkPayment):
                    values = _values(obj, PAYMENT_FIELDS, before)
                    if values["status"] == "approved":
                        sign = -1 if before else 1
                        key = (tax_year_of(values["paid_on"]), values["kind"], values["choice"])
                        money[key][0] += sign * int(values["amount_pence"] or 0)
                        money[key][1] += sign * int(values["offered_pence"] or 0)
    if money:
        connection = session.connection()
        for (year, kind, choice), (amount, offered) in money.items():
            if amount or offered:
                _add(connection, MONEY, {"tax_year": year, "kind": kind, "choice": choice},
                     {"amount_pence": amount, "offered_pence": offered})
    for month, (count, hours) in months.items():
        if count or hours:
            _add(session.connection(), MONTH, {"month": month}, {"involvements": count, "hours": hours})


def _changed(session: Session) -> list[tuple[Any, tuple[bool, ...]]]:
    """Each network row being written, with the sides to count: after (new), both, or before (gone)."""
    kinds = (NetworkInvolvement, NetworkPayment)
    found: list[tuple[Any, tuple[bool, ...]]] = [(o, (False,)) for o in session.new if isinstance(o, kinds)]
    found += [(o, (True, False)) for o in session.dirty
              if isinstance(o, kinds) and session.is_modified(o)]
    found += [(o, (True,)) for o in session.deleted if isinstance(o, kinds)]
    return found


@sa.event.listens_for(Session, "after_flush")
def _count_again(session: Session, _context: Any) -> None:
    members, projects = session.info.pop(TOUCHED, (set(), set()))
    if not members and not projects:
        return
    connection = session.connection()
    for year, member_id in members:
        _recount_member(connection, year, member_id)
    for year, project_id in projects:
        _recount_project(connection, year, project_id)


def _confirmed_in(year: int) -> tuple[Any, ...]:
    first, last = _bounds(year)
    return INV.c.status == "confirmed", INV.c.starts_on >= first, INV.c.starts_on <= last


def _recount_member(connection: Connection, year: int, member_id: str) -> None:
    """Count one member's year again; the per-role totals take the difference."""
    now = {role: (int(n), float(h)) for role, n, h in connection.execute(
        sa.select(INV.c.role, sa.func.count(), sa.func.sum(INV.c.hours + INV.c.preparation_hours))
        .where(INV.c.member_id == member_id, *_confirmed_in(year)).group_by(INV.c.role))}
    mine = (MEMBER_ROLE.c.tax_year == year, MEMBER_ROLE.c.member_id == member_id)
    was = {role: (int(n), float(h)) for role, n, h in connection.execute(
        sa.select(MEMBER_ROLE.c.role, MEMBER_ROLE.c.involvements, MEMBER_ROLE.c.hours).where(*mine))}
    for role in now.keys() | was.keys():
        (old_n, old_h), (new_n, new_h) = was.get(role, (0, 0.0)), now.get(role, (0, 0.0))
        if (old_n, old_h) != (new_n, new_h):
            _add(connection, ROLE, {"tax_year": year, "role": role},
                 {"people": (new_n > 0) - (old_n > 0), "involvements": new_n - old_n, "hours": new_h - old_h})
    connection.execute(sa.delete(MEMBER_ROLE).where(*mine))
    connection.execute(sa.delete(MEMBER).where(MEMBER.c.tax_year == year, MEMBER.c.member_id == member_id))
    if now:
        connection.execute(sa.insert(MEMBER_ROLE), [
            {"tax_year": year, "member_id": member_id, "role": role, "involvements": n, "hours": h}
            for role, (n, h) in now.items()])
        connection.execute(sa.insert(MEMBER).values(
            tax_year=year, member_id=member_id, involvements=sum(n for n, _ in now.values())))


def _recount_project(connection: Connection, year: int, project_id: str) -> None:
    count = connection.execute(
        sa.select(sa.func.count()).where(INV.c.project_id == project_id, *_confirmed_in(year))).scalar_one()
    key = {"tax_year": year, "project_id": project_id}
    connection.execute(sa.delete(PROJECT).where(*(PROJECT.c[name] == value for name, value in key.items())))
    if count:
        connection.execute(sa.insert(PROJECT).values(**key, involvements=count))


def _add(connection: Connection, table: sa.Table, key: dict[str, Any], amounts: dict[str, Any]) -> None:
    """Add ``amounts`` to the row at ``key`` (created at zero), in one statement safe under concurrency."""
    insert = (sqlite_insert if connection.dialect.name == "sqlite" else pg_insert)(table)
    statement = insert.values(**key, **amounts).on_conflict_do_update(
        index_elements=list(key), set_={name: table.c[name] + insert.excluded[name] for name in amounts})
    connection.execute(statement)


# --- counting everything again ---------------------------------------------------------------------


def rebuild(connection: Connection) -> None:
    """Replace every total by a count from the raw rows (after bulk inserts, and on upgrade)."""
    # the month totals came with a later upgrade: the earlier one that rebuilds runs without them
    with_months = sa.inspect(connection).has_table(MONTH.name)
    for table in (MEMBER_ROLE, MEMBER, PROJECT, ROLE, MONEY) + ((MONTH,) if with_months else ()):
        connection.execute(sa.delete(table))
    member_role: dict[tuple[int, str, str], list[Any]] = defaultdict(lambda: [0, 0.0])
    project: dict[tuple[int, str], int] = defaultdict(int)
    months: dict[date, list[Any]] = defaultdict(lambda: [0, 0.0])
    rows = connection.execute(sa.select(
        INV.c.member_id, INV.c.project_id, INV.c.role, INV.c.starts_on, INV.c.hours + INV.c.preparation_hours,
    ).where(INV.c.status == "confirmed"))
    for member_id, project_id, role, starts_on, hours in rows:
        year = tax_year_of(starts_on)
        member_role[(year, member_id, role)][0] += 1
        member_role[(year, member_id, role)][1] += float(hours or 0)
        if project_id:
            project[(year, project_id)] += 1
        months[month_of(starts_on)][0] += 1
        months[month_of(starts_on)][1] += float(hours or 0)
    role_totals: dict[tuple[int, str], list[Any]] = defaultdict(lambda: [0, 0, 0.0])
    member: dict[tuple[int, str], int] = defaultdict(int)
    for (year, member_id, role), (n, h) in member_role.items():
        totals = role_totals[(year, role)]
        totals[0], totals[1], totals[2] = totals[0] + 1, totals[1] + n, totals[2] + h
        member[(year, member_id)] += n
    money: dict[tuple[int, str, str], list[int]] = defaultdict(lambda: [0, 0])
    for kind, choice, paid_on, amount, offered in connection.execute(sa.select(
            PAY.c.kind, PAY.c.choice, PAY.c.paid_on, PAY.c.amount_pence, PAY.c.offered_pence,
    ).where(PAY.c.status == "approved")):
        key = (tax_year_of(paid_on), kind, choice)
        money[key][0] += int(amount or 0)
        money[key][1] += int(offered or 0)
    _insert_all(connection, MEMBER_ROLE, [
        {"tax_year": y, "member_id": m, "role": r, "involvements": n, "hours": h}
        for (y, m, r), (n, h) in member_role.items()])
    _insert_all(connection, MEMBER, [
        {"tax_year": y, "member_id": m, "involvements": n} for (y, m), n in member.items()])
    _insert_all(connection, PROJECT, [
        {"tax_year": y, "project_id": p, "involvements": n} for (y, p), n in project.items()])
    _insert_all(connection, ROLE, [
        {"tax_year": y, "role": r, "people": p, "involvements": n, "hours": h}
        for (y, r), (p, n, h) in role_totals.items()])
    _insert_all(connection, MONEY, [
        {"tax_year": y, "kind": k, "choice": c, "amount_pence": a, "offered_pence": o}
        for (y, k, c), (a, o) in money.items()])
    if with_months:
        _insert_all(connection, MONTH, [
            {"month": m, "involvements": n, "hours": h} for m, (n, h) in months.items()])


def _insert_all(connection: Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), 1000):
        connection.execute(sa.insert(table), rows[start:start + 1000])
