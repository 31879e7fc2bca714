"""single sign-on: each staff account's identity (issuer and subject) at an OpenID provider

Revision ID: core_0006_user_identity
Revises: core_0005_job_failure_worker
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "core_0006_user_identity"
down_revision = "core_0005_job_failure_worker"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "core_user_identity",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("user_id", sa.String(32), sa.ForeignKey("core_user.id"), nullable=False, index=True),
        sa.Column("issuer", sa.String(255), nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("issuer", "subject", name="uq_core_user_identity"),
    )


def downgrade() -> None:
    op.drop_table("core_user_identity")
