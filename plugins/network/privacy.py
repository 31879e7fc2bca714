"""Subject access and erasure for network members (found by portal account or email address).

Erasure removes everything about the person except the payment ledger. The ledger (amounts,
dates, the member's choice, charity named) is kept for six years because a charity must keep
its accounting records for at least six years (Charities Act 2011 ss.131 and 134) and HMRC can
ask about payments for that long. It never holds health, group or access information, so keeping
it keeps nothing sensitive; the member record it points at is anonymised.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, or_, select

from coprod_portal import files
from coprod_portal.types import ErasureReport, SubjectRecords

from .caps import pounds
from .forms import CHOICES, CONTACT_BY, FORMATS, GROUPS, METHODS, MODES, PURPOSES, ROLES, STATUSES, WEEKDAYS
from .models import (
    NetworkAccessNeeds,
    NetworkConsent,
    NetworkInvolvement,
    NetworkMember,
    NetworkMemberGroup,
    NetworkPayment,
)

SECTION = "Co-production network"
ERASED_NAME = "Erased member"


def _members(session: Session, person: Any) -> list[NetworkMember]:
    conditions = [NetworkMember.email == (person.email or "").strip().lower()]
    if person.user_id:
        conditions.append(NetworkMember.user_id == person.user_id)
    return list(session.exec(select(NetworkMember).where(or_(*conditions))))


def export(session: Session, person: Any) -> SubjectRecords | None:
    members = _members(session, person)
    if not members:
        return None
    records: list[dict[str, Any]] = []
    for m in members:
        records.append(
            {
                "Record": "Your details",
                "Preferred name": m.preferred_name,
                "Email address": m.email,
                "Phone number": m.phone or None,
                "How you want us to contact you": CONTACT_BY.get(m.contact_by),
                "Format you want information in": FORMATS.get(m.preferred_format),
                "Status": STATUSES.get(m.status),
                "Reason for the status": m.status_reason or None,
                "Your weekly fee cap": pounds(m.weekly_cap_pence) if m.weekly_cap_pence is not None else None,
                "Your week starts on": WEEKDAYS[m.week_starts],
                "Your monthly fee cap": pounds(m.period_cap_pence)
                if m.period_cap_pence is not None
                else None,
                "Your assessment period starts on day": m.period_start_day,
                "Your weekly hours cap": m.hours_cap,
            }
        )
        groups = [
            GROUPS.get(g.group, g.group)
            for g in session.exec(select(NetworkMemberGroup).where(NetworkMemberGroup.member_id == m.id))
        ]
        if groups:
            records.append({"Record": "Groups you chose to be counted in", "Groups": ", ".join(groups)})
        needs = session.get(NetworkAccessNeeds, m.id)
        if needs is not None:
            records.append({"Record": "Your access needs", "In your words": needs.text})
        for c in session.exec(
            select(NetworkConsent).where(NetworkConsent.member_id == m.id).order_by(col(NetworkConsent.on))
        ):
            records.append(
                {
                    "Record": "Consent",
                    "For": PURPOSES.get(c.purpose, c.purpose),
                    "You agreed": c.given,
                    "On": c.on,
                    "Wording version": c.wording_version,
                }
            )
        for i in session.exec(
            select(NetworkInvolvement)
            .where(NetworkInvolvement.member_id == m.id)
            .order_by(col(NetworkInvolvement.starts_on))
        ):
            records.append(
                {
                    "Record": "Involvement",
                    "Role": ROLES.get(i.role, i.role),
                    "From": i.starts_on,
                    "To": i.ends_on,
                    "Hours": i.hours,
                    "Preparation hours": i.preparation_hours,
                    "How": MODES.get(i.mode),
                    "Status": i.status,
                    "Note": i.note or None,
                }
            )
        for p in session.exec(
            select(NetworkPayment)
            .where(NetworkPayment.member_id == m.id)
            .order_by(col(NetworkPayment.paid_on))
        ):
            records.append(
                {
                    "Record": "Fee" if p.kind == "fee" else "Expense",
                    "Paid on": p.paid_on,
                    "Amount to you": pounds(p.amount_pence),
                    "Offered": pounds(p.offered_pence),
                    "Your choice": CHOICES.get(p.choice) if p.kind == "fee" else None,
                    "Charity": p.charity or None,
                    "How": METHODS.get(p.method),
                    "What for": p.description or None,
                    "Status": p.status,
                }
            )
    return SubjectRecords(SECTION, tuple(records))


def erase(session: Session, person: Any) -> ErasureReport | None:
    members = _members(session, person)
    if not members:
        return None
    for m in members:
        for group in session.exec(select(NetworkMemberGroup).where(NetworkMemberGroup.member_id == m.id)):
            session.delete(group)
        needs = session.get(NetworkAccessNeeds, m.id)
        if needs is not None:
            session.delete(needs)
        for c in session.exec(select(NetworkConsent).where(NetworkConsent.member_id == m.id)):
            session.delete(c)
        for i in session.exec(select(NetworkInvolvement).where(NetworkInvolvement.member_id == m.id)):
            i.note = ""
            session.add(i)
        for p in session.exec(select(NetworkPayment).where(NetworkPayment.member_id == m.id)):
            if p.receipt_file_id:
                files.delete(p.receipt_file_id)
                p.receipt_file_id = None
            p.description = "expense" if p.kind == "expense" else ""
            session.add(p)
        m.preferred_name, m.email, m.phone, m.user_id = ERASED_NAME, None, "", None
        m.status, m.status_reason = "left", "Erased on request"
        m.weekly_cap_pence = m.period_cap_pence = m.period_start_day = None
        m.hours_cap = None
        session.add(m)
    return ErasureReport(
        SECTION,
        erased=(
            "Name, email address and phone number",
            "Groups and access needs",
            "Consent records",
            "Caps",
            "Notes on involvement",
            "Receipts and what expenses were for",
        ),
        kept=(
            (
                "Payment ledger (amounts, dates, your choice, charity named) and the roles, dates and hours "
                "they paid for, under an anonymous record",
                "A charity must keep its accounting records for six years (Charities Act 2011 ss.131 and "
                "134), and HMRC may ask about payments for that long. The ledger holds no health, group "
                "or access information.",
            ),
        ),
    )
