"""Co-production network: the member register, involvement, and fees that never put benefits at risk.

The co-production lead keeps the register of network members (preferred name, contact
preferences, preferred format, status, consent per purpose), records their involvement in
projects, and offers fees that are checked against caps each member chose for themselves, by
payment date. Groups and access needs are special-category data: seen only by those who need
them, never in lists, and every read is audited. Other plugins record involvement through
``portal_record_involvement``. It imports only the portal's public modules.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, url_for
from sqlalchemy import func
from sqlmodel import col, select

from coprod_portal import accounts, search
from coprod_portal.db import get_session
from coprod_portal.freshness import remembered
from coprod_portal.hookspecs import hookimpl
from coprod_portal.i18n import _, ngettext
from coprod_portal.permissions import can
from coprod_portal.types import (
    ChecklistItem,
    ChecklistSection,
    DashboardCard,
    Migrations,
    NavItem,
    Permission,
    ProjectPanel,
    Role,
    SearchResult,
)

from . import demo, privacy, reading, scale, totals
from .forms import ROLES
from .models import NetworkInvolvement, NetworkMember, NetworkPayment, NetworkProjectBudget
from .service import PLUGIN, SPECIAL_SUBJECT, member_for_user, member_for_user_id, record_involvement
from .views import bp, project_panel

__version__ = "0.1.0"
PORTAL_VERSIONS = ">=0.1,<1"

LEAD = "coproduction_lead"
TEAM = "coproduction_team"  # declared by the lived_experience plugin; harmless here when it is off
MEMBER = "network_member"
INVOLVEMENT_STATUSES = ("pending", "confirmed")


@hookimpl
def portal_blueprints(app: Flask) -> Any:
    return bp


@hookimpl
def portal_migrations() -> Migrations:
    return Migrations(PLUGIN, Path(__file__).parent / "migrations")


@hookimpl
def portal_roles() -> list[Role]:
    return [
        Role(
            MEMBER,
            "Network member",
            "A member of the co-production network with a portal account: sees "
            "their own record, involvement and payments, and sets their own caps.",
        ),
    ]


@hookimpl
def portal_permissions() -> list[Permission]:
    return [
        Permission("network.view_members", "See the network member register", (LEAD, TEAM)),
        Permission(
            "network.manage_members", "Add and change network members, their consent and caps", (LEAD,)
        ),
        Permission("network.view_special", "See and change members' groups and access needs", (LEAD,)),
        Permission("network.record_involvement", "Record members' involvement", (LEAD, TEAM)),
        Permission("network.manage_payments", "Offer fees, record members' choices and expenses", (LEAD,)),
        Permission("network.view_reports", "See and download the involvement report", (LEAD,)),
        Permission(
            "network.manage_rates", "Add the published limits offered as examples of caps", ("admin", LEAD)
        ),
        Permission("network.view_own", "See your own network record, involvement and payments", (MEMBER,)),
        Permission("network.set_own_caps", "Set your own benefit-safe caps", (MEMBER,)),
    ]


@hookimpl
def portal_permission_allowed(user: Any, action: str, obj: Any) -> bool | None:
    """Network members see the home page; our audit events are seen only by those who may act on them."""
    if action == "core.view_home" and MEMBER in getattr(user, "role_names", ()):
        return True
    if action == "audit.view_event" and getattr(obj, "plugin", None) == PLUGIN:
        if obj.subject_type == SPECIAL_SUBJECT:
            return True if can(user, "network.view_special") else None
        return True if can(user, "network.manage_members") else None
    return None


@hookimpl
def portal_nav_items(user: Any) -> list[NavItem]:
    return [
        NavItem(_("Network"), "plugin_network.index", order=40, permission="network.view_members"),
        NavItem(_("My involvement"), "plugin_network.me", order=41, permission="network.view_own"),
    ]


@hookimpl
def portal_dashboard_cards(user: Any) -> list[DashboardCard]:
    cards = []
    if can(user, "network.manage_payments"):
        (waiting,) = remembered(
            get_session(),
            ("network.pending_involvements",),
            lambda: select(func.count())
            .select_from(NetworkInvolvement)
            .where(NetworkInvolvement.status == "pending"),
        )
        text = (
            _("No involvement is waiting to be priced.")
            if waiting == 0
            else ngettext("%(num)d involvement is waiting for you to offer a fee.",
                          "%(num)d involvements are waiting for you to offer a fee.", waiting)
        )
        cards.append(
            DashboardCard(
                _("Network involvement to price"), text, _("Price involvement"), "plugin_network.pending",
                order=30,
            )
        )
    if can(user, "network.view_own") and member_for_user(get_session(), user) is not None:
        cards.append(
            DashboardCard(
                _("Your involvement"),
                _("See what you took part in, your fees and expenses, and the caps you chose."),
                _("See your record"),
                "plugin_network.me",
                order=5,
            )
        )
    if can(user, "network.manage_rates") and not can(user, "network.view_members"):
        # The network pages list the rates for leads; anyone else who keeps them starts here.
        cards.append(
            DashboardCard(
                _("Limits offered as examples of caps"),
                _("Add the published limits that members may choose as caps on their fees."),
                _("See the published limits"),
                "plugin_network.rates",
                order=60,
            )
        )
    return cards


@hookimpl
def portal_project_people(project: Any) -> list[str]:
    """Portal accounts of members involved in ``project`` (pending or confirmed, not cancelled)."""
    return list(
        get_session().exec(
            select(NetworkMember.user_id)
            .distinct()
            .join(NetworkInvolvement, col(NetworkInvolvement.member_id) == NetworkMember.id)
            .where(
                NetworkInvolvement.project_id == project.id,
                NetworkInvolvement.status != "cancelled",
                col(NetworkMember.user_id).is_not(None),
            )
        )
    )


@hookimpl
def portal_project_panels(project: Any, user: Any) -> list[ProjectPanel] | None:
    """Who is involved, their hours and fees: only for those who manage payments."""
    if not can(user, "network.manage_payments"):
        return None
    return [ProjectPanel(_("Network involvement"), project_panel(project, user), order=40)]


@hookimpl
def portal_checklist_sections(project: Any) -> list[ChecklistSection]:
    budget = get_session().get(NetworkProjectBudget, project.id)
    budgeted = budget is not None and (budget.fees_pence + budget.expenses_pence + budget.access_pence) > 0
    item = ChecklistItem(
        "fees_budgeted",
        _("Fees and expenses for the people involved are budgeted"),
        hint=_("Set the budget for paying people in the ‘Network involvement’ section of "
               "the project's page: fees, expenses and access costs such as BSL or carer cover."),
        met=budgeted,
    )
    return [ChecklistSection("network_paying_people", _("Paying people"), "idea", (item,))]


@hookimpl
def portal_record_involvement(
    user_id: str, project_id: str | None, role: str, on: Any, hours: float, status: str, note: str
) -> str | None:
    """Record an involvement for the portal account ``user_id``; returns its id.

    The member record linked to that account is used; when there is none, one is created from the
    account (its display name as the preferred name, status "active"), or an unlinked record with the
    account's email address is linked to it: a trainer is a network member with an account. Returns
    None only when no such account exists. ``role`` must be one of this plugin's roles (for example
    "trainer") and ``status`` "pending" or "confirmed"; anything else raises ValueError. The
    involvement is added to the current database session (``db.get_session()``) and saved when the
    caller commits; ``portal_involvement_recorded`` is raised after that commit. A pending
    involvement appears on the co-production lead's "to price" list.
    """
    if role not in ROLES:
        raise ValueError(f"unknown involvement role {role!r}; use one of {', '.join(ROLES)}")
    if status not in INVOLVEMENT_STATUSES:
        raise ValueError("status must be 'pending' or 'confirmed'")
    if not 0 <= float(hours) <= 24:
        raise ValueError("hours must be between 0 and 24 for one day")
    session = get_session()
    member = member_for_user_id(session, user_id)
    if member is None:
        return None
    session.flush()
    actor = session.get(accounts.User, user_id)
    involvement = record_involvement(
        session,
        actor,
        member,
        project_id=project_id,
        role=role,
        starts_on=on,
        hours=float(hours),
        status=status,
        note=note or "",
        source="another plugin",
    )
    return involvement.id


@hookimpl
def portal_search(query: str, user: Any) -> list[SearchResult] | None:
    """Members by preferred name, for those who may see the register (nothing special-category)."""
    if not can(user, "network.view_members"):
        return None
    rows = get_session().exec(
        select(NetworkMember)
        .where(search.contains(NetworkMember.preferred_name, query))
        .order_by(col(NetworkMember.preferred_name))
        .limit(search.MAX_RESULTS_PER_GROUP)
    )
    return [
        SearchResult(
            m.preferred_name,
            url_for("plugin_network.member", member_id=m.id),
            summary=_("Network member"),
            group=_("Network members"),
        )
        for m in rows
    ]


@hookimpl
def portal_file_allowed(file: Any, user: Any) -> bool | None:
    """Receipts: the member themself (with an account) and whoever manages payments."""
    if file.plugin != PLUGIN:
        return None
    if can(user, "network.manage_payments"):
        return True
    payment_id = (file.subject_ref or "").removeprefix("network:payment:")
    payment = get_session().get(NetworkPayment, payment_id) if payment_id else None
    mine = member_for_user(get_session(), user)
    return True if payment is not None and mine is not None and payment.member_id == mine.id else None


@hookimpl(trylast=True)
def portal_seed_demo(session: Any) -> None:
    """Runs after the other plugins' demo data, so involvement links to the projects they made."""
    demo.seed(session)


@hookimpl
def portal_seed_scale(session: Any, factor: float) -> None:
    """10,000×factor members, 100,000×factor involvements and 200,000×factor payments, in bulk."""
    scale.seed(session, factor)
    totals.rebuild(session.connection())  # bulk inserts bypass the running totals' hooks
    session.commit()


@hookimpl
def portal_subject_export(person: Any) -> Any:
    return privacy.export(get_session(), person)


@hookimpl
def portal_subject_erase(person: Any, session: Any) -> Any:
    return privacy.erase(session, person)


@hookimpl
def portal_preferred_format(user_id: str) -> str | None:
    return reading.portal_format(user_id, get_session())
