"""background jobs: which worker (host name and process) recorded a job's last failure

With Redis every server runs a worker, and all of them record failures in core_job_failure;
admins need to see which server a failure came from.

Revision ID: core_0005_job_failure_worker
Revises: core_0004_files
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "core_0005_job_failure_worker"
down_revision = "core_0004_files"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("core_job_failure") as batch:
        batch.add_column(sa.Column("worker", sa.String(200), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("core_job_failure") as batch:
        batch.drop_column("worker")
