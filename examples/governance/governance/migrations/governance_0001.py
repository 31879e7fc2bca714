"""governance: people, seats, lived-experience consent, board briefings

Revision ID: governance_0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "governance_0001"
down_revision = None
branch_labels = None
depends_on = None

ID = 32


def upgrade() -> None:
    op.create_table(
        "governance_person",
        sa.Column("id", sa.String(ID), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(254), nullable=True, index=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "governance_seat",
        sa.Column("id", sa.String(ID), primary_key=True),
        sa.Column("person_id", sa.String(ID), sa.ForeignKey("governance_person.id"), nullable=False,
                  index=True),
        sa.Column("body", sa.String(100), nullable=False),
        sa.Column("role", sa.String(40), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "governance_lived_experience",
        sa.Column("person_id", sa.String(ID), sa.ForeignKey("governance_person.id"), primary_key=True),
        sa.Column("consent_given_on", sa.Date(), nullable=False),
        sa.Column("evidence", sa.String(40), nullable=False),
        sa.Column("wording_version", sa.String(20), nullable=False),
        sa.Column("publish_agreed", sa.Boolean(), nullable=False),
        sa.Column("recorded_by_id", sa.String(ID), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "governance_briefing",
        sa.Column("id", sa.String(ID), primary_key=True),
        sa.Column("project_id", sa.String(ID), sa.ForeignKey("core_project.id"), nullable=False,
                  index=True),
        sa.Column("briefed_on", sa.Date(), nullable=False),
        sa.Column("note", sa.String(500), nullable=False),
        sa.Column("recorded_by_id", sa.String(ID), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("governance_briefing")
    op.drop_table("governance_lived_experience")
    op.drop_table("governance_seat")
    op.drop_table("governance_person")
