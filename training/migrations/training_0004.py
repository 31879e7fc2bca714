"""training: logins begun inside an LMS frame, waiting for their cookie check or a new window

Revision ID: training_0004
Revises: training_0003
Create Date: 2027-02-03
"""

import sqlalchemy as sa
from alembic import op

revision = "training_0004"
down_revision = "training_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "training_handover",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("state", sa.String(80), nullable=False),
        sa.Column("platform_id", sa.String(32), nullable=False),
        sa.Column("auth_url", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_how", sa.String(20), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("training_handover")
