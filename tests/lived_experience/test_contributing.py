"""Opting in, writing a contribution (guidance, content notes, pseudonyms, visibility and consent)."""

from sqlmodel import select

from coprod_portal.db import get_session
from plugins.lived_experience.models import LivedExperienceConsent, LivedExperienceProfile

from .helpers import SECRET, contribute, new_contribution, opt_in, stored


def test_nothing_is_assumed_the_person_must_opt_in_first(app, client_as):
    hr = client_as("hr@example.org")
    page = hr.get("/lived_experience/").get_data(as_text=True)
    assert "Before you decide" in page and "Equality Act 2010" in page and "no involvement fee" in page
    assert "Write a contribution" not in page
    response = hr.get("/lived_experience/new")
    assert response.status_code == 302 and response.headers["Location"].endswith("/lived_experience/")
    assert "Read what taking part means first" in hr.get("/lived_experience/").get_data(as_text=True)
    with app.app_context():
        assert get_session().exec(select(LivedExperienceProfile)).all()[0].user_id != ""  # only the demo's


def test_opting_in_needs_the_box_ticked(app, client_as):
    lead = client_as("lead@example.org")
    response = lead.post(
        "/lived_experience/take-part",
        data={
            "csrf_token": __import__("coprod_portal.testing").testing.csrf_token(lead, "/lived_experience/")
        },
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Tick the box if you want to take part" in page and "Error:" in page
    assert opt_in(lead).status_code == 302
    assert "Write a contribution" in lead.get("/lived_experience/").get_data(as_text=True)


def test_writing_shows_guidance_and_defaults_to_the_most_private_option(client_as):
    lead = client_as("lead@example.org")
    opt_in(lead)
    page = lead.get("/lived_experience/new").get_data(as_text=True)
    assert (
        "Sharing safely" in page and "<strong>methods</strong>" in page and "<strong>numbers</strong>" in page
    )
    assert 'value="lead_only" checked' in page
    assert 'value="org_named" checked' not in page


def test_a_contribution_is_saved_encrypted_with_its_consent(app, client_as):
    lead = client_as("lead@example.org")
    cid = new_contribution(app, lead, visibility="team_pseudonymous")
    c = stored(app, cid)
    assert c.visibility == "team_pseudonymous" and c.pseudonym == "Willow Lark"
    assert SECRET not in (c.narrative_token or "") and c.narrative_token.startswith("gAAAAA")
    with app.app_context():
        consents = (
            get_session()
            .exec(select(LivedExperienceConsent).where(LivedExperienceConsent.contribution_id == cid))
            .all()
        )
    assert [(x.purpose, x.wording_version, x.ended_at) for x in consents] == [
        ("team_pseudonymous", "2026-12", None)
    ]
    thanks = lead.get(f"/lived_experience/contributions/{cid}/sent").get_data(as_text=True)
    assert "Thank you for sharing" in thanks and "Ask the safeguarding lead for a conversation" in thanks


def test_empty_text_is_refused_and_nothing_typed_is_lost(client_as):
    lead = client_as("lead@example.org")
    opt_in(lead)
    response = contribute(lead, text="   ", topics="carers")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Write about your experience" in page
    assert 'value="Willow Lark"' in page


def test_a_distressing_subject_needs_a_content_note_the_plugin_asks_not_guesses(app, client_as):
    lead = client_as("lead@example.org")
    opt_in(lead)
    response = contribute(lead, distressing="yes")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Select what your experience touches on" in page
    assert SECRET in page  # what they wrote is still there
    response = contribute(lead, distressing="yes", note_kinds=["mental_health"])
    assert response.status_code == 302
    cid = response.headers["Location"].split("/")[-2]
    page = lead.get(f"/lived_experience/contributions/{cid}").get_data(as_text=True)
    assert page.index("Mental health crisis or distress") < page.index(SECRET)
    assert "Read the contribution" in page
    assert "Mental health" not in (stored(app, cid).content_note_token or "")


def test_the_question_about_distressing_subjects_must_be_answered(client_as):
    lead = client_as("lead@example.org")
    opt_in(lead)
    response = contribute(lead, distressing="")
    assert response.status_code == 400
    assert "Select yes if your experience touches on distressing subjects" in response.get_data(as_text=True)


def test_a_visibility_without_consent_is_refused_kindly(client_as):
    lead = client_as("lead@example.org")
    opt_in(lead)
    response = contribute(lead, visibility="org_named", consent=False)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Tick the box to agree to how your contribution will be shared" in page
    assert "Nothing you wrote is lost" in page and SECRET in page
    assert 'value="org_named" checked' in page


def test_pseudonyms_that_could_identify_are_refused(client_as):
    lead = client_as("lead@example.org")  # Lee Lead
    opt_in(lead)
    for pseudonym, message in [
        ("Lee from Leeds", "does not include any part of your real name"),
        ("Ward 7 nurse", "without numbers"),
        ("Carer in the duty team", "Leave your team, role or workplace out"),
    ]:
        response = contribute(lead, pseudonym=pseudonym)
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)


def test_a_suggested_pseudonym_is_offered(client_as):
    lead = client_as("lead@example.org")
    opt_in(lead)
    page = lead.get("/lived_experience/new").get_data(as_text=True)
    import re

    suggested = re.search(
        r'name="pseudonym" type="text" spellcheck="false" value="([A-Za-z]+ [A-Za-z]+)"', page
    )
    assert suggested is not None


def test_the_contributor_can_change_what_they_wrote(app, client_as):
    lead = client_as("lead@example.org")
    cid = new_contribution(app, lead)
    from coprod_portal.testing import csrf_token

    edit = f"/lived_experience/contributions/{cid}/edit"
    assert SECRET in lead.get(edit).get_data(as_text=True)
    response = lead.post(
        edit,
        data={
            "narrative": "A shorter version.",
            "distressing": "no",
            "pseudonym": "Willow Lark",
            "visibility": "lead_only",
            "consent": "y",
            "csrf_token": csrf_token(lead, edit),
        },
    )
    assert response.status_code == 302
    assert "A shorter version." in lead.get(f"/lived_experience/contributions/{cid}").get_data(as_text=True)
