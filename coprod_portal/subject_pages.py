"""Admin pages for subject access requests and erasure."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, render_template, request
from flask_login import current_user
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import BooleanField, EmailField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, Length

from . import audit, subjects
from .db import get_session
from .forms import PortalForm, csrf_checked_by_form
from .i18n import _, _l
from .permissions import require

bp = Blueprint("subjects", __name__, url_prefix="/admin/subject-access")


class FindForm(PortalForm):
    email = EmailField(_l("Email address of the person"), widget=GovTextInput(), validators=[
        DataRequired(_l("Enter the person's email address")),
        Email(_l("Enter an email address like name@example.org")), Length(max=254)])
    submit = SubmitField(_l("Find what we hold"), widget=GovSubmitInput())


class EraseForm(PortalForm):
    email = EmailField(_l("Email address"), widget=GovTextInput(), validators=[DataRequired(), Email()])
    reason = TextAreaField(_l("Why are you erasing this person's data?"), widget=GovTextArea(), validators=[
        DataRequired(_l("Say why the data is being erased, for example the date of their request")),
        Length(max=500, message=_l("Enter 500 characters or fewer"))])
    confirm = BooleanField(_l("I have checked the person's identity and that erasure applies"),
                           widget=GovCheckboxInput(),
                           validators=[DataRequired(_l("Confirm you have checked the request"))])
    submit = SubmitField(_l("Erase what can be erased"), widget=GovSubmitInput())


@bp.route("/", methods=["GET", "POST"])
@require("admin.subject_access")
@csrf_checked_by_form
def find() -> Any:
    form = FindForm()
    if not form.validate_on_submit():
        return render_template("subjects/find.html", form=form)
    session = get_session()
    person = subjects.find_person(session, form.email.data)
    sections = subjects.gather(session, person)
    audit.record(session, current_user, "looked up personal data", "user" if person.user_id else "",
                 person.user_id or "", person.display_name, reason="subject access request")
    session.commit()
    if not sections:
        form.email.errors = [_("The portal holds nothing about %(email)s. Check the spelling; if "
                               "they use another email address, search for that too",
                               email=person.email)]
        return render_template("subjects/find.html", form=form), 404
    erase_form = EraseForm(data={"email": person.email})
    return render_template("subjects/summary.html", person=person, sections=sections,
                           erase_form=erase_form)


@bp.route("/download", methods=["POST"])
@require("admin.subject_access")
@csrf_checked_by_form
def download() -> Any:
    form = FindForm()
    if not form.validate_on_submit():
        return render_template("subjects/find.html", form=form), 400
    session = get_session()
    person = subjects.find_person(session, form.email.data)
    sections = subjects.gather(session, person)
    kind = "html" if request.form.get("format") == "html" else "json"
    body = subjects.as_html(person, sections) if kind == "html" else subjects.as_json(person, sections)
    audit.record(session, current_user, "downloaded personal data", "user" if person.user_id else "",
                 person.user_id or "", person.display_name, reason="subject access request",
                 detail=f"format: {kind}")
    session.commit()
    mimetype = "text/html" if kind == "html" else "application/json"
    filename = f"subject-access-{person.email.split('@')[0]}.{kind}"
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
    })


@bp.route("/erase", methods=["POST"])
@require("admin.subject_access")
@csrf_checked_by_form
def erase() -> Any:
    form = EraseForm()
    session = get_session()
    person = subjects.find_person(session, form.email.data or "")
    if not form.validate_on_submit():
        sections = subjects.gather(session, person)
        return render_template("subjects/summary.html", person=person, sections=sections,
                               erase_form=form), 400
    if person.user_id == current_user.id:
        form.confirm.errors = [_("You cannot erase your own account. Ask another administrator")]
        return render_template("subjects/summary.html", person=person,
                               sections=subjects.gather(session, person), erase_form=form), 400
    try:
        reports = subjects.erase(session, person, current_user, form.reason.data)
    except subjects.ErasureFailed as failed:
        return render_template("subjects/erase_failed.html", person=person, plugins=failed.plugins), 500
    return render_template("subjects/erased.html", person=person, reports=reports)
