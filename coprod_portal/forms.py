"""The base form every portal form uses.

Its CSRF check happens inside validation, so a form that fails it is shown again with
everything the person typed (except passwords) and a plain explanation, rather than an
error page that loses their work.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovDateInput
from wtforms import DateField

CSRF_MESSAGE = (
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
            raise ValueError("Enter the date as a day, a month and a year")
        if not any(part.strip() for part in valuelist):
            self.data = None
            return
        try:
            super().process_formdata([" ".join(part.strip() for part in valuelist)])
        except ValueError as exc:
            raise ValueError("Enter a real date, for example 27 3 2027") from exc
