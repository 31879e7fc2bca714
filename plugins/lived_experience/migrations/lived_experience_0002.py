"""lived_experience: the co-production lead's review, and approval of the wording for public use

Revision ID: lived_experience_0002
Revises: lived_experience_0001
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "lived_experience_0002"
down_revision = "lived_experience_0001"
branch_labels = None
depends_on = None

TABLE = "lived_experience_contribution"


def upgrade() -> None:
    with op.batch_alter_table(TABLE) as batch:
        batch.add_column(sa.Column("review_state", sa.String(20), nullable=False, server_default="waiting"))
        batch.add_column(sa.Column("review_note_token", sa.Text(), nullable=True))
        batch.add_column(sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("reviewed_by_id", sa.String(32), nullable=True))
        batch.add_column(sa.Column("public_wording_token", sa.Text(), nullable=True))
        batch.add_column(sa.Column("wording_approved_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        "ix_lived_experience_contribution_review", TABLE, ["status", "review_state", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_lived_experience_contribution_review", table_name=TABLE)
    with op.batch_alter_table(TABLE) as batch:
        for column in (
            "wording_approved_at",
            "public_wording_token",
            "reviewed_by_id",
            "reviewed_at",
            "review_note_token",
            "review_state",
        ):
            batch.drop_column(column)
