"""keeper: records about people

Revision ID: keeper_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "keeper_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "keeper_record",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("email", sa.String(254), nullable=False, index=True),
        sa.Column("note", sa.String(200), nullable=False),
        sa.Column("payment_pence", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("keeper_record")
