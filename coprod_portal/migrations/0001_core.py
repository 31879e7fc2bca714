"""core tables: users, roles, learners, resets, sign-in attempts, audit, projects

Revision ID: core_0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "core_0001"
down_revision = None
branch_labels = None
depends_on = None

ID = 32


def _when(name: str, nullable: bool = False, index: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable, index=index)


def upgrade() -> None:
    op.create_table(
        "core_user",
        sa.Column("id", sa.String(ID), primary_key=True),
        sa.Column("email", sa.String(254), nullable=False, unique=True, index=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("password_hash", sa.String(255)),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("session_token", sa.String(ID), nullable=False),
        sa.Column("line_manager_id", sa.String(ID), sa.ForeignKey("core_user.id")),
        _when("created_at"),
        _when("deactivated_at", nullable=True),
    )
    op.create_table(
        "core_user_role",
        sa.Column("user_id", sa.String(ID), sa.ForeignKey("core_user.id"), primary_key=True),
        sa.Column("role", sa.String(64), primary_key=True),
    )
    op.create_table(
        "core_learner",
        sa.Column("id", sa.String(ID), primary_key=True),
        sa.Column("issuer", sa.String(255), nullable=False, index=True),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        _when("created_at"),
        sa.UniqueConstraint("issuer", "subject", name="uq_core_learner_identity"),
    )
    op.create_table(
        "core_password_reset",
        sa.Column("id", sa.String(ID), primary_key=True),
        sa.Column("user_id", sa.String(ID), sa.ForeignKey("core_user.id"), nullable=False,
                  index=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_by", sa.String(ID), sa.ForeignKey("core_user.id"), nullable=False),
        _when("created_at"),
        _when("expires_at"),
        _when("used_at", nullable=True),
    )
    op.create_table(
        "core_login_attempt",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(300), nullable=False, index=True),
        _when("at", index=True),
    )
    op.create_table(
        "core_audit_event",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _when("at", index=True),
        sa.Column("actor_id", sa.String(ID), index=True),
        sa.Column("actor_label", sa.String(200), nullable=False),
        sa.Column("action", sa.String(100), nullable=False, index=True),
        sa.Column("subject_type", sa.String(60), nullable=False),
        sa.Column("subject_id", sa.String(64), nullable=False, index=True),
        sa.Column("subject_label", sa.String(200), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("plugin", sa.String(40), nullable=False),
        sa.Column("detail", sa.String(1000), nullable=False),
    )
    op.create_table(
        "core_project",
        sa.Column("id", sa.String(ID), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("summary", sa.String(4000), nullable=False),
        sa.Column("owner_id", sa.String(ID), sa.ForeignKey("core_user.id"), nullable=False,
                  index=True),
        sa.Column("stage", sa.String(40), nullable=False, index=True),
        sa.Column("starts_on", sa.Date()),
        sa.Column("ends_on", sa.Date()),
        _when("created_at"),
        _when("updated_at"),
    )
    op.create_table(
        "core_project_team",
        sa.Column("project_id", sa.String(ID), sa.ForeignKey("core_project.id"), primary_key=True),
        sa.Column("user_id", sa.String(ID), sa.ForeignKey("core_user.id"), primary_key=True),
    )


def downgrade() -> None:
    for table in ("core_project_team", "core_project", "core_audit_event", "core_login_attempt",
                  "core_password_reset", "core_learner", "core_user_role", "core_user"):
        op.drop_table(table)
