"""The base form every portal form uses.

Its CSRF check happens inside validation, so a form that fails it is shown again with
everything the person typed (except passwords) and a plain explanation, rather than an
error page that loses their work.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm

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
                items.append({"text": message, "href": href})
        return items


def csrf_checked_by_form(view: Any) -> Any:
    """Mark a view whose POST always validates a PortalForm (which checks CSRF itself).

    Every other POST is checked before the view runs and refused with a 400 page.
    """
    view.csrf_checked_by_form = True
    return view
