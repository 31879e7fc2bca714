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
from coprod_portal.i18n import _, _l

from .access import ORDER, VISIBILITY

CONTENT_NOTE_KINDS = {
    "mental_health": _l("Mental health crisis or distress"),
    "self_harm": _l("Self-harm or suicidal feelings"),
    "abuse": _l("Abuse, violence or trauma"),
    "bereavement": _l("Death or bereavement"),
    "substances": _l("Alcohol or drug use"),
    "eating": _l("Eating difficulties"),
    "restraint": _l("Detention, restraint or coercion"),
}
REACH = {
    "phone": _l("A phone call"),
    "video": _l("A video call"),
    "in_person": _l("In person, somewhere private"),
    "inbox": _l("A message in my portal inbox first"),
}
WHEN = {
    "soon": _l("As soon as possible"),
    "this_week": _l("In the next week"),
    "no_rush": _l("There is no rush"),
}
MAX_TEXT = 10_000


def visibility_choices() -> list[tuple[str, Any]]:
    return [(key, VISIBILITY[key][0]) for key in ORDER]


class OptInForm(PortalForm):
    understood = BooleanField(
        _l("I have read this. I want to take part, and I know I can stop at any time."),
        widget=GovCheckboxInput(),
        validators=[
            DataRequired(
                _l(
                    "Tick the box if you want to take part. You do not have to: "
                    "nothing changes at work if you do not"
                )
            )
        ],
    )
    submit = SubmitField(_l("Take part"), widget=GovSubmitInput())


class ContributionForm(PortalForm):
    narrative = TextAreaField(
        _l("Your experience"),
        widget=GovTextArea(),
        validators=[
            InputRequired(
                _l("Write about your experience, or leave this page: nothing is saved until you send it")
            ),
            Length(
                max=MAX_TEXT,
                message=_l(
                    "Write %(max)s characters or fewer. Share the parts that matter most for this work",
                    max=f"{MAX_TEXT:,}",
                ),
            ),
        ],
    )
    topics = StringField(
        _l("What could it inform? (optional)"),
        widget=GovTextInput(),
        validators=[Length(max=300, message=_l("Write %(max)s characters or fewer", max="300"))],
        description=_l("Topics or kinds of work, for example ‘carers’ assessments’ or ‘first contact’."),
    )
    projects = SelectMultipleField(
        _l("Projects it may inform (optional)"), widget=GovCheckboxesInput(), choices=[], validate_choice=True
    )
    distressing = RadioField(
        _l("Does it touch on subjects some people may find distressing?"),
        widget=GovRadioInput(),
        choices=[("yes", _l("Yes")), ("no", _l("No"))],
        validators=[
            InputRequired(
                _l("Select yes if your experience touches on distressing subjects, or no if it does not")
            )
        ],
    )
    note_kinds = SelectMultipleField(
        _l("What does it touch on?"), widget=GovCheckboxesInput(), choices=list(CONTENT_NOTE_KINDS.items())
    )
    note_text = StringField(
        _l("Anything else readers should know first? (optional)"),
        widget=GovTextInput(),
        validators=[Length(max=200, message=_l("Write %(max)s characters or fewer", max="200"))],
    )
    pseudonym = StringField(
        _l("Your pseudonym"),
        widget=GovTextInput(),
        validators=[
            InputRequired(_l("Enter a pseudonym, or keep the one we suggested")),
            Length(max=40, message=_l("Enter a pseudonym of 40 characters or fewer")),
        ],
        description=_l(
            "Shown instead of your name. Do not use your initials, team, role, place or "
            "anything that could point to you."
        ),
    )
    visibility = RadioField(
        _l("Who can read it?"),
        widget=GovRadioInput(),
        default=ORDER[0],
        validators=[InputRequired(_l("Select who can read your contribution"))],
    )
    consent = BooleanField(
        _l("I agree to what is written above for the option I chose"), widget=GovCheckboxInput()
    )
    submit = SubmitField(_l("Send my contribution"), widget=GovSubmitInput())

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
                _("Write about your experience, or leave this page: nothing is saved until you send it")
            )

    def validate_note_kinds(self, field: Any) -> None:
        if self.distressing.data == "yes" and not field.data and not (self.note_text.data or "").strip():
            raise ValidationError(
                _(
                    "Select what your experience touches on, or describe it in a few "
                    "words, so readers can choose whether to read it"
                )
            )

    def validate_pseudonym(self, field: Any) -> None:
        problem = pseudonym_problem(field.data or "", self.contributor_name)
        if problem:
            raise ValidationError(problem)

    def validate_consent(self, field: Any) -> None:
        if not field.data:
            raise ValidationError(
                _(
                    "Tick the box to agree to how your contribution will be shared, "
                    "or choose a more private option. Nothing you wrote is lost"
                )
            )


class VisibilityForm(PortalForm):
    visibility = RadioField(
        _l("Who can read it?"),
        widget=GovRadioInput(),
        validators=[InputRequired(_l("Select who can read your contribution"))],
    )
    consent = BooleanField(
        _l("I agree to what is written above for the option I chose"), widget=GovCheckboxInput()
    )
    submit = SubmitField(_l("Save who can read it"), widget=GovSubmitInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.visibility.choices = visibility_choices()

    def validate_consent(self, field: Any) -> None:
        if not field.data:
            raise ValidationError(_("Tick the box to agree to the new option. Until you do, nothing changes"))


class NamedUseForm(PortalForm):
    use_description = StringField(
        _l("Which use is this for?"),
        widget=GovTextInput(),
        validators=[
            InputRequired(_l("Describe the one use your name may appear in")),
            Length(max=200, message=_l("Write %(max)s characters or fewer", max="200")),
        ],
        description=_l("For example, ‘a quote in the 2027 annual report’."),
    )
    consent = BooleanField(
        _l("I agree that my name may appear with this contribution in this one use, and nowhere else"),
        widget=GovCheckboxInput(),
        validators=[DataRequired(_l("Tick the box to agree, or go back: your name is not used without it"))],
    )
    submit = SubmitField(_l("Agree to this use"), widget=GovSubmitInput())


REVIEW_DECISIONS = {
    "accepted": _l("Accept it for co-production work"),
    "changes_requested": _l("Ask for changes"),
    "declined": _l("Decline it, kindly"),
}


class ReviewForm(PortalForm):
    decision = RadioField(
        _l("Your decision"),
        widget=GovRadioInput(),
        choices=list(REVIEW_DECISIONS.items()),
        validators=[InputRequired(_l("Select whether to accept it, ask for changes or decline it"))],
    )
    note = TextAreaField(
        _l("A note for the person who shared it"),
        widget=GovTextArea(),
        description=_l(
            "They see this note on their contribution's page. Thank them, and when you ask "
            "for changes or decline, say why kindly and what they could do."
        ),
        validators=[Length(max=2000, message=_l("Write %(max)s characters or fewer", max="2,000"))],
    )
    public_wording = TextAreaField(
        _l("Wording for public use"),
        widget=GovTextArea(),
        description=_l(
            "The exact words you would use in public. The contributor must approve them "
            "before any public use."
        ),
        validators=[
            Length(max=MAX_TEXT, message=_l("Write %(max)s characters or fewer", max=f"{MAX_TEXT:,}"))
        ],
    )
    submit = SubmitField(_l("Save review"), widget=GovSubmitInput())

    def __init__(self, *args: Any, public: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.public = public

    def validate_note(self, field: Any) -> None:
        if self.decision.data in ("changes_requested", "declined") and not (field.data or "").strip():
            raise ValidationError(
                _("Write a note saying what to change")
                if self.decision.data == "changes_requested"
                else _("Write a kind note saying why you are declining it")
            )

    def validate_public_wording(self, field: Any) -> None:
        if self.public and self.decision.data == "accepted" and not (field.data or "").strip():
            raise ValidationError(
                _(
                    "Enter the wording for public use: the contributor chose public use, and must "
                    "approve the exact words first"
                )
            )


class CheckinForm(PortalForm):
    how_to_reach = RadioField(
        _l("How would you like to talk?"),
        widget=GovRadioInput(),
        choices=list(REACH.items()),
        validators=[InputRequired(_l("Select how you would like to talk"))],
    )
    when_suits = RadioField(
        _l("When?"),
        widget=GovRadioInput(),
        choices=list(WHEN.items()),
        validators=[InputRequired(_l("Select when you would like to talk"))],
    )
    submit = SubmitField(_l("Ask for a conversation"), widget=GovSubmitInput())


_WORD = re.compile(r"[a-z]+")


def pseudonym_problem(pseudonym: str, real_name: str) -> str | None:
    """Why a pseudonym could point to the person, or None."""
    text = pseudonym.strip()
    if not text:
        return _("Enter a pseudonym, or keep the one we suggested")
    if any(ch.isdigit() for ch in text) or "@" in text:
        return _("Use a pseudonym without numbers or e-mail addresses: they can point to you")
    words = set(_WORD.findall(text.lower()))
    name_words = {w for w in _WORD.findall(real_name.lower()) if len(w) > 1}
    if words & name_words:
        return _("Choose a pseudonym that does not include any part of your real name")
    if words & {"team", "ward", "service", "office", "manager", "nurse", "worker", "group", "unit"}:
        return _("Leave your team, role or workplace out of your pseudonym: they can point to you")
    return None
