"""sign-in links sent by e-mail: one-time links (only their hash kept) and each person's choice
of how they sign in (password, link, or either)

Revision ID: core_0007_sign_in_link
Revises: core_0006_user_identity
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "core_0007_sign_in_link"
down_revision = "core_0006_user_identity"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "core_sign_in_link",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("user_id", sa.String(32), sa.ForeignKey("core_user.id"), nullable=False, index=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("browser_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    )
    with op.batch_alter_table("core_user") as batch:
        batch.add_column(sa.Column("sign_in_method", sa.String(10), nullable=False,
                                   server_default="either"))


def downgrade() -> None:
    with op.batch_alter_table("core_user") as batch:
        batch.drop_column("sign_in_method")
    op.drop_table("core_sign_in_link")
