"""Pages under /checklists: a project's checklist, answers, history, the portfolio, template versions."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, or_
from sqlmodel import col, select

from coprod_portal import accounts, audit
from coprod_portal.accounts import User
from coprod_portal.charts import Bar, Chart
from coprod_portal.db import get_session, utcnow
from coprod_portal.forms import csrf_checked_by_form
from coprod_portal.freshness import remembered, remembered_rows
from coprod_portal.i18n import _, in_english, ngettext
from coprod_portal.pages import local_time, paginate
from coprod_portal.permissions import can, ensure, require
from coprod_portal.projects import Project, ProjectTeamMember, stages

from . import checklist as cl
from .forms import AnswerForm
from .models import Answer, AnswerChange, ProjectChecklist

bp = Blueprint(
    "plugin_checklists",
    __name__,
    url_prefix="/checklists",
    template_folder="templates",
    static_folder="static",
)

PLUGIN = cl.PLUGIN


def today() -> date:
    return local_time(utcnow()).date()


def record(action: str, subject_type: str, subject_id: str, label: str, detail: str = "") -> None:
    audit.record(
        get_session(), current_user, action, subject_type, subject_id, label, plugin=PLUGIN, detail=detail
    )


def project_or_404(project_id: str, action: str = "projects.view") -> Project:
    project = get_session().get(Project, project_id)
    if project is None:
        abort(404)
    ensure(action, project)
    return project


def render(template: str, form: Any, **context: Any) -> Any:
    return render_template(template, form=form, **context), 400 if form.errors else 200


def resolve_evidence(lines: list[str]) -> list[dict[str, Any]]:
    """Each evidence line as something to show; references are resolved now, never copied."""
    host = current_app.extensions["coprod_plugins"]
    shown = []
    for line in lines:
        if cl.REFERENCE.match(line):
            ref = host.first("portal_resolve_reference", ref=line, user=current_user)
            if ref is None:
                shown.append({"kind": "unavailable", "text": line})
            elif ref.withdrawn:
                shown.append({"kind": "withdrawn", "text": line})
            else:
                shown.append({"kind": "reference", "text": ref.label, "url": ref.url})
        else:
            shown.append({"kind": "link", "text": line, "url": line})
    return shown


# --- a project's checklist ------------------------------------------------------------------------


@bp.route("/projects/<project_id>")
@require("checklists.view")
def project_checklist(project_id: str) -> Any:
    project = project_or_404(project_id)
    session = get_session()
    checklist = cl.load(session, project)
    session.commit()  # the checklist is attached the first time anyone looks
    people = _names(
        session,
        {i.answer.owner_id for s in checklist.sections for i in s.items if i.answer and i.answer.owner_id},
    )
    evidence = {
        i.ref: resolve_evidence(cl.evidence_lines(i.answer.evidence))
        for s in checklist.sections
        for i in s.items
        if i.answer and i.answer.evidence
    }
    now_at = cl.stage_index(project.stage)
    open_items = [
        i
        for s in checklist.sections
        if (cl.stage_index(s.stage) is not None and now_at is not None and cl.stage_index(s.stage) <= now_at)
        for i in s.items
        if not i.done
    ]
    return render_template(
        "checklists/project.html",
        project=project,
        checklist=checklist,
        next_item=next((i for i in open_items if not i.automatic), None),
        waiting_automatic=[i for i in open_items if i.automatic],
        next_stage=cl.next_stage(project.stage),
        gate_open=not open_items,
        people=people,
        evidence=evidence,
        today=today(),
        stages=stages(),
        may_answer=can(current_user, "checklists.answer", project),
        late=cl.first_stage_is_late(checklist.record.first_stage),
        rungs=cl.RUNGS,
        late_values={s for s in stages() if cl.first_stage_is_late(s)},
    )


def _names(session: Any, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    return {u.id: u.display_name for u in session.exec(select(User).where(col(User.id).in_(ids)))}


@bp.route("/projects/<project_id>/items/<ref>", methods=["GET", "POST"])
@require("checklists.view")
@csrf_checked_by_form
def answer_item(project_id: str, ref: str) -> Any:
    project = project_or_404(project_id)
    ensure("checklists.answer", project)
    session = get_session()
    checklist = cl.load(session, project)
    item = checklist.item(ref)
    if item is None:
        abort(404)
    if item.automatic:
        flash(
            _("‘%(item)s’ is checked automatically by the %(plugin)s plugin, so it cannot be "
              "answered here. Do what its hint says, and it will show as met.",
              item=item.text, plugin=item.provider),
            "info",
        )
        return redirect(url_for(".project_checklist", project_id=project.id) + f"#item-{_anchor(ref)}")
    answer = item.answer
    form = AnswerForm(kind=item.kind, data=_answer_data(session, answer) if answer else None)
    if form.validate_on_submit():
        owner = None
        if form.owner_email.data:
            owner = accounts.user_by_email(session, form.owner_email.data)
            if owner is None or not owner.active:
                form.owner_email.errors = [_("There is no active account with this email address")]
        if not form.errors:
            _save_answer(session, checklist, item, form, owner)
            flash(_("Your answer to ‘%(item)s’ was saved.", item=item.text), "success")
            return redirect(url_for(".project_checklist", project_id=project.id) + f"#item-{_anchor(ref)}")
    return render(
        "checklists/answer.html",
        form,
        project=project,
        item=item,
        section=checklist.section_for(ref),
        rungs=cl.RUNG_GIST,
        examples=examples_for(item.ref, project.stage, checklist.record.planned_rung),
    )


def examples_for(ref: str, stage: str, rung: str) -> list[Any]:
    """"See how others did it": examples other plugins offer for this item (the practice plugin's)."""
    host = current_app.extensions["coprod_plugins"]
    offered = host.items("portal_practice_examples", item_ref=ref, stage=stage, rung=rung or "",
                         user=current_user)
    return [s for s in offered if str(getattr(s, "url", "")).startswith("/")][:10]


def _anchor(ref: str) -> str:
    return ref.replace(":", "-").replace(".", "-")


def _answer_data(session: Any, answer: Answer) -> dict[str, Any]:
    owner = session.get(User, answer.owner_id) if answer.owner_id else None
    return {
        "status": answer.status or "not_yet",
        "reason": answer.reason,
        "notes": answer.notes,
        "value": answer.value,
        "evidence": answer.evidence,
        "due_on": answer.due_on,
        "owner_email": owner.email if owner else "",
    }


def _save_answer(
    session: Any, checklist: cl.Checklist, item: cl.ItemView, form: AnswerForm, owner: User | None
) -> None:
    project = checklist.project
    answer = item.answer or Answer(project_id=project.id, item_ref=item.ref)
    before = (
        answer.status,
        answer.reason,
        answer.value,
        answer.owner_id,
        answer.due_on,
        answer.evidence,
        answer.notes,
    )
    answer.status = "" if form.status.data == "not_yet" else form.status.data
    answer.reason = (form.reason.data or "").strip() if answer.status == "not_applicable" else ""
    answer.value = form.value.data or "" if item.kind else ""
    answer.notes = (form.notes.data or "").strip()
    answer.evidence = "\n".join(cl.evidence_lines(form.evidence.data or ""))
    answer.owner_id = owner.id if owner else None
    if answer.due_on != form.due_on.data:
        answer.reminded_on = None
    answer.due_on = form.due_on.data
    answer.updated_by_id, answer.updated_at = current_user.id, utcnow()
    session.add(answer)
    if item.kind == "first_stage":
        checklist.record.first_stage = answer.value if answer.status == "yes" else ""
    elif item.kind == "planned_rung":
        checklist.record.planned_rung = answer.value if answer.status == "yes" else ""
    session.add(checklist.record)
    summary = _change_summary(before, answer, item, owner)
    cl.record_change(session, project, item, summary, current_user.id)
    record("answered a checklist item", "project", project.id, project.title, f"{item.ref}: {summary}"[:500])
    session.commit()


def _change_summary(before: tuple[Any, ...], answer: Answer, item: cl.ItemView, owner: User | None) -> str:
    """What changed, stored in the history as written (in English, like the audit log)."""
    parts = []
    if before[0] != answer.status or before[1] != answer.reason:
        text = in_english(cl.STATUS_LABELS[answer.status])
        if answer.status == "not_applicable":
            text += f" because: {answer.reason}"
        parts.append(f"answer: {text}")
    if before[2] != answer.value and answer.value:
        label = cl.RUNGS.get(answer.value, answer.value.capitalize())
        parts.append(f"{'stage' if item.kind == 'first_stage' else 'rung'}: {label}")
    if before[3] != answer.owner_id:
        parts.append(f"responsible: {owner.display_name if owner else 'nobody'}")
    if before[4] != answer.due_on:
        parts.append(f"due: {answer.due_on:%d %B %Y}" if answer.due_on else "due date removed")
    if before[5] != answer.evidence:
        parts.append("evidence changed")
    if before[6] != answer.notes:
        parts.append("notes changed")
    return "; ".join(parts) or "saved without changes"


@bp.route("/projects/<project_id>/history")
@require("checklists.view")
def history(project_id: str) -> Any:
    project = project_or_404(project_id)
    session = get_session()
    query = (
        select(AnswerChange)
        .where(AnswerChange.project_id == project.id)
        .order_by(col(AnswerChange.changed_at).desc())
    )
    page = paginate(session, query, request.args.get("page", 1, type=int))
    people = _names(session, {c.changed_by_id for c in page.items if c.changed_by_id})
    return render_template("checklists/history.html", project=project, page=page, people=people)


# --- the portfolio ---------------------------------------------------------------------------------


@bp.route("/")
@require("checklists.view")
def portfolio() -> Any:
    session = get_session()
    stage = request.args.get("stage", "")
    involvement = request.args.get("involvement", "")
    overdue_only = request.args.get("overdue") == "yes"
    blocked_only = request.args.get("blocked") == "yes"
    mine = request.args.get("mine") == "yes"
    on = today()
    # only what the list shows, as plain rows: the project's id, title and stage, and its stored progress
    query = select(
        Project.id,
        Project.title,
        Project.stage,
        col(ProjectChecklist.project_id).label("attached"),
        ProjectChecklist.status_at,
        ProjectChecklist.done_count,
        ProjectChecklist.total_count,
        ProjectChecklist.blocked,
        ProjectChecklist.first_stage,
    ).outerjoin(ProjectChecklist, col(ProjectChecklist.project_id) == col(Project.id))
    if stage in stages():
        query = query.where(Project.stage == stage)
    early = [s for s in stages()[: (cl.stage_index("design") or 0) + 1]]
    if involvement == "from_design":
        query = query.where(col(ProjectChecklist.first_stage).in_(early))
    elif involvement == "after_design":
        query = query.where(
            col(ProjectChecklist.first_stage).not_in(early), ProjectChecklist.first_stage != ""
        )
    elif involvement == "not_decided":
        query = query.where(
            (col(ProjectChecklist.first_stage).is_(None)) | (ProjectChecklist.first_stage == "")
        )
    overdue_ids = select(Answer.project_id).where(col(Answer.due_on) < on, col(Answer.status) == "")
    if overdue_only:
        query = query.where(col(Project.id).in_(overdue_ids))
    if blocked_only:
        query = query.where(col(ProjectChecklist.blocked))
    if mine:
        query = query.where(
            or_(
                Project.owner_id == current_user.id,
                col(Project.id).in_(
                    select(ProjectTeamMember.project_id).where(ProjectTeamMember.user_id == current_user.id)
                ),
            )
        )
    page = paginate(
        session, query.order_by(col(Project.title), col(Project.id)), request.args.get("page", 1, type=int)
    )
    # one row each from the stored progress; a project nobody has opened since it was started (or
    # since this plugin was upgraded) is attached and counted now, once
    overdue = _overdue_counts(session, [project.id for project in page.items], on)
    rows = []
    for project in page.items:
        record: Any = project
        if project.attached is None or project.status_at is None:
            record = cl.load(session, session.get(Project, project.id)).record
        rows.append(
            {
                "project": project,
                "record": record,
                "percent": round(100 * record.done_count / record.total_count) if record.total_count else 0,
                "overdue": overdue.get(project.id, 0),
                "late": cl.first_stage_is_late(record.first_stage),
            }
        )
    session.commit()
    charts = [_progress_chart(session), _first_stage_chart(session)]
    args = {
        k: v
        for k, v in {
            "stage": stage,
            "involvement": involvement,
            "overdue": "yes" if overdue_only else "",
            "blocked": "yes" if blocked_only else "",
            "mine": "yes" if mine else "",
        }.items()
        if v
    }
    return render_template(
        "checklists/portfolio.html",
        page=page,
        rows=rows,
        stage=stage,
        stages=stages(),
        involvement=involvement,
        overdue_only=overdue_only,
        blocked_only=blocked_only,
        mine=mine,
        args=args,
        charts=charts,
    )


def _overdue_counts(session: Any, project_ids: list[str], on: date) -> dict[str, int]:
    """Overdue, unanswered items of the given projects, in one grouped query."""
    if not project_ids:
        return {}
    rows = session.exec(
        select(Answer.project_id, func.count())
        .where(col(Answer.project_id).in_(project_ids), col(Answer.due_on) < on, col(Answer.status) == "")
        .group_by(col(Answer.project_id))
    ).all()
    return {project_id: int(count) for project_id, count in rows}


def _first_stage_chart(session: Any) -> Chart:
    """How many projects first involve people at each stage (and how many have not decided)."""
    # counts over every project: remembered until a checklist or a project is written
    counts = dict(
        remembered_rows(
            session,
            ("checklists.first_stages",),
            lambda: select(ProjectChecklist.first_stage, func.count()).group_by(
                col(ProjectChecklist.first_stage)
            ),
        )
    )
    (total_projects,) = remembered(
        session, ("checklists.projects",), lambda: select(func.count()).select_from(Project)
    )
    decided = sum(v for k, v in counts.items() if k)
    bars = [
        Bar(_("%(stage)s (after design)", stage=s.capitalize()) if cl.first_stage_is_late(s)
            else s.capitalize(), float(counts.get(s, 0)), str(counts.get(s, 0)))
        for s in stages()
    ]
    bars.append(Bar(_("Not decided yet"), float(total_projects - decided), str(total_projects - decided)))
    early = sum(int(counts.get(s, 0)) for s in stages() if s and not cl.first_stage_is_late(s))
    summary = ngettext("%(early)d of %(num)d projects involve people who use services by the design stage; "
                       "%(undecided)d have not decided yet.",
                       "%(early)d of %(num)d projects involve people who use services by the design stage; "
                       "%(undecided)d have not decided yet.",
                       total_projects, early=early, undecided=total_projects - decided)
    return Chart("chart-first-stage", _("When people are first involved"), summary, _("Stage"), _("Projects"),
                 bars)


def _progress_chart(session: Any) -> Chart:
    """How far the checklists of the projects at each stage have got, from their stored progress."""
    rows = remembered_rows(session, ("checklists.progress_by_stage",), lambda: (
        select(Project.stage, func.count(), func.sum(ProjectChecklist.done_count),
               func.sum(ProjectChecklist.total_count))
        .outerjoin(ProjectChecklist, col(ProjectChecklist.project_id) == col(Project.id))
        .group_by(col(Project.stage))))
    found = {stage: (int(n), int(done or 0), int(total or 0)) for stage, n, done, total in rows}
    bars = []
    for stage in stages():
        projects, done, total = found.get(stage, (0, 0, 0))
        percent = round(100 * done / total) if total else 0
        label = ngettext("%(stage)s (%(num)d project)", "%(stage)s (%(num)d projects)", projects,
                         stage=stage.capitalize())
        bars.append(Bar(label, float(percent) if projects else 0.0,
                        _("%(percent)d%% (%(done)d of %(total)d items)", percent=percent, done=done,
                          total=total) if projects else _("no projects")))
    done_all = sum(done for _stage, done, _total in found.values())
    total_all = sum(total for _stage, _done, total in found.values())
    summary = _("Across every project, %(done)d of %(total)d checklist items are done. "
                "Each bar is the share of items done by the projects at that stage.",
                done=done_all, total=total_all) if total_all else _("No project has a checklist yet.")
    return Chart("chart-progress", _("Checklist progress by stage"), summary, _("Stage"), _("Items done"),
                 bars, full=100)
