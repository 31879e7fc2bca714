"""network: members, special-category tables, consents, involvement, payments, rates, budgets

Revision ID: network_0001
Revises:
Create Date: 2026-12-01
"""

import uuid
from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

revision = "network_0001"
down_revision = None
branch_labels = None
depends_on = None

ID = 32
WHEN = sa.DateTime(timezone=True)

# The 2026/27 figures from our domain research, offered to members as EXAMPLES when they pick a
# cap. They change every April: an admin or the co-production lead adds next year's rows on the
# Rates page. Nothing in the code relies on these numbers.
EXAMPLE_RATES = [
    (
        "esa_permitted_work_lower",
        "ESA permitted work, lower limit",
        2000,
        "week",
        "https://legislation.gov.uk/id/uksi/2008/794/regulation/45/3?view=extent",
        "ESA Regulations 2008 reg 45(2); unchanged for many years",
    ),
    (
        "esa_permitted_work_higher",
        "ESA permitted work, higher limit",
        20350,
        "week",
        "https://www.gov.uk/government/publications/benefit-and-pension-rates-2026-to-2027",
        "16 x National Minimum Wage (£12.71) rounded up to 50p; derived, check the DWP rates table",
    ),
    (
        "carers_allowance_earnings",
        "Carer's Allowance earnings limit (after allowable deductions)",
        20400,
        "week",
        "https://carersuk.org/press-releases/new-rise-in-carer-s-allowance-earnings-limit-to-"
        "increase-earning-potential-for-carers-on-a-low-income",
        "Pegged to 16 hours x National Living Wage; reported for April 2026",
    ),
    (
        "uc_work_allowance_housing",
        "Universal Credit work allowance, with the housing element",
        42700,
        "period",
        "https://quidsinmagazine.com/2026/04/28/how-much-better-off-would-i-be-in-work/",
        "Only if the claimant has a child or limited capability for work; 55p taper above it",
    ),
    (
        "uc_work_allowance_no_housing",
        "Universal Credit work allowance, without the housing element",
        71000,
        "period",
        "https://quidsinmagazine.com/2026/04/28/how-much-better-off-would-i-be-in-work/",
        "Only if the claimant has a child or limited capability for work; 55p taper above it",
    ),
]


def upgrade() -> None:
    op.create_table(
        "network_member",
        sa.Column("id", sa.String(ID), primary_key=True),
        sa.Column("user_id", sa.String(ID), sa.ForeignKey("core_user.id"), nullable=True, unique=True),
        sa.Column("preferred_name", sa.String(200), nullable=False, index=True),
        sa.Column("email", sa.String(254), nullable=True, unique=True),
        sa.Column("phone", sa.String(40), nullable=False),
        sa.Column("contact_by", sa.String(20), nullable=False),
        sa.Column("preferred_format", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False, index=True),
        sa.Column("status_reason", sa.String(500), nullable=False),
        sa.Column("weekly_cap_pence", sa.Integer(), nullable=True),
        sa.Column("week_starts", sa.Integer(), nullable=False),
        sa.Column("period_cap_pence", sa.Integer(), nullable=True),
        sa.Column("period_start_day", sa.Integer(), nullable=True),
        sa.Column("hours_cap", sa.Float(), nullable=True),
        sa.Column("caps_updated_at", WHEN, nullable=True),
        sa.Column("caps_updated_by", sa.String(200), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
    )
    op.create_table(
        "network_member_group",
        sa.Column("member_id", sa.String(ID), sa.ForeignKey("network_member.id"), primary_key=True),
        sa.Column("group", sa.String(40), primary_key=True),
    )
    op.create_table(
        "network_access_needs",
        sa.Column("member_id", sa.String(ID), sa.ForeignKey("network_member.id"), primary_key=True),
        sa.Column("text", sa.String(4000), nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
    )
    op.create_table(
        "network_consent",
        sa.Column("id", sa.String(ID), primary_key=True),
        sa.Column("member_id", sa.String(ID), sa.ForeignKey("network_member.id"), nullable=False, index=True),
        sa.Column("purpose", sa.String(40), nullable=False),
        sa.Column("given", sa.Boolean(), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("wording_version", sa.String(20), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", WHEN, nullable=False),
    )
    op.create_table(
        "network_involvement",
        sa.Column("id", sa.String(ID), primary_key=True),
        sa.Column("member_id", sa.String(ID), sa.ForeignKey("network_member.id"), nullable=False, index=True),
        sa.Column("project_id", sa.String(ID), sa.ForeignKey("core_project.id"), nullable=True, index=True),
        sa.Column("role", sa.String(40), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False, index=True),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column("preparation_hours", sa.Float(), nullable=False),
        sa.Column("mode", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False, index=True),
        sa.Column("note", sa.String(1000), nullable=False),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("hours_cap_agreed", sa.Boolean(), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
    )
    op.create_table(
        "network_payment",
        sa.Column("id", sa.String(ID), primary_key=True),
        sa.Column("member_id", sa.String(ID), sa.ForeignKey("network_member.id"), nullable=False, index=True),
        sa.Column(
            "involvement_id",
            sa.String(ID),
            sa.ForeignKey("network_involvement.id"),
            nullable=True,
            index=True,
        ),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("offered_pence", sa.Integer(), nullable=False),
        sa.Column("amount_pence", sa.Integer(), nullable=False),
        sa.Column("choice", sa.String(10), nullable=False),
        sa.Column("charity", sa.String(200), nullable=False),
        sa.Column("method", sa.String(10), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False, index=True),
        sa.Column("in_advance", sa.Boolean(), nullable=False),
        sa.Column("description", sa.String(300), nullable=False),
        sa.Column("receipt_file_id", sa.String(ID), nullable=True),
        sa.Column("status", sa.String(12), nullable=False, index=True),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
    )
    op.create_index("ix_network_payment_member_paid_on", "network_payment", ["member_id", "paid_on"])
    rates = op.create_table(
        "network_rate",
        sa.Column("id", sa.String(ID), primary_key=True),
        sa.Column("key", sa.String(60), nullable=False, index=True),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("amount_pence", sa.Integer(), nullable=False),
        sa.Column("window", sa.String(10), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("source_url", sa.String(500), nullable=False),
        sa.Column("basis", sa.String(300), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
    )
    op.create_table(
        "network_project_budget",
        sa.Column("project_id", sa.String(ID), sa.ForeignKey("core_project.id"), primary_key=True),
        sa.Column("fees_pence", sa.Integer(), nullable=False),
        sa.Column("expenses_pence", sa.Integer(), nullable=False),
        sa.Column("access_pence", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
    )
    now = datetime.now(UTC)
    op.bulk_insert(
        rates,
        [
            {
                "id": uuid.uuid4().hex,
                "key": key,
                "label": label,
                "amount_pence": pence,
                "window": window,
                "effective_from": date(2026, 4, 6),
                "source_url": url,
                "basis": basis,
                "recorded_by": "Example figures for 2026/27 (check before relying on them)",
                "created_at": now,
            }
            for key, label, pence, window, url, basis in EXAMPLE_RATES
        ],
    )


def downgrade() -> None:
    for table in (
        "network_project_budget",
        "network_rate",
        "network_payment",
        "network_involvement",
        "network_consent",
        "network_access_needs",
        "network_member_group",
        "network_member",
    ):
        op.drop_table(table)
