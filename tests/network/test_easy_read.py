"""Easy Read versions of a member's own pages, and the format in their network record.

A member who asked for Easy Read (in their network record, or on /account/preferences) is shown
the Easy Read version of their record, statement and letter first; the "Standard version" /
"Easy Read version" link switches, and the choice is kept on the next pages. Nobody else sees a
member's pages in either version.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlmodel import Session

from coprod_portal import accounts, notifications
from coprod_portal.db import get_session
from plugins.network.models import NetworkMember, NetworkPayment

from .helpers import member_id, post

MEMBER = "member@example.org"  # Maya Williams: standard format in the demo data
EASY_HEADING = "Your involvement</h1>"
FIELDS = {"phone": "", "contact_by": "email", "status": "active", "status_reason": ""}


def _set_record_format(app, fmt: str) -> None:
    with app.app_context():
        session = get_session()
        session.get(NetworkMember, member_id(app, "Maya Williams")).preferred_format = fmt
        session.commit()


def _portal_format(app, email: str) -> str:
    with Session(app.extensions["coprod_engine"]) as session, app.test_request_context():
        return notifications.preference(session, accounts.user_by_email(session, email).id).format


def _words(response) -> str:
    """The page with its runs of spaces and line breaks as single spaces."""
    return " ".join(response.get_data(as_text=True).split())


def _is_easy(page: str) -> bool:
    return "Easy Read</span>" in page and "A <strong>fee</strong> is money for your time." in page


def test_the_format_in_the_network_record_is_the_portal_format_until_the_member_chooses(app, client_as):
    assert _portal_format(app, MEMBER) == "standard"
    _set_record_format(app, "easy_read")
    assert _portal_format(app, MEMBER) == "easy_read"
    own = client_as(MEMBER)
    page = _words(own.get("/network/me"))
    assert _is_easy(page)
    assert "Hello <strong>Maya Williams</strong>." in page
    assert "Fees in one week: no more than <strong>£20.00</strong>." in page
    assert 'href="/network/me?format=standard">Standard version' in page
    # the preferences page starts from the record's format, so saving it keeps Easy Read
    form = _words(own.get("/account/preferences"))
    assert 'value="easy_read" checked' in form
    # formats the portal cannot show on screen leave it at standard
    _set_record_format(app, "bsl")
    assert _portal_format(app, MEMBER) == "standard"
    assert "Easy Read version" in _words(own.get("/network/me"))


def test_the_members_own_choice_in_preferences_wins_over_the_record(app, client_as):
    _set_record_format(app, "easy_read")
    own = client_as(MEMBER)
    saved = post(own, "/account/preferences", {"email": "yes", "format": "large_print", "sign_in": "either"})
    assert saved.status_code == 302
    assert _portal_format(app, MEMBER) == "large_print"
    assert not _is_easy(_words(own.get("/network/me")))


def test_a_new_format_recorded_by_the_team_becomes_the_members_portal_format(app, client_as):
    own = client_as(MEMBER)
    post(own, "/account/preferences", {"email": "no", "format": "large_print", "sign_in": "either"})
    lead = client_as("coproduction_lead")
    mid = member_id(app, "Maya Williams")
    edit = {**FIELDS, "preferred_name": "Maya Williams", "email": MEMBER, "account_email": MEMBER}
    changed = post(lead, f"/network/members/{mid}/edit", {**edit, "preferred_format": "easy_read"})
    assert changed.status_code == 302
    assert _portal_format(app, MEMBER) == "easy_read"
    with Session(app.extensions["coprod_engine"]) as session:
        assert notifications.preference(session, accounts.user_by_email(session, MEMBER).id).email is False
    assert _is_easy(_words(own.get("/network/me")))
    # saving the record again without changing the format leaves the member's own later choice alone
    post(own, "/account/preferences", {"email": "yes", "format": "plain_text", "sign_in": "either"})
    assert post(lead, f"/network/members/{mid}/edit", {**edit, "preferred_format": "easy_read",
                                                        "phone": "0161 496 0000"}).status_code == 302
    assert _portal_format(app, MEMBER) == "plain_text"


def test_easy_read_pages_give_the_same_money_facts_in_plain_words(app, client_as):
    mid = member_id(app, "Maya Williams")
    on = date(2031, 1, 8)
    with app.app_context():
        session = get_session()
        for fields in (
            {"kind": "fee", "offered_pence": 7500, "amount_pence": 2000, "choice": "reduced"},
            {"kind": "fee", "offered_pence": 7500, "amount_pence": 0, "choice": "donated", "charity": "Mind"},
            {"kind": "fee", "offered_pence": 1500, "amount_pence": 1500, "method": "voucher"},
            {"kind": "expense", "offered_pence": 1240, "amount_pence": 1240, "description": "Taxi fare"},
            {"kind": "fee", "offered_pence": 9999, "amount_pence": 9999, "status": "cancelled"},
        ):
            session.add(NetworkPayment(member_id=mid, paid_on=on, **fields))
        session.commit()
    own = client_as(MEMBER)
    statement = _words(own.get("/network/me/statement?year=2030&format=easy-read"))
    assert "Your money for the 2030 to 2031 tax year" in statement
    assert "This tax year is from <strong>6 April 2030</strong> to <strong>5 April 2031</strong>." in (
        statement
    )
    assert "We paid you <strong>£35.00</strong> in fees this tax year." in statement
    assert "<strong>£15.00</strong> of this was <strong>vouchers</strong>." in statement
    assert "Fees count as <strong>income</strong>. Vouchers count as income too." in statement
    assert "You chose to take less than the full fee of £75.00." in statement
    assert "£75.00, given to <strong>Mind</strong>." in statement
    assert "This money is <strong>not</strong> your income." in statement
    assert "We paid you back <strong>£12.40</strong> this tax year." in statement
    assert "Expenses are <strong>not</strong> earnings." in statement and "£99.99" not in statement
    assert "8 January 2031" in statement
    assert 'href="/network/me/statement?year=2030&amp;format=standard">Standard version' in statement
    record = _words(own.get("/network/me"))
    assert "you gave a fee of £75.00 to <strong>Mind</strong>. We paid you nothing." in record
    # 2031 is still to come, so the record says what we will pay
    assert "we will pay you a fee of <strong>£15.00</strong> in <strong>vouchers</strong>." in record
    assert "we will pay you back <strong>£12.40</strong> for Taxi fare." in record
    assert "a payment of £99.99 was <strong>cancelled</strong>. We did not pay it." in record


def test_the_switch_overrides_the_preference_and_is_kept_across_pages(app, client_as):
    _set_record_format(app, "easy_read")
    own = client_as(MEMBER)
    assert _is_easy(_words(own.get("/network/me")))
    standard = _words(own.get("/network/me?format=standard"))
    assert not _is_easy(standard) and 'href="/network/me?format=easy-read">Easy Read version' in standard
    assert "Your statement for the" in _words(own.get("/network/me/statement"))
    letter = _words(own.get("/network/me/letter"))
    assert "About this letter (Easy Read)" not in letter and "This involvement is not employment." in letter
    # and back: a member who prefers standard picks Easy Read once, and it stays
    _set_record_format(app, "standard")
    other = client_as(MEMBER)
    assert not _is_easy(_words(other.get("/network/me")))
    assert _is_easy(_words(other.get("/network/me?format=easy-read")))
    assert "Your money for the" in _words(other.get("/network/me/statement"))
    letter = _words(other.get("/network/me/letter"))
    assert "It says that taking part is <strong>not a job</strong>." in letter
    assert "This involvement is not employment." in letter  # the letter itself is unchanged
    assert "We paid you nothing" not in letter


def test_the_letter_in_easy_read_still_names_no_benefit_and_gives_no_advice(app, client_as):
    mid = member_id(app, "Maya Williams")
    with app.app_context():
        session = get_session()
        session.add(NetworkPayment(member_id=mid, kind="fee", offered_pence=4321, amount_pence=4321,
                                   paid_on=date.today() - timedelta(days=3)))
        session.commit()
    letter = _words(client_as(MEMBER).get("/network/me/letter?format=easy-read"))
    total = re.search(r"Total fees paid in this period: (£[\d,.]+)\.", letter).group(1)
    assert f"It says we paid you <strong>{total}</strong> in fees in that time." in letter
    assert "£43.21" in letter
    for word in ("ESA", "Carer's Allowance", "permitted work", " cap ", "caps"):
        assert word not in letter, word


def test_nobody_else_sees_a_members_pages_in_either_version(app, client_as):
    _set_record_format(app, "easy_read")
    mid = member_id(app, "Maya Williams")
    staff = client_as("staff@example.org")
    for path in (f"/network/members/{mid}", f"/network/members/{mid}/statement",
                 f"/network/members/{mid}/letter"):
        for version in ("", "?format=easy-read"):
            refused = staff.get(path + version)
            assert refused.status_code in (403, 404), path + version
            assert "Maya Williams" not in _words(refused)
    for version in ("", "?format=easy-read"):
        assert staff.get("/network/me" + version).status_code in (403, 404)
    # the lead sees the standard record, with no switch: the Easy Read pages are the member's own
    lead_view = client_as("coproduction_lead").get(f"/network/members/{mid}?format=easy-read")
    page = _words(lead_view)
    assert lead_view.status_code == 200 and "Maya Williams" in page
    assert not _is_easy(page) and "Easy Read version" not in page
