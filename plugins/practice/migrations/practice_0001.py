"""practice: practice examples and their co-authors' consent

Revision ID: practice_0001
Revises:
Create Date: 2027-03-01
"""

import sqlalchemy as sa
from alembic import op

revision = "practice_0001"
down_revision = None
branch_labels = None
depends_on = None

ID = 32


def upgrade() -> None:
    op.create_table(
        "practice_example",
        sa.Column("id", sa.String(ID), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("situation", sa.String(4000), nullable=False, server_default=""),
        sa.Column("who_involved", sa.String(2000), nullable=False, server_default=""),
        sa.Column("what_was_done", sa.String(4000), nullable=False, server_default=""),
        sa.Column("stage", sa.String(40), nullable=False, server_default=""),
        sa.Column("rung", sa.String(40), nullable=False, server_default=""),
        sa.Column("what_changed", sa.String(4000), nullable=False, server_default=""),
        sa.Column("what_was_hard", sa.String(4000), nullable=False, server_default=""),
        sa.Column("costs_and_payment", sa.String(2000), nullable=False, server_default=""),
        sa.Column("contact", sa.String(200), nullable=False, server_default=""),
        sa.Column("easy_read", sa.String(4000), nullable=False, server_default=""),
        sa.Column("tags", sa.String(1000), nullable=False, server_default=""),
        sa.Column("project_id", sa.String(ID), sa.ForeignKey("core_project.id"), nullable=True),
        sa.Column("visibility", sa.String(20), nullable=False, server_default="staff"),
        sa.Column("status", sa.String(20), nullable=False, server_default="draft"),
        sa.Column("author_id", sa.String(ID), sa.ForeignKey("core_user.id"), nullable=True),
        sa.Column("review_note", sa.String(2000), nullable=False, server_default=""),
        sa.Column("reviewed_by_id", sa.String(ID), sa.ForeignKey("core_user.id"), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_practice_example_stage", "practice_example", ["stage"])
    op.create_index("ix_practice_example_status", "practice_example", ["status"])
    op.create_index("ix_practice_example_project_id", "practice_example", ["project_id"])
    op.create_index("ix_practice_example_author_id", "practice_example", ["author_id"])
    op.create_table(
        "practice_coauthor",
        sa.Column("id", sa.String(ID), primary_key=True),
        sa.Column("example_id", sa.String(ID), sa.ForeignKey("practice_example.id"), nullable=False),
        sa.Column("user_id", sa.String(ID), sa.ForeignKey("core_user.id"), nullable=False),
        sa.Column("words", sa.String(4000), nullable=False, server_default=""),
        sa.Column("invited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agreed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("example_id", "user_id", name="uq_practice_coauthor_example_user"),
    )
    op.create_index("ix_practice_coauthor_example_id", "practice_coauthor", ["example_id"])
    op.create_index("ix_practice_coauthor_user_id", "practice_coauthor", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_practice_coauthor_user_id", "practice_coauthor")
    op.drop_index("ix_practice_coauthor_example_id", "practice_coauthor")
    op.drop_table("practice_coauthor")
    for column in ("author_id", "project_id", "status", "stage"):
        op.drop_index(f"ix_practice_example_{column}", "practice_example")
    op.drop_table("practice_example")
