"""each person's chosen language (English or Welsh), stored on their account so that it follows
them from browser to browser; empty until they choose

Revision ID: core_0008_user_language
Revises: core_0007_sign_in_link
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "core_0008_user_language"
down_revision = "core_0007_sign_in_link"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("core_user") as batch:
        batch.add_column(sa.Column("language", sa.String(8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("core_user") as batch:
        batch.drop_column("language")
