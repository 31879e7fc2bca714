"""Pages, all under /lived_experience, through the blueprint ``plugin_lived_experience``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask import session as flask_session
from flask_babel import force_locale
from flask_login import current_user
from flask_wtf.csrf import CSRFError, validate_csrf
from sqlmodel import col, select
from wtforms.validators import ValidationError

from coprod_portal import audit, events, notifications
from coprod_portal.accounts import User
from coprod_portal.db import get_session, utcnow
from coprod_portal.forms import csrf_checked_by_form
from coprod_portal.i18n import (
    DEFAULT_LANGUAGE,
    _,
    _l,
    in_english,
    in_language_of,
    language,
    locale_code,
    long_date,
)
from coprod_portal.pages import paginate
from coprod_portal.permissions import can, require
from coprod_portal.projects import Project

from . import access, crypto, service
from .access import EXPLANATION_VERSION, NAMED_USE, NAMED_USE_WORDING, PUBLIC, VISIBILITY, WORDING_VERSION
from .forms import (
    REACH,
    WHEN,
    CheckinForm,
    ContributionForm,
    NamedUseForm,
    OptInForm,
    ReviewForm,
    VisibilityForm,
)
from .models import (
    ACCEPTED,
    CHANGES,
    DECLINED,
    SUBMITTED,
    WAITING,
    LivedExperienceCheckin,
    LivedExperienceConsent,
    LivedExperienceContribution,
    LivedExperienceProfile,
    LivedExperienceProjectLink,
)
from .pseudonyms import suggest

bp = Blueprint(
    "plugin_lived_experience",
    __name__,
    url_prefix="/lived_experience",
    template_folder="templates",
    static_folder="static",
)

CLEAR_DRAFT = "lived_experience_clear_draft"  # the contribution whose browser draft to delete next
# why a consent ended (stored codes), in words
ENDED_BECAUSE = {"changed": _l("changed"), "withdrawn": _l("withdrawn")}


def _render(template: str, form: Any, **context: Any) -> Any:
    """A form page; 400 when it is shown again with errors, so nothing typed is lost."""
    return render_template(template, form=form, **context), 400 if form.errors else 200


def _profile() -> LivedExperienceProfile | None:
    return get_session().get(LivedExperienceProfile, current_user.id)


def _own_or_404(contribution_id: str) -> LivedExperienceContribution:
    """The signed-in person's own contribution; 404 for anyone else's, so nothing is revealed."""
    c = get_session().get(LivedExperienceContribution, contribution_id)
    if c is None or not can(current_user, "lived_experience.contribute", c):
        _refuse_without_token()
        abort(404)
    return c


def _refuse_without_token() -> None:
    """A POST without a valid token is a failed security check before it is anything else, even on
    pages whose form checks the token itself (they do so only for the contributor's own record)."""
    if request.method == "POST":
        try:
            validate_csrf(request.form.get("csrf_token"))
        except ValidationError as exc:
            raise CSRFError(str(exc)) from exc


def _submitted_own_or_404(contribution_id: str) -> LivedExperienceContribution:
    c = _own_or_404(contribution_id)
    if c.status != SUBMITTED:
        abort(404)
    return c


def _projects() -> list[tuple[str, str]]:
    rows = get_session().exec(select(Project).order_by(Project.title)).all()
    return [(p.id, p.title) for p in rows if can(current_user, "projects.view", p)]


# --- taking part --------------------------------------------------------------------------------


@bp.route("/")
@require("lived_experience.contribute")
def index() -> Any:
    session = get_session()
    profile = _profile()
    mine = (
        session.exec(
            select(LivedExperienceContribution)
            .where(LivedExperienceContribution.contributor_id == current_user.id)
            .order_by(col(LivedExperienceContribution.created_at).desc())
        ).all()
        if profile
        else []
    )
    return render_template(
        "lived_experience/index.html",
        profile=profile,
        mine=mine,
        form=OptInForm(),
        visibility=VISIBILITY,
        today=service.today(),
        may_review=can(current_user, "lived_experience.review"),
        review_states=REVIEW_STATES,
    )


@bp.route("/take-part", methods=["POST"])
@require("lived_experience.contribute")
@csrf_checked_by_form
def opt_in() -> Any:
    form = OptInForm()
    if not form.validate_on_submit():
        return _render(
            "lived_experience/index.html",
            form,
            profile=None,
            mine=[],
            visibility=VISIBILITY,
            today=service.today(),
            may_review=can(current_user, "lived_experience.review"),
            review_states=REVIEW_STATES,
        )
    session = get_session()
    if _profile() is None:
        session.add(LivedExperienceProfile(user_id=current_user.id, explanation_version=EXPLANATION_VERSION))
        service.record(
            session,
            current_user,
            "chose to take part in sharing lived experience",
            service.PROFILE,
            current_user.id,
            "their own choice to take part",
        )
        session.commit()
    flash(_("You are taking part. Nothing is shared until you write something and send it."), "success")
    return redirect(url_for(".index"))


@bp.route("/stop-taking-part", methods=["POST"])
@require("lived_experience.contribute")
def opt_out() -> Any:
    session = get_session()
    profile = _profile()
    if profile is not None:
        for c in session.exec(
            select(LivedExperienceContribution).where(
                LivedExperienceContribution.contributor_id == current_user.id,
                LivedExperienceContribution.status == SUBMITTED,
            )
        ):
            service.withdraw(session, current_user, c)
        session.delete(profile)
        service.record(
            session,
            current_user,
            "stopped taking part in sharing lived experience",
            service.PROFILE,
            current_user.id,
            "their own choice to take part",
        )
        events.commit(session)
    flash(_("You have stopped taking part. Everything you shared was withdrawn."), "success")
    return redirect(url_for(".index"))


# --- writing ------------------------------------------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
@require("lived_experience.contribute")
@csrf_checked_by_form
def new() -> Any:
    if _profile() is None:
        _refuse_without_token()
        flash(_("Read what taking part means first, and choose whether to take part."), "info")
        return redirect(url_for(".index"))
    form = ContributionForm(
        contributor_name=current_user.display_name,
        projects=_projects(),
        data=None if request.method == "POST" else {"pseudonym": suggest(language())},
    )
    if form.validate_on_submit():
        session = get_session()
        c = LivedExperienceContribution(
            contributor_id=current_user.id,
            pseudonym=form.pseudonym.data.strip(),
            visibility=form.visibility.data,
            review_on=service.review_date(),
        )
        _fill(c, form)
        session.add(c)
        session.flush()
        _link_projects(c, form.projects.data or [])
        service.give_visibility_consent(session, c, form.visibility.data, WORDING_VERSION)
        service.record(
            session,
            current_user,
            "shared a lived-experience contribution",
            service.CONTRIBUTION,
            c.id,
            detail=f"visibility: {in_english(VISIBILITY[c.visibility][0])}",
        )
        events.notify(session, "portal_contribution_submitted", contribution_id=c.id)
        events.commit(session)
        return redirect(url_for(".submitted", contribution_id=c.id))
    return _render(
        "lived_experience/form.html",
        form,
        draft_key=f"{current_user.id}:new",
        contribution=None,
        visibility=VISIBILITY,
        wording_version=WORDING_VERSION,
    )


def _fill(c: LivedExperienceContribution, form: ContributionForm) -> None:
    note = None
    if form.distressing.data == "yes":
        note = {"kinds": list(form.note_kinds.data or []), "text": (form.note_text.data or "").strip()}
    service.set_content(c, form.narrative.data, form.topics.data or "", note)


def _link_projects(c: LivedExperienceContribution, project_ids: list[str]) -> None:
    session = get_session()
    for link in session.exec(
        select(LivedExperienceProjectLink).where(LivedExperienceProjectLink.contribution_id == c.id)
    ):
        session.delete(link)
    for project_id in sorted(set(project_ids)):
        session.add(LivedExperienceProjectLink(contribution_id=c.id, project_id=project_id))


@bp.route("/contributions/<contribution_id>/edit", methods=["GET", "POST"])
@require("lived_experience.contribute")
@csrf_checked_by_form
def edit(contribution_id: str) -> Any:
    c = _submitted_own_or_404(contribution_id)
    session = get_session()
    note = service.content_note(c)
    linked = session.exec(
        select(LivedExperienceProjectLink.project_id).where(
            LivedExperienceProjectLink.contribution_id == c.id
        )
    ).all()
    data = (
        None
        if request.method == "POST"
        else {
            "narrative": service.narrative(c),
            "topics": service.topics(c),
            "projects": list(linked),
            "distressing": "yes" if note else "no",
            "note_kinds": (note or {}).get("kinds", []),
            "note_text": (note or {}).get("text", ""),
            "pseudonym": c.pseudonym,
            "visibility": c.visibility,
            "consent": True,
        }
    )
    form = ContributionForm(contributor_name=current_user.display_name, projects=_projects(), data=data)
    if form.validate_on_submit():
        _fill(c, form)
        service.back_to_review(c)
        c.pseudonym = form.pseudonym.data.strip()
        _link_projects(c, form.projects.data or [])
        if form.visibility.data != c.visibility:
            service.give_visibility_consent(session, c, form.visibility.data, WORDING_VERSION)
        session.add(c)
        service.record(
            session,
            current_user,
            "changed a lived-experience contribution",
            service.CONTRIBUTION,
            c.id,
            detail=f"visibility: {in_english(VISIBILITY[c.visibility][0])}",
        )
        session.commit()
        flash(_("Your changes were saved. The co-production lead will review it again."), "success")
        flask_session[CLEAR_DRAFT] = c.id
        return redirect(url_for(".contribution", contribution_id=c.id))
    return _render(
        "lived_experience/form.html",
        form,
        draft_key=f"{current_user.id}:{c.id}",
        contribution=c,
        visibility=VISIBILITY,
        wording_version=WORDING_VERSION,
    )


@bp.route("/contributions/<contribution_id>/sent")
@require("lived_experience.contribute")
def submitted(contribution_id: str) -> Any:
    c = _submitted_own_or_404(contribution_id)
    return render_template(
        "lived_experience/submitted.html",
        contribution=c,
        visibility=VISIBILITY,
        wording_version=WORDING_VERSION,
    )


# --- reading ------------------------------------------------------------------------------------


@bp.route("/contributions/<contribution_id>")
@require("lived_experience.read")
def contribution(contribution_id: str) -> Any:
    session = get_session()
    c = session.get(LivedExperienceContribution, contribution_id)
    if c is None or not can(current_user, "lived_experience.read", c):
        abort(404)  # not 403: nobody learns that a contribution they may not see exists
    own = c.contributor_id == current_user.id
    service.record(session, current_user, service.READ, service.CONTRIBUTION, c.id)
    session.commit()
    context: dict[str, Any] = {
        "contribution": c,
        "own": own,
        "text": service.narrative(c),
        "topics": service.topics(c),
        "note": service.content_note_words(service.content_note(c)),
        "visibility": VISIBILITY,
        "shown_name": c.pseudonym if own else access.shown_name(c),
        "ref": f"lived_experience:contribution:{c.id}",
        "clear_draft": own and flask_session.pop(CLEAR_DRAFT, None) == c.id,
        "may_review": not own and can(current_user, "lived_experience.review"),
        "review_states": REVIEW_STATES,
        "review_note": service.review_note(c),
        "public_wording": service.public_wording(c),
        "projects": session.exec(
            select(Project)
            .join(LivedExperienceProjectLink, col(LivedExperienceProjectLink.project_id) == col(Project.id))
            .where(LivedExperienceProjectLink.contribution_id == c.id)
            .order_by(Project.title)
        ).all(),
    }
    if own:
        reads = session.exec(
            select(audit.AuditEvent)
            .where(
                audit.AuditEvent.plugin == service.PLUGIN,
                audit.AuditEvent.subject_id == c.id,
                audit.AuditEvent.action == service.READ,
            )
            .order_by(col(audit.AuditEvent.at).desc())
            .limit(200)
        ).all()
        context.update(
            reads=reads,
            consents=service.consent_history(session, c.id),
            named_uses=[x for x in service.active_consents(session, c.id) if x.purpose == NAMED_USE],
            review_due=c.review_on <= service.today(),
            today=service.today(),
            ended_because=ENDED_BECAUSE,
        )
    return render_template("lived_experience/contribution.html", **context)


@bp.route("/shared")
@require("lived_experience.read")
def shared() -> Any:
    session = get_session()
    page = paginate(session, service.visible_query(current_user), request.args.get("page", 1, type=int))
    notes = {c.id: c.content_note_token is not None for c in page.items}
    return render_template(
        "lived_experience/shared.html",
        page=page,
        notes=notes,
        visibility=VISIBILITY,
        names=access.names_for(page.items),
    )


# --- the co-production lead's review -----------------------------------------------------------

REVIEW_STATES = {
    WAITING: (_l("Waiting for review"), "yellow"),
    CHANGES: (_l("Changes asked for"), "blue"),
    ACCEPTED: (_l("Accepted"), "green"),
    DECLINED: (_l("Declined"), "grey"),
}


# What a row of the review list shows (and ``access.names_for`` needs): never the encrypted
# narrative, which loading whole records would fetch for all fifty rows.
REVIEW_ROW = (
    LivedExperienceContribution.id, LivedExperienceContribution.contributor_id,
    LivedExperienceContribution.visibility, LivedExperienceContribution.pseudonym,
    LivedExperienceContribution.created_at,
    col(LivedExperienceContribution.content_note_token).is_not(None).label("has_content_note"),
)


@bp.route("/review")
@require("lived_experience.review")
def review_list() -> Any:
    """Contributions for the lead to review, by state; others' only, and only those the lead may read."""
    state = request.args.get("state", WAITING)
    if state not in REVIEW_STATES:
        state = WAITING
    session = get_session()
    query = service.visible_query(current_user, columns=REVIEW_ROW).where(
        LivedExperienceContribution.review_state == state)
    page = paginate(session, query, request.args.get("page", 1, type=int))
    return render_template(
        "lived_experience/review_list.html",
        page=page,
        state=state,
        states=REVIEW_STATES,
        visibility=VISIBILITY,
        names=access.names_for(page.items),
    )


def _reviewable_or_404(contribution_id: str) -> LivedExperienceContribution:
    c = get_session().get(LivedExperienceContribution, contribution_id)
    if c is None or c.contributor_id == current_user.id or not can(current_user, "lived_experience.read", c):
        _refuse_without_token()
        abort(404)
    return c


@bp.route("/contributions/<contribution_id>/review", methods=["GET", "POST"])
@require("lived_experience.review")
@csrf_checked_by_form
def review(contribution_id: str) -> Any:
    c = _reviewable_or_404(contribution_id)
    session = get_session()
    public = c.visibility == PUBLIC
    data = None
    if request.method != "POST":
        data = {
            "decision": c.review_state if c.review_state != WAITING else None,
            "note": service.review_note(c),
            "public_wording": service.public_wording(c) or service.narrative(c),
        }
    form = ReviewForm(public=public, data=data)
    if form.validate_on_submit():
        before = service.public_wording(c)
        c.review_state = form.decision.data
        note = (form.note.data or "").strip()
        c.review_note_token = crypto.encrypt(note) if note else None
        c.reviewed_at, c.reviewed_by_id = utcnow(), current_user.id
        wording = (form.public_wording.data or "").strip() if public and c.review_state == ACCEPTED else ""
        if wording != before:
            c.public_wording_token = crypto.encrypt(wording) if wording else None
            c.wording_approved_at = None
        session.add(c)
        service.record(
            session,
            current_user,
            "reviewed a lived-experience contribution",
            service.CONTRIBUTION,
            c.id,
            detail=f"decision: {in_english(REVIEW_STATES[c.review_state][0]).lower()}",
        )
        with in_language_of(c.contributor_id):
            notifications.send(
                c.contributor_id,
                _("The co-production lead reviewed your contribution"),
                _review_message(c),
                link=url_for(".contribution", contribution_id=c.id),
                category="lived-experience",
                sensitive=True,
            )
        session.commit()
        flash(
            _(
                "Saved: %(decision)s. The contributor has been told.",
                decision=str(REVIEW_STATES[c.review_state][0]).lower(),
            ),
            "success",
        )
        return redirect(url_for(".contribution", contribution_id=c.id))
    text = service.narrative(c)
    return _render(
        "lived_experience/review.html",
        form,
        contribution=c,
        text=text,
        note=service.content_note_words(service.content_note(c)),
        visibility=VISIBILITY,
        public=public,
        shown_name=access.shown_name(c),
    )


def _review_message(c: LivedExperienceContribution) -> str:
    """What the contributor is told about the lead's review, in one sentence a translator can
    translate whole."""
    decision = str(REVIEW_STATES[c.review_state][0]).lower()
    if c.public_wording_token:
        return _(
            "Your contribution shared as %(pseudonym)s: %(decision)s. Open it to read their note "
            "and approve the wording for public use.",
            pseudonym=c.pseudonym,
            decision=decision,
        )
    return _(
        "Your contribution shared as %(pseudonym)s: %(decision)s. Open it to read their note.",
        pseudonym=c.pseudonym,
        decision=decision,
    )


@bp.route("/contributions/<contribution_id>/approve-wording", methods=["POST"])
@require("lived_experience.contribute")
def approve_wording(contribution_id: str) -> Any:
    c = _submitted_own_or_404(contribution_id)
    if c.public_wording_token is None or c.visibility != PUBLIC:
        flash(_("There is no wording waiting for your approval."), "info")
        return redirect(url_for(".contribution", contribution_id=c.id))
    if c.wording_approved_at is None:
        session = get_session()
        c.wording_approved_at = utcnow()
        session.add(c)
        service.record(
            session,
            current_user,
            "approved the wording for public use of a contribution",
            service.CONTRIBUTION,
            c.id,
        )
        session.commit()
    flash(
        _("Thank you. The wording you approved may now be used in public, under your pseudonym."), "success"
    )
    return redirect(url_for(".contribution", contribution_id=c.id))


# --- consent, withdrawal and review ------------------------------------------------------------


@bp.route("/contributions/<contribution_id>/sharing", methods=["GET", "POST"])
@require("lived_experience.contribute")
@csrf_checked_by_form
def sharing(contribution_id: str) -> Any:
    c = _submitted_own_or_404(contribution_id)
    form = VisibilityForm(data=None if request.method == "POST" else {"visibility": c.visibility})
    if form.validate_on_submit():
        session = get_session()
        if form.visibility.data != c.visibility:
            service.give_visibility_consent(session, c, form.visibility.data, WORDING_VERSION)
            session.add(c)
            service.record(
                session,
                current_user,
                "changed who can read a lived-experience contribution",
                service.CONTRIBUTION,
                c.id,
                detail=f"visibility: {in_english(VISIBILITY[c.visibility][0])}",
            )
            session.commit()
        flash(_("Saved. Who can read it: %(who)s.", who=str(VISIBILITY[c.visibility][0]).lower()), "success")
        return redirect(url_for(".contribution", contribution_id=c.id))
    return _render(
        "lived_experience/sharing.html",
        form,
        contribution=c,
        visibility=VISIBILITY,
        wording_version=WORDING_VERSION,
    )


@bp.route("/contributions/<contribution_id>/withdraw", methods=["POST"])
@require("lived_experience.contribute")
def withdraw(contribution_id: str) -> Any:
    c = _own_or_404(contribution_id)
    if c.status == SUBMITTED:
        session = get_session()
        service.withdraw(session, current_user, c)
        events.commit(session)
    flash(
        _("Your contribution was withdrawn. Nobody can read it now, and what you wrote has been deleted."),
        "success",
    )
    return redirect(url_for(".index"))


@bp.route("/contributions/<contribution_id>/keep", methods=["POST"])
@require("lived_experience.contribute")
def keep(contribution_id: str) -> Any:
    c = _submitted_own_or_404(contribution_id)
    session = get_session()
    c.review_on = max(c.review_on, service.today()) + timedelta(days=service.REVIEW_DAYS)
    c.review_notified_at = None
    session.add(c)
    service.record(
        session,
        current_user,
        "chose to keep a lived-experience contribution for another year",
        service.CONTRIBUTION,
        c.id,
    )
    session.commit()
    flash(_("Kept. We will ask you again on %(day)s.", day=long_date(c.review_on)), "success")
    return redirect(url_for(".contribution", contribution_id=c.id))


@bp.route("/contributions/<contribution_id>/named-use", methods=["GET", "POST"])
@require("lived_experience.contribute")
@csrf_checked_by_form
def named_use(contribution_id: str) -> Any:
    c = _submitted_own_or_404(contribution_id)
    if c.visibility != PUBLIC:
        flash(
            _("Choose public use first: your name can only be used in public material you also agree to."),
            "info",
        )
        return redirect(url_for(".sharing", contribution_id=c.id))
    form = NamedUseForm()
    if form.validate_on_submit():
        session = get_session()
        session.add(
            LivedExperienceConsent(
                contribution_id=c.id,
                contributor_id=c.contributor_id,
                purpose=NAMED_USE,
                use_description=form.use_description.data.strip(),
                wording_version=WORDING_VERSION,
            )
        )
        service.record(
            session,
            current_user,
            "agreed to one named public use of a contribution",
            service.CONTRIBUTION,
            c.id,
        )
        session.commit()
        flash(_("Saved. Your name may be used in that one use only."), "success")
        return redirect(url_for(".contribution", contribution_id=c.id))
    return _render("lived_experience/named_use.html", form, contribution=c, wording=NAMED_USE_WORDING)


@bp.route("/contributions/<contribution_id>/named-use/<consent_id>/end", methods=["POST"])
@require("lived_experience.contribute")
def end_named_use(contribution_id: str, consent_id: str) -> Any:
    c = _own_or_404(contribution_id)
    session = get_session()
    consent = session.get(LivedExperienceConsent, consent_id)
    if consent is None or consent.contribution_id != c.id or consent.purpose != NAMED_USE:
        abort(404)
    if consent.ended_at is None:
        consent.ended_at, consent.ended_because = utcnow(), "withdrawn"
        session.add(consent)
        service.record(
            session, current_user, "withdrew agreement to a named public use", service.CONTRIBUTION, c.id
        )
        session.commit()
    flash(_("Your name will not be used for that any more."), "success")
    return redirect(url_for(".contribution", contribution_id=c.id))


# --- wellbeing ----------------------------------------------------------------------------------


@bp.route("/check-in", methods=["GET", "POST"])
@require("lived_experience.contribute")
@csrf_checked_by_form
def checkin() -> Any:
    form = CheckinForm()
    if form.validate_on_submit():
        session = get_session()
        request_ = LivedExperienceCheckin(
            user_id=current_user.id, how_to_reach=form.how_to_reach.data, when_suits=form.when_suits.data
        )
        session.add(request_)
        service.record(
            session,
            current_user,
            "asked for a wellbeing conversation",
            service.CHECKIN,
            request_.id,
            "a wellbeing check-in request",
        )
        with force_locale(locale_code(DEFAULT_LANGUAGE)):  # one text for every safeguarding lead
            notifications.send_to_role(
                "safeguarding_lead",
                _("Wellbeing check-in requested"),
                _(
                    "A member of staff asked for a wellbeing conversation. Open the check-in requests "
                    "to see who, and how they would like to talk."
                ),
                link=url_for(".checkins"),
                category="wellbeing",
                sensitive=True,
            )
        session.commit()
        flash(
            _(
                "Your request was sent to the safeguarding lead. They will get in touch the way you "
                "chose. They do not see what you have shared unless you show them."
            ),
            "success",
        )
        return redirect(url_for(".index"))
    return _render("lived_experience/checkin.html", form)


@bp.route("/check-ins")
@require("lived_experience.view_checkins")
def checkins() -> Any:
    session = get_session()
    query = (
        select(LivedExperienceCheckin)
        .where(col(LivedExperienceCheckin.closed_at).is_(None))
        .order_by(col(LivedExperienceCheckin.asked_at))
    )
    page = paginate(session, query, request.args.get("page", 1, type=int))
    people = (
        {u.id: u for u in session.exec(select(User).where(col(User.id).in_({r.user_id for r in page.items})))}
        if page.items
        else {}
    )
    return render_template("lived_experience/checkins.html", page=page, people=people, reach=REACH, when=WHEN)


@bp.route("/check-ins/<checkin_id>/close", methods=["POST"])
@require("lived_experience.view_checkins")
def close_checkin(checkin_id: str) -> Any:
    session = get_session()
    found = session.get(LivedExperienceCheckin, checkin_id)
    if found is None:
        abort(404)
    if found.closed_at is None:
        found.closed_at, found.closed_by_id = utcnow(), current_user.id
        session.add(found)
        service.record(
            session,
            current_user,
            "closed a wellbeing check-in request",
            service.CHECKIN,
            found.id,
            "a wellbeing check-in request",
        )
        session.commit()
    flash(_("Marked as done."), "success")
    return redirect(url_for(".checkins"))
