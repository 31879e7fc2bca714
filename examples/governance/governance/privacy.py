"""Subject access and erasure for people on the board register (found by their email address)."""

from __future__ import annotations

from typing import Any

from coprod_portal.i18n import _, _l
from coprod_portal.types import ErasureReport, SubjectRecords
from sqlmodel import Session, col, select

from .forms import EVIDENCE, ROLES
from .models import GovernanceLivedExperience, GovernancePerson, GovernanceSeat

SECTION = _l("Board and governance")


def _people(session: Session, email: str) -> list[GovernancePerson]:
    return list(session.exec(select(GovernancePerson).where(GovernancePerson.email == email.lower())))


def export(session: Session, person: Any) -> SubjectRecords | None:
    people = _people(session, person.email)
    if not people:
        return None
    records: list[dict[str, Any]] = []
    for who in people:
        for seat in session.exec(select(GovernanceSeat).where(GovernanceSeat.person_id == who.id)
                                 .order_by(col(GovernanceSeat.starts_on))):
            records.append({_("Name"): who.name, _("Seat"): seat.body,
                            _("Role"): str(ROLES.get(seat.role, seat.role)),
                            _("Term starts"): seat.starts_on, _("Term ends"): seat.ends_on})
        consent = session.get(GovernanceLivedExperience, who.id)
        if consent is not None:
            records.append({
                _("Name"): who.name,
                _("Consent to be counted as having lived experience of using services"):
                    consent.consent_given_on,
                _("How you gave it"): str(EVIDENCE.get(consent.evidence, consent.evidence)),
                _("Agreed to the board's figure being published"): consent.publish_agreed,
            })
    return SubjectRecords(str(SECTION), tuple(records))


def erase(session: Session, person: Any) -> ErasureReport | None:
    people = _people(session, person.email)
    if not people:
        return None
    for who in people:
        consent = session.get(GovernanceLivedExperience, who.id)
        if consent is not None:
            session.delete(consent)
        who.email = None
        session.add(who)
    return ErasureReport(
        str(SECTION),
        erased=(_("Consent to be counted as having lived experience"), _("Email address")),
        kept=((_("Name, seats and terms of office"),
               _("The charity must be able to show who its trustees and committee members were, and "
                 "when.")),),
    )
