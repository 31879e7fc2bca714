"""Template versions in the browser: start a draft (a copy of the newest version), change it, publish it.

A published version is never changed: projects keep the version in force when they were started.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func
from sqlmodel import col, select

from coprod_portal.db import get_session, utcnow
from coprod_portal.forms import csrf_checked_by_form
from coprod_portal.i18n import _, ngettext
from coprod_portal.permissions import require

from . import checklist as cl
from .forms import KINDS, DraftForm, ItemForm, SectionForm
from .models import ProjectChecklist, TemplateItem, TemplateSection, TemplateVersion
from .views import bp, record


def _version_or_404(version_id: str) -> TemplateVersion:
    version = get_session().get(TemplateVersion, version_id)
    if version is None:
        abort(404)
    return version


def _in_use(version: TemplateVersion) -> int:
    return int(
        get_session()
        .exec(
            select(func.count())
            .select_from(ProjectChecklist)
            .where(ProjectChecklist.version_id == version.id)
        )
        .one()
    )


def _refusal(version: TemplateVersion) -> str:
    used = _in_use(version)
    if not used:
        return _("Version %(number)s is published and projects started from now use it, so it cannot be "
                 "changed. Start a new draft version on the templates page: it copies this one, and you "
                 "can change the copy.", number=version.number)
    return ngettext(
        "Version %(number)s is published and %(num)d project uses it, so it cannot be changed. Start a "
        "new draft version on the templates page: it copies this one, and you can change the copy.",
        "Version %(number)s is published and %(num)d projects use it, so it cannot be changed. Start a "
        "new draft version on the templates page: it copies this one, and you can change the copy.",
        used, number=version.number)


def _draft() -> TemplateVersion | None:
    return (
        get_session().exec(select(TemplateVersion).where(col(TemplateVersion.published_at).is_(None))).first()
    )


@bp.route("/templates", methods=["GET", "POST"])
@require("checklists.manage_templates")
@csrf_checked_by_form
def templates() -> Any:
    session = get_session()
    form = DraftForm()
    draft = _draft()
    if form.validate_on_submit():
        if draft is not None:
            form.note.errors = [
                _("Version %(number)s is already a draft: change it, publish it or "
                  "discard it before you start another", number=draft.number)
            ]
        else:
            draft = _copy_newest(form.note.data.strip())
            record(
                "started a draft checklist template",
                "checklists_template",
                draft.id,
                f"version {draft.number}",
                draft.note,
            )
            session.commit()
            flash(
                _("Draft version %(number)s was started as a copy of the newest version. "
                  "Change it, then publish it.", number=draft.number),
                "success",
            )
            return redirect(url_for(".template_version", version_id=draft.id))
    versions = session.exec(select(TemplateVersion).order_by(col(TemplateVersion.number).desc())).all()
    usage = dict(
        session.exec(
            select(ProjectChecklist.version_id, func.count()).group_by(col(ProjectChecklist.version_id))
        ).all()
    )
    return render_template(
        "checklists/templates.html", form=form, versions=versions, usage=usage, draft=draft
    ), 400 if form.errors else 200


def _copy_newest(note: str) -> TemplateVersion:
    session = get_session()
    newest = session.exec(select(TemplateVersion).order_by(col(TemplateVersion.number).desc())).first()
    draft = TemplateVersion(
        number=(newest.number + 1) if newest else 1, note=note, created_by_id=current_user.id
    )
    session.add(draft)
    session.flush()
    if newest is not None:
        for section, items in cl.template_sections(session, newest.id):
            copy = TemplateSection(
                version_id=draft.id,
                key=section.key,
                title=section.title,
                stage=section.stage,
                position=section.position,
            )
            session.add(copy)
            session.flush()
            for item in items:
                session.add(
                    TemplateItem(
                        section_id=copy.id,
                        key=item.key,
                        text=item.text,
                        hint=item.hint,
                        kind=item.kind,
                        position=item.position,
                    )
                )
    return draft


@bp.route("/templates/<version_id>")
@require("checklists.manage_templates")
def template_version(version_id: str) -> Any:
    version = _version_or_404(version_id)
    return render_template(
        "checklists/template_version.html",
        version=version,
        sections=cl.template_sections(get_session(), version.id),
        in_use=_in_use(version),
        kinds=dict(KINDS),
        refusal=_refusal(version) if version.published_at else "",
    )


def _editable(version: TemplateVersion, template: str, form: Any, **context: Any) -> Any | None:
    """None when the version is a draft; else the form again, with what was typed, and the refusal."""
    if version.published_at is None:
        return None
    return render_template(template, form=form, version=version, refusal=_refusal(version), **context), 409


@bp.route("/templates/<version_id>/sections/new", methods=["GET", "POST"])
@bp.route("/templates/<version_id>/sections/<section_id>", methods=["GET", "POST"])
@require("checklists.manage_templates")
@csrf_checked_by_form
def template_section(version_id: str, section_id: str | None = None) -> Any:
    version = _version_or_404(version_id)
    session = get_session()
    section = session.get(TemplateSection, section_id) if section_id else None
    if section_id and (section is None or section.version_id != version.id):
        abort(404)
    form = SectionForm(obj=section)
    refused = _editable(version, "checklists/section_form.html", form, section=section)
    if refused:
        return refused
    if form.validate_on_submit():
        clash = session.exec(
            select(TemplateSection).where(
                TemplateSection.version_id == version.id, TemplateSection.key == form.key.data
            )
        ).first()
        if clash is not None and clash is not section:
            form.key.errors = [_("Another section of this version is already called %(key)s",
                                 key=form.key.data)]
        else:
            if section is None:
                count = session.exec(
                    select(func.count())
                    .select_from(TemplateSection)
                    .where(TemplateSection.version_id == version.id)
                ).one()
                section = TemplateSection(
                    version_id=version.id, position=int(count), key="", title="", stage=""
                )
            section.key, section.title, section.stage = (
                form.key.data,
                form.title.data.strip(),
                form.stage.data,
            )
            session.add(section)
            record(
                "changed a draft checklist template",
                "checklists_template",
                version.id,
                f"version {version.number}",
                f"section {section.key}",
            )
            session.commit()
            flash(_("Section ‘%(title)s’ saved.", title=section.title), "success")
            return redirect(url_for(".template_version", version_id=version.id))
    return render_template(
        "checklists/section_form.html", form=form, version=version, section=section, refusal=""
    ), 400 if form.errors else 200


@bp.route("/templates/<version_id>/sections/<section_id>/items/new", methods=["GET", "POST"])
@bp.route("/templates/<version_id>/sections/<section_id>/items/<item_id>", methods=["GET", "POST"])
@require("checklists.manage_templates")
@csrf_checked_by_form
def template_item(version_id: str, section_id: str, item_id: str | None = None) -> Any:
    version = _version_or_404(version_id)
    session = get_session()
    section = session.get(TemplateSection, section_id)
    if section is None or section.version_id != version.id:
        abort(404)
    item = session.get(TemplateItem, item_id) if item_id else None
    if item_id and (item is None or item.section_id != section.id):
        abort(404)
    form = ItemForm(obj=item)
    refused = _editable(version, "checklists/item_form.html", form, section=section, item=item)
    if refused:
        return refused
    if form.validate_on_submit():
        siblings = session.exec(
            select(TemplateItem)
            .join(TemplateSection, col(TemplateSection.id) == col(TemplateItem.section_id))
            .where(TemplateSection.version_id == version.id)
        ).all()
        if any(i.key == form.key.data and i.section_id == section.id and i is not item for i in siblings):
            form.key.errors = [_("Another item of this section is already called %(key)s", key=form.key.data)]
        elif form.kind.data and any(i.kind == form.kind.data and i is not item for i in siblings):
            form.kind.errors = [_("Another item of this version already asks for that: each version has one")]
        else:
            if item is None:
                count = sum(1 for i in siblings if i.section_id == section.id)
                item = TemplateItem(section_id=section.id, position=count, key="", text="")
            item.key, item.text = form.key.data, form.text.data.strip()
            item.hint, item.kind = (form.hint.data or "").strip(), form.kind.data or ""
            session.add(item)
            record(
                "changed a draft checklist template",
                "checklists_template",
                version.id,
                f"version {version.number}",
                f"item {section.key}.{item.key}",
            )
            session.commit()
            flash(_("Item saved."), "success")
            return redirect(url_for(".template_version", version_id=version.id) + f"#section-{section.key}")
    return render_template(
        "checklists/item_form.html", form=form, version=version, section=section, item=item, refusal=""
    ), 400 if form.errors else 200


@bp.route("/templates/<version_id>/sections/<section_id>/remove", methods=["POST"])
@bp.route("/templates/<version_id>/sections/<section_id>/items/<item_id>/remove", methods=["POST"])
@require("checklists.manage_templates")
def template_remove(version_id: str, section_id: str, item_id: str | None = None) -> Any:
    version = _version_or_404(version_id)
    session = get_session()
    section = session.get(TemplateSection, section_id)
    if section is None or section.version_id != version.id:
        abort(404)
    if version.published_at is not None:
        flash(_refusal(version), "error")
        return redirect(url_for(".template_version", version_id=version.id))
    if item_id:
        item = session.get(TemplateItem, item_id)
        if item is None or item.section_id != section.id:
            abort(404)
        session.delete(item)
        key = f"{section.key}.{item.key}"
        what = f"item {key}"
        done = _("Removed item %(key)s.", key=key)
    else:
        for item in session.exec(select(TemplateItem).where(TemplateItem.section_id == section.id)):
            session.delete(item)
        session.flush()
        session.delete(section)
        what = f"section {section.key}"
        done = _("Removed section %(key)s.", key=section.key)
    record(
        "changed a draft checklist template",
        "checklists_template",
        version.id,
        f"version {version.number}",
        f"removed {what}",
    )
    session.commit()
    flash(done, "success")
    return redirect(url_for(".template_version", version_id=version.id))


@bp.route("/templates/<version_id>/publish", methods=["POST"])
@require("checklists.manage_templates")
def template_publish(version_id: str) -> Any:
    version = _version_or_404(version_id)
    session = get_session()
    if version.published_at is not None:
        flash(_("Version %(number)s was already published.", number=version.number), "info")
        return redirect(url_for(".template_version", version_id=version.id))
    sections = cl.template_sections(session, version.id)
    if not sections or any(not items for _, items in sections):
        flash(
            _("A version needs at least one section, and every section at least one item, before it is "
              "published. Add items, or remove the empty section."),
            "error",
        )
        return redirect(url_for(".template_version", version_id=version.id))
    version.published_at = utcnow()
    session.add(version)
    record(
        "published a checklist template",
        "checklists_template",
        version.id,
        f"version {version.number}",
        version.note,
    )
    session.commit()
    flash(
        _("Version %(number)s is published. Projects started from now use it; projects started "
          "before keep the version they were started with.", number=version.number),
        "success",
    )
    return redirect(url_for(".templates"))


@bp.route("/templates/<version_id>/discard", methods=["POST"])
@require("checklists.manage_templates")
def template_discard(version_id: str) -> Any:
    version = _version_or_404(version_id)
    session = get_session()
    if version.published_at is not None:
        flash(_refusal(version), "error")
        return redirect(url_for(".template_version", version_id=version.id))
    for section, items in cl.template_sections(session, version.id):
        for item in items:
            session.delete(item)
        session.flush()
        session.delete(section)
    session.flush()
    session.delete(version)
    record(
        "discarded a draft checklist template", "checklists_template", version.id, f"version {version.number}"
    )
    session.commit()
    flash(_("Draft version %(number)s was discarded.", number=version.number), "success")
    return redirect(url_for(".templates"))
