"""a version per table, bumped by every transaction that writes to it (coprod_portal.freshness)

Revision ID: core_0009_table_version
Revises: core_0008_user_language
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "core_0009_table_version"
down_revision = "core_0008_user_language"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "core_table_version",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("core_table_version")
