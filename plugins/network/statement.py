"""A member's yearly statement and their letter for Jobcentre Plus or the Universal Credit journal.

The **statement** covers one UK tax year (6 April to 5 April), so it matches the member's own
Self Assessment return. Fees count by payment date. It separates what the member received (fees
taken in full or reduced, by bank or as vouchers: vouchers are income too) from what was declined
or donated (never their income) and from expenses (repayments, never earnings). Cancelled payments
are left out.

The **letter** states facts only, on the organisation's name and dated: that the member takes part
in involvement, that this is not employment, that they can stop at any time, and what we recorded
and paid over a recent period. It never says which benefit anyone receives and gives no advice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from coprod_portal.i18n import _

from .caps import COUNTED_CHOICES
from .models import NetworkInvolvement, NetworkMember, NetworkPayment
from .reports import tax_year

LETTER_MONTHS = (3, 6, 12)


@dataclass
class Statement:
    member: NetworkMember
    first: date
    last: date
    involvements: list[NetworkInvolvement] = field(default_factory=list)
    received: list[NetworkPayment] = field(default_factory=list)
    not_taken: list[NetworkPayment] = field(default_factory=list)
    expenses: list[NetworkPayment] = field(default_factory=list)
    years: list[int] = field(default_factory=list)

    @property
    def label(self) -> str:
        """The tax year as people say it: 2030 to 2031 (2030 i 2031)."""
        return _("%(first)s to %(last)s", first=self.first.year, last=self.first.year + 1)

    @property
    def total_received(self) -> int:
        return sum(p.amount_pence for p in self.received)

    @property
    def total_vouchers(self) -> int:
        return sum(p.amount_pence for p in self.received if p.method == "voucher")

    @property
    def total_expenses(self) -> int:
        return sum(p.amount_pence for p in self.expenses)

    @property
    def hours(self) -> float:
        return sum(i.hours + i.preparation_hours for i in self.involvements)


def tax_year_of(day: date) -> int:
    """The year a tax year starts in: 5 April 2030 is in 2029 to 2030, 6 April 2030 in 2030 to 2031."""
    return day.year if day >= date(day.year, 4, 6) else day.year - 1


def _payments(session: Session, member_id: str, first: date, last: date) -> list[NetworkPayment]:
    return list(
        session.exec(
            select(NetworkPayment)
            .where(
                NetworkPayment.member_id == member_id,
                NetworkPayment.status == "approved",
                NetworkPayment.paid_on >= first,
                NetworkPayment.paid_on <= last,
            )
            .order_by(col(NetworkPayment.paid_on), col(NetworkPayment.created_at))
        )
    )


def _involvements(session: Session, member_id: str, first: date, last: date) -> list[NetworkInvolvement]:
    return list(
        session.exec(
            select(NetworkInvolvement)
            .where(
                NetworkInvolvement.member_id == member_id,
                NetworkInvolvement.status != "cancelled",
                NetworkInvolvement.starts_on >= first,
                NetworkInvolvement.starts_on <= last,
            )
            .order_by(col(NetworkInvolvement.starts_on))
        )
    )


def _sort(statement: Statement, payments: list[NetworkPayment]) -> Statement:
    for payment in payments:
        if payment.kind == "expense":
            statement.expenses.append(payment)
        elif payment.choice in COUNTED_CHOICES:
            statement.received.append(payment)
        else:
            statement.not_taken.append(payment)
    return statement


def statement(session: Session, member: NetworkMember, year: int) -> Statement:
    """Everything for ``member`` in the tax year starting 6 April ``year``."""
    first, last = tax_year(year)
    result = Statement(member, first, last, _involvements(session, member.id, first, last))
    _sort(result, _payments(session, member.id, first, last))
    earliest, latest = session.exec(
        select(func.min(NetworkPayment.paid_on), func.max(NetworkPayment.paid_on)).where(
            NetworkPayment.member_id == member.id, NetworkPayment.status == "approved"
        )
    ).one()
    if earliest is not None and latest is not None:
        result.years = list(range(tax_year_of(earliest), tax_year_of(latest) + 1))
    return result


@dataclass
class Letter:
    member: NetworkMember
    written_on: date
    first: date
    months: int
    statement: Statement
    due: list[NetworkPayment] = field(default_factory=list)


def letter(session: Session, member: NetworkMember, months: int, today: date | None = None) -> Letter:
    """Facts for the letter: involvement and payments over the last ``months`` months, and fees agreed
    for a later date."""
    today = today or date.today()
    months = months if months in LETTER_MONTHS else LETTER_MONTHS[0]
    first = today - timedelta(days=round(months * 365 / 12))
    facts = Statement(member, first, today, _involvements(session, member.id, first, today))
    _sort(facts, _payments(session, member.id, first, today))
    due = [
        p
        for p in _payments(session, member.id, today + timedelta(days=1), date(today.year + 2, 12, 31))
        if p.kind == "fee" and p.choice in COUNTED_CHOICES
    ]
    return Letter(member, today, first, months, facts, due)
