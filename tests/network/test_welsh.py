"""A member who chose Welsh reads their own pages, statement and letter in Welsh.

The member's record, the yearly statement and the letter for Jobcentre Plus (and their Easy Read
versions) come in Welsh, with dates as Welsh writes them ("6 Ebrill 2030") and money formatted by
Babel for Welsh. Every text on those pages is marked for translation and has its Welsh, including
the branches the demo data never reaches (vouchers, reduced, donated and declined fees, expenses).
What the audit log keeps stays in English, whatever the language of the person acting.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

from babel import Locale
from babel.dates import format_date
from babel.messages.pofile import read_po
from sqlmodel import select

from coprod_portal import accounts
from coprod_portal.audit import AuditEvent
from coprod_portal.db import get_session
from coprod_portal.testing import pseudo_translated, translation_probe, untranslated_words, words_in_database
from plugins.network.models import NetworkInvolvement, NetworkPayment

from .helpers import boxes, member_id, post

MEMBER = "member@example.org"  # Maya Williams: caps of £20 a week in the demo data
PAID = date(2031, 1, 10)  # in the 2030 to 2031 tax year, far from the demo data
CATALOGUE = Path(__file__).resolve().parents[2] / "plugins/network/translations/network.pot"


def _words(response) -> str:
    """The page with its runs of spaces and line breaks as single spaces."""
    return " ".join(response.get_data(as_text=True).split())


def _in_welsh(client):
    """The member chooses Welsh with the link every page has; it is stored on their account."""
    assert client.get("/language/cy").status_code == 303
    return client


def _year_of_payments(app) -> str:
    """A fee taken in full, a reduced one in vouchers, a donated and a declined one, an expense,
    and the involvement they paid for: every line the statement and the letter can show."""
    mid = member_id(app, "Maya Williams")
    with app.app_context():
        session = get_session()
        session.add(NetworkInvolvement(member_id=mid, role="writer", starts_on=PAID, ends_on=PAID, hours=3,
                                       preparation_hours=1, mode="remote", status="confirmed"))
        for fields in (
            {"amount_pence": 5000},
            {"amount_pence": 1500, "choice": "reduced", "method": "voucher"},
            {"amount_pence": 0, "choice": "donated", "charity": "Mind"},
            {"amount_pence": 0, "choice": "declined"},
            {"kind": "expense", "amount_pence": 1240, "offered_pence": 1240, "description": "Taxi fare",
             "in_advance": True},
        ):
            session.add(NetworkPayment(member_id=mid, paid_on=PAID, **{
                "kind": "fee", "offered_pence": 5000, "choice": "full", **fields}))
        session.commit()
    return mid


def test_a_member_who_chose_welsh_sees_their_record_in_welsh(app, client_as):
    own = _in_welsh(client_as(MEMBER))
    with app.app_context():
        assert accounts.user_by_email(get_session(), MEMBER).language == "cy"
    page = _words(own.get("/network/me"))
    assert '<html lang="cy"' in page
    assert "Eich cyfranogiad</h1>" in page and "Helo Maya Williams." in page
    assert "Ffioedd mewn un wythnos" in page and "£20.00 (diwrnod cyntaf yr wythnos: Dydd" in page
    assert "Your involvement" not in page and "Fees in one week" not in page


def test_the_statement_in_welsh_has_welsh_dates_and_money(app, client_as):
    _year_of_payments(app)
    own = _in_welsh(client_as(MEMBER))
    page = _words(own.get("/network/me/statement?year=2030"))
    assert "Eich datganiad ar gyfer blwyddyn dreth 2030 i 2031" in page
    assert "O 6 Ebrill 2030 i 5 Ebrill 2031." in page
    assert "10 Ionawr 2031" in page and "January" not in page
    assert "Cyfanswm a gafwyd" in page and "£65.00" in page  # £50 in full and £15 in vouchers
    assert "£65.00 (gyda £15.00 ohono fel talebau" in page
    assert "10 Ionawr 2031: £50.00 wedi'i roi i Mind" in page
    assert "10 Ionawr 2031: £12.40 am Taxi fare (wedi'i dalu ymlaen llaw)" in page
    assert "10 Ionawr 2031: Awdur, 4 awr gan gynnwys paratoi" in page


def test_the_easy_read_statement_in_welsh(app, client_as):
    _year_of_payments(app)
    own = _in_welsh(client_as(MEMBER))
    page = _words(own.get("/network/me/statement?year=2030&format=easy-read"))
    assert "Eich arian ar gyfer blwyddyn dreth 2030 i 2031</h1>" in page and "Hawdd ei Ddeall" in page
    assert "Gwnaethom dalu <strong>£65.00</strong> o ffioedd i chi yn y flwyddyn dreth hon." in page
    assert "Mae'r flwyddyn dreth hon o <strong>6 Ebrill 2030</strong> i <strong>5 Ebrill 2031</strong>." \
        in page
    assert "<strong>10 Ionawr 2031</strong>: £15.00 mewn talebau." in page
    assert "Gwnaethoch gymryd rhan <strong>1</strong> waith." in page  # un waith: Welsh plural forms


def test_the_letter_in_welsh_is_dated_in_welsh(app, client_as):
    mid = member_id(app, "Maya Williams")
    today = date.today()
    with app.app_context():
        session = get_session()
        session.add(NetworkPayment(member_id=mid, kind="fee", offered_pence=1234, amount_pence=1234,
                                   choice="full", paid_on=today + timedelta(days=20)))
        session.commit()
    own = _in_welsh(client_as(MEMBER))
    page = _words(own.get("/network/me/letter"))
    assert f"<p class=\"govuk-body\">{format_date(today, 'd MMMM y', locale='cy_GB')}</p>" in page
    assert "Nid cyflogaeth yw'r cyfranogiad hwn." in page
    assert "Ffioedd a gytunwyd ar gyfer dyddiad diweddarach" in page
    assert f"{format_date(today + timedelta(days=20), 'd MMMM y', locale='cy_GB')}: £12.34" in page
    assert "Yn gywir," in page and "Yours faithfully" not in page
    easy = _words(own.get("/network/me/letter?format=easy-read"))
    assert "Am y llythyr hwn (Hawdd ei Ddeall)" in easy


def test_a_welsh_member_is_told_in_welsh_what_is_wrong_with_their_caps(app, client_as):
    own = _in_welsh(client_as(MEMBER))
    fields = {"weekly_cap": "20", "week_starts": "0", "period_cap": "400", "hours_cap": "16"}
    refused = post(own, "/network/me/caps", {**fields, "period_start_day": "40"})
    page = _words(refused)
    assert refused.status_code == 400
    assert "Rhowch ddiwrnod o&#39;r mis o 1 i 31" in page  # escaped: a message from Python
    assert 'value="400"' in page  # nothing typed is lost
    saved = post(own, "/network/me/caps", {**fields, "period_start_day": "15"}, follow_redirects=True)
    assert "Cafodd y capiau eu cadw." in _words(saved)


def _member_pages(client) -> list[str]:
    return [client.get(path).get_data(as_text=True) for path in (
        "/network/me", "/network/me?format=easy-read", "/network/me/statement?year=2030",
        "/network/me/statement?year=2030&format=easy-read", "/network/me/letter?months=12",
        "/network/me/letter?months=12&format=easy-read", "/network/me/caps")]


def test_every_text_on_a_members_pages_is_marked_for_translation(app, client_as):
    _year_of_payments(app)
    own = client_as(MEMBER)
    english = Locale.parse("en_GB")
    known = words_in_database(app) | {"taxi", "fare", "mind", "bst", "gmt"} | {
        w.casefold() for names in (english.months["format"]["wide"], english.days["format"]["wide"])
        for name in names.values() for w in name.split()}
    with pseudo_translated():
        pages = _member_pages(own)
    shell = re.compile(r"^(Skip to main content|Main|Menu|Search|Inbox|Sign out|Support links|Pagination|"
                       r"Accessibility statement|Data protection complaints|Cymraeg|Easy Read version|"
                       r"Standard version)$")  # the shell's own texts, marked by the shell
    problems = [piece for html in pages for piece in untranslated_words(html, known)
                if not shell.match(piece)]
    assert not problems, problems


def test_every_text_on_a_members_pages_has_its_welsh(app, client_as):
    _year_of_payments(app)
    ours = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(CATALOGUE.open("rb")) if m.id}
    own = _in_welsh(client_as(MEMBER))
    with translation_probe() as probe:
        _member_pages(own)
    assert probe.looked_up & ours
    assert not probe.missing & ours, sorted(probe.missing & ours)


def test_the_audit_log_keeps_english_when_a_welsh_lead_approves_a_fee(app, client_as):
    lead = _in_welsh(client_as("coproduction_lead"))
    mid = member_id(app, "Maya Williams")
    with app.app_context():
        session = get_session()
        involvement = NetworkInvolvement(member_id=mid, role="writer", starts_on=PAID, ends_on=PAID, hours=2,
                                         status="pending")
        session.add(involvement)
        session.commit()
        involvement_id = involvement.id
    approved = post(lead, f"/network/involvements/{involvement_id}/fee",
                    {"offered": "15", "choice": "full", "amount": "", "charity": "", "paid_on": boxes(PAID),
                     "method": "bank"}, follow_redirects=True)
    assert "Cafodd y ffi ei chymeradwyo: £15.00 i&#39;w dalu ar 10 Ionawr 2031." in _words(approved)
    with app.app_context():
        event = get_session().exec(select(AuditEvent).where(AuditEvent.action == "approved a fee")
                                   .order_by(AuditEvent.at.desc())).first()
    assert event is not None and event.detail.startswith("Take the full fee: £15.00 paid on 2031-01-10")
