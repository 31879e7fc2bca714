"""The base form every portal form uses.

Its CSRF check happens inside validation, so a form that fails it is shown again with
everything the person typed (except passwords) and a plain explanation, rather than an
error page that loses their work.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovDateInput
from wtforms import DateField

from .i18n import _, _l

CSRF_MESSAGE = _l(
    "This form was open for a long time or was sent from another page, so nothing was saved. "
    "Check your answers below and send the form again."
)


class PortalForm(FlaskForm):
    """A Flask-WTF form whose CSRF failure is a friendly, recoverable error."""

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if "csrf_token" in self.errors:
            self.csrf_token.errors = [CSRF_MESSAGE]
        return valid

    def error_summary(self) -> list[dict[str, str]]:
        """Items for govukErrorSummary: each links to its field (CSRF links to the form)."""
        items = []
        for field in self:
            for message in field.errors:
                href = "#main-content" if field.name == "csrf_token" else f"#{field.id}"
                if isinstance(field, DayField):
                    href = f"#{field.name}-day"
                items.append({"text": message, "href": href})
        return items


def csrf_checked_by_form(view: Any) -> Any:
    """Mark a view whose POST always validates a PortalForm (which checks CSRF itself).

    Every other POST is checked before the view runs and refused with a 400 page.
    """
    view.csrf_checked_by_form = True
    return view


class DayField(DateField):
    """A date typed as day, month and year boxes (GOV.UK date input).

    Accepts single-digit days and months, and treats three empty boxes as no answer. A
    request that does not send exactly three parts is refused as a form error, not a crash.
    """

    def __init__(self, label: str | None = None, validators: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("widget", GovDateInput())
        kwargs.setdefault("format", "%d %m %Y")
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist:
            self.raw_data = None
            return
        if len(valuelist) != 3:
            self.raw_data = None
            self.data = None
            raise ValueError(_("Enter the date as a day, a month and a year"))
        if not any(part.strip() for part in valuelist):
            self.data = None
            return
        try:
            super().process_formdata([" ".join(part.strip() for part in valuelist)])
        except ValueError as exc:
            raise ValueError(_("Enter a real date, for example 27 3 2027")) from exc


# --- GOV.UK Frontend's own texts, in the reader's language ---------------------------------------
# The GOV.UK macros write a few English words of their own unless given others (the hidden
# "Error:" before an error message, the password input's "Show" button, the character count's
# messages, the date input's "Day", "Month" and "Year"). Every form field the portal draws passes
# through ``govuk_texts``, so each of them is given in the language of the page.


def _password_texts() -> dict[str, Any]:
    return {"showPasswordText": _("Show"), "hidePasswordText": _("Hide"),
            "showPasswordAriaLabelText": _("Show password"),
            "hidePasswordAriaLabelText": _("Hide password"),
            "passwordShownAnnouncementText": _("Your password is visible"),
            "passwordHiddenAnnouncementText": _("Your password is hidden")}


def _character_count_texts() -> dict[str, Any]:
    # %{count} is filled in by GOV.UK Frontend's script as the person types
    return {"charactersUnderLimitText": {"one": _("You have %{count} character remaining"),
                                         "other": _("You have %{count} characters remaining")},
            "charactersAtLimitText": _("You have 0 characters remaining"),
            "charactersOverLimitText": {"one": _("You have %{count} character too many"),
                                        "other": _("You have %{count} characters too many")},
            "wordsUnderLimitText": {"one": _("You have %{count} word remaining"),
                                    "other": _("You have %{count} words remaining")},
            "wordsAtLimitText": _("You have 0 words remaining"),
            "wordsOverLimitText": {"one": _("You have %{count} word too many"),
                                   "other": _("You have %{count} words too many")}}


def _date_texts(params: dict[str, Any]) -> dict[str, Any]:
    names = {"Day": _("Day"), "Month": _("Month"), "Year": _("Year")}
    for item in params.get("items") or []:
        if isinstance(item, dict) and str(item.get("label")) in names:
            item["label"] = names[str(item["label"])]
    return {}


_COMPONENT_TEXTS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "password": lambda params: _password_texts(),
    "character-count": lambda params: {
        **_character_count_texts(),
        "textareaDescriptionText": _("You can enter up to %{count} words") if params.get("maxwords")
        else _("You can enter up to %{count} characters")},
    "date": _date_texts,
    "file-upload": lambda params: {
        "chooseFilesButtonText": _("Choose file"), "noFileChosenText": _("No file chosen"),
        "multipleFilesChosenText": {"one": _("%{count} file chosen"),
                                    "other": _("%{count} files chosen")},
        "dropInstructionText": _("or drop file"), "enteredDropZoneText": _("Entered drop zone"),
        "leftDropZoneText": _("Left drop zone")},
}


def _plain(value: Any) -> Any:
    """Lazy texts (``_l``) made plain strings. A lazy text tells Jinja it is already HTML, so a
    label or hint such as "a reference like contribution:<id>" would lose its "<id>"; as a plain
    string it is escaped where the macro shows ``text``, and kept as written under ``html``."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_plain(item) for item in value)
    return str(value) if isinstance(value, LazyString) else value


def govuk_texts(params: dict[str, Any], component: str = "") -> dict[str, Any]:
    """``params`` for a GOV.UK macro, with its built-in English texts given in the page's
    language wherever the form left them out (what a form sets itself is kept)."""
    given = _plain(params)
    error = given.get("errorMessage")
    if isinstance(error, dict) and "visuallyHiddenText" not in error:
        given["errorMessage"] = {**error, "visuallyHiddenText": _("Error")}
    for key, value in _COMPONENT_TEXTS.get(component, lambda params: {})(given).items():
        given.setdefault(key, value)
    return given


def init_app(app: Flask) -> None:
    """Templates give GOV.UK components their texts through ``govuk_texts``, in the page's language."""
    app.jinja_env.globals["govuk_texts"] = govuk_texts
