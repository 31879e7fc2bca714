"""network: running totals of confirmed involvement per tax month, counted once from the
existing rows (the report's month-by-month chart)

Revision ID: network_0003
Revises: network_0002
Create Date: 2027-03-01
"""

import sqlalchemy as sa
from alembic import op

revision = "network_0003"
down_revision = "network_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "network_month_involvement",
        sa.Column("month", sa.Date(), primary_key=True),
        sa.Column("involvements", sa.Integer(), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
    )
    from plugins.network.totals import rebuild  # the plugin's own counting, one definition

    rebuild(op.get_bind())


def downgrade() -> None:
    op.drop_table("network_month_involvement")
