"""background jobs: failures of queued jobs (core_job_failure)

Revision ID: core_0002_jobs
Revises: core_0001
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "core_0002_jobs"
down_revision = "core_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "core_job_failure",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("task_id", sa.String(64), nullable=False, unique=True, index=True),
        sa.Column("job_name", sa.String(100), nullable=False, index=True),
        sa.Column("arguments", sa.String(500), nullable=False),
        sa.Column("kwargs_json", sa.Text()),
        sa.Column("error", sa.String(1000), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False, index=True),
        sa.Column("first_failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("next_try_at", sa.DateTime(timezone=True)),
        sa.Column("resolved_at", sa.DateTime(timezone=True)),
    )


def downgrade() -> None:
    op.drop_table("core_job_failure")
