"""Benefit-safe caps: windows, the check by payment date, and the whole fee journey."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlmodel import select

from coprod_portal.db import get_session
from plugins.network.caps import counted_fees, fee_breaches, period_window, week_window
from plugins.network.models import NetworkMember, NetworkPayment

from .helpers import boxes, involvements, member_id, payments, post, record_involvement

FUTURE = date.today() + timedelta(days=60)


def test_weeks_start_on_the_members_own_day():
    wednesday = date(2027, 3, 3)
    assert week_window(wednesday, 0) == (date(2027, 3, 1), date(2027, 3, 7))
    assert week_window(wednesday, 3) == (date(2027, 2, 25), date(2027, 3, 3))  # weeks from Thursday
    assert week_window(wednesday, 2) == (wednesday, date(2027, 3, 9))


def test_periods_starting_on_the_31st_start_on_the_last_day_of_short_months():
    assert period_window(date(2027, 2, 10), 31) == (date(2027, 1, 31), date(2027, 2, 27))
    assert period_window(date(2027, 2, 28), 31) == (date(2027, 2, 28), date(2027, 3, 30))
    assert period_window(date(2027, 4, 30), 31) == (date(2027, 4, 30), date(2027, 5, 30))
    assert period_window(date(2028, 2, 29), 30) == (date(2028, 2, 29), date(2028, 3, 29))  # leap year
    assert period_window(date(2027, 3, 14), 15) == (date(2027, 2, 15), date(2027, 3, 14))


def test_every_day_is_in_exactly_one_period_of_28_to_31_days():
    for start_day in (1, 15, 28, 29, 30, 31):
        day = date(2027, 1, 1)
        while day < date(2029, 1, 1):
            first, last = period_window(day, start_day)
            assert first <= day <= last and 28 <= (last - first).days + 1 <= 31
            assert period_window(last + timedelta(days=1), start_day)[0] == last + timedelta(days=1)
            day += timedelta(days=1)


def test_random_schedules_never_let_an_approved_fee_cross_a_cap(app):
    """Property test (seeded): approve only what the check allows, with random edits and cancels,
    declined and donated fees and expenses; then no week or period is ever over its cap."""
    rng = random.Random(20261201)
    with app.app_context():
        session = get_session()
        for trial in range(25):
            member = NetworkMember(
                preferred_name=f"Random {trial}",
                status="active",
                weekly_cap_pence=rng.choice([None, 2000, 20350, 5000]),
                week_starts=rng.randrange(7),
                period_cap_pence=rng.choice([None, 42700, 10000]),
                period_start_day=rng.randint(1, 31),
            )
            session.add(member)
            session.flush()
            approved: list[NetworkPayment] = []
            for _ in range(40):
                paid_on = date(2027, 1, 1) + timedelta(days=rng.randrange(120))
                amount = rng.choice([500, 2000, 2500, 7500, 15000])
                kind = rng.choice(["fee", "fee", "fee", "expense"])
                choice = rng.choice(["full", "full", "reduced", "declined", "donated"])
                counted = amount if kind == "fee" and choice in ("full", "reduced") else 0
                action = rng.random()
                if approved and action < 0.15:  # edit: move an approved fee, re-checked
                    payment = rng.choice(approved)
                    if not fee_breaches(session, member, paid_on, payment.amount_pence, leave_out=payment.id):
                        payment.paid_on = paid_on
                        session.add(payment)
                elif approved and action < 0.25:  # cancel
                    rng.choice(approved).status = "cancelled"
                elif not fee_breaches(session, member, paid_on, counted):
                    payment = NetworkPayment(
                        member_id=member.id,
                        kind=kind,
                        offered_pence=amount,
                        amount_pence=counted if kind == "fee" else amount,
                        choice=choice if kind == "fee" else "full",
                        paid_on=paid_on,
                    )
                    session.add(payment)
                    approved.append(payment)
                session.flush()
            _assert_no_window_over(session, member)
        session.rollback()


def _assert_no_window_over(session, member: NetworkMember) -> None:
    day = date(2027, 1, 1)
    while day < date(2027, 5, 15):
        if member.weekly_cap_pence is not None:
            first, last = week_window(day, member.week_starts)
            assert counted_fees(session, member.id, first, last) <= member.weekly_cap_pence
        if member.period_cap_pence is not None:
            first, last = period_window(day, member.period_start_day)
            assert counted_fees(session, member.id, first, last) <= member.period_cap_pence
        day += timedelta(days=1)


def _fee(client, involvement_id: str, **data):
    fields = {
        "offered": "75",
        "choice": "full",
        "amount": "",
        "charity": "",
        "paid_on": boxes(FUTURE),
        "method": "bank",
        **data,
    }
    return post(client, f"/network/involvements/{involvement_id}/fee", fields)


def test_a_fee_over_the_members_cap_is_blocked_then_reduced_and_the_member_sees_it(app, client_as):
    lead = client_as("coproduction_lead")
    mid = member_id(app, "Maya Williams")  # chose £20 a week
    assert record_involvement(lead, mid, FUTURE).status_code == 302
    involvement = max(involvements(app, mid), key=lambda i: i.created_at)
    before = len(payments(app, mid))
    blocked = _fee(lead, involvement.id)
    page = blocked.get_data(as_text=True)
    assert blocked.status_code == 400
    assert "over the cap they chose for the week" in page and "£20.00 would fit" in page
    assert "Reduce it to £20.00 or less, move the payment date, decline it or donate it" in page
    assert 'value="75"' in page and "Nothing was saved" in page
    assert len(payments(app, mid)) == before
    approved = _fee(lead, involvement.id, choice="reduced", amount="20")
    assert approved.status_code == 302
    fee = [p for p in payments(app, mid) if p.paid_on == FUTURE][0]
    assert (fee.offered_pence, fee.amount_pence, fee.choice) == (7500, 2000, "reduced")
    own = client_as("member@example.org").get("/network/me").get_data(as_text=True)
    assert "Take a reduced amount" in own and "£75.00" in own and "£20.00" in own
    # a second fee in the same week is now blocked even for £1; declining or donating is fine
    second = _fee(lead, involvement.id, offered="1")
    assert second.status_code == 400 and "£0.00 would fit" in second.get_data(as_text=True)
    assert _fee(lead, involvement.id, choice="donated", charity="Mind").status_code == 302
    assert _fee(lead, involvement.id, choice="declined").status_code == 302


def test_expenses_never_count_and_cancelling_frees_the_cap(app, client_as):
    lead = client_as("coproduction_lead")
    mid = member_id(app, "Maya Williams")
    record_involvement(lead, mid, FUTURE)
    involvement = max(involvements(app, mid), key=lambda i: i.created_at)
    assert (
        post(
            lead,
            f"/network/members/{mid}/expenses/new",
            {
                "amount": "250",
                "description": "Taxi and carer cover",
                "paid_on": boxes(FUTURE),
                "in_advance": "y",
            },
        ).status_code
        == 302
    )
    assert _fee(lead, involvement.id, offered="20").status_code == 302  # the expense did not count
    fee = [p for p in payments(app, mid) if p.paid_on == FUTURE and p.kind == "fee"][0]
    assert _fee(lead, involvement.id, offered="5").status_code == 400
    assert post(lead, f"/network/payments/{fee.id}/cancel", {}).status_code == 302
    assert _fee(lead, involvement.id, offered="5").status_code == 302


def test_editing_a_fee_is_checked_again(app, client_as):
    lead = client_as("coproduction_lead")
    mid = member_id(app, "Maya Williams")
    record_involvement(lead, mid, FUTURE)
    involvement = max(involvements(app, mid), key=lambda i: i.created_at)
    assert _fee(lead, involvement.id, offered="15").status_code == 302
    fee = [p for p in payments(app, mid) if p.paid_on == FUTURE][0]
    path = f"/network/payments/{fee.id}/edit"
    same = {"choice": "full", "amount": "", "charity": "", "paid_on": boxes(FUTURE), "method": "voucher"}
    assert post(lead, path, {**same, "offered": "20"}).status_code == 302  # its own £15 is not counted twice
    refused = post(lead, path, {**same, "offered": "21"})
    assert refused.status_code == 400 and "£20.00 would fit" in refused.get_data(as_text=True)
    with app.app_context():
        assert get_session().get(NetworkPayment, fee.id).amount_pence == 2000


def test_bad_amounts_and_dates_are_refused_next_to_the_field(app, client_as):
    lead = client_as("coproduction_lead")
    mid = member_id(app, "Tom Okoro")
    record_involvement(lead, mid, FUTURE)
    involvement = max(involvements(app, mid), key=lambda i: i.created_at)
    for offered, message in (
        ("-5", "Enter an amount of £0 or more"),
        ("lots", "Enter an amount in pounds"),
        ("99999999", "Enter an amount of £10,000 or less"),
    ):
        response = _fee(lead, involvement.id, offered=offered)
        assert response.status_code == 400 and message in response.get_data(as_text=True)
    reduced = _fee(lead, involvement.id, choice="reduced", amount="80")
    assert "Enter an amount smaller than the fee offered" in reduced.get_data(as_text=True)
    donated = _fee(lead, involvement.id, choice="donated")
    assert "Enter the name of the charity" in donated.get_data(as_text=True)
    too_long = record_involvement(lead, mid, FUTURE, hours="20", prep="5")
    assert "no more than 24 hours for each day" in too_long.get_data(as_text=True)
    wrong_order = record_involvement(lead, mid, FUTURE, ends_on=boxes(FUTURE - timedelta(days=1)))
    assert "The last day must be the same as or after the first day" in wrong_order.get_data(as_text=True)
    assert 'value="3"' in wrong_order.get_data(as_text=True)


def test_hours_over_the_members_own_cap_need_their_agreement(app, client_as):
    lead = client_as("coproduction_lead")
    mid = member_id(app, "Maya Williams")  # chose 16 hours a week
    refused = record_involvement(lead, mid, FUTURE, hours="15", prep="2")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "chose to do at most 16 hours in a week" in page
    before = len(involvements(app, mid))
    agreed = record_involvement(lead, mid, FUTURE, hours="15", prep="2", hours_cap_agreed="y")
    assert agreed.status_code == 302 and len(involvements(app, mid)) == before + 1


def test_members_set_their_own_caps_and_see_published_limits_as_examples(app, client_as):
    member = client_as("member@example.org")
    page = member.get("/network/me/caps").get_data(as_text=True)
    assert "ESA permitted work, higher limit" in page and "£203.50" in page
    assert "We never ask or keep which benefits you receive" in page
    bad = post(
        member,
        "/network/me/caps",
        {
            "weekly_cap": "-1",
            "week_starts": "3",
            "period_cap": "100",
            "period_start_day": "",
            "hours_cap": "200",
        },
    )
    text = bad.get_data(as_text=True)
    assert bad.status_code == 400
    assert "Enter an amount of £0 or more" in text
    assert "Enter the day of the month your assessment period starts" in text
    assert "Enter 168 hours or fewer" in text
    ok = post(
        member,
        "/network/me/caps",
        {
            "weekly_cap": "203.50",
            "week_starts": "3",
            "period_cap": "",
            "period_start_day": "",
            "hours_cap": "",
        },
    )
    assert ok.status_code == 302
    with app.app_context():
        maya = (
            get_session()
            .exec(select(NetworkMember).where(NetworkMember.preferred_name == "Maya Williams"))
            .one()
        )
        assert (maya.weekly_cap_pence, maya.week_starts, maya.period_cap_pence, maya.hours_cap) == (
            20350,
            3,
            None,
            None,
        )


def test_a_member_sees_only_their_own_record(app, client_as):
    member = client_as("member@example.org")
    own = member.get("/network/me").get_data(as_text=True)
    assert "Hello Maya Williams" in own and "Return train ticket" in own
    assert member.get(f"/network/members/{member_id(app, 'Tom Okoro')}").status_code == 403
    assert member.get(f"/network/members/{member_id(app, 'Maya Williams')}").status_code == 403
    assert member.get("/network/").status_code == 403
    assert "Your involvement" in member.get("/").get_data(as_text=True)


def test_the_lead_adds_next_years_rate_without_overwriting_history(app, client_as):
    lead = client_as("coproduction_lead")
    bad = post(
        lead,
        "/network/rates",
        {
            "key": "ESA higher",
            "label": "x",
            "amount": "",
            "window": "week",
            "effective_from": ["6", "4", "2027"],
            "source_url": "gov.uk",
            "basis": "",
        },
    )
    text = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "Use lower-case letters" in text and "Enter the amount" in text
    assert "Enter a web address starting with https://" in text
    assert client_as("staff@example.org").get("/network/rates").status_code == 403
    ok = post(
        lead,
        "/network/rates",
        {
            "key": "esa_permitted_work_higher",
            "label": "ESA permitted work, higher",
            "amount": "210",
            "window": "week",
            "effective_from": ["6", "4", "2027"],
            "source_url": "https://www.gov.uk/",
            "basis": "",
        },
    )
    assert ok.status_code == 302
    page = lead.get("/network/rates").get_data(as_text=True)
    assert "£203.50" in page and "£210.00" in page
