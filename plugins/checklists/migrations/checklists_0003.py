"""checklists: indexes that answer the home page's "checklist items due" card without reading rows

Revision ID: checklists_0003
Revises: checklists_0002
Create Date: 2027-02-01
"""

from alembic import op

revision = "checklists_0003"
down_revision = "checklists_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for name, person_or_project in (("ix_checklists_answer_project_due", "project_id"),
                                    ("ix_checklists_answer_owner_due", "owner_id")):
        op.create_index(name, "checklists_answer", [person_or_project, "status", "due_on"])


def downgrade() -> None:
    op.drop_index("ix_checklists_answer_owner_due", "checklists_answer")
    op.drop_index("ix_checklists_answer_project_due", "checklists_answer")
