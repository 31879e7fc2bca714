"""Benefit-safe caps: the windows a member's caps apply to, and the check before a fee is approved.

The portal never knows which benefit someone receives. A member chooses their own caps:

* a **weekly** fee cap, over a week that starts on the weekday they choose (benefit weeks follow
  the claim, not the calendar);
* a **monthly** fee cap, over an assessment period that starts on their own day of the month;
* an **hours-per-week** cap, over the same week.

Fees are counted **by payment date** (a calendar date in Europe/London), because benefits count
income when it is received. Expenses never count (they are not earnings). Declined and donated fees
never count (the member received nothing). Vouchers count like money. Cancelled payments never count.

Assessment periods starting on the 29th, 30th or 31st: in a month that has no such day, the period
starts on that month's last day. So a period starting "on the 31st" runs 31 January – 27 February,
28 February – 30 March, 31 March – 29 April, 30 April – 30 May, … Every day belongs to exactly one
period, and no period is shorter than 28 days or longer than 31.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import format_date
from sqlalchemy import func
from sqlmodel import Session, col, select

from coprod_portal.i18n import _, long_date, money

from .models import NetworkInvolvement, NetworkMember, NetworkPayment

COUNTED_CHOICES = ("full", "reduced")  # a declined or donated fee is never the member's income


def pounds(pence: int) -> str:
    """£1,234.50, always in English: how money is written in the audit log (stored text).

    What people read goes through ``coprod_portal.i18n.money`` (the ``pounds`` filter), in their language."""
    sign = "-" if pence < 0 else ""
    pence = abs(pence)
    return f"{sign}£{pence // 100:,}.{pence % 100:02d}"


def day_and_month(day: date) -> str:
    """The first day of a span whose last day gives the year: 6 April (6 Ebrill), in the page's language."""
    return str(format_date(day, "d MMMM"))


def week_window(on: date, week_starts: int) -> tuple[date, date]:
    """The member's week (first and last day) that contains ``on``; ``week_starts`` 0 = Monday."""
    start = on - timedelta(days=(on.weekday() - week_starts) % 7)
    return start, start + timedelta(days=6)


def _period_start_in(year: int, month: int, start_day: int) -> date:
    return date(year, month, min(start_day, calendar.monthrange(year, month)[1]))


def _add_month(year: int, month: int, step: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + step
    return index // 12, index % 12 + 1


def period_window(on: date, start_day: int) -> tuple[date, date]:
    """The assessment period (first and last day) that contains ``on`` (see the module's rule)."""
    this_start = _period_start_in(on.year, on.month, start_day)
    if on >= this_start:
        start = this_start
        next_year, next_month = _add_month(on.year, on.month, 1)
    else:
        prev_year, prev_month = _add_month(on.year, on.month, -1)
        start = _period_start_in(prev_year, prev_month, start_day)
        next_year, next_month = on.year, on.month
    return start, _period_start_in(next_year, next_month, start_day) - timedelta(days=1)


def counted_fees(
    session: Session, member_id: str, first: date, last: date, leave_out: str | None = None
) -> int:
    """Fees (in pence) that count towards a cap, paid between ``first`` and ``last`` inclusive."""
    query = select(func.coalesce(func.sum(NetworkPayment.amount_pence), 0)).where(
        NetworkPayment.member_id == member_id,
        NetworkPayment.kind == "fee",
        NetworkPayment.status == "approved",
        col(NetworkPayment.choice).in_(COUNTED_CHOICES),
        NetworkPayment.paid_on >= first,
        NetworkPayment.paid_on <= last,
    )
    if leave_out:
        query = query.where(NetworkPayment.id != leave_out)
    return int(session.exec(query).one())


def counted_hours(
    session: Session, member_id: str, first: date, last: date, leave_out: str | None = None
) -> float:
    """Hours (including preparation) of involvement starting between ``first`` and ``last``."""
    query = select(
        func.coalesce(func.sum(NetworkInvolvement.hours + NetworkInvolvement.preparation_hours), 0)
    ).where(
        NetworkInvolvement.member_id == member_id,
        NetworkInvolvement.status != "cancelled",
        NetworkInvolvement.starts_on >= first,
        NetworkInvolvement.starts_on <= last,
    )
    if leave_out:
        query = query.where(NetworkInvolvement.id != leave_out)
    return float(session.exec(query).one())


@dataclass(frozen=True)
class Breach:
    """A cap a payment would cross: which, over which days, what is already paid, what still fits."""

    kind: str  # "week" or "period"
    cap: int
    already: int
    first: date
    last: date

    @property
    def fits(self) -> int:
        return max(0, self.cap - self.already)

    @property
    def sentence(self) -> str:
        values = {"first": day_and_month(self.first), "last": long_date(self.last), "cap": money(self.cap),
                  "already": money(self.already), "fits": money(self.fits)}
        if self.kind == "week":
            return _("This would take the member over the cap they chose for the week %(first)s to %(last)s "
                     "(%(cap)s). %(already)s is already paid in that week, so %(fits)s would fit.", **values)
        return _("This would take the member over the cap they chose for the assessment period %(first)s to "
                 "%(last)s (%(cap)s). %(already)s is already paid in that assessment period, so %(fits)s "
                 "would fit.", **values)


def fee_breaches(
    session: Session, member: NetworkMember, paid_on: date, amount_pence: int, leave_out: str | None = None
) -> list[Breach]:
    """Every cap that paying ``amount_pence`` on ``paid_on`` would cross (empty: it is safe).

    ``leave_out`` is the id of a payment being changed, so its old amount is not counted twice.
    """
    if amount_pence <= 0:
        return []
    breaches = []
    if member.weekly_cap_pence is not None:
        first, last = week_window(paid_on, member.week_starts)
        already = counted_fees(session, member.id, first, last, leave_out)
        if already + amount_pence > member.weekly_cap_pence:
            breaches.append(Breach("week", member.weekly_cap_pence, already, first, last))
    if member.period_cap_pence is not None and member.period_start_day:
        first, last = period_window(paid_on, member.period_start_day)
        already = counted_fees(session, member.id, first, last, leave_out)
        if already + amount_pence > member.period_cap_pence:
            breaches.append(Breach("period", member.period_cap_pence, already, first, last))
    return breaches


def hours_over(
    session: Session, member: NetworkMember, on: date, hours: float, leave_out: str | None = None
) -> tuple[float, date, date] | None:
    """(hours already, first, last) when ``hours`` more in that week would pass the hours cap."""
    if member.hours_cap is None:
        return None
    first, last = week_window(on, member.week_starts)
    already = counted_hours(session, member.id, first, last, leave_out)
    return (already, first, last) if already + hours > member.hours_cap + 1e-9 else None


def room(session: Session, member: NetworkMember, on: date) -> list[Breach]:
    """For each fee cap the member chose: the window containing ``on``, its cap and what is already paid.

    The same sums as the check before approval; ``fits`` is what a fee paid on ``on`` could still be.
    """
    windows = []
    if member.weekly_cap_pence is not None:
        first, last = week_window(on, member.week_starts)
        windows.append(
            Breach(
                "week", member.weekly_cap_pence, counted_fees(session, member.id, first, last), first, last
            )
        )
    if member.period_cap_pence is not None and member.period_start_day:
        first, last = period_window(on, member.period_start_day)
        windows.append(
            Breach(
                "period", member.period_cap_pence, counted_fees(session, member.id, first, last), first, last
            )
        )
    return windows
