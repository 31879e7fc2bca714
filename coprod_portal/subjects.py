"""Subject access and erasure: everything the portal holds about one person, from every plugin.

The core gathers its own records (account, projects, core audit events) and asks each plugin
through ``portal_subject_export`` / ``portal_subject_erase``. Erasure runs in one transaction:
if any plugin fails, nothing is erased and the admin is told which plugin failed.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from flask import current_app, render_template
from flask_babel import LazyString
from sqlalchemy import delete, or_
from sqlmodel import Session, col, select

from . import accounts, audit
from .accounts import PasswordReset, User, UserIdentity
from .audit import AuditEvent
from .auth import LoginAttempt
from .db import new_id, utcnow
from .i18n import _
from .projects import Project, ProjectTeamMember, stage_name
from .types import ErasureReport, Person, SubjectRecords


class ErasureFailed(RuntimeError):
    """A plugin could not erase; nothing was erased."""

    def __init__(self, plugins: list[str]) -> None:
        super().__init__(", ".join(plugins))
        self.plugins = plugins


def find_person(session: Session, email: str) -> Person:
    """The person with this email address; with no account, plugins may still know them."""
    user = accounts.user_by_email(session, email)
    if user is None:
        return Person(email=accounts.normalise_email(email))
    return Person(email=user.email, user_id=user.id, display_name=user.display_name)


def gather(session: Session, person: Person) -> list[SubjectRecords]:
    """Every section of records about ``person``: the core's first, then each plugin's."""
    sections = _core_records(session, person) if person.user_id else []
    host = current_app.extensions["coprod_plugins"]
    for answer in host.items("portal_subject_export", person=person):
        if isinstance(answer, SubjectRecords) and answer.records:
            sections.append(answer)
    return sections


def _core_records(session: Session, person: Person) -> list[SubjectRecords]:
    user = session.get(User, person.user_id)
    assert user is not None
    manager = session.get(User, user.line_manager_id) if user.line_manager_id else None
    account = {_("Email address"): user.email, _("Name"): user.display_name,
               _("Roles"): ", ".join(sorted(user.role_names)), _("Account active"): user.active,
               _("Created"): user.created_at, _("Deactivated"): user.deactivated_at,
               _("Line manager"): manager.display_name if manager else None,
               _("Single sign-on identities"): ", ".join(
                   _("%(subject)s at %(issuer)s (linked %(day)s)", subject=link.subject,
                     issuer=link.issuer, day=link.linked_at.strftime("%Y-%m-%d"))
                   for link in session.exec(select(UserIdentity).where(
                       UserIdentity.user_id == user.id))) or None}
    team = select(ProjectTeamMember.project_id).where(ProjectTeamMember.user_id == user.id)
    projects = session.exec(select(Project).where(or_(
        col(Project.owner_id) == user.id, col(Project.id).in_(team)))).all()
    events = session.exec(select(AuditEvent).where(
        AuditEvent.plugin == "core",
        or_(col(AuditEvent.actor_id) == user.id,
            (col(AuditEvent.subject_type) == "user") & (col(AuditEvent.subject_id) == user.id)),
    ).order_by(col(AuditEvent.at))).all()
    return [
        SubjectRecords(_("Your account"), (account,)),
        SubjectRecords(_("Projects you own or are on"), tuple(
            {_("Project"): p.title,
             _("Your part"): _("owner") if p.owner_id == user.id else _("team member"),
             _("Stage"): stage_name(p.stage)} for p in projects)),
        SubjectRecords(_("Audit log entries by or about you"), tuple(
            {_("When"): e.at, _("Who"): e.actor_label, _("What"): e.action,
             _("About"): e.subject_label, _("Why"): e.reason} for e in events),
            note=_("Entries written by plugins are listed in each plugin's own section.")),
    ]


# --- downloads -----------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A value JSON can hold: dates as ISO text, a lazily translated label as its text."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value) if isinstance(value, LazyString) else value


def as_json(person: Person, sections: list[SubjectRecords]) -> str:
    """The machine-readable download (UK GDPR Article 20: a common, readable format)."""
    document = {
        "person": asdict(person),
        "produced_at": utcnow().isoformat(),
        "organisation": current_app.config["ORGANISATION_NAME"],
        "sections": [{"section": str(s.section), "note": _plain(s.note),
                      "records": [{str(k): _plain(v) for k, v in r.items()} for r in s.records]}
                     for s in sections],
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def as_html(person: Person, sections: list[SubjectRecords]) -> str:
    """The readable download: a plain, self-contained web page."""
    return render_template("subjects/export_document.html", person=person, sections=sections,
                           produced_at=utcnow())


# --- erasure -------------------------------------------------------------------------------


def erase(session: Session, person: Person, actor: Any, reason: str) -> list[ErasureReport]:
    """Erase everything each plugin may erase, all or nothing; returns what happened."""
    reports = [_erase_core(session, person)] if person.user_id else []
    host = current_app.extensions["coprod_plugins"]
    failed: list[str] = []
    for _plugin, answer in host.call("portal_subject_erase", failures=failed, person=person, session=session):
        if isinstance(answer, ErasureReport):
            reports.append(answer)
    if failed:
        session.rollback()
        raise ErasureFailed(failed)
    audit.record(session, actor, "erased personal data", "user" if person.user_id else "person",
                 person.user_id or "", "erased person", reason=reason)
    session.commit()
    return reports


def _erase_core(session: Session, person: Person) -> ErasureReport:
    user = session.get(User, person.user_id)
    assert user is not None
    accounts.deactivate(user)
    user.display_name = f"Erased person {user.id[:6]}"
    user.email = f"erased-{new_id()}@erased.invalid"
    user.password_hash = None
    accounts.set_roles(user, [])
    session.execute(delete(PasswordReset).where(col(PasswordReset.user_id) == user.id))
    session.execute(delete(UserIdentity).where(col(UserIdentity.user_id) == user.id))
    session.execute(delete(LoginAttempt).where(col(LoginAttempt.key) == f"account:{person.email}"))
    return ErasureReport(
        _("Account"),
        erased=(_("Name, email address and password"), _("Roles"), _("Password reset codes"),
                _("Records of failed sign-ins"), _("Links to single sign-on identities")),
        kept=(
            (_("An anonymised account record"), _("So that projects and records they worked on "
             "still make sense; it shows 'Erased person' and cannot sign in.")),
            (_("Audit log entries"), _("The organisation must be able to show who read or changed "
             "personal data (UK GDPR Article 5(2), accountability). They are kept for the audit "
             "retention period and then deleted.")),
        ),
    )
