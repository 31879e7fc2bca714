"""Forms: each is a ``PortalForm``, so a failed CSRF check keeps what the person typed."""

from __future__ import annotations

from typing import Any

from coprod_portal.forms import DayField, PortalForm
from coprod_portal.i18n import _, _l
from flask import current_app
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import EmailField, RadioField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from .figures import today
from .models import BOARD

ROLES = {
    "chair": _l("Chair"),
    "vice_chair": _l("Vice-chair"),
    "treasurer": _l("Treasurer"),
    "trustee": _l("Trustee"),
    "member": _l("Committee member"),
    "co_opted": _l("Co-opted member"),
}
EVIDENCE = {
    "signed_form": _l("They signed our consent form"),
    "email": _l("They sent us an email"),
    "meeting": _l("They said so in a meeting, and it is in the minutes"),
}
CONSENT_WORDING_VERSION = "2027-01"


def body_choices() -> list[tuple[str, str]]:
    committees = current_app.config["PLUGIN_GOVERNANCE"]["committees"]
    return [(BOARD, _("Board of trustees"))] + [(name, name) for name in committees]


def _required_date(message: Any) -> Any:
    """Like DataRequired, but keeps the day field's own message when the date is not real."""

    def check(form: Any, field: Any) -> None:
        if field.data is None and not field.errors:
            raise ValidationError(message)

    return check


class SeatForm(PortalForm):
    body = RadioField(_l("Where is the seat?"), widget=GovRadioInput(),
                      validators=[DataRequired(_l("Select the board or the committee"))])
    role = RadioField(_l("Role"), widget=GovRadioInput(), choices=list(ROLES.items()),
                      validators=[DataRequired(_l("Select the person's role"))])
    starts_on = DayField(_l("Term starts"), description=_l("For example, 27 3 2027"),
                         validators=[_required_date(_l("Enter the date the term starts"))])
    ends_on = DayField(_l("Term ends (optional)"),
                       description=_l("Leave empty while the term has no set end"))
    submit = SubmitField(_l("Save"), widget=GovSubmitInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.body.choices = body_choices()

    def validate_ends_on(self, field: Any) -> None:
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The term must end on or after the day it starts"))


class PersonForm(SeatForm):
    name = StringField(_l("Full name"), widget=GovTextInput(), validators=[
        DataRequired(_l("Enter the person's full name")),
        Length(max=200, message=_l("Enter a name of 200 characters or fewer"))])
    email = EmailField(_l("Email address (optional)"), widget=GovTextInput(), validators=[
        Optional(), Email(_l("Enter an email address like name@example.org")), Length(max=254)],
        description=_l("Used only to find this record if the person asks what we hold about them."))


class ConsentForm(PortalForm):
    agreed = SelectMultipleField(_l("What has the person agreed to?"), widget=GovCheckboxesInput(), choices=[
        ("counted", _l("To be counted as a trustee with lived experience of using services")),
        ("publish", _l("To the board's figure being published, for example in our annual report")),
    ])
    given_on = DayField(_l("When did they give their consent?"), description=_l("For example, 27 3 2027"),
                        validators=[_required_date(_l("Enter the date they gave their consent"))])
    evidence = RadioField(_l("How did they give it?"), widget=GovRadioInput(), choices=list(EVIDENCE.items()),
                          validators=[DataRequired(_l("Select how they gave their consent"))])
    submit = SubmitField(_l("Save consent"), widget=GovSubmitInput())

    def validate_agreed(self, field: Any) -> None:
        if "counted" not in (field.data or []):
            raise ValidationError(
                _l("Select ‘to be counted’: without that consent nothing about lived experience is stored"))

    def validate_given_on(self, field: Any) -> None:
        if field.data and field.data > today():
            raise ValidationError(_l("The date they gave consent must be today or in the past"))


class BriefingForm(PortalForm):
    briefed_on = DayField(_l("When was the board told?"), description=_l("For example, 27 3 2027"),
                          validators=[_required_date(_l("Enter the date of the board meeting"))])
    note = TextAreaField(_l("What was the board told? (optional)"), widget=GovTextArea(), validators=[
        Length(max=500, message=_l("Enter 500 characters or fewer"))],
        description=_l("A line for the record. Do not write anything about a person's health or "
                       "circumstances."))
    submit = SubmitField(_l("Record briefing"), widget=GovSubmitInput())
