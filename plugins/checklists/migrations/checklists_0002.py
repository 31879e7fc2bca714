"""checklists: each project's stored progress (for the portfolio and the "blocked at a gate" card),
and the people involved in each project as the plugins that know them last said (for members'
"rate the projects you took part in" list)

Revision ID: checklists_0002
Revises: checklists_0001
Create Date: 2027-01-20
"""

import sqlalchemy as sa
from alembic import op

revision = "checklists_0002"
down_revision = "checklists_0001"
branch_labels = None
depends_on = None

ID = 32


def upgrade() -> None:
    with op.batch_alter_table("checklists_project") as batch:
        batch.add_column(sa.Column("done_count", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("total_count", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("blocked", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("status_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_checklists_project_blocked", ["blocked"])
    op.create_table(
        "checklists_project_person",
        sa.Column("project_id", sa.String(ID), sa.ForeignKey("core_project.id"), primary_key=True),
        sa.Column("user_id", sa.String(ID), sa.ForeignKey("core_user.id"), primary_key=True),
    )
    op.create_index("ix_checklists_project_person_user_id", "checklists_project_person", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_checklists_project_person_user_id", "checklists_project_person")
    op.drop_table("checklists_project_person")
    with op.batch_alter_table("checklists_project") as batch:
        batch.drop_index("ix_checklists_project_blocked")
        for column in ("status_at", "blocked", "total_count", "done_count"):
            batch.drop_column(column)
