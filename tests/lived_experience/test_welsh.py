"""A member of staff who chose Welsh contributes, agrees, reads their list and withdraws in Welsh.

What they wrote is their own data and is never translated; the audit log stays in English for
everyone who reads it later; a notification is written in the language of the person it is for,
not of the person whose action sent it.
"""

import re
from datetime import timedelta
from html import unescape

from babel.dates import format_date
from sqlmodel import select

from coprod_portal.accounts import user_by_email
from coprod_portal.audit import AuditEvent
from coprod_portal.db import get_session
from coprod_portal.notifications import Notification
from coprod_portal.testing import csrf_token
from plugins.lived_experience import service
from plugins.lived_experience.models import LivedExperienceContribution
from plugins.lived_experience.pseudonyms import WELSH_WORDS

from .helpers import SECRET, contribute, demo_contribution_id, new_contribution, opt_in

TYPED = "Pan ddaeth y tîm argyfwng, roeddwn i'n teimlo fel parsel yn cael ei basio ymlaen"


def text(response):
    """The page as a reader sees it (quotes and ampersands unescaped)."""
    return unescape(response.get_data(as_text=True))


def in_welsh(client):
    """The person's own choice, stored on their account by the language link."""
    assert client.get("/language/cy").status_code == 303
    return client


def test_the_explanation_and_the_consent_wording_are_in_welsh(client_as):
    lead = in_welsh(client_as("lead@example.org"))
    page = text(lead.get("/lived_experience/"))
    assert 'lang="cy"' in page
    assert "Cyn i chi benderfynu" in page and "Deddf Cydraddoldeb 2010" in page
    assert "Rydw i wedi darllen hwn. Rydw i eisiau cymryd rhan" in page
    assert "Before you decide" not in page and "Take part" not in page
    opt_in(lead)
    form = text(lead.get("/lived_experience/new"))
    assert "Ysgrifennu cyfraniad" in form and "Rhannu'n ddiogel" in form
    assert "Pwy all ei ddarllen?" in form and "Beth rydych chi'n cytuno iddo" in form
    assert "Rwy'n cytuno y caiff yr arweinydd cyd-gynhyrchu ddarllen y cyfraniad hwn" in form
    assert "Fersiwn 2026-12 o eiriad y caniatâd" in form
    assert "Anfon fy nghyfraniad" in form and "Argyfwng neu drallod iechyd meddwl" in form
    assert "Sharing safely" not in form and "I agree that" not in form
    assert 'value="lead_only" checked' in form  # still the most private option
    suggested = re.search(r'name="pseudonym" type="text" spellcheck="false" value="(\w+) (\w+)"', form)
    assert suggested is not None and set(suggested.groups()) <= set(WELSH_WORDS)


def test_an_error_is_in_welsh_and_nothing_typed_is_lost(client_as):
    lead = in_welsh(client_as("lead@example.org"))
    opt_in(lead)
    response = contribute(lead, text=TYPED, visibility="org_pseudonymous", consent=False)
    assert response.status_code == 400
    page = text(response)
    assert "Ticiwch y blwch i gytuno i'r ffordd y bydd eich cyfraniad yn cael ei rannu" in page
    assert "Tick the box" not in page
    assert TYPED in page and 'value="org_pseudonymous" checked' in page
    assert 'value="Willow Lark"' in page

    response = contribute(lead, text=TYPED, pseudonym="Wren 1984")
    assert response.status_code == 400
    page = text(response)
    assert "Defnyddiwch ffugenw heb rifau na chyfeiriadau e-bost" in page
    assert TYPED in page


def test_their_list_and_their_contribution_are_in_welsh_but_what_they_wrote_is_not_translated(
        app, client_as):
    lead = in_welsh(client_as("lead@example.org"))
    cid = new_contribution(app, lead, text=TYPED + "\n" + SECRET)
    thanks = text(lead.get(f"/lived_experience/contributions/{cid}/sent"))
    assert "Diolch am rannu" in thanks and "Wedi'i rannu fel Willow Lark" in thanks
    listing = text(lead.get("/lived_experience/"))
    assert "Beth rydych chi wedi'i rannu" in listing and "Yn aros am adolygiad" in listing
    assert "Yr arweinydd cyd-gynhyrchu yn unig" in listing and "Willow Lark" in listing
    today = format_date(service.today(), "d MMMM y", locale="cy_GB")
    assert today in listing  # the date in Welsh, for example 4 Rhagfyr 2026
    assert "Stopio cymryd rhan" in listing and "Gofalu amdanoch chi eich hun" in listing
    page = text(lead.get(f"/lived_experience/contributions/{cid}"))
    assert "Eich cyfraniad" in page and "Hanes eich caniatâd" in page
    assert "Tynnu'r cyfraniad hwn yn ôl" in page
    assert TYPED in page and SECRET in page  # their own words, as they wrote them
    with app.app_context():
        details = get_session().exec(select(AuditEvent.detail).where(AuditEvent.subject_id == cid)).all()
    assert "visibility: Only the co-production lead" in details  # the audit log stays in English


def test_withdrawing_and_stopping_are_confirmed_in_welsh(app, client_as):
    lead = in_welsh(client_as("lead@example.org"))
    cid = new_contribution(app, lead)
    path = f"/lived_experience/contributions/{cid}"
    response = lead.post(f"{path}/withdraw", data={"csrf_token": csrf_token(lead, path)},
                         follow_redirects=True)
    page = text(response)
    assert "Cafodd eich cyfraniad ei dynnu'n ôl" in page
    assert "Cafodd yr hyn a ysgrifennoch chi ei ddileu" in page  # the list's withdrawn row
    response = lead.post("/lived_experience/stop-taking-part",
                         data={"csrf_token": csrf_token(lead, "/lived_experience/")}, follow_redirects=True)
    assert "Rydych chi wedi stopio cymryd rhan" in text(response)


def test_a_wellbeing_check_in_is_asked_for_in_welsh(client_as):
    staff = in_welsh(client_as("staff@example.org"))
    page = text(staff.get("/lived_experience/check-in"))
    assert "Gofyn i'r arweinydd diogelu am sgwrs" in page and "Galwad ffôn" in page
    refused = staff.post("/lived_experience/check-in", data={
        "how_to_reach": "phone", "csrf_token": csrf_token(staff, "/lived_experience/check-in")})
    assert refused.status_code == 400
    assert "Dewiswch pryd hoffech chi siarad" in text(refused)
    assert 'value="phone" checked' in text(refused)


def test_the_contributor_is_told_of_a_review_in_their_own_language(app, client_as):
    staff = in_welsh(client_as("staff@example.org"))
    cid = demo_contribution_id(app)
    lead = client_as("lead@example.org")  # reviews in English
    response = lead.post(f"/lived_experience/contributions/{cid}/review", data={
        "decision": "changes_requested", "note": "Diolch",
        "csrf_token": csrf_token(lead, f"/lived_experience/contributions/{cid}/review")},
        follow_redirects=True)
    assert "Saved: changes asked for. The contributor has been told." in text(response)
    with app.app_context():
        note = get_session().exec(
            select(Notification).where(Notification.category == "lived-experience")).one()
        details = get_session().exec(select(AuditEvent.detail).where(AuditEvent.subject_id == cid)).all()
    assert note.title == "Mae'r arweinydd cyd-gynhyrchu wedi adolygu eich cyfraniad"
    assert "gofynnwyd am newidiadau" in note.body and "Agorwch ef i ddarllen eu nodyn" in note.body
    assert "decision: changes asked for" in details
    page = text(staff.get(f"/lived_experience/contributions/{cid}"))
    assert "Mae'r arweinydd cyd-gynhyrchu wedi gofyn am rai newidiadau" in page and "Diolch" in page


def test_the_yearly_review_asks_in_the_contributors_language(app, client_as):
    in_welsh(client_as("staff@example.org"))
    cid = demo_contribution_id(app)
    with app.app_context():
        session = get_session()
        c = session.get(LivedExperienceContribution, cid)
        c.review_on = service.today() - timedelta(days=1)
        session.commit()
        assert service.retention_review(session) == 1
        note = session.exec(select(Notification).where(Notification.category == "lived-experience")).one()
    assert note.title == "Amser adolygu cyfraniad a rannoch chi"
    assert "Dydyn ni ddim yn cadw dim am byth heb ofyn" in note.body
    assert note.easy_read and "Ydych chi eisiau i ni ei gadw?" in note.easy_read


def test_a_contributor_who_chose_english_still_reads_english(app, client_as):
    lead = client_as("lead@example.org")
    with app.app_context():
        assert user_by_email(get_session(), "lead@example.org").language in (None, "en")
    opt_in(lead)
    form = text(lead.get("/lived_experience/new"))
    assert "Sharing safely" in form and "Rhannu" not in form
    assert "I agree that the co-production lead may read this contribution" in form


def test_a_check_in_asked_in_welsh_reaches_the_safeguarding_lead_in_their_own_language(app, client_as):
    staff = in_welsh(client_as("staff@example.org"))
    response = staff.post("/lived_experience/check-in", data={
        "how_to_reach": "video", "when_suits": "no_rush",
        "csrf_token": csrf_token(staff, "/lived_experience/check-in")}, follow_redirects=True)
    assert "Cafodd eich cais ei anfon at yr arweinydd diogelu" in text(response)
    with app.app_context():
        note = get_session().exec(select(Notification).where(Notification.category == "wellbeing")).one()
    assert note.title == "Wellbeing check-in requested"  # the lead has not chosen Welsh
    lead = client_as("safeguarding@example.org")
    assert "1 member of staff asked for a wellbeing conversation." in text(lead.get("/"))
    in_welsh(lead)
    home = text(lead.get("/"))
    assert "Sgyrsiau llesiant" in home and "Mae 1 aelod o staff wedi gofyn am sgwrs llesiant." in home
    page = text(lead.get("/lived_experience/check-ins"))
    assert "Ceisiadau am sgwrs llesiant" in page and "Galwad fideo" in page and "Does dim brys" in page
    assert "Sasha Staff" in page  # a name is data, never translated
