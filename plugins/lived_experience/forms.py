"""Forms: each is a ``PortalForm``, so a failed CSRF check keeps everything the person typed."""

from __future__ import annotations

import re
from typing import Any

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, RadioField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from coprod_portal.forms import PortalForm

from .access import ORDER, VISIBILITY

CONTENT_NOTE_KINDS = {
    "mental_health": "Mental health crisis or distress",
    "self_harm": "Self-harm or suicidal feelings",
    "abuse": "Abuse, violence or trauma",
    "bereavement": "Death or bereavement",
    "substances": "Alcohol or drug use",
    "eating": "Eating difficulties",
    "restraint": "Detention, restraint or coercion",
}
REACH = {
    "phone": "A phone call",
    "video": "A video call",
    "in_person": "In person, somewhere private",
    "inbox": "A message in my portal inbox first",
}
WHEN = {"soon": "As soon as possible", "this_week": "In the next week", "no_rush": "There is no rush"}
MAX_TEXT = 10_000


def visibility_choices() -> list[tuple[str, str]]:
    return [(key, VISIBILITY[key][0]) for key in ORDER]


class OptInForm(PortalForm):
    understood = BooleanField(
        "I have read this. I want to take part, and I know I can stop at any time.",
        widget=GovCheckboxInput(),
        validators=[
            DataRequired(
                "Tick the box if you want to take part. You do not have to: "
                "nothing changes at work if you do not"
            )
        ],
    )
    submit = SubmitField("Take part", widget=GovSubmitInput())


class ContributionForm(PortalForm):
    narrative = TextAreaField(
        "Your experience",
        widget=GovTextArea(),
        validators=[
            InputRequired(
                "Write about your experience, or leave this page: nothing is saved until you send it"
            ),
            Length(
                max=MAX_TEXT,
                message=f"Write {MAX_TEXT:,} characters or fewer. "
                "Share the parts that matter most for this work",
            ),
        ],
    )
    topics = StringField(
        "What could it inform? (optional)",
        widget=GovTextInput(),
        validators=[Length(max=300, message="Write 300 characters or fewer")],
        description="Topics or kinds of work, for example ‘carers’ assessments’ or ‘first contact’.",
    )
    projects = SelectMultipleField(
        "Projects it may inform (optional)", widget=GovCheckboxesInput(), choices=[], validate_choice=True
    )
    distressing = RadioField(
        "Does it touch on subjects some people may find distressing?",
        widget=GovRadioInput(),
        choices=[("yes", "Yes"), ("no", "No")],
        validators=[
            InputRequired(
                "Select yes if your experience touches on distressing subjects, or no if it does not"
            )
        ],
    )
    note_kinds = SelectMultipleField(
        "What does it touch on?", widget=GovCheckboxesInput(), choices=list(CONTENT_NOTE_KINDS.items())
    )
    note_text = StringField(
        "Anything else readers should know first? (optional)",
        widget=GovTextInput(),
        validators=[Length(max=200, message="Write 200 characters or fewer")],
    )
    pseudonym = StringField(
        "Your pseudonym",
        widget=GovTextInput(),
        validators=[
            InputRequired("Enter a pseudonym, or keep the one we suggested"),
            Length(max=40, message="Enter a pseudonym of 40 characters or fewer"),
        ],
        description="Shown instead of your name. Do not use your initials, team, role, place or "
        "anything that could point to you.",
    )
    visibility = RadioField(
        "Who can read it?",
        widget=GovRadioInput(),
        default=ORDER[0],
        validators=[InputRequired("Select who can read your contribution")],
    )
    consent = BooleanField(
        "I agree to what is written above for the option I chose", widget=GovCheckboxInput()
    )
    submit = SubmitField("Send my contribution", widget=GovSubmitInput())

    def __init__(
        self,
        *args: Any,
        contributor_name: str = "",
        projects: list[tuple[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.visibility.choices = visibility_choices()
        self.projects.choices = projects or []
        self.contributor_name = contributor_name

    def validate_narrative(self, field: Any) -> None:
        if not (field.data or "").strip():
            raise ValidationError(
                "Write about your experience, or leave this page: nothing is saved until you send it"
            )

    def validate_note_kinds(self, field: Any) -> None:
        if self.distressing.data == "yes" and not field.data and not (self.note_text.data or "").strip():
            raise ValidationError(
                "Select what your experience touches on, or describe it in a few "
                "words, so readers can choose whether to read it"
            )

    def validate_pseudonym(self, field: Any) -> None:
        problem = pseudonym_problem(field.data or "", self.contributor_name)
        if problem:
            raise ValidationError(problem)

    def validate_consent(self, field: Any) -> None:
        if not field.data:
            raise ValidationError(
                "Tick the box to agree to how your contribution will be shared, "
                "or choose a more private option. Nothing you wrote is lost"
            )


class VisibilityForm(PortalForm):
    visibility = RadioField(
        "Who can read it?",
        widget=GovRadioInput(),
        validators=[InputRequired("Select who can read your contribution")],
    )
    consent = BooleanField(
        "I agree to what is written above for the option I chose", widget=GovCheckboxInput()
    )
    submit = SubmitField("Save who can read it", widget=GovSubmitInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.visibility.choices = visibility_choices()

    def validate_consent(self, field: Any) -> None:
        if not field.data:
            raise ValidationError("Tick the box to agree to the new option. Until you do, nothing changes")


class NamedUseForm(PortalForm):
    use_description = StringField(
        "Which use is this for?",
        widget=GovTextInput(),
        validators=[
            InputRequired("Describe the one use your name may appear in"),
            Length(max=200, message="Write 200 characters or fewer"),
        ],
        description="For example, ‘a quote in the 2027 annual report’.",
    )
    consent = BooleanField(
        "I agree that my name may appear with this contribution in this one use, and nowhere else",
        widget=GovCheckboxInput(),
        validators=[DataRequired("Tick the box to agree, or go back: your name is not used without it")],
    )
    submit = SubmitField("Agree to this use", widget=GovSubmitInput())


REVIEW_DECISIONS = {
    "accepted": "Accept it for co-production work",
    "changes_requested": "Ask for changes",
    "declined": "Decline it, kindly",
}


class ReviewForm(PortalForm):
    decision = RadioField(
        "Your decision",
        widget=GovRadioInput(),
        choices=list(REVIEW_DECISIONS.items()),
        validators=[InputRequired("Select whether to accept it, ask for changes or decline it")],
    )
    note = TextAreaField(
        "A note for the person who shared it",
        widget=GovTextArea(),
        description="They see this note on their contribution's page. Thank them, and when you ask "
        "for changes or decline, say why kindly and what they could do.",
        validators=[Length(max=2000, message="Write 2,000 characters or fewer")],
    )
    public_wording = TextAreaField(
        "Wording for public use",
        widget=GovTextArea(),
        description="The exact words you would use in public. The contributor must approve them "
        "before any public use.",
        validators=[Length(max=MAX_TEXT, message=f"Write {MAX_TEXT:,} characters or fewer")],
    )
    submit = SubmitField("Save review", widget=GovSubmitInput())

    def __init__(self, *args: Any, public: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.public = public

    def validate_note(self, field: Any) -> None:
        if self.decision.data in ("changes_requested", "declined") and not (field.data or "").strip():
            raise ValidationError(
                "Write a note saying what to change"
                if self.decision.data == "changes_requested"
                else "Write a kind note saying why you are declining it"
            )

    def validate_public_wording(self, field: Any) -> None:
        if self.public and self.decision.data == "accepted" and not (field.data or "").strip():
            raise ValidationError(
                "Enter the wording for public use: the contributor chose public use, and must "
                "approve the exact words first"
            )


class CheckinForm(PortalForm):
    how_to_reach = RadioField(
        "How would you like to talk?",
        widget=GovRadioInput(),
        choices=list(REACH.items()),
        validators=[InputRequired("Select how you would like to talk")],
    )
    when_suits = RadioField(
        "When?",
        widget=GovRadioInput(),
        choices=list(WHEN.items()),
        validators=[InputRequired("Select when you would like to talk")],
    )
    submit = SubmitField("Ask for a conversation", widget=GovSubmitInput())


_WORD = re.compile(r"[a-z]+")


def pseudonym_problem(pseudonym: str, real_name: str) -> str | None:
    """Why a pseudonym could point to the person, or None."""
    text = pseudonym.strip()
    if not text:
        return "Enter a pseudonym, or keep the one we suggested"
    if any(ch.isdigit() for ch in text) or "@" in text:
        return "Use a pseudonym without numbers or e-mail addresses: they can point to you"
    words = set(_WORD.findall(text.lower()))
    name_words = {w for w in _WORD.findall(real_name.lower()) if len(w) > 1}
    if words & name_words:
        return "Choose a pseudonym that does not include any part of your real name"
    if words & {"team", "ward", "service", "office", "manager", "nurse", "worker", "group", "unit"}:
        return "Leave your team, role or workplace out of your pseudonym: they can point to you"
    return None
