"""Pages, all under /governance, through the blueprint ``plugin_governance``."""

from __future__ import annotations

from typing import Any

from coprod_portal import audit
from coprod_portal.db import get_session, utcnow
from coprod_portal.forms import csrf_checked_by_form
from coprod_portal.i18n import _, _l, in_language_of
from coprod_portal.permissions import can, ensure, require
from coprod_portal.projects import Project
from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlmodel import col, select

from .figures import board_figure, today
from .forms import CONSENT_WORDING_VERSION, EVIDENCE, ROLES, BriefingForm, ConsentForm, PersonForm, SeatForm
from .models import BOARD, GovernanceBriefing, GovernanceLivedExperience, GovernancePerson, GovernanceSeat

bp = Blueprint("plugin_governance", __name__, url_prefix="/governance",
               template_folder="templates", static_folder="static")

PLUGIN = "governance"
CONSENT_SUBJECT = "governance_consent"  # audit events about consent: only the secretary sees them
ROLE_ORDER = list(ROLES)


def _record(action: str, subject_type: str, subject_id: str, label: str, detail: str = "") -> None:
    audit.record(get_session(), current_user, action, subject_type, subject_id, label, plugin=PLUGIN,
                 detail=detail)


def _person_or_404(person_id: str) -> GovernancePerson:
    person = get_session().get(GovernancePerson, person_id)
    if person is None:
        abort(404)
    return person


def _render(template: str, form: Any, **context: Any) -> Any:
    """A form page; 400 when it is shown again with errors, so nothing typed is lost."""
    return render_template(template, form=form, **context), 400 if form.errors else 200


def body_label(body: str) -> str:
    """The board's name in the reader's language; a committee's name as the organisation set it."""
    return str(_l("Board of trustees")) if body == BOARD else body


@bp.app_template_filter("governance_role")
def role_label(role: str) -> str:
    return str(ROLES.get(role, role))


def _seat_detail(seat: GovernanceSeat) -> str:
    """A seat as the audit log stores it: in English, whoever acts (it is a record, not a page)."""
    with in_language_of(None):
        return f"{role_label(seat.role)}, {body_label(seat.body)}"


# --- the board -------------------------------------------------------------------------------


@bp.route("/")
@require("governance.view")
def index() -> Any:
    session = get_session()
    on = today()
    seats = [seat for seat in session.exec(select(GovernanceSeat)) if seat.is_current(on)]
    people = {p.id: p for p in session.exec(select(GovernancePerson).where(
        col(GovernancePerson.id).in_({seat.person_id for seat in seats})))} if seats else {}
    return render_template("governance/index.html", figure=board_figure(session, on),
                           groups=_by_body(seats, people), people=people,
                           may_manage=can(current_user, "governance.manage"))


def _by_body(seats: list[GovernanceSeat], people: dict[str, GovernancePerson]) -> list[Any]:
    """(body, label, seats) for the board first, then each committee; chairs first, then by name."""
    order = [BOARD, *current_app.config["PLUGIN_GOVERNANCE"]["committees"]]

    def body_key(body: str) -> tuple[int, str]:
        return (order.index(body) if body in order else len(order), body)

    def seat_key(seat: GovernanceSeat) -> tuple[int, str]:
        rank = ROLE_ORDER.index(seat.role) if seat.role in ROLE_ORDER else len(ROLE_ORDER)
        return (rank, people[seat.person_id].name)

    bodies = sorted({seat.body for seat in seats}, key=body_key)
    return [(body, body_label(body), sorted((s for s in seats if s.body == body), key=seat_key))
            for body in bodies]


@bp.route("/about-the-figure")
@require("governance.view")
def about() -> Any:
    return render_template("governance/about.html")


# --- people and seats --------------------------------------------------------------------------


@bp.route("/people/new", methods=["GET", "POST"])
@require("governance.manage")
@csrf_checked_by_form
def new_person() -> Any:
    form = PersonForm()
    if form.validate_on_submit():
        session = get_session()
        person = GovernancePerson(name=form.name.data.strip(), email=_email(form.email.data))
        seat = GovernanceSeat(person_id=person.id, role=form.role.data)
        _fill_seat(seat, form)
        session.add(person)
        session.flush()  # the person's row first: the seat refers to it
        session.add(seat)
        _record("added a person to the board register", "governance_person", person.id, person.name,
                _seat_detail(seat))
        session.commit()
        flash(_("%(name)s was added.", name=person.name), "success")
        return redirect(url_for(".person", person_id=person.id))
    return _render("governance/person_form.html", form)


def _email(value: str | None) -> str | None:
    return (value or "").strip().lower() or None


def _fill_seat(seat: GovernanceSeat, form: SeatForm) -> None:
    seat.body, seat.role = form.body.data, form.role.data
    seat.starts_on, seat.ends_on = form.starts_on.data, form.ends_on.data
    seat.updated_at = utcnow()


@bp.route("/people/<person_id>")
@require("governance.manage")
def person(person_id: str) -> Any:
    person = _person_or_404(person_id)
    seats = get_session().exec(select(GovernanceSeat).where(GovernanceSeat.person_id == person.id)
                               .order_by(col(GovernanceSeat.starts_on).desc())).all()
    return render_template("governance/person.html", person=person, seats=seats, today=today(),
                           body_label=body_label, may_consent=can(current_user, "governance.record_consent"))


@bp.route("/people/<person_id>/seats/new", methods=["GET", "POST"])
@require("governance.manage")
@csrf_checked_by_form
def new_seat(person_id: str) -> Any:
    person = _person_or_404(person_id)
    form = SeatForm()
    if form.validate_on_submit():
        seat = GovernanceSeat(person_id=person.id, role=form.role.data)
        _fill_seat(seat, form)
        get_session().add(seat)
        _record("added a seat", "governance_person", person.id, person.name, _seat_detail(seat))
        get_session().commit()
        flash(_("The seat was added."), "success")
        return redirect(url_for(".person", person_id=person.id))
    return _render("governance/seat_form.html", form, person=person, seat=None)


@bp.route("/seats/<seat_id>", methods=["GET", "POST"])
@require("governance.manage")
@csrf_checked_by_form
def edit_seat(seat_id: str) -> Any:
    seat = get_session().get(GovernanceSeat, seat_id)
    if seat is None:
        abort(404)
    person = _person_or_404(seat.person_id)
    form = SeatForm(obj=seat)
    if form.validate_on_submit():
        _fill_seat(seat, form)
        _record("changed a seat", "governance_person", person.id, person.name,
                f"{_seat_detail(seat)}, ends {seat.ends_on or 'not set'}")
        get_session().commit()
        flash(_("The seat was changed."), "success")
        return redirect(url_for(".person", person_id=person.id))
    return _render("governance/seat_form.html", form, person=person, seat=seat)


# --- consent to be counted (special-category data: every read and change is audited) ----------


@bp.route("/people/<person_id>/lived-experience", methods=["GET", "POST"])
@require("governance.record_consent")
@csrf_checked_by_form
def consent(person_id: str) -> Any:
    person = _person_or_404(person_id)
    session = get_session()
    record = session.get(GovernanceLivedExperience, person.id)
    form = ConsentForm(data=_consent_data(record))
    if form.validate_on_submit():
        _save_consent(person, record, form)
        flash(_("%(name)s's consent was saved.", name=person.name), "success")
        return redirect(url_for(".person", person_id=person.id))
    _record("opened the lived-experience consent page", CONSENT_SUBJECT, person.id, person.name)
    session.commit()
    return _render("governance/consent.html", form, person=person, record=record, evidence=EVIDENCE)


def _consent_data(record: GovernanceLivedExperience | None) -> dict[str, Any]:
    if record is None:
        return {}
    return {"agreed": ["counted", "publish"] if record.publish_agreed else ["counted"],
            "given_on": record.consent_given_on, "evidence": record.evidence}


def _save_consent(person: GovernancePerson, record: GovernanceLivedExperience | None,
                  form: ConsentForm) -> None:
    session = get_session()
    action = "changed" if record else "recorded"
    if record is None:
        record = GovernanceLivedExperience(person_id=person.id, consent_given_on=form.given_on.data,
                                           evidence=form.evidence.data,
                                           wording_version=CONSENT_WORDING_VERSION)
    record.consent_given_on, record.evidence = form.given_on.data, form.evidence.data
    record.wording_version = CONSENT_WORDING_VERSION
    record.publish_agreed = "publish" in form.agreed.data
    record.recorded_by_id, record.recorded_at = current_user.id, utcnow()
    session.add(record)
    _record(f"{action} consent to be counted (lived experience)", CONSENT_SUBJECT, person.id, person.name,
            "agreed to publication" if record.publish_agreed else "did not agree to publication")
    session.commit()


@bp.route("/people/<person_id>/lived-experience/withdraw", methods=["POST"])
@require("governance.record_consent")
def withdraw_consent(person_id: str) -> Any:
    """Withdrawal deletes the record: afterwards nothing about their lived experience is stored."""
    person = _person_or_404(person_id)
    session = get_session()
    record = session.get(GovernanceLivedExperience, person.id)
    if record is not None:
        session.delete(record)
        _record("withdrew consent to be counted (lived experience)", CONSENT_SUBJECT, person.id, person.name)
        session.commit()
    flash(_("Consent withdrawn. Nothing about %(name)s's lived experience is stored now.", name=person.name),
          "success")
    return redirect(url_for(".person", person_id=person.id))


# --- projects: "board informed" ------------------------------------------------------------


@bp.route("/projects/<project_id>/briefing", methods=["GET", "POST"])
@require("governance.record_briefing")
@csrf_checked_by_form
def briefing(project_id: str) -> Any:
    session = get_session()
    project = session.get(Project, project_id)
    if project is None:
        abort(404)
    ensure("projects.view", project)
    form = BriefingForm()
    if form.validate_on_submit():
        session.add(GovernanceBriefing(project_id=project.id, briefed_on=form.briefed_on.data,
                                       note=(form.note.data or "").strip(), recorded_by_id=current_user.id))
        _record("recorded that the board was told about a project", "project", project.id, project.title,
                f"board meeting on {form.briefed_on.data:%d %B %Y}")
        session.commit()
        flash(_("The board briefing was recorded."), "success")
        return redirect(url_for("projects.view", project_id=project.id))
    return _render("governance/briefing_form.html", form, project=project)
