"""The board's lived-experience figure, the only way the plugin ever shows lived experience.

It is an aggregate over current trustees, shown through the portal's one small-number rule
(``coprod_portal.pages.small_number``): a count under 5 reads "fewer than 5" unless every
person counted agreed to the figure being published — then it is exact ("4 of our 15 trustees").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from coprod_portal.db import utcnow
from coprod_portal.i18n import _, ngettext
from coprod_portal.pages import local_time, small_number
from sqlmodel import Session, col, select

from .models import BOARD, GovernanceLivedExperience, GovernanceSeat


def today() -> date:
    """Today in the organisation's time zone: terms start and end on local dates."""
    return local_time(utcnow()).date()


@dataclass(frozen=True)
class BoardFigure:
    """How many current trustees consented to be counted, and whether all of them agreed to publish."""

    trustees: int
    counted: int
    everyone_agreed: bool

    @property
    def shown(self) -> str:
        """The count as it may be shown to anyone: through the small-number rule."""
        return small_number(self.counted, everyone_agreed=self.everyone_agreed)

    @property
    def sentence(self) -> str:
        if self.trustees == 0:
            return _("There are no current trustees on record.")
        if self.shown == "1":  # "1 of our 15 trustees has": the verb agrees with the one counted
            return ngettext("%(shown)s of our %(num)d trustee has lived experience of using services.",
                            "%(shown)s of our %(num)d trustees has lived experience of using services.",
                            self.trustees, shown=self.shown)
        return ngettext("%(shown)s of our %(num)d trustee have lived experience of using services.",
                        "%(shown)s of our %(num)d trustees have lived experience of using services.",
                        self.trustees, shown=self.shown)

    @property
    def may_be_published(self) -> bool:
        """Outside the organisation, only a figure everyone counted agreed to."""
        return self.counted > 0 and self.everyone_agreed


def current_trustee_ids(session: Session, on: date) -> set[str]:
    seats = session.exec(select(GovernanceSeat).where(GovernanceSeat.body == BOARD)).all()
    return {seat.person_id for seat in seats if seat.is_current(on)}


def board_figure(session: Session, on: date | None = None) -> BoardFigure:
    """Count current trustees with a consent record; nobody without consent is in it."""
    trustees = current_trustee_ids(session, on or today())
    consents = session.exec(select(GovernanceLivedExperience).where(
        col(GovernanceLivedExperience.person_id).in_(trustees))).all() if trustees else []
    return BoardFigure(
        trustees=len(trustees),
        counted=len(consents),
        everyone_agreed=all(consent.publish_agreed for consent in consents),
    )
