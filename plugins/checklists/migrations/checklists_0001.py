"""checklists: template versions, project checklists, answers and history, rungs, feedback, ideas;
version 1 of the template, built from the co-production guidance

Revision ID: checklists_0001
Revises:
Create Date: 2027-01-10
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "checklists_0001"
down_revision = None
branch_labels = None
depends_on = None

ID = 32

# Version 1 of the template, frozen here: later versions are made in the browser.
# (section key, title, stage, [(item key, text, hint, kind)])
DEFAULT_TEMPLATE = [
    (
        "startup",
        "Start-up: purpose, people and money",
        "idea",
        [
            (
                "purpose",
                "We have written down why we are involving people: what they will influence, "
                "and what is not open to change",
                "A clear purpose lets everyone see whether involvement made a difference (4Pi: Purpose).",
                "",
            ),
            (
                "first_stage",
                "We have decided the stage at which people who use services and carers are first involved",
                "Involve people from the start. The checklist flags a project that first involves people "
                "after the design stage.",
                "first_stage",
            ),
            (
                "planned_rung",
                "We have agreed, honestly, the rung of the ladder of co-production we plan to reach",
                "Every rung except coercion can be the right one. "
                "Record what you really plan, not the top rung.",
                "planned_rung",
            ),
            (
                "roles",
                "We have decided the roles we will offer",
                "For example: interview panel, advisory group, writer, consultant, speaker, trainer, "
                "media spokesperson, blogger.",
                "",
            ),
            (
                "budget",
                "We have an involvement budget for fees, expenses and access costs",
                "Include access costs such as BSL interpreters, personal assistants or carer cover. "
                "Do not under-budget.",
                "",
            ),
            (
                "payment",
                "We have planned how people will be paid without harming their benefits",
                "Each person may take, reduce, decline or donate a fee; expenses are paid in advance or "
                "direct to the supplier; point people to independent benefits advice.",
                "",
            ),
            (
                "accessibility",
                "We have an accessibility plan, with the formats people need",
                "Venues, times, breaks, and formats such as Easy Read, large print, audio, BSL or phone.",
                "",
            ),
        ],
    ),
    (
        "design",
        "Design: working together",
        "design",
        [
            (
                "presence",
                "We know who is involved and who is missing, and have reached out to groups "
                "we do not hear from",
                "4Pi: Presence.",
                "",
            ),
            (
                "feedback_plan",
                "We have a feedback plan",
                "How we will tell people what changed because of them, "
                "and why, when something could not change.",
                "",
            ),
            (
                "evaluation_plan",
                "We have an evaluation plan made with the people involved",
                "Measure what matters to them, and how the work was done as well as what it achieved.",
                "",
            ),
        ],
    ),
    (
        "development",
        "Development: keeping people in the loop",
        "development",
        [
            ("progress_reports", "People involved get regular progress reports", "4Pi: Process.", ""),
            ("payments_on_time", "Fees and expenses are paid on time, the way each person chose", "", ""),
        ],
    ),
    (
        "delivery",
        "Delivery: feeding back",
        "delivery",
        [
            (
                "you_said_we_did",
                "We have published “you said, we did” back to the network",
                "Use the evaluation page of this project.",
                "",
            ),
            (
                "rung_rated",
                "People involved have been asked to rate the rung of the ladder they experienced",
                "Their rating is shown beside ours, never merged.",
                "",
            ),
        ],
    ),
    (
        "review",
        "Review: evaluation and impact",
        "review",
        [
            ("evaluated", "We have evaluated the project with the people involved", "4Pi: Impact.", ""),
            (
                "shared",
                "We have shared what we learned, in accessible formats",
                "For example an Easy Read summary.",
                "",
            ),
        ],
    ),
]


def upgrade() -> None:
    op.create_table(
        "checklists_template_version",
        sa.Column("id", sa.String(ID), primary_key=True),
        sa.Column("number", sa.Integer(), nullable=False, unique=True, index=True),
        sa.Column("note", sa.String(500), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.String(ID), nullable=True),
    )
    op.create_table(
        "checklists_template_section",
        sa.Column("id", sa.String(ID), primary_key=True),
        sa.Column(
            "version_id",
            sa.String(ID),
            sa.ForeignKey("checklists_template_version.id"),
            nullable=False,
            index=True,
        ),
        sa.Column("key", sa.String(40), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("stage", sa.String(40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
    )
    op.create_table(
        "checklists_template_item",
        sa.Column("id", sa.String(ID), primary_key=True),
        sa.Column(
            "section_id",
            sa.String(ID),
            sa.ForeignKey("checklists_template_section.id"),
            nullable=False,
            index=True,
        ),
        sa.Column("key", sa.String(40), nullable=False),
        sa.Column("text", sa.String(500), nullable=False),
        sa.Column("hint", sa.String(1000), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
    )
    op.create_table(
        "checklists_project",
        sa.Column("project_id", sa.String(ID), sa.ForeignKey("core_project.id"), primary_key=True),
        sa.Column(
            "version_id",
            sa.String(ID),
            sa.ForeignKey("checklists_template_version.id"),
            nullable=False,
            index=True,
        ),
        sa.Column("first_stage", sa.String(40), nullable=False, index=True),
        sa.Column("planned_rung", sa.String(40), nullable=False),
        sa.Column("attached_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "checklists_answer",
        sa.Column("id", sa.String(ID), primary_key=True),
        sa.Column("project_id", sa.String(ID), sa.ForeignKey("core_project.id"), nullable=False, index=True),
        sa.Column("item_ref", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reason", sa.String(2000), nullable=False),
        sa.Column("notes", sa.String(4000), nullable=False),
        sa.Column("value", sa.String(40), nullable=False),
        sa.Column("evidence", sa.String(4000), nullable=False),
        sa.Column("owner_id", sa.String(ID), sa.ForeignKey("core_user.id"), nullable=True, index=True),
        sa.Column("due_on", sa.Date(), nullable=True, index=True),
        sa.Column("reminded_on", sa.Date(), nullable=True),
        sa.Column("updated_by_id", sa.String(ID), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("project_id", "item_ref", name="uq_checklists_answer_item"),
    )
    op.create_table(
        "checklists_answer_change",
        sa.Column("id", sa.String(ID), primary_key=True),
        sa.Column("project_id", sa.String(ID), sa.ForeignKey("core_project.id"), nullable=False, index=True),
        sa.Column("item_ref", sa.String(200), nullable=False),
        sa.Column("item_text", sa.String(500), nullable=False),
        sa.Column("summary", sa.String(1000), nullable=False),
        sa.Column("changed_by_id", sa.String(ID), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "checklists_rung",
        sa.Column("id", sa.String(ID), primary_key=True),
        sa.Column("project_id", sa.String(ID), sa.ForeignKey("core_project.id"), nullable=False, index=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("rung", sa.String(40), nullable=False),
        sa.Column("comment", sa.String(2000), nullable=False),
        sa.Column("by_id", sa.String(ID), sa.ForeignKey("core_user.id"), nullable=True, index=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "checklists_feedback",
        sa.Column("id", sa.String(ID), primary_key=True),
        sa.Column("project_id", sa.String(ID), sa.ForeignKey("core_project.id"), nullable=False, index=True),
        sa.Column("you_said", sa.String(2000), nullable=False),
        sa.Column("we_did", sa.String(2000), nullable=False),
        sa.Column("changed", sa.Boolean(), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.String(ID), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "checklists_idea",
        sa.Column("id", sa.String(ID), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.String(4000), nullable=False),
        sa.Column("submitted_by_id", sa.String(ID), sa.ForeignKey("core_user.id"), nullable=True, index=True),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("on_behalf_of", sa.String(200), nullable=False),
        sa.Column("status", sa.String(30), nullable=False, index=True),
        sa.Column("status_reason", sa.String(2000), nullable=False),
        sa.Column("project_id", sa.String(ID), sa.ForeignKey("core_project.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    _insert_default_template()


def _insert_default_template() -> None:
    since = datetime(2000, 1, 1, tzinfo=UTC)  # in force for every project started before version 2
    versions = sa.table(
        "checklists_template_version",
        sa.column("id"),
        sa.column("number"),
        sa.column("note"),
        sa.column("published_at"),
        sa.column("created_at"),
        sa.column("created_by_id"),
    )
    sections = sa.table(
        "checklists_template_section",
        sa.column("id"),
        sa.column("version_id"),
        sa.column("key"),
        sa.column("title"),
        sa.column("stage"),
        sa.column("position"),
    )
    items = sa.table(
        "checklists_template_item",
        sa.column("id"),
        sa.column("section_id"),
        sa.column("key"),
        sa.column("text"),
        sa.column("hint"),
        sa.column("kind"),
        sa.column("position"),
    )
    op.bulk_insert(
        versions,
        [
            {
                "id": "v1",
                "number": 1,
                "note": "Built from the co-production guidance",
                "published_at": since,
                "created_at": since,
                "created_by_id": None,
            }
        ],
    )
    section_rows, item_rows = [], []
    for s_pos, (key, title, stage, entries) in enumerate(DEFAULT_TEMPLATE):
        section_id = f"v1-{key}"
        section_rows.append(
            {
                "id": section_id,
                "version_id": "v1",
                "key": key,
                "title": title,
                "stage": stage,
                "position": s_pos,
            }
        )
        for i_pos, (item_key, text, hint, kind) in enumerate(entries):
            item_rows.append(
                {
                    "id": f"v1-{key}-{item_key}"[:ID],
                    "section_id": section_id,
                    "key": item_key,
                    "text": text,
                    "hint": hint,
                    "kind": kind,
                    "position": i_pos,
                }
            )
    op.bulk_insert(sections, section_rows)
    op.bulk_insert(items, item_rows)


def downgrade() -> None:
    for table in (
        "checklists_idea",
        "checklists_feedback",
        "checklists_rung",
        "checklists_answer_change",
        "checklists_answer",
        "checklists_project",
        "checklists_template_item",
        "checklists_template_section",
        "checklists_template_version",
    ):
        op.drop_table(table)
