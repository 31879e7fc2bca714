"""The demo network is a real one, the benchmark data set loads, and pages stay flat as data grows."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import func
from sqlmodel import select

from coprod_portal.db import get_session
from coprod_portal.projects import Project
from coprod_portal.testing import queries_run
from plugins.network import caps
from plugins.network.models import NetworkInvolvement, NetworkMember, NetworkPayment
from plugins.network.reports import current_year_start


def _queries(app, client, path: str) -> int:
    client.get(path)  # warm: sessions, permissions, caches
    return len(queries_run(app, client, path))


def _no_fee_crosses_a_cap(session, members) -> None:
    for member in members:
        fees = session.exec(
            select(NetworkPayment).where(NetworkPayment.member_id == member.id, NetworkPayment.kind == "fee")
        ).all()
        for fee in fees:
            if member.weekly_cap_pence is not None:
                first, last = caps.week_window(fee.paid_on, member.week_starts)
                assert caps.counted_fees(session, member.id, first, last) <= member.weekly_cap_pence
            if member.period_cap_pence is not None:
                first, last = caps.period_window(fee.paid_on, member.period_start_day)
                assert caps.counted_fees(session, member.id, first, last) <= member.period_cap_pence


def test_the_demo_shows_a_network_of_an_ordinary_year(app):
    with app.app_context():
        session = get_session()
        assert session.exec(select(func.count()).select_from(NetworkMember)).one() >= 50
        year_start = current_year_start() - timedelta(days=365)
        involved_projects = session.exec(
            select(func.count(func.distinct(NetworkInvolvement.project_id))).where(
                NetworkInvolvement.starts_on >= year_start
            )
        ).one()
        assert involved_projects >= 25
        # the network links to the projects other plugins made, and made none with their titles twice
        titles = session.exec(select(Project.title)).all()
        assert len(titles) == len(set(titles))
        _no_fee_crosses_a_cap(session, session.exec(select(NetworkMember)).all())


def test_the_member_list_the_record_and_the_report_do_not_grow_with_the_data(app, client_as):
    lead = client_as("coproduction_lead")
    year = current_year_start().year
    maya = client_as("member@example.org")
    with app.app_context():
        mid = (
            get_session()
            .exec(select(NetworkMember.id).where(NetworkMember.preferred_name == "Tom Okoro"))
            .one()
        )
    pages = ["/network/", "/network/?page=2", f"/network/reports?year={year}", f"/network/members/{mid}"]
    before = {path: _queries(app, lead, path) for path in pages}
    own_before = _queries(app, maya, "/network/me")
    with app.app_context():
        session = get_session()
        project_ids = session.exec(select(Project.id)).all()
        on = current_year_start() + timedelta(days=3)
        for n in range(120):
            member = NetworkMember(preferred_name=f"Added member {n:03d}", status="active")
            session.add(member)
            session.flush()
            for target in (member.id, mid):
                involvement = NetworkInvolvement(
                    member_id=target,
                    project_id=project_ids[n % len(project_ids)],
                    role="advisory_group",
                    starts_on=on,
                    ends_on=on,
                    hours=1,
                )
                session.add(involvement)
                session.flush()
                session.add(
                    NetworkPayment(
                        member_id=target,
                        involvement_id=involvement.id,
                        kind="fee",
                        offered_pence=100,
                        amount_pence=100,
                        paid_on=on,
                    )
                )
        session.commit()
    after = {path: _queries(app, lead, path) for path in pages}
    assert after == before
    assert _queries(app, maya, "/network/me") == own_before


def test_the_benchmark_data_set_loads_in_bulk_and_the_list_still_paginates(app, client_as):
    with app.app_context():
        session = get_session()
        counts = [
            session.exec(select(func.count()).select_from(m)).one()
            for m in (NetworkMember, NetworkInvolvement)
        ]
        payments = session.exec(select(func.count()).select_from(NetworkPayment)).one()
    result = app.test_cli_runner().invoke(args=["seed-scale", "--factor", "0.01"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        session = get_session()
        assert session.exec(select(func.count()).select_from(NetworkMember)).one() == counts[0] + 100
        assert session.exec(select(func.count()).select_from(NetworkInvolvement)).one() == counts[1] + 1000
        assert session.exec(select(func.count()).select_from(NetworkPayment)).one() == payments + 2000
        scale_members = session.exec(
            select(NetworkMember).where(NetworkMember.preferred_name.startswith("Scale member"))  # type: ignore[attr-defined]
        ).all()
        assert len(scale_members) == 100
        in_projects = session.exec(
            select(func.count())
            .select_from(NetworkInvolvement)
            .join(Project, Project.id == NetworkInvolvement.project_id)
            .where(Project.title.startswith("Scale project"))  # type: ignore[attr-defined]
        ).one()
        assert in_projects == 1000
        assert all(
            i.starts_on <= date.today()
            for i in session.exec(
                select(NetworkInvolvement).where(NetworkInvolvement.recorded_by == "Scale data")
            )
        )
        _no_fee_crosses_a_cap(session, scale_members)
    lead = client_as("coproduction_lead")
    first = lead.get("/network/").get_data(as_text=True)
    total = counts[0] + 100
    assert (
        f"{total} members" in first and len(re.findall(r'href="/network/members/[0-9a-f]{32}"', first)) == 50
    )
