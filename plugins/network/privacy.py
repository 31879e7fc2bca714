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
from coprod_portal.i18n import _, money
from coprod_portal.types import ErasureReport, SubjectRecords

from .forms import CHOICES, CONTACT_BY, FORMATS, GROUPS, METHODS, MODES, PURPOSES, ROLES, STATUSES, WEEKDAYS
from .models import (
    NetworkAccessNeeds,
    NetworkConsent,
    NetworkInvolvement,
    NetworkMember,
    NetworkMemberGroup,
    NetworkPayment,
)

ERASED_NAME = "Erased member"  # stored in the record, so in the portal's default language


def _text(label: Any) -> str | None:
    """A label (translated when shown) as plain text for the export, or None when there is none."""
    return None if label is None else str(label)


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
                _("Record"): _("Your details"),
                _("Preferred name"): m.preferred_name,
                _("Email address"): m.email,
                _("Phone number"): m.phone or None,
                _("How you want us to contact you"): _text(CONTACT_BY.get(m.contact_by)),
                _("Format you want information in"): _text(FORMATS.get(m.preferred_format)),
                _("Status"): _text(STATUSES.get(m.status)),
                _("Reason for the status"): m.status_reason or None,
                _("Your weekly fee cap"): money(m.weekly_cap_pence)
                if m.weekly_cap_pence is not None
                else None,
                _("Your week starts on"): str(WEEKDAYS[m.week_starts]),
                _("Your monthly fee cap"): money(m.period_cap_pence)
                if m.period_cap_pence is not None
                else None,
                _("Your assessment period starts on day"): m.period_start_day,
                _("Your weekly hours cap"): m.hours_cap,
            }
        )
        groups = [
            str(GROUPS.get(g.group, g.group))
            for g in session.exec(select(NetworkMemberGroup).where(NetworkMemberGroup.member_id == m.id))
        ]
        if groups:
            records.append(
                {_("Record"): _("Groups you chose to be counted in"), _("Groups"): ", ".join(groups)}
            )
        needs = session.get(NetworkAccessNeeds, m.id)
        if needs is not None:
            records.append({_("Record"): _("Your access needs"), _("In your words"): needs.text})
        for c in session.exec(
            select(NetworkConsent).where(NetworkConsent.member_id == m.id).order_by(col(NetworkConsent.on))
        ):
            records.append(
                {
                    _("Record"): _("Consent"),
                    _("For"): str(PURPOSES.get(c.purpose, c.purpose)),
                    _("You agreed"): c.given,
                    _("On"): c.on,
                    _("Wording version"): c.wording_version,
                }
            )
        for i in session.exec(
            select(NetworkInvolvement)
            .where(NetworkInvolvement.member_id == m.id)
            .order_by(col(NetworkInvolvement.starts_on))
        ):
            records.append(
                {
                    _("Record"): _("Involvement"),
                    _("Role"): str(ROLES.get(i.role, i.role)),
                    _("From"): i.starts_on,
                    _("To"): i.ends_on,
                    _("Hours"): i.hours,
                    _("Preparation hours"): i.preparation_hours,
                    _("How"): _text(MODES.get(i.mode)),
                    _("Status"): i.status,
                    _("Note"): i.note or None,
                }
            )
        for p in session.exec(
            select(NetworkPayment)
            .where(NetworkPayment.member_id == m.id)
            .order_by(col(NetworkPayment.paid_on))
        ):
            records.append(
                {
                    _("Record"): _("Fee") if p.kind == "fee" else _("Expense"),
                    _("Paid on"): p.paid_on,
                    _("Amount to you"): money(p.amount_pence),
                    _("Offered"): money(p.offered_pence),
                    _("Your choice"): _text(CHOICES.get(p.choice)) if p.kind == "fee" else None,
                    _("Charity"): p.charity or None,
                    _("How"): _text(METHODS.get(p.method)),
                    _("What for"): p.description or None,
                    _("Status"): p.status,
                }
            )
    return SubjectRecords(_("Co-production network"), tuple(records))


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
        _("Co-production network"),
        erased=(
            _("Name, email address and phone number"),
            _("Groups and access needs"),
            _("Consent records"),
            _("Caps"),
            _("Notes on involvement"),
            _("Receipts and what expenses were for"),
        ),
        kept=(
            (
                _("Payment ledger (amounts, dates, your choice, charity named) and the roles, dates and "
                  "hours they paid for, under an anonymous record"),
                _("A charity must keep its accounting records for six years (Charities Act 2011 ss.131 and "
                  "134), and HMRC may ask about payments for that long. The ledger holds no health, group "
                  "or access information."),
            ),
        ),
    )
