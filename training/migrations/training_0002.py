"""training: the tool's keys belong to one platform registration each

Keys made before this (one key set for every registration) are retired now: they stay
published at the JWKS endpoint for the usual overlap, so tokens already signed with them still
verify, and each registration makes its own key the first time it signs.

Revision ID: training_0002
Revises: training_0001
Create Date: 2027-02-03
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "training_0002"
down_revision = "training_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("training_tool_key") as batch:
        batch.add_column(sa.Column("platform_id", sa.String(32), nullable=True))
        batch.create_foreign_key(
            "fk_training_tool_key_platform_id", "training_platform", ["platform_id"], ["id"]
        )
        batch.create_index("ix_training_tool_key_platform_id", ["platform_id"])
    keys = sa.table("training_tool_key", sa.column("retired_at", sa.DateTime(timezone=True)))
    op.execute(keys.update().where(keys.c.retired_at.is_(None)).values(retired_at=datetime.now(UTC)))


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM training_tool_key WHERE platform_id IS NOT NULL"))
    with op.batch_alter_table("training_tool_key") as batch:
        batch.drop_index("ix_training_tool_key_platform_id")
        batch.drop_constraint("fk_training_tool_key_platform_id", type_="foreignkey")
        batch.drop_column("platform_id")
