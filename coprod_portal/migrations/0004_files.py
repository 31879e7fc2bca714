"""core files: uploads kept behind the storage interface

Revision ID: core_0004_files
Revises: core_0001
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "core_0004_files"
down_revision = "core_0003_notifications"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "core_file",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("plugin", sa.String(40), nullable=False, index=True),
        sa.Column("purpose", sa.String(60), nullable=False),
        sa.Column("subject_ref", sa.String(200), index=True),
        sa.Column("uploaded_by", sa.String(32), index=True),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("core_file")
