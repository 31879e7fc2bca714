"""Forms: each is a ``PortalForm``, so a failed CSRF check keeps what the person typed."""

from __future__ import annotations

from typing import Any

from coprod_portal.forms import DayField, PortalForm
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
    "chair": "Chair",
    "vice_chair": "Vice-chair",
    "treasurer": "Treasurer",
    "trustee": "Trustee",
    "member": "Committee member",
    "co_opted": "Co-opted member",
}
EVIDENCE = {
    "signed_form": "They signed our consent form",
    "email": "They sent us an email",
    "meeting": "They said so in a meeting, and it is in the minutes",
}
CONSENT_WORDING_VERSION = "2027-01"


def body_choices() -> list[tuple[str, str]]:
    committees = current_app.config["PLUGIN_GOVERNANCE"]["committees"]
    return [(BOARD, "Board of trustees")] + [(name, name) for name in committees]


def _required_date(message: str) -> Any:
    """Like DataRequired, but keeps the day field's own message when the date is not real."""

    def check(form: Any, field: Any) -> None:
        if field.data is None and not field.errors:
            raise ValidationError(message)

    return check


class SeatForm(PortalForm):
    body = RadioField("Where is the seat?", widget=GovRadioInput(),
                      validators=[DataRequired("Select the board or the committee")])
    role = RadioField("Role", widget=GovRadioInput(), choices=list(ROLES.items()),
                      validators=[DataRequired("Select the person's role")])
    starts_on = DayField("Term starts", description="For example, 27 3 2027",
                         validators=[_required_date("Enter the date the term starts")])
    ends_on = DayField("Term ends (optional)", description="Leave empty while the term has no set end")
    submit = SubmitField("Save", widget=GovSubmitInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.body.choices = body_choices()

    def validate_ends_on(self, field: Any) -> None:
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError("The term must end on or after the day it starts")


class PersonForm(SeatForm):
    name = StringField("Full name", widget=GovTextInput(), validators=[
        DataRequired("Enter the person's full name"),
        Length(max=200, message="Enter a name of 200 characters or fewer")])
    email = EmailField("Email address (optional)", widget=GovTextInput(), validators=[
        Optional(), Email("Enter an email address like name@example.org"), Length(max=254)],
        description="Used only to find this record if the person asks what we hold about them.")


class ConsentForm(PortalForm):
    agreed = SelectMultipleField("What has the person agreed to?", widget=GovCheckboxesInput(), choices=[
        ("counted", "To be counted as a trustee with lived experience of using services"),
        ("publish", "To the board's figure being published, for example in our annual report"),
    ])
    given_on = DayField("When did they give their consent?", description="For example, 27 3 2027",
                        validators=[_required_date("Enter the date they gave their consent")])
    evidence = RadioField("How did they give it?", widget=GovRadioInput(), choices=list(EVIDENCE.items()),
                          validators=[DataRequired("Select how they gave their consent")])
    submit = SubmitField("Save consent", widget=GovSubmitInput())

    def validate_agreed(self, field: Any) -> None:
        if "counted" not in (field.data or []):
            raise ValidationError(
                "Select ‘to be counted’: without that consent nothing about lived experience is stored")

    def validate_given_on(self, field: Any) -> None:
        if field.data and field.data > today():
            raise ValidationError("The date they gave consent must be today or in the past")


class BriefingForm(PortalForm):
    briefed_on = DayField("When was the board told?", description="For example, 27 3 2027",
                          validators=[_required_date("Enter the date of the board meeting")])
    note = TextAreaField("What was the board told? (optional)", widget=GovTextArea(), validators=[
        Length(max=500, message="Enter 500 characters or fewer")],
        description="A line for the record. Do not write anything about a person's health or circumstances.")
    submit = SubmitField("Record briefing", widget=GovSubmitInput())
