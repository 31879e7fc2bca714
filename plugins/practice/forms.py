"""Forms of the practice plugin: each a PortalForm, so a failed CSRF check keeps what was typed."""

from __future__ import annotations

import re
from typing import Any

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, EmailField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, ValidationError

from coprod_portal.forms import PortalForm
from coprod_portal.projects import RUNGS, stages

from .access import VISIBILITIES

TAG = re.compile(r"^[a-z][a-z0-9_]{0,39}(:[a-z][a-z0-9_]{0,39})?\.[a-z][a-z0-9_]{0,39}$")


def tag_list(text: str | None) -> list[str]:
    """Tags typed one a line, or separated by commas or spaces."""
    return [t for t in re.split(r"[\s,]+", text or "") if t]


def _tags_valid(form: Any, field: Any) -> None:
    wrong = [t for t in tag_list(field.data) if not TAG.match(t)]
    if wrong:
        raise ValidationError(
            f"‘{wrong[0][:60]}’ is not a checklist item reference. Write them like startup.payment: "
            "the section, a full stop, then the item"
        )


def _text(label: str, limit: int, description: str = "", required: str = "") -> TextAreaField:
    checks: list[Any] = [Length(max=limit, message=f"Enter {limit:,} characters or fewer")]
    if required:
        checks.insert(0, DataRequired(required))
    return TextAreaField(label, widget=GovTextArea(), description=description, validators=checks)


class ExampleForm(PortalForm):
    title = StringField("Title", widget=GovTextInput(), validators=[
        DataRequired("Enter a title"), Length(max=200, message="Enter 200 characters or fewer")])
    situation = _text("The situation", 4000, "What was happening, and why people wanted to change it.",
                      required="Describe the situation")
    who_involved = _text(
        "Who was involved", 2000,
        "Groups and roles, for example ‘four carers of people with dementia and two social workers’. "
        "Never write a person's name.", required="Say who was involved, by group or role")
    what_was_done = _text("What was done", 4000, required="Say what was done")
    stage = SelectField("Stage of the work", widget=GovSelect(), choices=[],
                        validators=[DataRequired("Select the stage of the work")])
    rung = SelectField("Rung of the ladder of co-production reached", widget=GovSelect(),
                       choices=[("", "Select a rung"), *RUNGS.items()],
                       validators=[DataRequired("Select the rung of the ladder reached")])
    what_changed = _text("What changed as a result", 4000, required="Say what changed as a result")
    what_was_hard = _text("What was hard (optional)", 4000)
    costs_and_payment = _text("Costs, and how people were paid (optional)", 2000)
    contact = StringField("Who to contact to learn more (optional)", widget=GovTextInput(),
                          description="A team or a role's e-mail address is best.",
                          validators=[Length(max=200, message="Enter 200 characters or fewer")])
    tags = _text("Checklist items this example shows (optional)", 1000,
                 "One a line, like startup.payment or design.presence.")
    easy_read = _text("Easy Read summary (optional)", 4000,
                      "Short sentences in plain words, for members who prefer Easy Read.")
    visibility = RadioField("Who may read it once it is published", widget=GovRadioInput(),
                            choices=list(VISIBILITIES.items()),
                            validators=[InputRequired("Select who may read it")])
    submit = SubmitField("Save", widget=GovSubmitInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stage.choices = [("", "Select a stage"), *((s, s.capitalize()) for s in stages())]

    def validate_tags(self, field: Any) -> None:
        _tags_valid(self, field)


class InviteForm(PortalForm):
    email = EmailField("E-mail address of their portal account", widget=GovTextInput(), validators=[
        DataRequired("Enter the e-mail address of their account"),
        Email("Enter an e-mail address like name@example.org"),
        Length(max=254, message="Enter 254 characters or fewer")])
    submit = SubmitField("Invite as co-author", widget=GovSubmitInput())


class SignOffForm(PortalForm):
    words = _text("Your part, in your own words", 4000,
                  "What you did and what it meant to you. This is shown with the example.",
                  required="Write your part in your own words")
    agree = BooleanField("I agree to this example being shared as its review decides, with my words in it",
                         widget=GovCheckboxInput(),
                         validators=[DataRequired("Tick the box to agree, or leave this page")])
    submit = SubmitField("Sign off", widget=GovSubmitInput())


REVIEW_CHOICES = [
    ("publish", "Publish it"),
    ("changes", "Ask for changes"),
    ("decline", "Decline it"),
]


class ReviewForm(PortalForm):
    decision = RadioField("Your decision", widget=GovRadioInput(), choices=REVIEW_CHOICES,
                          validators=[InputRequired("Select a decision")])
    note = _text("A note for the writers (needed to ask for changes or decline)", 2000)
    submit = SubmitField("Send decision", widget=GovSubmitInput())

    def validate_note(self, field: Any) -> None:
        if self.decision.data in ("changes", "decline") and not (field.data or "").strip():
            raise ValidationError("Write a note saying what to change, or why it is declined")


class FilterForm(PortalForm):
    """The list's filter, sent by GET: no CSRF token needed to read."""

    class Meta:
        csrf = False

    stage = SelectField("Stage", widget=GovSelect(), choices=[], validate_choice=False)
    tag = StringField("Checklist item", widget=GovTextInput(),
                      validators=[Length(max=100, message="Enter 100 characters or fewer")])
    submit = SubmitField("Filter", widget=GovSubmitInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stage.choices = [("", "Any stage"), *((s, s.capitalize()) for s in stages())]
