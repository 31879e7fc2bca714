"""Forms: each a PortalForm, so a failed CSRF check keeps what the person typed."""

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
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from coprod_portal.forms import DayField, PortalForm
from coprod_portal.i18n import _l
from coprod_portal.projects import stages

from .checklist import RUNGS, evidence_lines, evidence_problem

STATUS_CHOICES = [
    ("yes", _l("Yes, this is done")),
    ("not_applicable", _l("Not applicable to this project (say why)")),
    ("not_yet", _l("Not yet")),
]
KINDS = [
    ("", _l("A yes or ‘not applicable’ answer")),
    ("first_stage", _l("Also asks for the stage at which people are first involved")),
    ("planned_rung", _l("Also asks for the planned rung of the ladder")),
]
KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class AnswerForm(PortalForm):
    status = RadioField(
        _l("Is this done?"),
        widget=GovRadioInput(),
        choices=STATUS_CHOICES,
        validators=[DataRequired(_l("Select whether this is done, not applicable, or not yet"))],
    )
    value = SelectField("Answer", widget=GovSelect(), choices=[], validate_choice=False)
    reason = TextAreaField(
        _l("Why is it not applicable? (needed for ‘not applicable’)"),
        widget=GovTextArea(),
        validators=[Length(max=2000, message=_l("Enter 2,000 characters or fewer"))],
    )
    notes = TextAreaField(
        _l("Notes (optional)"),
        widget=GovTextArea(),
        validators=[Length(max=4000, message=_l("Enter 4,000 characters or fewer"))],
    )
    evidence = TextAreaField(
        _l("Evidence (optional)"),
        widget=GovTextArea(),
        description=_l("One a line: a web address (https://…), a page of this portal (/…), or a reference "
                       "to another record such as lived_experience:contribution:<id>."),
        validators=[Length(max=4000, message=_l("Enter 4,000 characters or fewer"))],
    )
    owner_email = EmailField(
        _l("Who is responsible? (optional)"),
        widget=GovTextInput(),
        description=_l("The email address of a person with a portal account."),
        validators=[Optional(), Email(_l("Enter an email address like name@example.org"))],
    )
    due_on = DayField(_l("Due date (optional)"), description=_l("For example, 27 3 2027"))
    submit = SubmitField(_l("Save answer"), widget=GovSubmitInput())

    def __init__(self, *args: Any, kind: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        if kind == "first_stage":
            self.value.label.text = _l("At which stage are people first involved?")
            self.value.choices = [("", _l("Choose a stage"))] + [(s, s.capitalize()) for s in stages()]
        elif kind == "planned_rung":
            self.value.label.text = _l("Which rung of the ladder do you plan to reach?")
            self.value.choices = [("", _l("Choose a rung"))] + list(RUNGS.items())

    def validate_reason(self, field: Any) -> None:
        if self.status.data == "not_applicable" and not (field.data or "").strip():
            raise ValidationError(
                _l("Explain why this is not applicable: ‘not applicable’ needs a written reason")
            )

    def validate_value(self, field: Any) -> None:
        if not self.kind:
            return
        allowed = [value for value, _ in self.value.choices if value]
        if field.data and field.data not in allowed:
            raise ValidationError(_l("Choose one of the options in the list"))
        if self.status.data == "yes" and not field.data:
            raise ValidationError(_l("Choose the stage") if self.kind == "first_stage"
                                  else _l("Choose the rung"))

    def validate_evidence(self, field: Any) -> None:
        for line in evidence_lines(field.data or ""):
            problem = evidence_problem(line)
            if problem:
                raise ValidationError(problem)


class SectionForm(PortalForm):
    key = StringField(
        _l("Short name"),
        widget=GovTextInput(),
        description=_l("Lower-case letters, digits and _, for example start_up. Used in reports."),
        validators=[DataRequired(_l("Enter a short name"))],
    )
    title = StringField(
        _l("Title"),
        widget=GovTextInput(),
        validators=[
            DataRequired(_l("Enter the section's title")),
            Length(max=200, message=_l("Enter 200 characters or fewer")),
        ],
    )
    stage = RadioField(
        _l("To complete before the project moves past which stage?"),
        widget=GovRadioInput(),
        validators=[DataRequired(_l("Select the stage"))],
    )
    submit = SubmitField(_l("Save section"), widget=GovSubmitInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stage.choices = [(s, s.capitalize()) for s in stages()]

    def validate_key(self, field: Any) -> None:
        if not KEY.match(field.data or ""):
            raise ValidationError(_l("Use lower-case letters, digits and _ only, starting with a letter"))


class ItemForm(PortalForm):
    key = StringField(
        _l("Short name"),
        widget=GovTextInput(),
        description=_l("Lower-case letters, digits and _, for example budget."),
        validators=[DataRequired(_l("Enter a short name"))],
    )
    text = TextAreaField(
        _l("The question or statement"),
        widget=GovTextArea(),
        validators=[
            DataRequired(_l("Enter the item's text")),
            Length(max=500, message=_l("Enter 500 characters or fewer")),
        ],
    )
    hint = TextAreaField(
        _l("Help text (optional)"),
        widget=GovTextArea(),
        validators=[Length(max=1000, message=_l("Enter 1,000 characters or fewer"))],
    )
    kind = RadioField(
        _l("What does the item ask?"), widget=GovRadioInput(), choices=KINDS, default="",
        validators=[Optional()],
    )
    submit = SubmitField(_l("Save item"), widget=GovSubmitInput())

    def validate_key(self, field: Any) -> None:
        if not KEY.match(field.data or ""):
            raise ValidationError(_l("Use lower-case letters, digits and _ only, starting with a letter"))


class DraftForm(PortalForm):
    note = StringField(
        _l("What will change in this version?"),
        widget=GovTextInput(),
        validators=[
            DataRequired(_l("Say what will change, so people know why there is a new version")),
            Length(max=500, message=_l("Enter 500 characters or fewer")),
        ],
    )
    submit = SubmitField(_l("Start a new draft version"), widget=GovSubmitInput())


class RungForm(PortalForm):
    rung = RadioField(
        _l("Which rung of the ladder of co-production?"),
        widget=GovRadioInput(),
        choices=list(RUNGS.items()),
        validators=[DataRequired(_l("Select a rung of the ladder"))],
    )
    comment = TextAreaField(
        _l("Anything you want to add? (optional)"),
        widget=GovTextArea(),
        validators=[Length(max=2000, message=_l("Enter 2,000 characters or fewer"))],
    )
    submit = SubmitField(_l("Save"), widget=GovSubmitInput())


class FeedbackForm(PortalForm):
    you_said = TextAreaField(
        _l("You said: what did members tell us?"),
        widget=GovTextArea(),
        validators=[
            DataRequired(_l("Enter what members said")),
            Length(max=2000, message=_l("Enter 2,000 characters or fewer")),
        ],
    )
    changed = RadioField(
        _l("Did we change something?"),
        widget=GovRadioInput(),
        choices=[("yes", _l("Yes, we changed something")), ("no", _l("No, we could not, and we say why"))],
        validators=[DataRequired(_l("Select whether we changed something"))],
    )
    we_did = TextAreaField(
        _l("We did: what changed, or why it could not"),
        widget=GovTextArea(),
        validators=[
            DataRequired(_l("Enter what we did, or why we could not change it")),
            Length(max=2000, message=_l("Enter 2,000 characters or fewer")),
        ],
    )
    publish = BooleanField(_l("Publish it to the network now"), widget=GovCheckboxInput())
    submit = SubmitField(_l("Save entry"), widget=GovSubmitInput())


class IdeaForm(PortalForm):
    title = StringField(
        _l("Your idea in a few words"),
        widget=GovTextInput(),
        validators=[
            DataRequired(_l("Enter your idea in a few words")),
            Length(max=200, message=_l("Enter 200 characters or fewer")),
        ],
    )
    description = TextAreaField(
        _l("Tell us more"),
        widget=GovTextArea(),
        validators=[
            DataRequired(_l("Tell us more about your idea")),
            Length(max=4000, message=_l("Enter 4,000 characters or fewer")),
        ],
    )
    on_behalf_of = StringField(
        _l("Are you sending this for someone else? (optional)"),
        widget=GovTextInput(),
        description=_l("If you are a supporter, write the person's first name or "
                       "‘a member of our group’. Leave empty if it is your own idea."),
        validators=[Length(max=200, message=_l("Enter 200 characters or fewer"))],
    )
    anonymous = BooleanField(_l("Do not show my name with this idea"), widget=GovCheckboxInput())
    submit = SubmitField(_l("Send idea"), widget=GovSubmitInput())


IDEA_STATUSES = {
    "received": _l("Received"),
    "discussed": _l("Discussed"),
    "adopted": _l("Adopted as a project"),
    "not_taken_forward": _l("Not taken forward"),
}


class IdeaStatusForm(PortalForm):
    status = RadioField(
        _l("Status"),
        widget=GovRadioInput(),
        choices=list(IDEA_STATUSES.items()),
        validators=[DataRequired(_l("Select the idea's status"))],
    )
    reason = TextAreaField(
        _l("Reason or note for the person who sent it"),
        widget=GovTextArea(),
        validators=[Length(max=2000, message=_l("Enter 2,000 characters or fewer"))],
    )
    project_id = SelectField(
        _l("Project it became (for ‘adopted’)"), widget=GovSelect(), choices=[], validate_choice=False
    )
    submit = SubmitField(_l("Save status"), widget=GovSubmitInput())

    def validate_reason(self, field: Any) -> None:
        if self.status.data == "not_taken_forward" and not (field.data or "").strip():
            raise ValidationError(
                _l("Explain why the idea is not taken forward: the person who sent it will see it")
            )

    def validate_project_id(self, field: Any) -> None:
        allowed = [value for value, _ in field.choices if value]
        if self.status.data == "adopted" and field.data not in allowed:
            raise ValidationError(_l("Choose the project the idea became"))
