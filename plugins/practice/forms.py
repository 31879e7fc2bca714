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
from coprod_portal.i18n import _, _l
from coprod_portal.projects import RUNGS, stages

from .access import VISIBILITIES

TAG = re.compile(r"^[a-z][a-z0-9_]{0,39}(:[a-z][a-z0-9_]{0,39})?\.[a-z][a-z0-9_]{0,39}$")


# "Enter 4,000 characters or fewer", one message a limit (the number written as the language writes it)
TOO_LONG = {
    4000: _l("Enter 4,000 characters or fewer"),
    2000: _l("Enter 2,000 characters or fewer"),
    1000: _l("Enter 1,000 characters or fewer"),
}


def tag_list(text: str | None) -> list[str]:
    """Tags typed one a line, or separated by commas or spaces."""
    return [t for t in re.split(r"[\s,]+", text or "") if t]


def _tags_valid(form: Any, field: Any) -> None:
    wrong = [t for t in tag_list(field.data) if not TAG.match(t)]
    if wrong:
        raise ValidationError(_(
            "‘%(tag)s’ is not a checklist item reference. Write them like startup.payment: "
            "the section, a full stop, then the item", tag=wrong[0][:60]))


def _text(label: Any, limit: int, description: Any = "", required: Any = "") -> TextAreaField:
    checks: list[Any] = [Length(max=limit, message=TOO_LONG[limit])]
    if required:
        checks.insert(0, DataRequired(required))
    return TextAreaField(label, widget=GovTextArea(), description=description, validators=checks)


class ExampleForm(PortalForm):
    title = StringField(_l("Title"), widget=GovTextInput(), validators=[
        DataRequired(_l("Enter a title")), Length(max=200, message=_l("Enter 200 characters or fewer"))])
    situation = _text(_l("The situation"), 4000,
                      _l("What was happening, and why people wanted to change it."),
                      required=_l("Describe the situation"))
    who_involved = _text(
        _l("Who was involved"), 2000,
        _l("Groups and roles, for example ‘four carers of people with dementia and two social workers’. "
           "Never write a person's name."), required=_l("Say who was involved, by group or role"))
    what_was_done = _text(_l("What was done"), 4000, required=_l("Say what was done"))
    stage = SelectField(_l("Stage of the work"), widget=GovSelect(), choices=[],
                        validators=[DataRequired(_l("Select the stage of the work"))])
    rung = SelectField(_l("Rung of the ladder of co-production reached"), widget=GovSelect(),
                       choices=[("", _l("Select a rung")), *RUNGS.items()],
                       validators=[DataRequired(_l("Select the rung of the ladder reached"))])
    what_changed = _text(_l("What changed as a result"), 4000, required=_l("Say what changed as a result"))
    what_was_hard = _text(_l("What was hard (optional)"), 4000)
    costs_and_payment = _text(_l("Costs, and how people were paid (optional)"), 2000)
    contact = StringField(_l("Who to contact to learn more (optional)"), widget=GovTextInput(),
                          description=_l("A team or a role's e-mail address is best."),
                          validators=[Length(max=200, message=_l("Enter 200 characters or fewer"))])
    tags = _text(_l("Checklist items this example shows (optional)"), 1000,
                 _l("One a line, like startup.payment or design.presence."))
    easy_read = _text(_l("Easy Read summary (optional)"), 4000,
                      _l("Short sentences in plain words, for members who prefer Easy Read."))
    visibility = RadioField(_l("Who may read it once it is published"), widget=GovRadioInput(),
                            choices=list(VISIBILITIES.items()),
                            validators=[InputRequired(_l("Select who may read it"))])
    submit = SubmitField(_l("Save"), widget=GovSubmitInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stage.choices = [("", _l("Select a stage")), *((s, s.capitalize()) for s in stages())]

    def validate_tags(self, field: Any) -> None:
        _tags_valid(self, field)


class InviteForm(PortalForm):
    email = EmailField(_l("E-mail address of their portal account"), widget=GovTextInput(), validators=[
        DataRequired(_l("Enter the e-mail address of their account")),
        Email(_l("Enter an e-mail address like name@example.org")),
        Length(max=254, message=_l("Enter 254 characters or fewer"))])
    submit = SubmitField(_l("Invite as co-author"), widget=GovSubmitInput())


class SignOffForm(PortalForm):
    words = _text(_l("Your part, in your own words"), 4000,
                  _l("What you did and what it meant to you. This is shown with the example."),
                  required=_l("Write your part in your own words"))
    agree = BooleanField(_l("I agree to this example being shared as its review decides, with my words in "
                            "it"),
                         widget=GovCheckboxInput(),
                         validators=[DataRequired(_l("Tick the box to agree, or leave this page"))])
    submit = SubmitField(_l("Sign off"), widget=GovSubmitInput())


REVIEW_CHOICES = [
    ("publish", _l("Publish it")),
    ("changes", _l("Ask for changes")),
    ("decline", _l("Decline it")),
]


class ReviewForm(PortalForm):
    decision = RadioField(_l("Your decision"), widget=GovRadioInput(), choices=REVIEW_CHOICES,
                          validators=[InputRequired(_l("Select a decision"))])
    note = _text(_l("A note for the writers (needed to ask for changes or decline)"), 2000)
    submit = SubmitField(_l("Send decision"), widget=GovSubmitInput())

    def validate_note(self, field: Any) -> None:
        if self.decision.data in ("changes", "decline") and not (field.data or "").strip():
            raise ValidationError(_l("Write a note saying what to change, or why it is declined"))


class FilterForm(PortalForm):
    """The list's filter, sent by GET: no CSRF token needed to read."""

    class Meta:
        csrf = False

    stage = SelectField(_l("Stage"), widget=GovSelect(), choices=[], validate_choice=False)
    tag = StringField(_l("Checklist item"), widget=GovTextInput(),
                      validators=[Length(max=100, message=_l("Enter 100 characters or fewer"))])
    submit = SubmitField(_l("Filter"), widget=GovSubmitInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stage.choices = [("", _l("Any stage")), *((s, s.capitalize()) for s in stages())]
