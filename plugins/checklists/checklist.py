"""A project's checklist: its template version, every plugin's sections, answers, progress and gates."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from coprod_portal.db import utcnow
from coprod_portal.i18n import _, _l, ngettext
from coprod_portal.projects import RUNGS as RUNGS  # the core's ladder, read here as cl.RUNGS
from coprod_portal.projects import Project, stages

from .models import Answer, AnswerChange, ProjectChecklist, TemplateItem, TemplateSection, TemplateVersion

PLUGIN = "checklists"
RUNG_GIST = {
    "coercion": _l("People attend as passive recipients; their views are not taken into account."),
    "educating": _l("We help people understand how services are designed and delivered."),
    "informing": _l("We tell people about services and decisions, and why."),
    "consultation": _l("We ask for views, in surveys or meetings, and decide ourselves."),
    "engagement": _l("People have more chances to give views and some influence, at our discretion."),
    "co_design": _l("People help design, from their experience, with real influence."),
    "co_production": _l("An equal relationship throughout, from design to delivery."),
}
# shown in the reader's language; the history stores them in English (see views._change_summary)
STATUS_LABELS = {"yes": _l("Done"), "not_applicable": _l("Not applicable"), "": _l("Not answered")}
REFERENCE = re.compile(r"^[a-z][a-z0-9_]*:[a-z][a-z0-9_]*:[A-Za-z0-9_-]{1,64}$")
LINK = re.compile(r"^(https?://[^\s<>\"']+|/(?!/)[^\s<>\"']*)$")


def stage_index(stage: str) -> int | None:
    order = stages()
    return order.index(stage) if stage in order else None


def first_stage_is_late(stage: str) -> bool:
    """True when people are first involved after the design stage."""
    design, first = stage_index("design"), stage_index(stage)
    return design is not None and first is not None and first > design


# --- attaching the template version ----------------------------------------------------------------


def version_in_force(session: Session, at: datetime) -> TemplateVersion:
    """The newest published version at moment ``at``; the first version for anything older."""
    published = select(TemplateVersion).where(col(TemplateVersion.published_at).is_not(None))
    found = session.exec(
        published.where(col(TemplateVersion.published_at) <= at).order_by(col(TemplateVersion.number).desc())
    ).first()
    if found is None:
        found = session.exec(published.order_by(col(TemplateVersion.number))).first()
    if found is None:
        raise RuntimeError("The checklist template has no published version: run the database upgrade.")
    return found


def new_record(session: Session, project: Project) -> ProjectChecklist:
    """A checklist record for ``project`` with the template version in force when it was started."""
    started = project.created_at
    if started.tzinfo is None:  # SQLite gives naive UTC back
        from datetime import UTC

        started = started.replace(tzinfo=UTC)
    return ProjectChecklist(project_id=project.id, version_id=version_in_force(session, started).id)


def attach_new(session: Session, project: Project) -> None:
    """Every project gets its checklist when it starts, whichever plugin made it (portal_project_created)."""
    session.add(new_record(session, project))


def attach(session: Session, project: Project) -> ProjectChecklist:
    """The project's checklist; attached now if the project predates this plugin being switched on."""
    record = session.get(ProjectChecklist, project.id)
    if record is not None:
        return record
    record = new_record(session, project)
    try:
        with session.begin_nested():
            session.add(record)
    except IntegrityError:  # another request attached it a moment ago: the same version
        found = session.get(ProjectChecklist, project.id)
        assert found is not None
        return found
    return record


# --- the whole checklist ---------------------------------------------------------------------------


@dataclass
class ItemView:
    ref: str
    key: str
    text: str
    hint: str = ""
    kind: str = ""
    provider: str = ""  # "" for the template's own items, else the plugin that added it
    met: bool | None = None  # set by the providing plugin: checked automatically
    answer: Answer | None = None

    @property
    def automatic(self) -> bool:
        return self.met is not None

    @property
    def done(self) -> bool:
        if self.met is not None:
            return self.met
        if self.answer is None:
            return False
        if self.answer.status == "not_applicable":
            return bool(self.answer.reason.strip())
        return self.answer.status == "yes"

    @property
    def status(self) -> str:
        if self.met is not None:
            return _("Met (checked automatically)") if self.met else _("Not met yet (checked automatically)")
        return str(STATUS_LABELS.get(self.answer.status if self.answer else "", STATUS_LABELS[""]))

    def overdue(self, today: date) -> bool:
        return (
            not self.done
            and self.answer is not None
            and self.answer.due_on is not None
            and self.answer.due_on < today
        )


@dataclass
class SectionView:
    key: str
    title: str
    stage: str
    provider: str = ""
    items: list[ItemView] = field(default_factory=list)

    @property
    def done(self) -> int:
        return sum(1 for item in self.items if item.done)

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def complete(self) -> bool:
        return self.done == self.total


@dataclass
class Checklist:
    project: Project
    record: ProjectChecklist
    version: TemplateVersion
    sections: list[SectionView]

    @property
    def done(self) -> int:
        return sum(s.done for s in self.sections)

    @property
    def total(self) -> int:
        return sum(s.total for s in self.sections)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100

    def item(self, ref: str) -> ItemView | None:
        for section in self.sections:
            for item in section.items:
                if item.ref == ref:
                    return item
        return None

    def section_for(self, ref: str) -> SectionView | None:
        return next((s for s in self.sections if any(i.ref == ref for i in s.items)), None)

    def for_stage(self, stage: str) -> list[SectionView]:
        return [s for s in self.sections if s.stage == stage]

    def unknown_stage_sections(self) -> list[SectionView]:
        return [s for s in self.sections if stage_index(s.stage) is None]


def template_sections(session: Session, version_id: str) -> list[tuple[TemplateSection, list[TemplateItem]]]:
    sections = session.exec(
        select(TemplateSection)
        .where(TemplateSection.version_id == version_id)
        .order_by(col(TemplateSection.position))
    ).all()
    if not sections:
        return []
    items = session.exec(
        select(TemplateItem)
        .where(col(TemplateItem.section_id).in_([s.id for s in sections]))
        .order_by(col(TemplateItem.position))
    ).all()
    return [(s, [i for i in items if i.section_id == s.id]) for s in sections]


def contributed_sections(project: Project) -> list[SectionView]:
    """Sections and items other plugins add through ``portal_checklist_sections``."""
    host = current_app.extensions["coprod_plugins"]
    views = []
    for plugin, answer in host.call("portal_checklist_sections", project=project):
        if plugin == PLUGIN:
            continue
        for section in answer if isinstance(answer, list | tuple) else [answer]:
            items = [
                ItemView(
                    ref=f"{plugin}:{section.key}.{item.key}",
                    key=item.key,
                    text=item.text,
                    hint=item.hint,
                    provider=plugin,
                    met=item.met,
                )
                for item in section.items
            ]
            views.append(SectionView(section.key, section.title, section.stage, plugin, items))
    return views


def load(session: Session, project: Project) -> Checklist:
    record = attach(session, project)
    version = session.get(TemplateVersion, record.version_id)
    assert version is not None
    sections = [
        SectionView(
            s.key,
            s.title,
            s.stage,
            "",
            [
                ItemView(ref=f"{s.key}.{i.key}", key=i.key, text=i.text, hint=i.hint, kind=i.kind)
                for i in items
            ],
        )
        for s, items in template_sections(session, version.id)
    ]
    sections += contributed_sections(project)
    answers = {a.item_ref: a for a in session.exec(select(Answer).where(Answer.project_id == project.id))}
    for section in sections:
        for item in section.items:
            item.answer = answers.get(item.ref)
    order = {stage: n for n, stage in enumerate(stages())}
    sections.sort(key=lambda s: (order.get(s.stage, len(order)), s.provider != ""))
    checklist = Checklist(project, record, version, sections)
    store_status(session, checklist)
    return checklist


def next_stage(stage: str) -> str | None:
    order, at = stages(), stage_index(stage)
    return order[at + 1] if at is not None and at + 1 < len(order) else None


def store_status(session: Session, checklist: Checklist) -> None:
    """Keep the project's progress on its record, so lists and cards read one row, not the checklist.

    Refreshed on every load (a page view, an answer, a stage change): an item another plugin checks
    automatically is up to date the next time anyone looks at the project."""
    record = checklist.record
    following = next_stage(checklist.project.stage)
    blocked = bool(following and blockers(checklist, following))
    now = (checklist.done, checklist.total, blocked)
    if (record.done_count, record.total_count, record.blocked) != now:
        record.done_count, record.total_count, record.blocked = now
        record.status_at = utcnow()
        session.add(record)


# --- the stage gate ----------------------------------------------------------------------------------


def blockers(checklist: Checklist, to_stage: str) -> list[str]:
    """Reasons the project may not move to ``to_stage``: each section of an earlier stage must be complete."""
    target, current = stage_index(to_stage), stage_index(checklist.project.stage)
    if target is None or (current is not None and target <= current):
        return []
    reasons = []
    for section in checklist.sections:
        at = stage_index(section.stage)
        if at is None or at >= target or section.complete:
            continue
        reasons.append(_unanswered(section, section.total - section.done))
    return reasons


def _unanswered(section: SectionView, missing: int) -> str:
    """Why a section holds the project back, as one sentence a translator can write whole."""
    if section.total == 1:
        return _(
            "The co-production checklist section ‘%(title)s’ (for the %(stage)s stage) is not complete: "
            "1 of 1 item still needs an answer. Answer it on the project's checklist page: ‘yes’, or "
            "‘not applicable’ with the reason.", title=section.title, stage=section.stage)
    return ngettext(
        "The co-production checklist section ‘%(title)s’ (for the %(stage)s stage) is not complete: "
        "%(num)d of %(total)d items still needs an answer. Answer it on the project's checklist page: "
        "‘yes’, or ‘not applicable’ with the reason.",
        "The co-production checklist section ‘%(title)s’ (for the %(stage)s stage) is not complete: "
        "%(num)d of %(total)d items still need an answer. Answer them on the project's checklist page: "
        "‘yes’, or ‘not applicable’ with the reason.",
        missing, title=section.title, stage=section.stage, total=section.total)


# --- changing an answer -----------------------------------------------------------------------------


def record_change(
    session: Session, project: Project, item: ItemView, summary: str, user_id: str | None
) -> None:
    session.add(
        AnswerChange(
            project_id=project.id,
            item_ref=item.ref,
            item_text=item.text[:500],
            summary=summary[:1000],
            changed_by_id=user_id,
            changed_at=utcnow(),
        )
    )


def evidence_lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def evidence_problem(line: str) -> str | None:
    if REFERENCE.match(line) or LINK.match(line):
        return None
    return _(
        "‘%(line)s’ is not a link or a reference. Enter a web address starting https://, a page "
        "of this portal starting /, or a reference such as lived_experience:contribution:<id>, one a line",
        line=line[:60],
    )
