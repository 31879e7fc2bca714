"""Forms: each is a ``PortalForm``, so a failed CSRF check keeps what the person typed."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    EmailField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from coprod_portal.forms import DayField, PortalForm
from coprod_portal.i18n import _, _l

CONTACT_BY = {"email": _l("Email"), "phone": _l("Phone call"), "text": _l("Text message"), "post": _l("Post")}
FORMATS = {
    "standard": _l("Standard print"),
    "easy_read": _l("Easy Read"),
    "large_print": _l("Large print"),
    "audio": _l("Audio"),
    "bsl": _l("British Sign Language (BSL)"),
    "phone": _l("Phone only"),
}
STATUSES = {"applicant": _l("Applicant"), "active": _l("Active"), "paused": _l("Paused"), "left": _l("Left")}
GROUPS = {
    "disabled": _l("Disabled people"),
    "mental_health": _l("Mental health service users or survivors"),
    "learning_difficulties": _l("People with learning difficulties"),
    "older": _l("Older people"),
    "care_experienced": _l("Care-experienced young people"),
    "carers": _l("Carers"),
    "other": _l("Another group"),
    "prefer_not": _l("Prefer not to say"),
}
ROLES = {
    "interview_panel": _l("Interview panel (staff or board)"),
    "advisory_group": _l("Advisory group"),
    "nice_committee": _l("NICE guideline committee"),
    "writer": _l("Writer"),
    "consultant": _l("Consultant"),
    "video": _l("Video contributor"),
    "speaker": _l("Conference speaker"),
    "media": _l("Media spokesperson"),
    "blogger": _l("Blogger"),
    "trainer": _l("Trainer"),
    "other": _l("Other"),
}
MODES = {"in_person": _l("In person"), "remote": _l("Remote")}
CHOICES = {
    "full": _l("Take the full fee"),
    "reduced": _l("Take a reduced amount"),
    "declined": _l("Decline the fee"),
    "donated": _l("Donate the fee to a named charity"),
}
METHODS = {"bank": _l("Bank transfer"), "voucher": _l("Voucher (vouchers count as income, like money)")}
WEEKDAYS = [_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"), _l("Saturday"),
            _l("Sunday")]
PURPOSES = {
    "contact": _l("To be contacted about involvement opportunities"),
    "groups": _l("To keep the groups they choose to be counted in, for monitoring who we involve"),
    "access_needs": _l("To keep their access needs, so we can arrange support"),
}
CONSENT_WORDING_VERSION = "2026-12"
MAX_PENCE = 10_000_00  # £10,000: anything larger is a typing mistake for one payment
_MONEY = re.compile(r"^£?\s*(\d{1,3}(,\d{3})*|\d+)(\.\d{1,2})?$")


def parse_pence(text: str | None) -> int | None:
    """'£1,234.5' -> 123450; None for an empty answer; ValueError with a message otherwise."""
    raw = (text or "").strip()
    if not raw:
        return None
    if raw.startswith("-") or raw.startswith("£-"):
        raise ValueError(_("Enter an amount of £0 or more"))
    if not _MONEY.match(raw):
        raise ValueError(_("Enter an amount in pounds and pence, like 25 or 25.50"))
    try:
        value = Decimal(raw.lstrip("£").strip().replace(",", ""))
    except InvalidOperation as exc:
        raise ValueError(_("Enter an amount in pounds and pence, like 25 or 25.50")) from exc
    pence = int(value * 100)
    if pence > MAX_PENCE:
        raise ValueError(_("Enter an amount of £10,000 or less"))
    return pence


class MoneyField(StringField):
    """Pounds and pence as typed; ``pence`` holds the parsed value (None when empty)."""

    def __init__(self, label: str | None = None, validators: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("widget", GovTextInput())
        super().__init__(label, validators, **kwargs)
        self.pence: int | None = None

    def process_data(self, value: Any) -> None:
        if isinstance(value, int):
            self.pence = value
            value = f"{value / 100:.2f}"
        super().process_data(value)

    def pre_validate(self, form: Any) -> None:
        try:
            self.pence = parse_pence(self.data)
        except ValueError as exc:
            self.pence = None
            raise ValidationError(str(exc)) from exc


def _number(text: str | None, message: str, low: float, high: float, high_message: str) -> float | None:
    raw = (text or "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError as exc:
        raise ValidationError(message) from exc
    if value != value or value < low:  # NaN or negative
        raise ValidationError(message)
    if value > high:
        raise ValidationError(high_message)
    return value


def _required_date(message: str) -> Any:
    def check(form: Any, field: Any) -> None:
        if field.data is None and not field.errors:
            raise ValidationError(message)

    return check


class MemberForm(PortalForm):
    preferred_name = StringField(
        _l("Preferred name"),
        widget=GovTextInput(),
        validators=[
            DataRequired(_l("Enter the name the member wants us to use")),
            Length(max=200, message=_l("Enter a name of 200 characters or fewer")),
        ],
        description=_l("The name they want us to use, in letters, on badges and in emails."),
    )
    email = EmailField(
        _l("Email address (optional)"),
        widget=GovTextInput(),
        validators=[
            Optional(),
            Email(_l("Enter an email address like name@example.org")),
            Length(max=254, message=_l("Enter an email address of 254 characters or fewer")),
        ],
    )
    phone = StringField(
        _l("Phone number (optional)"),
        widget=GovTextInput(),
        validators=[Length(max=40, message=_l("Enter a phone number of 40 characters or fewer"))],
    )
    contact_by = RadioField(
        _l("How do they want us to contact them?"),
        widget=GovRadioInput(),
        choices=list(CONTACT_BY.items()),
        validators=[DataRequired(_l("Select how they want us to contact them"))],
    )
    preferred_format = RadioField(
        _l("Which format do they want information in?"),
        widget=GovRadioInput(),
        choices=list(FORMATS.items()),
        validators=[DataRequired(_l("Select the format they want"))],
    )
    status = RadioField(
        _l("Status"),
        widget=GovRadioInput(),
        choices=list(STATUSES.items()),
        validators=[DataRequired(_l("Select the member's status"))],
    )
    status_reason = TextAreaField(
        _l("Reason for the status (optional unless they left)"),
        widget=GovTextArea(),
        validators=[Length(max=500, message=_l("Enter 500 characters or fewer"))],
        description=_l("Do not write anything about health or circumstances."),
    )
    account_email = EmailField(
        _l("Portal account (optional)"),
        widget=GovTextInput(),
        validators=[
            Optional(), Email(_l("Enter the email address of a portal account, like name@example.org"))
        ],
        description=_l("The email address the member signs in to the portal with, so they can see their "
                       "own record and set their own caps."),
    )
    submit = SubmitField(_l("Save"), widget=GovSubmitInput())

    def validate_status_reason(self, field: Any) -> None:
        if self.status.data == "left" and not (field.data or "").strip():
            raise ValidationError(_("Enter why the member left, for example ‘moved away’"))


class SensitiveForm(PortalForm):
    groups = SelectMultipleField(
        _l("Groups the member chooses to be counted in"),
        widget=GovCheckboxesInput(),
        choices=list(GROUPS.items()),
    )
    access_needs = TextAreaField(
        _l("Access needs, in the member's own words"),
        widget=GovTextArea(),
        validators=[Length(max=4000, message=_l("Enter 4,000 characters or fewer"))],
    )
    submit = SubmitField(_l("Save"), widget=GovSubmitInput())

    def validate_groups(self, field: Any) -> None:
        if "prefer_not" in (field.data or []) and len(field.data) > 1:
            raise ValidationError(_("Select ‘Prefer not to say’ on its own, or the groups they choose"))


class ConsentForm(PortalForm):
    purpose = RadioField(
        _l("What is the consent for?"),
        widget=GovRadioInput(),
        choices=list(PURPOSES.items()),
        validators=[DataRequired(_l("Select what the consent is for"))],
    )
    given = RadioField(
        _l("Did the member agree?"),
        widget=GovRadioInput(),
        choices=[("yes", _l("Yes, they agreed")), ("no", _l("No, or they withdrew their consent"))],
        validators=[DataRequired(_l("Select whether the member agreed"))],
    )
    on = DayField(
        _l("When did they decide?"),
        description=_l("For example, 27 3 2027"),
        validators=[_required_date(_l("Enter the date they decided"))],
    )
    submit = SubmitField(_l("Record consent"), widget=GovSubmitInput())


class CapsForm(PortalForm):
    weekly_cap = MoneyField(
        _l("Most I want in fees in one week (optional)"),
        description=_l("In pounds, for example 20 or 203.50. Leave empty for no weekly cap."),
    )
    week_starts = RadioField(
        _l("My week starts on"),
        widget=GovRadioInput(),
        coerce=int,
        choices=list(enumerate(WEEKDAYS)),
        validators=[Optional()],
        default=0,
    )
    period_cap = MoneyField(
        _l("Most I want in fees in one monthly assessment period (optional)"),
        description=_l("In pounds. Leave empty for no monthly cap."),
    )
    period_start_day = StringField(
        _l("Day of the month my assessment period starts (optional)"),
        widget=GovTextInput(),
        description=_l("A number from 1 to 31. If it is 29, 30 or 31, in a shorter "
                       "month the period starts on the month's last day."),
    )
    hours_cap = StringField(
        _l("Most hours I want to do in one week (optional)"),
        widget=GovTextInput(),
        description=_l("Including preparation time, for example 16."),
    )
    submit = SubmitField(_l("Save my caps"), widget=GovSubmitInput())

    def validate_period_start_day(self, field: Any) -> None:
        raw = (field.data or "").strip()
        if not raw:
            if self.period_cap.data and self.period_cap.data.strip():
                raise ValidationError(_("Enter the day of the month your assessment period starts"))
            return
        if not raw.isdigit() or not 1 <= int(raw) <= 31:
            raise ValidationError(_("Enter a day of the month from 1 to 31"))

    def validate_hours_cap(self, field: Any) -> None:
        _number(
            field.data,
            _("Enter a number of hours of 0 or more, like 16"),
            0,
            168,
            _("Enter 168 hours or fewer: a week has 168 hours"),
        )

    @property
    def start_day(self) -> int | None:
        raw = (self.period_start_day.data or "").strip()
        return int(raw) if raw else None

    @property
    def hours(self) -> float | None:
        return _number(self.hours_cap.data, "", 0, 168, "")


class InvolvementForm(PortalForm):
    project_id = SelectField(_l("Project (optional)"), widget=GovSelect(), validators=[Optional()])
    role = SelectField(
        _l("Role"),
        widget=GovSelect(),
        choices=[("", _l("Choose a role"))] + list(ROLES.items()),
        validators=[DataRequired(_l("Select the member's role"))],
    )
    starts_on = DayField(
        _l("First day"),
        description=_l("For example, 27 3 2027"),
        validators=[_required_date(_l("Enter the first day of the involvement"))],
    )
    ends_on = DayField(_l("Last day (optional)"), description=_l("Leave empty when it was one day"))
    hours = StringField(
        _l("Hours of involvement"),
        widget=GovTextInput(),
        description=_l("Time in meetings, interviews, writing or speaking, for example 3.5."),
    )
    preparation_hours = StringField(
        _l("Hours of preparation (optional)"),
        widget=GovTextInput(),
        description=_l("Reading papers, travel planning, preparing questions."),
    )
    mode = RadioField(
        _l("How did they take part?"),
        widget=GovRadioInput(),
        choices=list(MODES.items()),
        validators=[DataRequired(_l("Select in person or remote"))],
    )
    note = TextAreaField(
        _l("Note (optional)"),
        widget=GovTextArea(),
        validators=[Length(max=1000, message=_l("Enter 1,000 characters or fewer"))],
        description=_l("Do not write anything about health or circumstances."),
    )
    hours_cap_agreed = BooleanField(
        _l("The member knows this is more hours than their own weekly cap, and wants it recorded"),
        widget=GovCheckboxInput(),
    )
    submit = SubmitField(_l("Save involvement"), widget=GovSubmitInput())

    def validate_ends_on(self, field: Any) -> None:
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_("The last day must be the same as or after the first day"))

    def days(self) -> int:
        if not self.starts_on.data:
            return 1
        return ((self.ends_on.data or self.starts_on.data) - self.starts_on.data).days + 1

    def validate_hours(self, field: Any) -> None:
        if not (field.data or "").strip():
            raise ValidationError(_("Enter the hours of involvement, like 3 or 3.5"))
        _number(
            field.data,
            _("Enter a number of hours of 0 or more, like 3.5"),
            0,
            24 * self.days(),
            _("Enter no more than 24 hours for each day of the involvement"),
        )

    def validate_preparation_hours(self, field: Any) -> None:
        prep = (
            _number(
                field.data,
                _("Enter a number of hours of 0 or more, like 1.5"),
                0,
                24 * self.days(),
                _("Enter no more than 24 hours for each day of the involvement"),
            )
            or 0
        )
        hours = _number(self.hours.data, "", 0, 1e9, "") if not self.hours.errors else None
        if hours is not None and hours + prep > 24 * self.days():
            raise ValidationError(
                _("Involvement and preparation together must be no more than 24 hours for each day")
            )

    @property
    def total_hours(self) -> tuple[float, float]:
        return float((self.hours.data or "0").strip() or 0), float(
            (self.preparation_hours.data or "0").strip() or 0
        )


class FeeForm(PortalForm):
    offered = MoneyField(_l("Fee offered"), description=_l("In pounds, for example 75 or 37.50."))
    choice = RadioField(
        _l("What did the member choose?"),
        widget=GovRadioInput(),
        choices=list(CHOICES.items()),
        validators=[DataRequired(_l("Select what the member chose"))],
    )
    amount = MoneyField(_l("Reduced amount (if they chose a reduced amount)"))
    charity = StringField(
        _l("Charity (if they chose to donate it)"),
        widget=GovTextInput(),
        validators=[Length(max=200, message=_l("Enter a charity name of 200 characters or fewer"))],
    )
    paid_on = DayField(
        _l("Payment date"),
        description=_l("The day the money reaches the member, for example 27 3 2027"),
        validators=[_required_date(_l("Enter the payment date"))],
    )
    method = RadioField(
        _l("How is it paid?"),
        widget=GovRadioInput(),
        choices=list(METHODS.items()),
        default="bank",
        validators=[DataRequired(_l("Select how it is paid"))],
    )
    submit = SubmitField(_l("Check caps and approve fee"), widget=GovSubmitInput())

    def validate_offered(self, field: Any) -> None:
        if field.pence is None and not field.errors:
            raise ValidationError(_("Enter the fee offered, like 75"))

    def validate_amount(self, field: Any) -> None:
        if self.choice.data != "reduced" or field.errors:
            return
        if field.pence is None:
            raise ValidationError(_("Enter the reduced amount the member chose"))
        if field.pence <= 0:
            raise ValidationError(_("Enter a reduced amount above £0, or choose ‘Decline the fee’"))
        if self.offered.pence is not None and field.pence >= self.offered.pence:
            raise ValidationError(_("Enter an amount smaller than the fee offered, or choose the full fee"))

    def validate_charity(self, field: Any) -> None:
        if self.choice.data == "donated" and not (field.data or "").strip():
            raise ValidationError(_("Enter the name of the charity the member chose"))

    def received_pence(self) -> int:
        """What the member receives: counted against their caps."""
        if self.choice.data == "full":
            return self.offered.pence or 0
        if self.choice.data == "reduced":
            return self.amount.pence or 0
        return 0


class ExpenseForm(PortalForm):
    amount = MoneyField(_l("Amount"), description=_l("In pounds, for example 12.40."))
    description = StringField(
        _l("What was it for?"),
        widget=GovTextInput(),
        validators=[
            DataRequired(_l("Enter what the expense was for, like ‘train ticket to London’")),
            Length(max=300, message=_l("Enter 300 characters or fewer")),
        ],
    )
    paid_on = DayField(
        _l("Payment date"),
        description=_l("For example, 27 3 2027"),
        validators=[_required_date(_l("Enter the payment date"))],
    )
    in_advance = BooleanField(
        _l("Paid in advance, so the member is not out of pocket"), widget=GovCheckboxInput()
    )
    receipt = FileField(
        _l("Receipt (optional)"), widget=GovFileInput(), description=_l("A PDF, PNG or JPG of up to 5 MB.")
    )
    submit = SubmitField(_l("Record expense"), widget=GovSubmitInput())

    def validate_amount(self, field: Any) -> None:
        if field.pence is None and not field.errors:
            raise ValidationError(_("Enter the amount, like 12.40"))
        if field.pence == 0:
            raise ValidationError(_("Enter an amount above £0"))


class LinkAccountForm(PortalForm):
    """Link a portal account with the network member role to the member record that is theirs."""

    member_id = SelectField(
        _l("Member record"),
        widget=GovSelect(),
        validators=[DataRequired(_l("Choose the member record that belongs to this person"))],
        description=_l("Only records not yet linked to an account are listed."),
        validate_choice=False,  # the view says why a record cannot be chosen (linked meanwhile)
    )
    submit = SubmitField(_l("Link the account"), widget=GovSubmitInput())


class BudgetForm(PortalForm):
    fees = MoneyField(_l("Fees"))
    expenses = MoneyField(_l("Expenses"))
    access = MoneyField(_l("Access costs (BSL, personal assistants, carer cover)"))
    submit = SubmitField(_l("Save budget"), widget=GovSubmitInput())


class RateForm(PortalForm):
    key = StringField(
        _l("Short name"),
        widget=GovTextInput(),
        validators=[
            DataRequired(_l("Enter a short name, like esa_permitted_work_higher")),
            Length(max=60, message=_l("Enter 60 characters or fewer")),
        ],
        description=_l("Use the same short name as last year's row to replace it from the new date."),
    )
    label = StringField(
        _l("Name shown to members"),
        widget=GovTextInput(),
        validators=[
            DataRequired(_l("Enter the name shown to members")),
            Length(max=200, message=_l("Enter 200 characters or fewer")),
        ],
    )
    amount = MoneyField(_l("Amount"))
    window = RadioField(
        _l("Over which period?"),
        widget=GovRadioInput(),
        choices=[("week", _l("A week")), ("period", _l("A monthly assessment period"))],
        validators=[DataRequired(_l("Select a week or a monthly assessment period"))],
    )
    effective_from = DayField(
        _l("Applies from"),
        description=_l("For example, 6 4 2027"),
        validators=[_required_date(_l("Enter the date the figure applies from"))],
    )
    source_url = StringField(
        _l("Source (web address)"),
        widget=GovTextInput(),
        validators=[
            DataRequired(_l("Enter where the figure comes from")),
            Length(max=500, message=_l("Enter 500 characters or fewer")),
        ],
    )
    basis = StringField(
        _l("How it is worked out (optional)"),
        widget=GovTextInput(),
        validators=[Length(max=300, message=_l("Enter 300 characters or fewer"))],
    )
    submit = SubmitField(_l("Add rate"), widget=GovSubmitInput())

    def validate_key(self, field: Any) -> None:
        if not re.fullmatch(r"[a-z0-9_]{1,60}", (field.data or "").strip()):
            raise ValidationError(_("Use lower-case letters, digits and underscores only"))

    def validate_amount(self, field: Any) -> None:
        if field.pence is None and not field.errors:
            raise ValidationError(_("Enter the amount, like 203.50"))

    def validate_source_url(self, field: Any) -> None:
        if not (field.data or "").strip().startswith(("https://", "http://")):
            raise ValidationError(_("Enter a web address starting with https://"))


IMPORT_COLUMNS = (
    "preferred_name",
    "email",
    "phone",
    "contact_by",
    "preferred_format",
    "status",
    "status_reason",
)


class ImportForm(PortalForm):
    upload = FileField(
        _l("CSV file (optional if you paste the rows below)"),
        widget=GovFileInput(),
        description=_l("A CSV file of up to 1 MB, saved as UTF-8."),
    )
    rows = TextAreaField(
        _l("Or paste the rows"),
        widget=GovTextArea(),
        validators=[Length(max=200_000, message=_l("Paste 200,000 characters or fewer, or upload a file"))],
        description=_l("The first line names the columns: %(columns)s. Only preferred_name is required; "
                   "contact_by, preferred_format and status use the codes shown on this page.",
                   columns=", ".join(IMPORT_COLUMNS)),
    )
    submit = SubmitField(_l("Check and import members"), widget=GovSubmitInput())
