"""training: modules and versions, trainers, deliveries, progress, LTI platforms, keys, nonces,
launches and grades

Revision ID: training_0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "training_0001"
down_revision = None
branch_labels = None
depends_on = None

ID = 32


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "training_module",
        sa.Column("key", sa.String(60), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("published_version", sa.Integer(), nullable=True),
        _when("created_at"),
    )
    op.create_table(
        "training_version",
        sa.Column("id", sa.String(ID), primary_key=True),
        sa.Column(
            "module_key", sa.String(60), sa.ForeignKey("training_module.key"), nullable=False, index=True
        ),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("author_id", sa.String(ID), nullable=True),
        sa.Column("review_note", sa.String(1000), nullable=False),
        sa.Column("reviewed_by", sa.String(ID), nullable=True),
        _when("published_at", True),
        _when("created_at"),
        _when("updated_at"),
        sa.UniqueConstraint("module_key", "number", name="uq_training_version_number"),
    )
    op.create_table(
        "training_trainer",
        sa.Column("module_key", sa.String(60), sa.ForeignKey("training_module.key"), primary_key=True),
        sa.Column("user_id", sa.String(ID), primary_key=True),
    )
    op.create_table(
        "training_delivery",
        sa.Column("id", sa.String(ID), primary_key=True),
        sa.Column("module_key", sa.String(60), nullable=False, index=True),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("trainer_id", sa.String(ID), nullable=False, index=True),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column("note", sa.String(500), nullable=False),
        sa.Column("involvement_id", sa.String(64), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _when("created_at"),
    )
    op.create_table(
        "training_progress",
        sa.Column("id", sa.String(ID), primary_key=True),
        sa.Column("learner_ref", sa.String(40), nullable=False, index=True),
        sa.Column("module_key", sa.String(60), nullable=False, index=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("lessons_done", sa.Text(), nullable=False),
        sa.Column("last_lesson", sa.String(60), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("out_of", sa.Integer(), nullable=True),
        _when("completed_at", True),
        _when("updated_at"),
        sa.UniqueConstraint("learner_ref", "module_key", name="uq_training_progress"),
    )
    op.create_table(
        "training_platform",
        sa.Column("id", sa.String(ID), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("issuer", sa.String(255), nullable=False, index=True),
        sa.Column("client_id", sa.String(255), nullable=False),
        sa.Column("deployment_ids", sa.Text(), nullable=False),
        sa.Column("auth_login_url", sa.String(500), nullable=False),
        sa.Column("token_url", sa.String(500), nullable=False),
        sa.Column("jwks_url", sa.String(500), nullable=False),
        sa.Column("audience", sa.String(500), nullable=False),
        sa.Column("frame_origins", sa.Text(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("jwks_cache", sa.Text(), nullable=False),
        _when("jwks_fetched_at", True),
        _when("created_at"),
        sa.UniqueConstraint("issuer", "client_id", name="uq_training_platform"),
    )
    op.create_table(
        "training_tool_key",
        sa.Column("kid", sa.String(64), primary_key=True),
        sa.Column("private_key", sa.Text(), nullable=False),
        sa.Column("public_jwk", sa.Text(), nullable=False),
        _when("created_at"),
        _when("retired_at", True),
    )
    op.create_table(
        "training_nonce",
        sa.Column("state", sa.String(80), primary_key=True),
        sa.Column("nonce", sa.String(80), nullable=False, unique=True),
        sa.Column("platform_id", sa.String(ID), nullable=False),
        sa.Column("target_link_uri", sa.String(500), nullable=False),
        _when("created_at"),
        _when("used_at", True),
    )
    op.create_index("ix_training_nonce_created_at", "training_nonce", ["created_at"])
    op.create_table(
        "training_launch",
        sa.Column("id", sa.String(ID), primary_key=True),
        sa.Column("platform_id", sa.String(ID), nullable=False, index=True),
        sa.Column("learner_id", sa.String(ID), nullable=False, index=True),
        sa.Column("module_key", sa.String(60), nullable=False),
        sa.Column("context_id", sa.String(255), nullable=False),
        sa.Column("context_title", sa.String(255), nullable=False),
        sa.Column("roles", sa.Text(), nullable=False),
        sa.Column("lineitem_url", sa.String(500), nullable=False),
        sa.Column("lineitems_url", sa.String(500), nullable=False),
        sa.Column("ags_scopes", sa.Text(), nullable=False),
        sa.Column("nrps_url", sa.String(500), nullable=False),
        sa.Column("claims", sa.Text(), nullable=False),
        _when("created_at"),
    )
    op.create_table(
        "training_grade",
        sa.Column("id", sa.String(ID), primary_key=True),
        sa.Column("launch_id", sa.String(ID), nullable=False, index=True),
        sa.Column("progress_id", sa.String(ID), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("out_of", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(500), nullable=False),
        _when("created_at"),
        _when("sent_at", True),
    )


def downgrade() -> None:
    for table in (
        "training_grade",
        "training_launch",
        "training_nonce",
        "training_tool_key",
        "training_platform",
        "training_progress",
        "training_delivery",
        "training_trainer",
        "training_version",
        "training_module",
    ):
        op.drop_table(table)
