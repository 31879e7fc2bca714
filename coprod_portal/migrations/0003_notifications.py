"""notifications: inbox messages and contact preferences

Revision ID: core_0003_notifications
Revises: core_0002_jobs
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "core_0003_notifications"
down_revision = "core_0002_jobs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "core_notification",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("user_id", sa.String(32), sa.ForeignKey("core_user.id"), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("easy_read", sa.Text()),
        sa.Column("link", sa.String(500)),
        sa.Column("category", sa.String(60), nullable=False),
        sa.Column("sensitive", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_core_notification_user_read", "core_notification", ["user_id", "read_at"])
    op.create_index("ix_core_notification_user_created", "core_notification", ["user_id", "created_at"])
    op.create_table(
        "core_contact_preference",
        sa.Column("user_id", sa.String(32), sa.ForeignKey("core_user.id"), primary_key=True),
        sa.Column("email", sa.Boolean(), nullable=False),
        sa.Column("format", sa.String(20), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("core_contact_preference")
    op.drop_index("ix_core_notification_user_created", table_name="core_notification")
    op.drop_index("ix_core_notification_user_read", table_name="core_notification")
    op.drop_table("core_notification")
