"""Practice examples in Welsh: what a network member sees while co-writing and withdrawing consent,
the public page and its Atom feed; each notification in the language of the person it is for."""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET
from pathlib import Path

from babel.messages.pofile import read_po
from sqlmodel import col, select

from coprod_portal import accounts
from coprod_portal.db import get_session
from coprod_portal.notifications import Notification
from coprod_portal.testing import translation_probe

from .helpers import FIELDS, button, invite, post_form, publish, sign_off, write_example

ATOM = "{http://www.w3.org/2005/Atom}"
POT = Path(__file__).resolve().parents[2] / "plugins/practice/translations/practice.pot"


def own_texts() -> set[str]:
    with POT.open("rb") as pot:
        return {m.id[0] if isinstance(m.id, tuple) else m.id for m in read_po(pot) if m.id}


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def latest_title(app, email: str) -> str:
    with app.app_context():
        session = get_session()
        user = accounts.user_by_email(session, email)
        return session.exec(select(Notification.title).where(Notification.user_id == user.id)
                            .order_by(col(Notification.created_at).desc())).first()


def test_a_member_co_writes_and_withdraws_consent_in_welsh(app, client_as):
    lead, member = client_as("lead@example.org"), client_as("member@example.org")
    member.get("/language/cy")  # stored on the member's account
    example_id = write_example(lead)
    assert invite(lead, example_id, "member@example.org").status_code == 302
    assert latest_title(app, "member@example.org") == \
        "Rydych wedi cael gwahoddiad i gyd-ysgrifennu enghraifft o ymarfer"  # the member's language

    missing: set[str] = set()
    for path in (f"/practice/{example_id}", f"/practice/{example_id}/sign-off",
                 f"/practice/{example_id}/edit", "/practice/"):
        with translation_probe() as probe:
            assert member.get(path).status_code == 200, path
        missing |= probe.missing & own_texts()
    assert not missing, f"texts a member sees without Welsh: {sorted(missing)}"

    page = text(member.get(f"/practice/{example_id}"))
    assert 'lang="cy"' in page and "Cymeradwyo eich rhan" in page and "Tynnu fy nghaniatâd yn ôl" in page
    refused = post_form(member, f"/practice/{example_id}/sign-off", {"words": "Fy rhan i."})
    assert refused.status_code == 400
    assert "Ticiwch y blwch i gytuno, neu gadewch y dudalen hon" in text(refused)
    assert sign_off(member, example_id, "Fy rhan i.").status_code == 302

    withdrawn = button(member, example_id, "withdraw")
    assert withdrawn.status_code == 302
    shown = text(member.get(withdrawn.location))
    assert "Mae eich caniatâd wedi'i dynnu'n ôl." in shown and "Your consent is withdrawn" not in shown
    assert latest_title(app, "lead@example.org") == "A co-author withdrew their consent"  # English


def test_the_public_page_and_its_feed_speak_the_visitors_language(app, client_as):
    lead = client_as("lead@example.org")
    publish(lead, write_example(lead))
    welsh = {"Accept-Language": "cy"}
    public = text(app.test_client().get("/practice/public", headers=welsh))
    assert "Enghreifftiau o ymarfer" in public and "Dilynwch y ffrwd Atom" in public
    assert FIELDS["title"] in public  # the example itself stays as its writers wrote it

    feed = app.test_client().get("/practice/public.atom", headers=welsh)
    root = ET.fromstring(feed.get_data())
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "cy"
    assert root.findtext(f"{ATOM}title") == "Enghreifftiau o ymarfer"
    assert root.find(f"{ATOM}entry").findtext(f"{ATOM}content").startswith("Beth a wnaed: ")

    english = ET.fromstring(app.test_client().get("/practice/public.atom").get_data())
    assert english.findtext(f"{ATOM}title") == "Practice examples"
    assert english.find(f"{ATOM}entry").findtext(f"{ATOM}content").startswith("What was done: ")
