"""The member's yearly statement and the letter for Jobcentre Plus or the Universal Credit journal."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import select

from coprod_portal.audit import AuditEvent
from coprod_portal.db import get_session
from plugins.network.models import NetworkInvolvement, NetworkPayment
from plugins.network.statement import tax_year_of

from .helpers import boxes, involvements, member_id, post, record_involvement

ON = date(2031, 1, 8)  # a Wednesday in the 2030 to 2031 tax year, far from the demo data


def _fee(client, involvement_id: str, paid_on: date, **data):
    fields = {"offered": "75", "choice": "full", "amount": "", "charity": "", "paid_on": boxes(paid_on)}
    return post(client, f"/network/involvements/{involvement_id}/fee", {"method": "bank", **fields, **data})


def _add_payment(app, mid: str, paid_on: date, **fields) -> None:
    with app.app_context():
        session = get_session()
        values = {"kind": "fee", "offered_pence": 5000, "amount_pence": 5000, "choice": "full", **fields}
        session.add(NetworkPayment(member_id=mid, paid_on=paid_on, **values))
        session.commit()


def test_the_member_sees_a_reduced_fee_in_their_statement_for_that_tax_year(app, client_as):
    lead = client_as("coproduction_lead")
    mid = member_id(app, "Maya Williams")  # chose £20 a week
    assert record_involvement(lead, mid, ON).status_code == 302
    involvement = [i for i in involvements(app, mid) if i.starts_on == ON][0]
    blocked = _fee(lead, involvement.id, ON + timedelta(days=2))
    assert blocked.status_code == 400 and "£20.00 would fit" in blocked.get_data(as_text=True)
    assert (
        _fee(lead, involvement.id, ON + timedelta(days=2), choice="reduced", amount="20").status_code == 302
    )
    # a second involvement that week: the member donates that fee; an expense; a voucher later on
    assert (
        _fee(lead, involvement.id, ON + timedelta(days=3), choice="donated", charity="Mind").status_code
        == 302
    )
    _add_payment(app, mid, ON, kind="expense", offered_pence=1240, amount_pence=1240, description="Taxi fare")
    _add_payment(app, mid, ON + timedelta(days=60), amount_pence=1500, offered_pence=1500, method="voucher")
    _add_payment(app, mid, ON + timedelta(days=61), amount_pence=9999, status="cancelled")

    own = client_as("member@example.org")
    page = own.get("/network/me").get_data(as_text=True)
    assert "/network/me/statement" in page and "/network/me/letter" in page
    statement = own.get("/network/me/statement?year=2030").get_data(as_text=True)
    assert "Your statement for the 2030 to 2031 tax year" in statement
    assert "From 6 April 2030 to 5 April 2031" in statement
    assert "10 January 2031" in statement and "Reduced amount, by your choice" in statement
    assert "£75.00" in statement and "£20.00" in statement
    # £20 + the £15 voucher; the donated fee, the expense and the cancelled payment never count
    assert "Total received" in statement and "£35.00" in statement
    assert "of which £15.00 as vouchers" in statement
    assert "£75.00 donated to Mind" in statement and "not your income" in statement
    assert "£12.40 for Taxi fare" in statement and "(not earnings)" in statement
    assert "£99.99" not in statement
    assert "Tax year 2030 to 2031" not in statement  # the year shown is not offered as a link
    other_year = own.get("/network/me/statement?year=2031").get_data(as_text=True)
    assert "No fees were paid in this tax year." in other_year and "Tax year 2030 to 2031" in other_year
    # the lead sees the same statement for the member
    lead_view = lead.get(f"/network/members/{mid}/statement?year=2030").get_data(as_text=True)
    assert "Statement for the 2030 to 2031 tax year" in lead_view and "£35.00" in lead_view


def test_tax_years_run_from_6_april_to_5_april(app, client_as):
    assert tax_year_of(date(2031, 4, 5)) == 2030 and tax_year_of(date(2031, 4, 6)) == 2031
    mid = member_id(app, "Maya Williams")
    _add_payment(app, mid, date(2033, 4, 5), amount_pence=1111, offered_pence=1111)
    _add_payment(app, mid, date(2033, 4, 6), amount_pence=2222, offered_pence=2222)
    own = client_as("member@example.org")
    earlier = own.get("/network/me/statement?year=2032").get_data(as_text=True)
    later = own.get("/network/me/statement?year=2033").get_data(as_text=True)
    assert "£11.11" in earlier and "£22.22" not in earlier
    assert "£22.22" in later and "£11.11" not in later


def test_statements_are_only_for_the_member_and_the_lead(app, client_as):
    tom = member_id(app, "Tom Okoro")
    member = client_as("member@example.org")
    refused = member.get(f"/network/members/{tom}/statement")
    assert refused.status_code == 403 and "Tom Okoro" not in refused.get_data(as_text=True)
    assert member.get(f"/network/members/{tom}/letter").status_code == 403
    staff = client_as("staff@example.org")
    for path in (
        f"/network/members/{tom}/statement",
        f"/network/members/{tom}/letter",
        "/network/me/statement",
    ):
        assert staff.get(path).status_code in (403, 404), path
    no_record = client_as("coproduction_lead").get("/network/me/statement")
    assert no_record.status_code in (403, 404)


def test_the_letter_states_the_facts_on_the_organisations_name_and_is_dated(app, client_as):
    mid = member_id(app, "Maya Williams")
    today = date.today()
    _add_payment(app, mid, today - timedelta(days=5), amount_pence=4321, offered_pence=4321)
    _add_payment(app, mid, today + timedelta(days=20), amount_pence=1234, offered_pence=1234)
    with app.app_context():
        session = get_session()
        session.add(
            NetworkInvolvement(
                member_id=mid,
                role="writer",
                starts_on=today - timedelta(days=9),
                ends_on=today,
                hours=2,
                preparation_hours=1,
            )
        )
        session.commit()
        organisation = app.config["ORGANISATION_NAME"]
    letter = client_as("member@example.org").get("/network/me/letter").get_data(as_text=True)
    assert organisation in letter and f"{today.day} {today:%B %Y}" in letter
    assert "This involvement is not employment." in letter
    assert "they can stop at any time" in letter and "not our employee" in letter
    assert "Writer, 3 hours including preparation" in letter
    assert "£43.21" in letter and "Fees agreed for a later date" in letter and "£12.34" in letter
    assert "repayments, not earnings" in letter
    # facts only: never which benefit anyone receives, no advice
    for word in ("ESA", "Carer's Allowance", "permitted work", " cap ", "caps"):
        assert word not in letter, word
    assert "the last 12 months" in letter  # other periods offered
    long = client_as("member@example.org").get("/network/me/letter?months=12").get_data(as_text=True)
    assert f"{(today - timedelta(days=365)).day} {today - timedelta(days=365):%B %Y}" in long
    lead_letter = client_as("coproduction_lead").get(f"/network/members/{mid}/letter").get_data(as_text=True)
    assert "Lee Lead, co-production team" in lead_letter
    with app.app_context():
        printed = (
            get_session()
            .exec(
                select(AuditEvent).where(
                    AuditEvent.action == "printed a letter for Jobcentre Plus or the UC journal"
                )
            )
            .all()
        )
        assert len(printed) == 3 and all(e.subject_id == mid for e in printed)


def test_a_member_account_with_no_linked_record_is_told_so_on_every_own_page(app):
    from sqlmodel import Session

    from coprod_portal import accounts
    from coprod_portal.testing import login

    with Session(app.extensions["coprod_engine"]) as session:
        accounts.create_user(session, "unlinked@example.org", "Una Linked", ["network_member"],
                             "a long test passphrase")
        session.commit()
    client = login(app.test_client(), "unlinked@example.org", "a long test passphrase")
    for path in ("/network/me", "/network/me/statement", "/network/me/letter", "/network/me/caps"):
        response = client.get(path)
        assert response.status_code == 200, path  # not a refusal: nothing is linked yet
        assert "We have no network record for your account" in response.get_data(as_text=True), path
