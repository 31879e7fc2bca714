"""Pages, all under /network, through the blueprint ``plugin_network``."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import func
from sqlmodel import col, select

from coprod_portal import accounts, audit, events, files
from coprod_portal.db import get_session, lock_for_update, utcnow
from coprod_portal.forms import csrf_checked_by_form
from coprod_portal.freshness import remembered_rows
from coprod_portal.i18n import _, in_english, long_date, money, ngettext
from coprod_portal.pages import paginate, wants_easy_read
from coprod_portal.permissions import can, ensure, require
from coprod_portal.projects import Project

from . import caps, importing, reading, reports, statement
from .forms import (
    CHOICES,
    CONSENT_WORDING_VERSION,
    CONTACT_BY,
    FORMATS,
    GROUPS,
    METHODS,
    MODES,
    PURPOSES,
    ROLES,
    STATUSES,
    WEEKDAYS,
    BudgetForm,
    CapsForm,
    ConsentForm,
    ExpenseForm,
    FeeForm,
    ImportForm,
    InvolvementForm,
    LinkAccountForm,
    MemberForm,
    RateForm,
    SensitiveForm,
)
from .models import (
    NetworkAccessNeeds,
    NetworkConsent,
    NetworkInvolvement,
    NetworkMember,
    NetworkMemberGroup,
    NetworkPayment,
    NetworkProjectBudget,
    NetworkRate,
)
from .service import (
    MEMBER_SUBJECT,
    PLUGIN,
    SPECIAL_SUBJECT,
    actor_label,
    consent_in_force,
    forget_special,
    link_member_to_account,
    member_for_user,
    record_involvement,
)

bp = Blueprint(
    "plugin_network", __name__, url_prefix="/network", template_folder="templates", static_folder="static"
)
RECEIPT_KINDS = ("pdf", "png", "jpeg")
RECEIPT_MAX_BYTES = 5 * 1024 * 1024
LABELS = {
    "roles": ROLES,
    "modes": MODES,
    "choices": CHOICES,
    "methods": METHODS,
    "statuses": STATUSES,
    "formats": FORMATS,
    "contact_by": CONTACT_BY,
    "groups": GROUPS,
    "purposes": PURPOSES,
    "weekdays": WEEKDAYS,
}


@bp.app_template_filter("pounds")
def _pounds(pence: int | None) -> str:
    """Money as the reader's language writes it (£1,234.50), or "no cap" when there is none."""
    return _("no cap") if pence is None else money(pence)


def _stored_pounds(pence: int | None) -> str:
    """Money as the audit log keeps it, in English whatever the page's language."""
    return "no cap" if pence is None else caps.pounds(pence)


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {"network_labels": LABELS}


def _record(action: str, member: NetworkMember, detail: str = "", subject_type: str = MEMBER_SUBJECT) -> None:
    audit.record(
        get_session(),
        current_user,
        action,
        subject_type,
        member.id,
        member.preferred_name,
        plugin=PLUGIN,
        detail=detail,
    )


MEMBER_ROLE = "network_member"
UNLINKED_SHOWN = 50  # accounts to link listed at once; the list says when more are waiting


def unlinked_member_accounts(limit: int = UNLINKED_SHOWN) -> list[Any]:
    """Active accounts with the network member role that no member record is linked to: each
    one's id, display name and email (remembered until an account, a role or a member changes).

    Their "My involvement" page can only explain what is missing, so the lead's list shows them
    with a way to link each one."""
    user, role = accounts.User, accounts.UserRole
    linked = select(NetworkMember.user_id).where(col(NetworkMember.user_id).is_not(None))
    return remembered_rows(get_session(), ("network.unlinked_accounts", limit), lambda: (
        select(user.id, user.display_name, user.email)
        .join(role, col(role.user_id) == col(user.id))
        .where(role.role == MEMBER_ROLE, col(user.active), col(user.id).not_in(linked))
        .order_by(col(user.display_name), col(user.id))
        .limit(limit)))


def _own_member_or_explain() -> NetworkMember:
    """The signed-in person's own member record, or (instead of the page) one saying what is missing.

    Not a refusal: the person may see their own pages, there is just nothing linked yet, and the
    page says who can link it. A form sent from such an account saves nothing, and says so."""
    member = member_for_user(get_session(), current_user)
    if member is None:
        page = render_template("network/no_record.html", sent=request.method == "POST")
        abort(make_response(page, 200))
    return member


def _member_or_404(member_id: str) -> NetworkMember:
    member = get_session().get(NetworkMember, member_id)
    if member is None:
        abort(404)
    return member


def _render(template: str, form: Any, **context: Any) -> Any:
    """A form page; 400 when it is shown again with errors, so nothing typed is lost."""
    return render_template(template, form=form, **context), 400 if form.errors else 200


def _form_page(form: Any, title: str, caption: str, back: str, **context: Any) -> Any:
    return _render("network/form.html", form, title=title, caption=caption, back=back, **context)


# --- the register ------------------------------------------------------------------------------


@bp.route("/")
@require("network.view_members")
def index() -> Any:
    status = request.args.get("status", "")
    # only what the list shows: rows of four columns cost a fraction of whole member records
    member = NetworkMember
    query = select(member.id, member.preferred_name, member.status, member.user_id).order_by(
        col(member.preferred_name), col(member.id))
    if status in STATUSES:
        query = query.where(NetworkMember.status == status)
    page = paginate(get_session(), query, request.args.get("page", 1, type=int))
    return render_template(
        "network/index.html",
        page=page,
        status=status,
        may_add=can(current_user, "network.manage_members"),
        may_pay=can(current_user, "network.manage_payments"),
        may_report=can(current_user, "network.view_reports"),
        may_rates=can(current_user, "network.manage_rates"),
        **_unlinked_context(),
    )


def _unlinked_context() -> dict[str, Any]:
    """The accounts waiting to be linked, for those who may link them, and whether more are waiting."""
    if not can(current_user, "network.manage_members"):
        return {"unlinked": [], "more_unlinked": False}
    waiting = unlinked_member_accounts(UNLINKED_SHOWN + 1)
    return {"unlinked": waiting[:UNLINKED_SHOWN], "more_unlinked": len(waiting) > UNLINKED_SHOWN}


@bp.route("/accounts/<user_id>/link", methods=["GET", "POST"])
@require("network.manage_members")
@csrf_checked_by_form
def link_account(user_id: str) -> Any:
    """Link an account with the member role to a member record, so its owner sees their own pages."""
    session = get_session()
    user = session.get(accounts.User, user_id)
    if user is None:
        abort(404)
    if MEMBER_ROLE not in user.role_names:
        return render_template("network/cannot_link.html", person=user), 404
    already = member_for_user(session, user)
    if already is not None:
        flash(_("%(person)s's account is already linked to %(member)s.", person=user.display_name,
                member=already.preferred_name), "info")
        return redirect(url_for(".member", member_id=already.id))
    form = LinkAccountForm()
    form.member_id.choices = [("", _("Choose a member record"))] + [
        (m.id, f"{m.preferred_name}" + (f" ({m.email})" if m.email else "")) for m in _unlinked_records()
    ]
    if form.validate_on_submit():
        chosen = form.member_id.data
        linked = link_member_to_account(session, chosen, user.id)
        member = session.get(NetworkMember, chosen) if linked else None
        if member is not None:
            _record("linked a portal account to a network member", member, user.email)
            session.commit()
            flash(_("%(person)s's account is now linked to %(member)s.", person=user.display_name,
                    member=member.preferred_name), "success")
            return redirect(url_for(".member", member_id=member.id))
        form.member_id.errors = [
            _("That record is already linked to another account, or no longer exists: choose another")
        ]
    return _form_page(
        form, _("Link %(person)s's account", person=user.display_name), _("Network"), url_for(".index"),
        intro=_("%(person)s (%(email)s) has the network member role, but no member record is linked to "
                "their account, so they cannot see their involvement, fees or caps. Choose their record, "
                "or add a new member record for them with this email address as their portal account.",
                person=user.display_name, email=user.email),
    )


def _unlinked_records() -> list[NetworkMember]:
    """Member records no account is linked to: the ones an account may be linked to."""
    return list(get_session().exec(
        select(NetworkMember).where(col(NetworkMember.user_id).is_(None))
        .order_by(col(NetworkMember.preferred_name), col(NetworkMember.id))
    ).all())


@bp.route("/members/new", methods=["GET", "POST"])
@require("network.manage_members")
@csrf_checked_by_form
def new_member() -> Any:
    form = MemberForm(data={"contact_by": "email", "preferred_format": "standard", "status": "applicant",
                            "account_email": request.args.get("account", "")[:254]})
    if _member_valid(form, None):
        member = NetworkMember(preferred_name="")
        _fill_member(member, form)
        session = get_session()
        session.add(member)
        session.flush()
        linked = f", linked to the portal account {form.account_email.data.strip()}" if member.user_id else ""
        _record("added a network member", member, in_english(STATUSES[member.status]) + linked)
        session.commit()
        flash(_("%(name)s was added to the network.", name=member.preferred_name), "success")
        return redirect(url_for(".member", member_id=member.id))
    return _form_page(form, _("Add a network member"), _("Network"), url_for(".index"))


@bp.route("/members/import", methods=["GET", "POST"])
@require("network.manage_members")
@csrf_checked_by_form
def import_members() -> Any:
    form = ImportForm()
    outcome = None
    if form.validate_on_submit():
        upload = form.upload.data
        text = form.rows.data or ""
        if upload and getattr(upload, "filename", ""):
            decoded = importing.decode(upload)
            if decoded is None:
                form.upload.errors = [_("The file must be a CSV file of up to 1 MB, saved as UTF-8")]
            else:
                text = decoded
        if not form.errors and not text.strip():
            form.upload.errors = [_("Choose a CSV file, or paste the rows")]
        if not form.errors:
            session = get_session()
            outcome = importing.check(session, text)
            form.rows.data = text  # shown again, so nothing is lost and the rows can be corrected here
            if outcome.file_problem:
                form.rows.errors = [outcome.file_problem]
            elif outcome.problems:
                lines = sorted({line for line, _, _ in outcome.problems})
                form.rows.errors = [
                    ngettext("Nothing was imported: correct line %(lines)s (listed below), then check again",
                             "Nothing was imported: correct lines %(lines)s (listed below), then check again",
                             len(lines), lines=", ".join(map(str, lines)))
                ]
            else:
                for member in outcome.members:
                    session.add(member)
                session.flush()
                for member in outcome.members:
                    _record("added a network member", member, "imported from a CSV file")
                session.commit()
                flash(ngettext("%(num)d member was added to the network.",
                               "%(num)d members were added to the network.", len(outcome.members)), "success")
                return redirect(url_for(".index"))
    return _render("network/import.html", form, outcome=outcome)


def _member_valid(form: MemberForm, member: NetworkMember | None) -> bool:
    """Every check at once, so every problem is shown on the first try."""
    valid = form.validate_on_submit()
    return request.method == "POST" and _member_form_ok(form, member) and valid


def _member_form_ok(form: MemberForm, member: NetworkMember | None) -> bool:
    """Checks that need the database: a duplicate email, an account that does not exist."""
    session = get_session()
    email = (form.email.data or "").strip().lower()
    if email:
        other = session.exec(select(NetworkMember).where(NetworkMember.email == email)).first()
        if other is not None and (member is None or other.id != member.id):
            form.email.errors = [_("%(name)s already has this email address in the register",
                                   name=other.preferred_name)]
    account = (form.account_email.data or "").strip()
    if account:
        user = accounts.user_by_email(session, account)
        if user is None:
            form.account_email.errors = [_("There is no portal account with this email address")]
        else:
            linked = session.exec(select(NetworkMember).where(NetworkMember.user_id == user.id)).first()
            if linked is not None and (member is None or linked.id != member.id):
                form.account_email.errors = [_("This account is already linked to %(name)s",
                                               name=linked.preferred_name)]
    return not form.errors


def _fill_member(member: NetworkMember, form: MemberForm) -> None:
    before_format = member.preferred_format or "standard"
    member.preferred_name = form.preferred_name.data.strip()
    member.email = (form.email.data or "").strip().lower() or None
    member.phone = (form.phone.data or "").strip()
    member.contact_by, member.preferred_format = form.contact_by.data, form.preferred_format.data
    member.status, member.status_reason = form.status.data, (form.status_reason.data or "").strip()
    account = (form.account_email.data or "").strip()
    user = accounts.user_by_email(get_session(), account) if account else None
    member.user_id = user.id if user else None
    member.updated_at = utcnow()
    reading.share_new_choice(get_session(), member, before_format)


@bp.route("/members/<member_id>")
@require("network.view_members")
def member(member_id: str) -> Any:
    member = _member_or_404(member_id)
    ensure("network.view_members", member)
    return _member_page(member, own=False)


def _member_page(member: NetworkMember, own: bool) -> Any:
    session = get_session()
    involvements = session.exec(
        select(NetworkInvolvement)
        .where(NetworkInvolvement.member_id == member.id)
        .order_by(col(NetworkInvolvement.starts_on).desc())
        .limit(100)
    ).all()
    may_pay = own or can(current_user, "network.manage_payments")
    payments = (
        session.exec(
            select(NetworkPayment)
            .where(NetworkPayment.member_id == member.id)
            .order_by(col(NetworkPayment.paid_on).desc())
            .limit(100)
        ).all()
        if may_pay
        else []
    )
    projects = _project_titles({i.project_id for i in involvements if i.project_id})
    consents = {purpose: consent_in_force(session, member.id, purpose) for purpose in PURPOSES}
    account = session.get(accounts.User, member.user_id) if member.user_id else None
    easy = own and wants_easy_read()
    return render_template(
        "network/easy/me.html" if easy else "network/member.html",
        easy=easy,
        today=date.today(),
        member=member,
        involvements=involvements,
        payments=payments,
        projects=projects,
        consents=consents,
        own=own,
        account=account,
        may_pay=may_pay and not own,
        may_manage=not own and can(current_user, "network.manage_members"),
        may_special=not own and can(current_user, "network.view_special"),
        may_involve=not own and can(current_user, "network.record_involvement"),
        receipts={p.receipt_file_id: files.url(p.receipt_file_id) for p in payments if p.receipt_file_id},
    )


def _project_titles(ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    return {p.id: p.title for p in get_session().exec(select(Project).where(col(Project.id).in_(ids)))}


@bp.route("/members/<member_id>/edit", methods=["GET", "POST"])
@require("network.manage_members")
@csrf_checked_by_form
def edit_member(member_id: str) -> Any:
    member = _member_or_404(member_id)
    ensure("network.manage_members", member)
    session = get_session()
    account = session.get(accounts.User, member.user_id) if member.user_id else None
    form = MemberForm(obj=member, data={"account_email": account.email if account else ""})
    if _member_valid(form, member):
        _fill_member(member, form)
        session.add(member)
        _record("changed a network member's details", member, in_english(STATUSES[member.status]))
        session.commit()
        flash(_("The member's details were saved."), "success")
        return redirect(url_for(".member", member_id=member.id))
    return _form_page(
        form, _("Change %(name)s's details", name=member.preferred_name), _("Network"),
        url_for(".member", member_id=member.id)
    )


# --- special-category data: groups and access needs ----------------------------------------------


@bp.route("/members/<member_id>/private", methods=["GET", "POST"])
@require("network.view_special")
@csrf_checked_by_form
def private(member_id: str) -> Any:
    member = _member_or_404(member_id)
    ensure("network.view_special", member)
    session = get_session()
    groups = [
        row.group
        for row in session.exec(select(NetworkMemberGroup).where(NetworkMemberGroup.member_id == member.id))
    ]
    needs = session.get(NetworkAccessNeeds, member.id)
    consents = {p: consent_in_force(session, member.id, p) for p in ("groups", "access_needs")}
    form = SensitiveForm(data={"groups": groups, "access_needs": needs.text if needs else ""})
    if form.validate_on_submit():
        if form.groups.data and consents["groups"] is None:
            form.groups.errors = [
                _("Record the member's consent to keep their groups first: without it "
                  "nothing about their groups is stored")
            ]
        if (form.access_needs.data or "").strip() and consents["access_needs"] is None:
            form.access_needs.errors = [
                _("Record the member's consent to keep their access needs first: "
                  "without it nothing about their access needs is stored")
            ]
        if not form.errors:
            _save_special(member, form, needs)
            flash(_("Groups and access needs were saved."), "success")
            return redirect(url_for(".member", member_id=member.id))
    else:
        _record("read groups and access needs", member, subject_type=SPECIAL_SUBJECT)
        session.commit()
    return _render("network/private.html", form, member=member, consents=consents)


def _save_special(member: NetworkMember, form: SensitiveForm, needs: NetworkAccessNeeds | None) -> None:
    session = get_session()
    forget_special(session, member.id, "groups")
    session.flush()
    for group in form.groups.data or []:
        session.add(NetworkMemberGroup(member_id=member.id, group=group))
    text = (form.access_needs.data or "").strip()
    if text:
        needs = needs or NetworkAccessNeeds(member_id=member.id, text=text)
        needs.text, needs.updated_at = text, utcnow()
        session.add(needs)
    elif needs is not None:
        session.delete(needs)
    _record("changed groups and access needs", member, subject_type=SPECIAL_SUBJECT)
    session.commit()


@bp.route("/members/<member_id>/consent", methods=["GET", "POST"])
@require("network.manage_members")
@csrf_checked_by_form
def consent(member_id: str) -> Any:
    member = _member_or_404(member_id)
    ensure("network.manage_members", member)
    form = ConsentForm(purpose=request.args.get("purpose"))
    if form.validate_on_submit():
        if form.on.data > date.today():
            form.on.errors = [_("The date they decided must be today or in the past")]
        else:
            session = get_session()
            given = form.given.data == "yes"
            session.add(
                NetworkConsent(
                    member_id=member.id,
                    purpose=form.purpose.data,
                    given=given,
                    on=form.on.data,
                    wording_version=CONSENT_WORDING_VERSION,
                    recorded_by=actor_label(current_user),
                )
            )
            deleted = not given and forget_special(session, member.id, form.purpose.data)
            _record(
                "recorded consent" if given else "recorded that consent was refused or withdrawn",
                member,
                f"{form.purpose.data}, wording {CONSENT_WORDING_VERSION}",
                subject_type=SPECIAL_SUBJECT if form.purpose.data != "contact" else MEMBER_SUBJECT,
            )
            session.commit()
            if given:
                flash(_("Consent was recorded."), "success")
            elif deleted:
                flash(_("Consent was recorded as not given. What it covered was deleted."), "success")
            else:
                flash(_("Consent was recorded as not given."), "success")
            return redirect(url_for(".member", member_id=member.id))
    return _form_page(
        form,
        _("Record consent for %(name)s", name=member.preferred_name),
        _("Network"),
        url_for(".member", member_id=member.id),
        intro=_("Consent wording version %(version)s. Refusing or withdrawing consent to keep groups or "
                "access needs deletes them at once.", version=CONSENT_WORDING_VERSION),
    )


# --- caps: set by the member, or by the lead with them ----------------------------------------------


@bp.route("/members/<member_id>/caps", methods=["GET", "POST"])
@require("network.manage_members")
@csrf_checked_by_form
def member_caps(member_id: str) -> Any:
    member = _member_or_404(member_id)
    ensure("network.manage_members", member)
    return _caps_page(member, url_for(".member", member_id=member.id))


@bp.route("/me/caps", methods=["GET", "POST"])
@require("network.set_own_caps")
@csrf_checked_by_form
def my_caps() -> Any:
    return _caps_page(_own_member_or_explain(), url_for(".me"))


def _caps_page(member: NetworkMember, back: str) -> Any:
    form = CapsForm(
        data={
            "weekly_cap": member.weekly_cap_pence,
            "week_starts": member.week_starts,
            "period_cap": member.period_cap_pence,
            "period_start_day": str(member.period_start_day or ""),
            "hours_cap": f"{member.hours_cap:g}" if member.hours_cap is not None else "",
        }
    )
    if form.validate_on_submit():
        member.weekly_cap_pence, member.period_cap_pence = form.weekly_cap.pence, form.period_cap.pence
        member.week_starts = form.week_starts.data or 0
        member.period_start_day = form.start_day if form.period_cap.pence is not None else None
        member.hours_cap = form.hours
        member.caps_updated_at, member.caps_updated_by = utcnow(), actor_label(current_user)
        get_session().add(member)
        _record(
            "changed benefit-safe caps",
            member,
            f"week {_stored_pounds(member.weekly_cap_pence)}, "
            f"period {_stored_pounds(member.period_cap_pence)}, "
            f"hours {member.hours_cap if member.hours_cap is not None else 'no cap'}",
        )
        get_session().commit()
        flash(_("The caps were saved. We check every fee against them before it is approved."), "success")
        return redirect(back)
    return _render("network/caps.html", form, member=member, back=back, rates=current_rates())


def current_rates(on: date | None = None) -> list[NetworkRate]:
    """For each rate, the row in force on ``on`` (today): the latest with effective_from on or before it."""
    on = on or date.today()
    latest: dict[str, NetworkRate] = {}
    for rate in get_session().exec(
        select(NetworkRate).where(NetworkRate.effective_from <= on).order_by(col(NetworkRate.effective_from))
    ):
        latest[rate.key] = rate
    return sorted(latest.values(), key=lambda r: (r.window, r.amount_pence))


# --- involvement ------------------------------------------------------------------------------------


def _project_choices() -> list[tuple[str, str]]:
    projects = (
        get_session()
        .exec(select(Project).where(Project.stage != "closed").order_by(col(Project.title)).limit(500))
        .all()
    )
    return [("", _("Not part of a project"))] + [(p.id, p.title) for p in projects]


@bp.route("/members/<member_id>/involvements/new", methods=["GET", "POST"])
@require("network.record_involvement")
@csrf_checked_by_form
def new_involvement(member_id: str) -> Any:
    member = _member_or_404(member_id)
    ensure("network.record_involvement", member)
    form = InvolvementForm(project_id=request.args.get("project_id", ""))
    form.project_id.choices = _project_choices()
    warning = None
    if form.validate_on_submit():
        hours, prep = form.total_hours
        session = get_session()
        lock_for_update(session, NetworkMember, member.id)  # one hours check at a time per member
        over = caps.hours_over(session, member, form.starts_on.data, hours + prep)
        if over and not form.hours_cap_agreed.data:
            already, first, last = over
            warning = _(
                "%(name)s chose to do at most %(cap)s hours in a week. %(already)s hours are already "
                "recorded for %(first)s to %(last)s, so this would make %(total)s.",
                name=member.preferred_name, cap=format(member.hours_cap, "g"), already=format(already, "g"),
                first=caps.day_and_month(first), last=long_date(last),
                total=format(already + hours + prep, "g"),
            )
            form.hours.errors = [
                _("%(warning)s Check with them, then tick the box below to record it anyway.",
                  warning=warning)
            ]
        else:
            record_involvement(
                session,
                current_user,
                member,
                project_id=form.project_id.data or None,
                role=form.role.data,
                starts_on=form.starts_on.data,
                ends_on=form.ends_on.data,
                hours=hours,
                preparation_hours=prep,
                mode=form.mode.data,
                note=(form.note.data or "").strip(),
                hours_cap_agreed=bool(over and form.hours_cap_agreed.data),
            )
            events.commit(session)
            flash(_("The involvement was recorded."), "success")
            return redirect(url_for(".member", member_id=member.id))
    return _form_page(
        form,
        _("Record involvement for %(name)s", name=member.preferred_name),
        _("Network"),
        url_for(".member", member_id=member.id),
        show_agreement=warning is not None,
    )


@bp.route("/involvements/pending")
@require("network.manage_payments")
def pending() -> Any:
    query = (
        select(NetworkInvolvement)
        .where(NetworkInvolvement.status == "pending")
        .order_by(col(NetworkInvolvement.starts_on), col(NetworkInvolvement.id))
    )
    page = paginate(get_session(), query, request.args.get("page", 1, type=int))
    members = (
        {
            m.id: m
            for m in get_session().exec(
                select(NetworkMember).where(col(NetworkMember.id).in_({i.member_id for i in page.items}))
            )
        }
        if page.items
        else {}
    )
    return render_template(
        "network/pending.html",
        page=page,
        members=members,
        projects=_project_titles({i.project_id for i in page.items if i.project_id}),
    )


# --- fees: offered, then the member's choice, checked against their caps by payment date -----------


@bp.route("/involvements/<involvement_id>/fee", methods=["GET", "POST"])
@require("network.manage_payments")
@csrf_checked_by_form
def fee(involvement_id: str) -> Any:
    session = get_session()
    involvement = session.get(NetworkInvolvement, involvement_id)
    if involvement is None:
        abort(404)
    member = _member_or_404(involvement.member_id)
    ensure("network.manage_payments", member)
    form = FeeForm(data={"choice": "full", "method": "bank"})
    breaches: list[caps.Breach] = []
    if form.validate_on_submit():
        breaches = _check_caps(form, member, None)
        if not breaches:
            payment = NetworkPayment(
                member_id=member.id,
                involvement_id=involvement.id,
                kind="fee",
                paid_on=form.paid_on.data,
                recorded_by=actor_label(current_user),
            )
            _fill_fee(payment, form)
            session.add(payment)
            was_pending = involvement.status == "pending"
            involvement.status = "confirmed"
            session.add(involvement)
            _record(
                "approved a fee",
                member,
                f"{in_english(CHOICES[payment.choice])}: {caps.pounds(payment.amount_pence)} "
                f"paid on {payment.paid_on.isoformat()}"
                + (" (priced a pending involvement)" if was_pending else ""),
            )
            session.commit()
            flash(_("The fee was approved: %(fee)s.", fee=_fee_sentence(payment)), "success")
            return redirect(url_for(".member", member_id=member.id))
    return _render(
        "network/fee.html",
        form,
        member=member,
        involvement=involvement,
        breaches=breaches,
        payment=None,
        project=session.get(Project, involvement.project_id) if involvement.project_id else None,
        room=caps.room(
            session, member, form.paid_on.data if isinstance(form.paid_on.data, date) else date.today()
        ),
    )


def _check_caps(form: FeeForm, member: NetworkMember, payment: NetworkPayment | None) -> list[caps.Breach]:
    """Block the fee (as a field error, so nothing typed is lost) when a cap would be crossed.

    The member's record stays locked until the fee is saved, so two fees approved at the same moment
    for the same week are checked one after the other, never both against the same total.
    """
    lock_for_update(get_session(), NetworkMember, member.id)
    breaches = caps.fee_breaches(
        get_session(),
        member,
        form.paid_on.data,
        form.received_pence(),
        leave_out=payment.id if payment else None,
    )
    if breaches:
        field = form.amount if form.choice.data == "reduced" else form.offered
        fits = min(b.fits for b in breaches)
        field.errors = [
            _("%(breaches)s Reduce it to %(fits)s or less, move the payment date, decline it or donate it.",
              breaches=" ".join(b.sentence for b in breaches), fits=money(fits))
        ]
    return breaches


def _fill_fee(payment: NetworkPayment, form: FeeForm) -> None:
    payment.offered_pence = form.offered.pence or 0
    payment.choice = form.choice.data
    payment.amount_pence = form.received_pence()
    payment.charity = (form.charity.data or "").strip() if payment.choice == "donated" else ""
    payment.paid_on, payment.method = form.paid_on.data, form.method.data
    payment.status, payment.updated_at = "approved", utcnow()


def _fee_sentence(payment: NetworkPayment) -> str:
    if payment.choice == "declined":
        return _("%(amount)s offered and declined", amount=money(payment.offered_pence))
    if payment.choice == "donated":
        return _("%(amount)s donated to %(charity)s", amount=money(payment.offered_pence),
                 charity=payment.charity)
    return _("%(amount)s to be paid on %(day)s", amount=money(payment.amount_pence),
             day=long_date(payment.paid_on))


@bp.route("/payments/<payment_id>/edit", methods=["GET", "POST"])
@require("network.manage_payments")
@csrf_checked_by_form
def edit_fee(payment_id: str) -> Any:
    session = get_session()
    payment = session.get(NetworkPayment, payment_id)
    if payment is None or payment.kind != "fee":
        abort(404)
    member = _member_or_404(payment.member_id)
    ensure("network.manage_payments", member)
    form = FeeForm(
        data={
            "offered": payment.offered_pence,
            "choice": payment.choice,
            "amount": payment.amount_pence if payment.choice == "reduced" else None,
            "charity": payment.charity,
            "paid_on": payment.paid_on,
            "method": payment.method,
        }
    )
    breaches: list[caps.Breach] = []
    if form.validate_on_submit():
        breaches = _check_caps(form, member, payment)
        if not breaches:
            _fill_fee(payment, form)
            session.add(payment)
            _record(
                "changed a fee",
                member,
                f"{in_english(CHOICES[payment.choice])}: {caps.pounds(payment.amount_pence)} "
                f"paid on {payment.paid_on.isoformat()}",
            )
            session.commit()
            flash(_("The fee was changed: %(fee)s.", fee=_fee_sentence(payment)), "success")
            return redirect(url_for(".member", member_id=member.id))
    involvement = session.get(NetworkInvolvement, payment.involvement_id) if payment.involvement_id else None
    return _render(
        "network/fee.html",
        form,
        member=member,
        involvement=involvement,
        breaches=breaches,
        payment=payment,
        project=None,
        room=caps.room(
            session, member, form.paid_on.data if isinstance(form.paid_on.data, date) else payment.paid_on
        ),
    )


@bp.route("/payments/<payment_id>/cancel", methods=["POST"])
@require("network.manage_payments")
def cancel_payment(payment_id: str) -> Any:
    session = get_session()
    payment = session.get(NetworkPayment, payment_id)
    if payment is None:
        abort(404)
    member = _member_or_404(payment.member_id)
    ensure("network.manage_payments", member)
    if payment.status != "cancelled":
        payment.status, payment.updated_at = "cancelled", utcnow()
        session.add(payment)
        _record(
            f"cancelled {'a fee' if payment.kind == 'fee' else 'an expense'}",
            member,
            f"{caps.pounds(payment.amount_pence)} that was to be paid on {payment.paid_on.isoformat()}",
        )
        session.commit()
    flash(_("The payment was cancelled. It no longer counts towards any cap."), "success")
    return redirect(url_for(".member", member_id=member.id))


# --- expenses: separate, never earnings ------------------------------------------------------------


@bp.route("/members/<member_id>/expenses/new", methods=["GET", "POST"])
@require("network.manage_payments")
@csrf_checked_by_form
def new_expense(member_id: str) -> Any:
    member = _member_or_404(member_id)
    ensure("network.manage_payments", member)
    form = ExpenseForm()
    if form.validate_on_submit():
        session = get_session()
        payment = NetworkPayment(
            member_id=member.id,
            kind="expense",
            offered_pence=form.amount.pence or 0,
            amount_pence=form.amount.pence or 0,
            choice="full",
            paid_on=form.paid_on.data,
            in_advance=bool(form.in_advance.data),
            description=form.description.data.strip(),
            recorded_by=actor_label(current_user),
        )
        upload = form.receipt.data
        try:
            if upload and getattr(upload, "filename", ""):
                stored = files.save_upload(
                    upload,
                    plugin=PLUGIN,
                    purpose="receipt",
                    allowed=RECEIPT_KINDS,
                    max_bytes=RECEIPT_MAX_BYTES,
                    subject_ref=f"network:payment:{payment.id}",
                )
                payment.receipt_file_id = stored.id
        except files.UploadRefused as refusal:
            form.receipt.errors = [refusal.message]
        else:
            session.add(payment)
            _record(
                "recorded an expense",
                member,
                f"{caps.pounds(payment.amount_pence)} paid on "
                f"{payment.paid_on.isoformat()}" + (", with a receipt" if payment.receipt_file_id else ""),
            )
            session.commit()
            flash(_("The expense was recorded. Expenses never count towards a member's caps."), "success")
            return redirect(url_for(".member", member_id=member.id))
    return _form_page(
        form,
        _("Record an expense for %(name)s", name=member.preferred_name),
        _("Network"),
        url_for(".member", member_id=member.id),
        files=True,
        intro=_("Expenses are kept apart from fees: they are not earnings and never count "
                "towards the member's caps. Pay in advance where you can."),
    )


# --- project budgets ------------------------------------------------------------------------------


@bp.route("/projects/<project_id>/budget", methods=["GET", "POST"])
@require("network.manage_payments")
@csrf_checked_by_form
def budget(project_id: str) -> Any:
    session = get_session()
    project = session.get(Project, project_id)
    if project is None:
        abort(404)
    ensure("projects.view", project)
    row = session.get(NetworkProjectBudget, project.id)
    form = BudgetForm(
        data={"fees": row.fees_pence, "expenses": row.expenses_pence, "access": row.access_pence}
        if row
        else {}
    )
    if form.validate_on_submit():
        row = row or NetworkProjectBudget(project_id=project.id)
        row.fees_pence, row.expenses_pence = form.fees.pence or 0, form.expenses.pence or 0
        row.access_pence = form.access.pence or 0
        row.updated_by, row.updated_at = actor_label(current_user), utcnow()
        session.add(row)
        audit.record(
            session,
            current_user,
            "set the budget for paying people",
            "project",
            project.id,
            project.title,
            plugin=PLUGIN,
            detail=f"fees {caps.pounds(row.fees_pence)}, expenses {caps.pounds(row.expenses_pence)}, "
            f"access {caps.pounds(row.access_pence)}",
        )
        session.commit()
        flash(_("The budget for paying people was saved."), "success")
        return redirect(url_for("projects.view", project_id=project.id))
    return _form_page(
        form,
        _("Budget for paying people"),
        project.title,
        url_for("projects.view", project_id=project.id),
        intro=_("What this project sets aside for involvement fees, expenses and access costs."),
    )


# --- reports -------------------------------------------------------------------------------------


def _year() -> int:
    year = request.args.get("year", type=int) or reports.current_year_start().year
    return min(max(year, 2000), 2100)


@bp.route("/reports")
@require("network.view_reports")
def report() -> Any:
    year = _year()
    report = reports.year_report(get_session(), year)
    charts = reports.report_charts(report)
    return render_template("network/report.html", report=report, year=year, charts=charts)


@bp.route("/reports/involvement-<int:year>.csv")
@require("network.view_reports")
def report_csv(year: int) -> Any:
    session = get_session()
    audit.record(
        session,
        current_user,
        "downloaded the involvement report",
        "report",
        str(year),
        f"Involvement {year}/{(year + 1) % 100:02d}",
        plugin=PLUGIN,
    )
    session.commit()
    return reports.csv_response(reports.year_report(session, year), year)


# --- rates ---------------------------------------------------------------------------------------


@bp.route("/rates", methods=["GET", "POST"])
@require("network.manage_rates")
@csrf_checked_by_form
def rates() -> Any:
    session = get_session()
    form = RateForm()
    if form.validate_on_submit():
        rate = NetworkRate(
            key=form.key.data.strip(),
            label=form.label.data.strip(),
            amount_pence=form.amount.pence or 0,
            window=form.window.data,
            effective_from=form.effective_from.data,
            source_url=form.source_url.data.strip(),
            basis=(form.basis.data or "").strip(),
            recorded_by=actor_label(current_user),
        )
        session.add(rate)
        audit.record(
            session,
            current_user,
            "added a rate",
            "network_rate",
            rate.id,
            rate.label,
            plugin=PLUGIN,
            detail=f"{caps.pounds(rate.amount_pence)} a {rate.window} from {rate.effective_from}",
        )
        session.commit()
        flash(_("The rate was added. Members see it as an example from the date it applies."), "success")
        return redirect(url_for(".rates"))
    every = session.exec(
        select(NetworkRate).order_by(col(NetworkRate.key), col(NetworkRate.effective_from).desc())
    ).all()
    return _render("network/rates.html", form, rates=every, current={r.id for r in current_rates()})


# --- a member's own pages -------------------------------------------------------------------------


@bp.route("/me")
@require("network.view_own")
def me() -> Any:
    return _member_page(_own_member_or_explain(), own=True)


def _statement_page(member: NetworkMember, own: bool) -> Any:
    year = request.args.get("year", type=int) or reports.current_year_start().year
    year = min(max(year, 2000), 2100)
    easy = own and wants_easy_read()
    return render_template(
        "network/easy/statement.html" if easy else "network/statement.html",
        easy=easy,
        statement=statement.statement(get_session(), member, year),
        year=year,
        own=own,
        endpoint=".my_statement" if own else ".member_statement",
        args={} if own else {"member_id": member.id},
    )


@bp.route("/me/statement")
@require("network.view_own")
def my_statement() -> Any:
    member = _own_member_or_explain()
    return _statement_page(member, own=True)


@bp.route("/members/<member_id>/statement")
@require("network.manage_payments")
def member_statement(member_id: str) -> Any:
    member = _member_or_404(member_id)
    ensure("network.manage_payments", member)
    return _statement_page(member, own=False)


def _letter_page(member: NetworkMember, own: bool) -> Any:
    session = get_session()
    facts = statement.letter(session, member, request.args.get("months", 3, type=int))
    audit.record(
        session,
        current_user,
        "printed a letter for Jobcentre Plus or the UC journal",
        MEMBER_SUBJECT,
        member.id,
        member.preferred_name,
        plugin=PLUGIN,
        detail=f"covering {facts.months} months to {facts.written_on.isoformat()}",
    )
    session.commit()
    return render_template(
        "network/letter.html",
        letter=facts,
        own=own,
        easy=own and wants_easy_read(),
        signer=None if own else actor_label(current_user),
        endpoint=".my_letter" if own else ".member_letter",
        args={} if own else {"member_id": member.id},
        month_choices=statement.LETTER_MONTHS,
    )


@bp.route("/me/letter")
@require("network.view_own")
def my_letter() -> Any:
    member = _own_member_or_explain()
    return _letter_page(member, own=True)


@bp.route("/members/<member_id>/letter")
@require("network.manage_payments")
def member_letter(member_id: str) -> Any:
    member = _member_or_404(member_id)
    ensure("network.manage_payments", member)
    return _letter_page(member, own=False)


def project_panel(project: Project, user: Any) -> Markup:
    """The "Network involvement" panel on a project's page (shown to those who may see payments)."""
    session = get_session()
    rows = session.exec(
        select(NetworkInvolvement, NetworkMember)
        .join(NetworkMember, col(NetworkMember.id) == NetworkInvolvement.member_id)
        .where(NetworkInvolvement.project_id == project.id, NetworkInvolvement.status != "cancelled")
        .order_by(col(NetworkInvolvement.starts_on))
    ).all()
    fees: dict[str, int] = {}
    if rows:  # summed in the database: a busy project has hundreds of payments
        fees = {
            involvement_id: int(total)
            for involvement_id, total in session.exec(
                select(NetworkPayment.involvement_id, func.sum(NetworkPayment.amount_pence))
                .where(
                    col(NetworkPayment.involvement_id).in_([i.id for i, _ in rows]),
                    NetworkPayment.status == "approved",
                )
                .group_by(NetworkPayment.involvement_id)
            )
            if involvement_id
        }
    return Markup(
        render_template(
            "network/_project_panel.html",
            project=project,
            rows=rows,
            fees=fees,
            budget=session.get(NetworkProjectBudget, project.id),
            network_labels=LABELS,
            may_pay=can(user, "network.manage_payments"),
        )
    )
