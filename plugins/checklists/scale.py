"""The checklists' share of the benchmark data set: each "Scale project" gets its checklist, an answer
row for each of the template's items and a history of changes: 40 rows an item list, in bulk."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from coprod_portal.db import new_id, utcnow
from coprod_portal.projects import Project

from . import checklist as cl
from .models import Answer, AnswerChange, ProjectChecklist

ROWS_PER_PROJECT = 40  # the template's answers, then history entries up to 40
BATCH = 1000


def seed(session: Session, factor: float) -> int:
    """Checklists for the core's scale projects that have none yet (safe to run again)."""
    projects = session.exec(
        select(Project.id, Project.stage, Project.owner_id)
        .where(col(Project.title).like("Scale project %"))
        .where(col(Project.id).not_in(select(ProjectChecklist.project_id)))
        .order_by(col(Project.title))
    ).all()
    if not projects:
        return 0
    now = utcnow()
    version = cl.version_in_force(session, now)
    template = cl.template_sections(session, version.id)
    sample = session.get(Project, projects[0][0])
    assert sample is not None
    contributed = cl.contributed_sections(sample)  # the same for every scale project
    records: list[dict[str, Any]] = []
    answers: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    for n, (project_id, stage, owner_id) in enumerate(projects):
        rows = _project_rows(n, project_id, stage, owner_id, template, contributed, version.id, now)
        records.append(rows[0])
        answers += rows[1]
        changes += rows[2]
    for model, rows in ((ProjectChecklist, records), (Answer, answers), (AnswerChange, changes)):
        for start in range(0, len(rows), BATCH):
            session.execute(insert(model), rows[start : start + BATCH])
            session.commit()
    return len(projects)


def _project_rows(
    n: int,
    project_id: str,
    stage: str,
    owner_id: str,
    template: list[Any],
    contributed: list[cl.SectionView],
    version_id: str,
    now: datetime,
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """Earlier stages answered, half of the current stage's, the rest owned and due (some overdue)."""
    at_now = cl.stage_index(stage) or 0
    today: date = now.date()
    first_stage = ("idea", "design", "development")[n % 3]
    answers, refs, done, complete = [], [], 0, []
    chosen = {"first_stage": "", "planned_rung": ""}
    for section, items in template:
        at = cl.stage_index(section.stage)
        answered_in_section = 0
        for j, item in enumerate(items):
            ref = f"{section.key}.{item.key}"
            refs.append((ref, item.text))
            yes = at is not None and (at < at_now or (at == at_now and j < len(items) // 2))
            value = first_stage if item.kind == "first_stage" else "co_design" if item.kind else ""
            answers.append(
                {
                    "id": new_id(),
                    "project_id": project_id,
                    "item_ref": ref,
                    "status": "yes" if yes else "",
                    "reason": "",
                    "notes": "Agreed with the advisory group." if yes else "",
                    "value": value if yes else "",
                    "evidence": "",
                    "owner_id": None if yes else owner_id,
                    "due_on": None if yes else today + timedelta(days=(n + j) % 60 - 20),
                    "reminded_on": None,
                    "updated_by_id": owner_id if yes else None,
                    "updated_at": now,
                }
            )
            answered_in_section += yes
            if yes and item.kind in chosen:
                chosen[item.kind] = value
        done += answered_in_section
        complete.append((at, answered_in_section == len(items)))
    for section in contributed:
        met = sum(1 for item in section.items if item.met)
        done += met
        complete.append((cl.stage_index(section.stage), met == len(section.items)))
    total = len(answers) + sum(len(s.items) for s in contributed)
    following = cl.next_stage(stage)
    blocked = bool(following) and any(at is not None and at <= at_now and not ok for at, ok in complete)
    record = {
        "project_id": project_id,
        "version_id": version_id,
        "first_stage": chosen["first_stage"],
        "planned_rung": chosen["planned_rung"],
        "attached_at": now,
        "done_count": done,
        "total_count": total,
        "blocked": blocked,
        "status_at": now,
    }
    changes = [
        {
            "id": new_id(),
            "project_id": project_id,
            "item_ref": refs[k % len(refs)][0],
            "item_text": refs[k % len(refs)][1],
            "summary": ("answer: Done" if k % 3 else "responsible: the project's owner; due date set"),
            "changed_by_id": owner_id,
            "changed_at": now - timedelta(hours=k),
        }
        for k in range(max(0, ROWS_PER_PROJECT - len(answers)))
    ]
    return record, answers, changes
