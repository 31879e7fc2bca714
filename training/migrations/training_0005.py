"""training: live sessions of a module, each trainer's delivery of one paid once

Revision ID: training_0005
Revises: training_0004
Create Date: 2027-02-10
"""

import sqlalchemy as sa
from alembic import op

revision = "training_0005"
down_revision = "training_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "training_live_session",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "module_key", sa.String(60), sa.ForeignKey("training_module.key"), nullable=False, index=True
        ),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column("online", sa.Boolean(), nullable=False),
        sa.Column("place", sa.String(200), nullable=False),
        sa.Column("attendees", sa.Integer(), nullable=False),
        sa.Column("recorded_by", sa.String(32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("training_delivery") as batch:
        batch.add_column(sa.Column("session_id", sa.String(32), nullable=True))
        batch.add_column(sa.Column("session_key", sa.String(140), nullable=True))
        batch.create_foreign_key(
            "fk_training_delivery_session_id", "training_live_session", ["session_id"], ["id"]
        )
        batch.create_index("ix_training_delivery_session_id", ["session_id"])
        batch.create_unique_constraint("uq_training_delivery_session", ["session_key"])


def downgrade() -> None:
    with op.batch_alter_table("training_delivery") as batch:
        batch.drop_constraint("uq_training_delivery_session", type_="unique")
        batch.drop_index("ix_training_delivery_session_id")
        batch.drop_constraint("fk_training_delivery_session_id", type_="foreignkey")
        batch.drop_column("session_key")
        batch.drop_column("session_id")
    op.drop_table("training_live_session")
