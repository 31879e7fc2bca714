"""training: one-time links for LTI Dynamic Registration

Revision ID: training_0003
Revises: training_0002
Create Date: 2027-02-03
"""

import sqlalchemy as sa
from alembic import op

revision = "training_0003"
down_revision = "training_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "training_registration_link",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("lms_host", sa.String(255), nullable=False),
        sa.Column("created_by", sa.String(32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("platform_id", sa.String(32), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("training_registration_link")
