"""good: notes table

Revision ID: good_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "good_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "good_note",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("text", sa.String(200), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("good_note")
