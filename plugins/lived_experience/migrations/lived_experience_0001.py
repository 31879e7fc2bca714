"""lived_experience: profiles, encrypted contributions, project links, consents, check-ins

Revision ID: lived_experience_0001
Revises:
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "lived_experience_0001"
down_revision = None
branch_labels = None
depends_on = None

ID = 32


def upgrade() -> None:
    op.create_table(
        "lived_experience_profile",
        sa.Column("user_id", sa.String(ID), sa.ForeignKey("core_user.id"), primary_key=True),
        sa.Column("opted_in_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("explanation_version", sa.String(20), nullable=False),
    )
    op.create_table(
        "lived_experience_contribution",
        sa.Column("id", sa.String(ID), primary_key=True),
        sa.Column("contributor_id", sa.String(ID), sa.ForeignKey("core_user.id"), nullable=False, index=True),
        sa.Column("pseudonym", sa.String(40), nullable=False),
        sa.Column("visibility", sa.String(30), nullable=False),
        sa.Column("status", sa.String(20), nullable=False, index=True),
        sa.Column("narrative_token", sa.Text(), nullable=True),
        sa.Column("content_note_token", sa.Text(), nullable=True),
        sa.Column("topics_token", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("review_on", sa.Date(), nullable=False),
        sa.Column("review_notified_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "lived_experience_project_link",
        sa.Column(
            "contribution_id",
            sa.String(ID),
            sa.ForeignKey("lived_experience_contribution.id"),
            primary_key=True,
        ),
        sa.Column("project_id", sa.String(ID), sa.ForeignKey("core_project.id"), primary_key=True),
    )
    op.create_table(
        "lived_experience_consent",
        sa.Column("id", sa.String(ID), primary_key=True),
        sa.Column(
            "contribution_id",
            sa.String(ID),
            sa.ForeignKey("lived_experience_contribution.id"),
            nullable=False,
            index=True,
        ),
        sa.Column("contributor_id", sa.String(ID), sa.ForeignKey("core_user.id"), nullable=False, index=True),
        sa.Column("purpose", sa.String(30), nullable=False),
        sa.Column("use_description", sa.String(200), nullable=False),
        sa.Column("wording_version", sa.String(20), nullable=False),
        sa.Column("given_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_because", sa.String(40), nullable=False),
    )
    op.create_table(
        "lived_experience_checkin",
        sa.Column("id", sa.String(ID), primary_key=True),
        sa.Column("user_id", sa.String(ID), sa.ForeignKey("core_user.id"), nullable=False, index=True),
        sa.Column("how_to_reach", sa.String(30), nullable=False),
        sa.Column("when_suits", sa.String(30), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by_id", sa.String(ID), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("lived_experience_checkin")
    op.drop_table("lived_experience_consent")
    op.drop_table("lived_experience_project_link")
    op.drop_table("lived_experience_contribution")
    op.drop_table("lived_experience_profile")
