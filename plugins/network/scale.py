"""The network's share of the benchmark data set (``flask --app wsgi seed-scale``).

At factor 1.0: 10,000 members, 100,000 involvements and 200,000 payments (a fee and an expense
for each involvement), spread over the two years before today across the core's "Scale project"
rows. Each member's involvements are ten weeks apart and the caps are chosen so that no fee ever
crosses one (one fee of at most £75 a week; assessment-period caps of £427 or more). Inserted in
bulk, in batches of 1,000, committed per batch.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from coprod_portal.db import new_id, utcnow
from coprod_portal.projects import Project

from .forms import ROLES
from .models import NetworkInvolvement, NetworkMember, NetworkPayment

BATCH = 1000
MEMBERS, INVOLVEMENTS, PAYMENTS = 10_000, 100_000, 200_000
ROLE_KEYS = list(ROLES)


def _insert(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), BATCH):
        session.execute(insert(model), rows[start : start + BATCH])
        session.commit()


def seed(session: Session, factor: float, today: date | None = None) -> tuple[int, int, int]:
    """Add the members, involvements and payments; returns how many of each were added."""
    today = today or date.today()
    now = utcnow()
    members_wanted = max(1, int(MEMBERS * factor))
    involvements_wanted = int(INVOLVEMENTS * factor)
    payments_wanted = int(PAYMENTS * factor)
    projects = list(
        session.exec(
            select(Project.id)
            .where(col(Project.title).startswith("Scale project"))
            .order_by(col(Project.title))
        )
    ) or [None]
    run = new_id()[:6]  # several runs never clash on names
    members = []
    for n in range(members_wanted):
        capped = n % 3
        members.append(
            {
                "id": new_id(),
                "preferred_name": f"Scale member {run} {n:05d}",
                "phone": "",
                "contact_by": "email",
                "preferred_format": "standard",
                "status": "active",
                "status_reason": "",
                "weekly_cap_pence": (None, 20350, 7500)[capped],
                "week_starts": n % 7,
                "period_cap_pence": 42700 if capped == 2 else None,
                "period_start_day": (n % 31) + 1 if capped == 2 else None,
                "hours_cap": None,
                "caps_updated_by": "",
                "created_at": now,
                "updated_at": now,
            }
        )
    _insert(session, NetworkMember, members)
    involvements, payments = [], []
    first_day = today - timedelta(days=730)
    for k in range(involvements_wanted):
        member = members[k % members_wanted]
        round_ = k // members_wanted
        on = first_day + timedelta(days=(70 * round_ + k % 61) % 730)
        involvement_id = new_id()
        hours = float(1 + k % 4)
        involvements.append(
            {
                "id": involvement_id,
                "member_id": member["id"],
                "project_id": projects[k % len(projects)],
                "role": ROLE_KEYS[k % len(ROLE_KEYS)],
                "starts_on": on,
                "ends_on": on,
                "hours": hours,
                "preparation_hours": 1.0,
                "mode": "remote" if k % 2 else "in_person",
                "status": "confirmed",
                "note": "",
                "source": "network",
                "hours_cap_agreed": False,
                "recorded_by": "Scale data",
                "created_at": now,
            }
        )
        for kind in ("fee", "expense"):
            if len(payments) >= payments_wanted:
                break
            amount = min(7500, int(hours * 2000)) if kind == "fee" else 1240
            payments.append(
                {
                    "id": new_id(),
                    "member_id": member["id"],
                    "involvement_id": involvement_id,
                    "kind": kind,
                    "offered_pence": amount,
                    "amount_pence": amount,
                    "choice": "full",
                    "charity": "",
                    "method": "bank",
                    "paid_on": on + timedelta(days=7 if kind == "fee" else 0),
                    "in_advance": False,
                    "description": "" if kind == "fee" else "Travel",
                    "status": "approved",
                    "recorded_by": "Scale data",
                    "created_at": now,
                    "updated_at": now,
                }
            )
    _insert(session, NetworkInvolvement, involvements)
    _insert(session, NetworkPayment, payments)
    return len(members), len(involvements), len(payments)
