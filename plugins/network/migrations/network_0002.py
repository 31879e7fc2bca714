"""network: running totals for the yearly involvement report (per member, project, role and kind of
payment, per tax year), counted once from the existing rows

Revision ID: network_0002
Revises: network_0001
Create Date: 2027-02-01
"""

import sqlalchemy as sa
from alembic import op

revision = "network_0002"
down_revision = "network_0001"
branch_labels = None
depends_on = None

ID = 32


def upgrade() -> None:
    op.create_table(
        "network_year_member_role",
        sa.Column("tax_year", sa.Integer(), primary_key=True),
        sa.Column("member_id", sa.String(ID), primary_key=True),
        sa.Column("role", sa.String(40), primary_key=True),
        sa.Column("involvements", sa.Integer(), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
    )
    op.create_table(
        "network_year_member",
        sa.Column("tax_year", sa.Integer(), primary_key=True),
        sa.Column("member_id", sa.String(ID), primary_key=True),
        sa.Column("involvements", sa.Integer(), nullable=False),
    )
    op.create_table(
        "network_year_project",
        sa.Column("tax_year", sa.Integer(), primary_key=True),
        sa.Column("project_id", sa.String(ID), primary_key=True),
        sa.Column("involvements", sa.Integer(), nullable=False),
    )
    op.create_table(
        "network_year_role",
        sa.Column("tax_year", sa.Integer(), primary_key=True),
        sa.Column("role", sa.String(40), primary_key=True),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("involvements", sa.Integer(), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
    )
    op.create_table(
        "network_year_money",
        sa.Column("tax_year", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(10), primary_key=True),
        sa.Column("choice", sa.String(10), primary_key=True),
        sa.Column("amount_pence", sa.Integer(), nullable=False),
        sa.Column("offered_pence", sa.Integer(), nullable=False),
    )
    # Count what is already there. The counting is the plugin's own (one definition of a tax year).
    from plugins.network.totals import rebuild

    rebuild(op.get_bind())


def downgrade() -> None:
    for table in ("network_year_money", "network_year_role", "network_year_project",
                  "network_year_member", "network_year_member_role"):
        op.drop_table(table)
