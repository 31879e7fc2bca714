"""The inbox (/inbox) and each person's contact preferences (/account/preferences).

Everyone sees only their own notifications and preferences: another person's notification
is "not found", whoever asks, so its existence is not revealed either.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput
from wtforms import RadioField, SubmitField
from wtforms.validators import AnyOf, InputRequired, Optional

from . import auth, i18n, mail, notifications
from .db import get_session
from .forms import PortalForm, csrf_checked_by_form
from .i18n import LANGUAGES, _, _l, ngettext
from .notifications import FORMATS, Notification
from .pages import paginate
from .permissions import require

bp = Blueprint("inbox", __name__, url_prefix="/inbox")
preferences_bp = Blueprint("preferences", __name__, url_prefix="/account/preferences")
PAGE_SIZE = 20

EMAIL_MESSAGE = _l("Select whether you want e-mails about new messages")
FORMAT_MESSAGE = _l("Select the format you want messages in")
SIGN_IN_MESSAGE = _l("Select how you want to sign in")
LANGUAGE_MESSAGE = _l("Select the language you want the portal in")
SIGN_IN_METHODS: dict[str, tuple[Any, Any]] = {
    "either": (_l("Either"), _l("A password or a link, whichever suits you that day.")),
    "password": (_l("With a password"), _l("Your email address and password.")),
    "link": (_l("With a link sent by e-mail"),
             _l("No password: we e-mail you a link that works for 15 minutes.")),
}


class PreferencesForm(PortalForm):
    email = RadioField(
        _l("Do you want an e-mail when you get a new message?"), widget=GovRadioInput(),
        choices=[("yes", _l("Yes")), ("no", _l("No, I will check my inbox in the portal"))],
        validate_choice=False,
        validators=[InputRequired(EMAIL_MESSAGE), AnyOf(["yes", "no"], message=EMAIL_MESSAGE)])
    format = RadioField(
        _l("Which format do you want messages in?"), widget=GovRadioInput(),
        choices=[(key, label) for key, (label, _hint) in FORMATS.items()],
        validate_choice=False,
        validators=[InputRequired(FORMAT_MESSAGE), AnyOf(list(FORMATS), message=FORMAT_MESSAGE)])
    sign_in = RadioField(
        _l("How do you want to sign in?"), widget=GovRadioInput(),
        choices=[(key, label) for key, (label, _hint) in SIGN_IN_METHODS.items()],
        validate_choice=False,
        validators=[InputRequired(SIGN_IN_MESSAGE), AnyOf(list(SIGN_IN_METHODS), message=SIGN_IN_MESSAGE)])
    # each language's name is written in that language (LANGUAGES), so it is not translated; a
    # form sent without it (an older page, a script) leaves the language as it was
    language = RadioField(
        _l("Language"), widget=GovRadioInput(), choices=list(LANGUAGES.items()), validate_choice=False,
        validators=[Optional(), AnyOf(list(LANGUAGES), message=LANGUAGE_MESSAGE)])
    submit = SubmitField(_l("Save preferences"), widget=GovSubmitInput())


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.register_blueprint(preferences_bp)


def _mine_or_404(notification_id: str) -> Notification:
    note = get_session().get(Notification, notification_id)
    if note is None or note.user_id != current_user.id:
        abort(404)
    return note


@bp.route("")
@require("inbox.use")
def index() -> Any:
    session = get_session()
    page = paginate(session, notifications.inbox_query(current_user.id),
                    request.args.get("page", 1, type=int), PAGE_SIZE)
    return render_template("inbox/list.html", page=page,
                           unread=notifications.unread_count(session, current_user.id))


@bp.route("/<notification_id>")
@require("inbox.use")
def view(notification_id: str) -> Any:
    note = _mine_or_404(notification_id)
    session = get_session()
    fmt = notifications.preference(session, current_user.id).format
    notifications.mark_read(session, note)
    session.commit()
    return render_template("inbox/view.html", note=note, text=notifications.text_for(note, fmt),
                           easy_read_shown=fmt == "easy_read" and bool(note.easy_read))


@bp.route("/read-all", methods=["POST"])
@require("inbox.use")
def read_all() -> Any:
    session = get_session()
    count = notifications.mark_all_read(session, current_user.id)
    session.commit()
    if count:
        flash(ngettext("%(num)d message marked as read.", "%(num)d messages marked as read.", count),
              "success")
    else:
        flash(_("You had no unread messages."), "info")
    return redirect(url_for("inbox.index"))


@preferences_bp.route("", methods=["GET", "POST"])
@require("inbox.use")
@csrf_checked_by_form
def edit() -> Any:
    """Contact preferences, and for people who may use sign-in links, how they sign in."""
    session = get_session()
    current = notifications.preference(session, current_user.id)
    form = PreferencesForm(data={"email": "yes" if current.email else "no", "format": current.format,
                                 "sign_in": current_user.sign_in_method,
                                 "language": i18n.language()})
    links = auth.sign_in_links_allowed(current_user)
    if not links:
        del form.sign_in  # a choice they could not use would only confuse
    if form.validate_on_submit():
        notifications.set_preference(session, current_user.id, form.email.data == "yes", form.format.data)
        if links:
            current_user.sign_in_method = form.sign_in.data
        if form.language.data:
            current_user.language = form.language.data
            i18n.remember_language(form.language.data)  # this browser too, after signing out
        session.add(current_user)
        session.commit()
        flash(_("Your contact preferences are saved."), "success")
        return redirect(url_for("preferences.edit"))
    hints = [{"hint": {"text": hint}} for _label, hint in FORMATS.values()]
    sign_in_hints = [{"hint": {"text": hint}} for _label, hint in SIGN_IN_METHODS.values()]
    # each language's name is marked as being in that language, for screen readers (WCAG 3.1.2)
    language_items = [{"label": {"attributes": {"lang": code, "translate": "no"}}} for code in LANGUAGES]
    return render_template("inbox/preferences.html", form=form, format_hints=hints,
                           sign_in_hints=sign_in_hints, links=links, language_items=language_items,
                           mail_on=mail.settings(current_app) is not None), 400 if form.errors else 200
