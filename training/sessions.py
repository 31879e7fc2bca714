"""Live sessions: a module taught in a room or online, recorded after it happened.

Each trainer who delivered the session is one delivery, recorded as a *pending* involvement
(role "trainer") through ``portal_record_involvement`` — the same path as a publication, so the
co-production lead prices it and fees and benefit caps apply. The co-production lead records
any session; a trainer records only sessions they delivered themselves, and sees only those.
A trainer's session of a module on one day is paid once: recording it again is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovRadioInput, GovSubmitInput, GovTextInput
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from wtforms import RadioField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, ValidationError

from coprod_portal import audit
from coprod_portal.accounts import User, UserRole
from coprod_portal.db import get_session, utcnow
from coprod_portal.forms import DayField, PortalForm, csrf_checked_by_form
from coprod_portal.i18n import _, _l, long_date, ngettext, number
from coprod_portal.pages import local_time
from coprod_portal.permissions import can, require

from . import course, grades
from .course import PLUGIN
from .models import TrainingDelivery, TrainingLiveSession
from .views import bp

MIN_HOURS, MAX_HOURS = 0.25, 12.0
MAX_ATTENDEES = 1000


def today() -> date:
    """Today in the organisation's time zone: a session that ended this evening is not 'future'."""
    return local_time(utcnow()).date()


def _session_day(form: Any, field: Any) -> None:
    if field.data is None:
        if not field.errors:
            raise ValidationError(_("Enter the date of the session"))
        return
    if field.data > today():
        raise ValidationError(
            _("The date must be today or earlier: record a session after it has taken place")
        )


def _hours(form: Any, field: Any) -> None:
    try:
        hours = float((field.data or "").strip().replace(",", "."))
    except ValueError:
        raise ValidationError(_("Enter how long the session lasted in hours, for example 2 or 1.5")) from None
    if not MIN_HOURS <= hours <= MAX_HOURS:
        raise ValidationError(_("Enter a length between %(least)s and %(most)s hours",
                                least=number(MIN_HOURS), most=number(MAX_HOURS)))


def _attendees(form: Any, field: Any) -> None:
    text = (field.data or "").strip()
    if not text.isdigit() or not 1 <= int(text) <= MAX_ATTENDEES:
        raise ValidationError(_("Enter the number of people who attended, from 1 to %(most)s",
                                most=number(MAX_ATTENDEES)))


class SessionForm(PortalForm):
    """One live session of a module, with the trainers who delivered it."""

    on = DayField(
        _l("Date of the session"),
        description=_l("For example, 27 3 2027. Record a session once it has taken place."),
        validators=[_session_day],
    )
    hours = StringField(
        _l("How long did it last?"),
        widget=GovTextInput(),
        description=_l("In hours, for example 2 or 1.5"),
        validators=[_hours],
    )
    delivery = RadioField(
        _l("How was it delivered?"),
        widget=GovRadioInput(),
        choices=[("in_person", _l("In person")), ("online", _l("Online"))],
        validators=[InputRequired(_l("Select whether the session was in person or online"))],
    )
    place = StringField(
        _l("Where was it held?"),
        widget=GovTextInput(),
        description=_l("The venue and town, or the online service, for example Microsoft Teams"),
        validators=[
            InputRequired(_l("Enter where the session was held")),
            Length(max=200, message=_l("Enter 200 characters or fewer")),
        ],
    )
    trainers = SelectMultipleField(
        _l("Who delivered it?"),
        widget=GovCheckboxesInput(),
        description=_l("Each trainer ticked is one delivery, for the co-production lead to price."),
        validators=[InputRequired(_l("Select the trainers who delivered the session"))],
    )
    attendees = StringField(
        _l("How many people attended?"),
        widget=GovTextInput(),
        description=_l("Not counting the trainers"),
        validators=[_attendees],
    )
    submit = SubmitField(_l("Record the session"), widget=GovSubmitInput())

    def validate_trainers(self, field: Any) -> None:
        """Trainers record only sessions they delivered; the co-production lead records any."""
        if field.data and not can(current_user, "training.record_any_session"):
            if current_user.id not in field.data:
                raise ValidationError(_(
                    "You can record only sessions you delivered: tick your own name too, or ask "
                    "the co-production lead to record it"
                ))


@dataclass(frozen=True)
class PastSession:
    """A recorded session with its deliveries, as the list shows it."""

    session: TrainingLiveSession
    deliveries: list[TrainingDelivery]


def trainer_accounts(db: Session) -> dict[str, str]:
    """Active accounts with the trainer role (network members who train): id → name."""
    rows = db.exec(
        select(User)
        .join(UserRole, col(UserRole.user_id) == col(User.id))
        .where(UserRole.role == "trainer", col(User.active).is_(True))
        .order_by(User.display_name)
    ).all()
    return {user.id: user.display_name for user in rows}


def session_key(module_key: str, on: date, trainer_id: str) -> str:
    """The one delivery a trainer can have for a module on a day (unique in the database)."""
    return f"{module_key}:{on.isoformat()}:{trainer_id}"


def past_sessions(db: Session, module_key: str, user: Any) -> list[PastSession]:
    """The module's sessions, newest first; a trainer sees only those they delivered."""
    sessions = db.exec(
        select(TrainingLiveSession)
        .where(TrainingLiveSession.module_key == module_key)
        .order_by(col(TrainingLiveSession.on).desc(), col(TrainingLiveSession.created_at).desc())
    ).all()
    deliveries: dict[str, list[TrainingDelivery]] = {}
    for delivery in db.exec(
        select(TrainingDelivery).where(col(TrainingDelivery.session_id).in_([s.id for s in sessions]))
    ):
        deliveries.setdefault(delivery.session_id or "", []).append(delivery)
    everyone = can(user, "training.record_any_session")
    return [
        PastSession(s, deliveries.get(s.id, []))
        for s in sessions
        if everyone or any(d.trainer_id == user.id for d in deliveries.get(s.id, []))
    ]


def already_recorded(db: Session, module_key: str, on: date, trainer_ids: list[str]) -> list[str]:
    """The trainers among ``trainer_ids`` whose session of the module on ``on`` is recorded."""
    keys = [session_key(module_key, on, t) for t in trainer_ids]
    return [
        d.trainer_id
        for d in db.exec(select(TrainingDelivery).where(col(TrainingDelivery.session_key).in_(keys)))
    ]


def record_session(
    db: Session, published: course.Published, form: SessionForm, names: dict[str, str]
) -> tuple[TrainingLiveSession, int]:
    """Add the session and one delivery per trainer, each offered to the involvement hook;
    returns the session and how many deliveries wait for the hook. The caller commits."""
    module = published.module
    online = form.delivery.data == "online"
    live = TrainingLiveSession(
        module_key=module.key,
        on=cast(date, form.on.data),
        hours=float(form.hours.data.strip().replace(",", ".")),
        online=online,
        place=form.place.data.strip(),
        attendees=int(form.attendees.data.strip()),
        recorded_by=current_user.id,
    )
    db.add(live)
    db.flush()
    deliveries = [
        TrainingDelivery(
            module_key=module.key,
            version=module.published_version,
            kind="session",
            trainer_id=trainer_id,
            on=live.on,
            hours=live.hours,
            note=(
                f"Delivered a live session of the training module “{module.title}” "
                f"({'online' if online else 'in person'}: {live.place}; {live.attendees} attending)"
            )[:500],
            session_id=live.id,
            session_key=session_key(module.key, live.on, trainer_id),
        )
        for trainer_id in sorted(form.trainers.data)
    ]
    db.add_all(deliveries)
    db.flush()  # the unique session key refuses a session recorded twice at the same moment
    waiting = sum(not grades.record_delivery(db, delivery) for delivery in deliveries)
    audit.record(
        db,
        current_user,
        "recorded a live training session",
        "training_module",
        module.key,
        module.title,
        plugin=PLUGIN,
        detail=f"{live.on.isoformat()}, {live.hours:g} hours, {live.attendees} attending; trainers: "
        + ", ".join(names.get(d.trainer_id, d.trainer_id) for d in deliveries),
    )
    return live, waiting


def _published(key: str) -> course.Published:
    found = course.published(get_session(), key)
    if found is None:
        abort(404)
    return found


@bp.route("/sessions")
@require("training.record_sessions")
def sessions() -> Any:
    """Every published module with its live sessions so far (a trainer's own only)."""
    db = get_session()
    modules = course.all_published(db)
    return render_template(
        "training/sessions.html",
        modules=modules,
        counts={m.module.key: len(past_sessions(db, m.module.key, current_user)) for m in modules},
    )


@bp.route("/modules/<key>/sessions", methods=["GET", "POST"])
@require("training.record_sessions")
@csrf_checked_by_form
def module_sessions(key: str) -> Any:
    """The module's past live sessions and the form to record one."""
    published = _published(key)
    db = get_session()
    names = trainer_accounts(db)
    form = SessionForm()
    form.trainers.choices = list(names.items())
    if form.validate_on_submit():
        on = cast(date, form.on.data)
        twice = already_recorded(db, key, on, form.trainers.data)
        if not twice:
            try:
                live, waiting = record_session(db, published, form, names)
                db.commit()
            except IntegrityError:
                db.rollback()
                twice = already_recorded(db, key, on, form.trainers.data)
                if not twice:
                    raise
            else:
                flash(_recorded_message(live, len(form.trainers.data), waiting), "success")
                return redirect(url_for(".module_sessions", key=key))
        form.on.errors = [*form.on.errors, _twice_message(published, on, twice, names)]
    status = 400 if form.is_submitted() else 200
    return render_template(
        "training/module_sessions.html",
        published=published,
        form=form,
        past=past_sessions(db, key, current_user),
        names=names | _names_of_former_trainers(db, key, names),
    ), status


def _recorded_message(live: TrainingLiveSession, trainers: int, waiting: int) -> str:
    day = long_date(live.on)
    if waiting:
        return _(
            "The session of %(day)s was recorded. %(waiting)s of its %(count)s trainer deliveries could "
            "not be recorded as involvement yet (the network plugin is off); the portal keeps them "
            "and tries again every hour.",
            day=day, waiting=waiting, count=trainers,
        )
    return ngettext(
        "The session of %(day)s was recorded: %(num)d trainer delivery was sent to the "
        "co-production lead for pricing.",
        "The session of %(day)s was recorded: %(num)d trainer deliveries were sent to the "
        "co-production lead for pricing.",
        trainers, day=day,
    )


def _twice_message(published: course.Published, on: date, twice: list[str], names: dict[str, str]) -> str:
    who = ", ".join(names.get(t, _("a trainer")) for t in twice)
    return _(
        "A session of “%(module)s” on %(day)s is already recorded for %(who)s, so nothing was "
        "recorded again. A trainer's sessions of one module on one day count as one delivery.",
        module=published.module.title, day=long_date(on), who=who,
    )


def _names_of_former_trainers(db: Session, key: str, names: dict[str, str]) -> dict[str, str]:
    """Names for deliveries by people who no longer hold the trainer role (the list still shows
    who delivered a session)."""
    others = {
        d.trainer_id
        for d in db.exec(
            select(TrainingDelivery).where(
                TrainingDelivery.module_key == key, TrainingDelivery.kind == "session"
            )
        )
        if d.trainer_id not in names
    }
    if not others:
        return {}
    return {u.id: u.display_name for u in db.exec(select(User).where(col(User.id).in_(others)))}
