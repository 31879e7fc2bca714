"""The network plugin's tables. Every name starts with ``network_``.

Money is kept in whole pence (integers), so sums are exact.

Special-category data (the groups a member chooses to be counted in, and their access needs)
lives in its own tables, ``network_member_group`` and ``network_access_needs``, and exists only
while the member consents to it being kept; withdrawing the consent deletes it.

The payment ledger (``network_payment``) holds no health, group or access data, so it can be
kept for six years after erasure of everything else (Charities Act 2011 ss.131/134).
The portal never stores which benefit anyone receives: only the caps the member chose.
"""

# No "from __future__ import annotations": SQLModel needs real annotations.
from datetime import date, datetime

from sqlmodel import Field, SQLModel

from coprod_portal.db import new_id, utcnow


class NetworkMember(SQLModel, table=True):
    """A member of the co-production network, with or without a portal account."""

    __tablename__ = "network_member"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    user_id: str | None = Field(default=None, foreign_key="core_user.id", unique=True, max_length=32)
    preferred_name: str = Field(max_length=200, index=True)
    email: str | None = Field(default=None, unique=True, max_length=254)
    phone: str = Field(default="", max_length=40)
    contact_by: str = Field(default="email", max_length=20)
    preferred_format: str = Field(default="standard", max_length=20)
    status: str = Field(default="applicant", max_length=20, index=True)
    status_reason: str = Field(default="", max_length=500)
    # caps the member chose (None: no cap of that kind)
    weekly_cap_pence: int | None = None
    week_starts: int = 0  # 0 Monday … 6 Sunday: benefit weeks follow the claim, not the calendar
    period_cap_pence: int | None = None
    period_start_day: int | None = None  # 1..31: the day each assessment period starts
    hours_cap: float | None = None
    caps_updated_at: datetime | None = None
    caps_updated_by: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class NetworkMemberGroup(SQLModel, table=True):
    """A group the member chose to be counted in (special category; kept only with consent)."""

    __tablename__ = "network_member_group"
    member_id: str = Field(foreign_key="network_member.id", primary_key=True, max_length=32)
    group: str = Field(primary_key=True, max_length=40)


class NetworkAccessNeeds(SQLModel, table=True):
    """The member's access needs in their own words (special category; kept only with consent)."""

    __tablename__ = "network_access_needs"
    member_id: str = Field(foreign_key="network_member.id", primary_key=True, max_length=32)
    text: str = Field(max_length=4000)
    updated_at: datetime = Field(default_factory=utcnow)


class NetworkConsent(SQLModel, table=True):
    """One consent decision for one purpose; the latest decision per purpose is the one in force."""

    __tablename__ = "network_consent"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    member_id: str = Field(foreign_key="network_member.id", index=True, max_length=32)
    purpose: str = Field(max_length=40)
    given: bool
    on: date
    wording_version: str = Field(max_length=20)
    recorded_by: str = Field(default="", max_length=200)
    recorded_at: datetime = Field(default_factory=utcnow)


class NetworkInvolvement(SQLModel, table=True):
    """A member took part in a piece of work: member × project (optional) × role."""

    __tablename__ = "network_involvement"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    member_id: str = Field(foreign_key="network_member.id", index=True, max_length=32)
    project_id: str | None = Field(default=None, foreign_key="core_project.id", index=True, max_length=32)
    role: str = Field(max_length=40)
    starts_on: date = Field(index=True)
    ends_on: date
    hours: float = 0
    preparation_hours: float = 0
    mode: str = Field(default="in_person", max_length=20)
    status: str = Field(default="confirmed", max_length=20, index=True)  # pending, confirmed, cancelled
    note: str = Field(default="", max_length=1000)
    source: str = Field(default="network", max_length=40)
    hours_cap_agreed: bool = False  # the member agreed to go over their own hours cap that week
    recorded_by: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow)


class NetworkPayment(SQLModel, table=True):
    """A fee or an expense: the ledger. No health, group or access data, ever."""

    __tablename__ = "network_payment"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    member_id: str = Field(foreign_key="network_member.id", index=True, max_length=32)
    involvement_id: str | None = Field(
        default=None, foreign_key="network_involvement.id", index=True, max_length=32
    )
    kind: str = Field(max_length=10)  # fee or expense
    offered_pence: int = 0
    amount_pence: int = 0  # what the member receives (0 when declined or donated)
    choice: str = Field(default="full", max_length=10)  # full, reduced, declined, donated (fees)
    charity: str = Field(default="", max_length=200)
    method: str = Field(default="bank", max_length=10)  # bank or voucher (vouchers are income)
    paid_on: date = Field(index=True)
    in_advance: bool = False
    description: str = Field(default="", max_length=300)
    receipt_file_id: str | None = Field(default=None, max_length=32)
    status: str = Field(default="approved", max_length=12, index=True)  # approved, cancelled
    recorded_by: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class NetworkRate(SQLModel, table=True):
    """A published limit (examples offered when a member picks a cap); rows are added, never overwritten."""

    __tablename__ = "network_rate"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    key: str = Field(max_length=60, index=True)
    label: str = Field(max_length=200)
    amount_pence: int
    window: str = Field(max_length=10)  # week or period
    effective_from: date
    source_url: str = Field(default="", max_length=500)
    basis: str = Field(default="", max_length=300)
    recorded_by: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow)


class NetworkProjectBudget(SQLModel, table=True):
    """What a project set aside for paying people: fees, expenses and access costs."""

    __tablename__ = "network_project_budget"
    project_id: str = Field(foreign_key="core_project.id", primary_key=True, max_length=32)
    fees_pence: int = 0
    expenses_pence: int = 0
    access_pence: int = 0
    updated_by: str = Field(default="", max_length=200)
    updated_at: datetime = Field(default_factory=utcnow)


# --- the yearly report's running totals (kept by totals.py in the same transaction as each write) ---


class NetworkYearMemberRole(SQLModel, table=True):
    """One member's confirmed involvement in one role in one tax year (a row only while there is some)."""

    __tablename__ = "network_year_member_role"
    tax_year: int = Field(primary_key=True)
    member_id: str = Field(primary_key=True, max_length=32)
    role: str = Field(primary_key=True, max_length=40)
    involvements: int = 0
    hours: float = 0


class NetworkYearMember(SQLModel, table=True):
    """A member took part in the tax year: counting these rows counts the people involved."""

    __tablename__ = "network_year_member"
    tax_year: int = Field(primary_key=True)
    member_id: str = Field(primary_key=True, max_length=32)
    involvements: int = 0


class NetworkYearProject(SQLModel, table=True):
    """A project had confirmed involvement in the tax year: counting these rows counts the projects."""

    __tablename__ = "network_year_project"
    tax_year: int = Field(primary_key=True)
    project_id: str = Field(primary_key=True, max_length=32)
    involvements: int = 0


class NetworkYearRole(SQLModel, table=True):
    """Per tax year and role: people, involvements and hours (preparation included)."""

    __tablename__ = "network_year_role"
    tax_year: int = Field(primary_key=True)
    role: str = Field(primary_key=True, max_length=40)
    people: int = 0
    involvements: int = 0
    hours: float = 0


class NetworkYearMoney(SQLModel, table=True):
    """Per tax year, kind and choice: approved amounts paid and offered, in pence."""

    __tablename__ = "network_year_money"
    tax_year: int = Field(primary_key=True)
    kind: str = Field(primary_key=True, max_length=10)
    choice: str = Field(primary_key=True, max_length=10)
    amount_pence: int = 0
    offered_pence: int = 0


class NetworkMonthInvolvement(SQLModel, table=True):
    """Per tax month (named by its first day, the 6th): confirmed involvements and hours, for the
    report's chart. Tax months, not calendar months, so twelve of them make exactly the tax year."""

    __tablename__ = "network_month_involvement"
    month: date = Field(primary_key=True)
    involvements: int = 0
    hours: float = 0
