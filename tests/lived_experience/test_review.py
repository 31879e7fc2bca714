"""The co-production lead's review: accept, ask for changes with a note the contributor sees, or
decline kindly; nothing is read by others or used as evidence before it is accepted; the contributor
approves the final wording before any public use."""

import pytest
from sqlalchemy import text

from coprod_portal.db import get_session
from coprod_portal.testing import csrf_token, login

from .helpers import SECRET, accept, new_contribution, review, stored


@pytest.fixture
def team(app, client_as):
    from coprod_portal.demo import ensure_user

    with app.app_context():
        session = get_session()
        ensure_user(session, "team@example.org", "Tam Team", ["coproduction_team", "staff"])
        session.commit()
    return client_as("team@example.org")


def _resolve(app, email, cid):
    from coprod_portal.accounts import user_by_email

    with app.test_request_context():
        user = user_by_email(get_session(), email)
        return app.extensions["coprod_plugins"].pm.hook.portal_resolve_reference(
            ref=f"lived_experience:contribution:{cid}", user=user
        )


def test_the_lead_reviews_and_accepts_then_the_team_reads_and_the_lead_copies_the_reference(
    app, client_as, team
):
    staff, lead = client_as("staff@example.org"), client_as("lead@example.org")
    cid = new_contribution(app, staff, visibility="team_pseudonymous")
    assert "The co-production lead reviews it before it is used" in staff.get(
        f"/lived_experience/contributions/{cid}/sent"
    ).get_data(as_text=True)
    waiting = lead.get("/lived_experience/review").get_data(as_text=True)
    assert "Willow Lark" in waiting and f"/lived_experience/contributions/{cid}/review" in waiting
    assert "Rowan Heron" not in waiting  # the demo contribution was accepted already
    # before review: the team cannot read it, find it or use it as evidence
    assert team.get(f"/lived_experience/contributions/{cid}").status_code == 404
    assert "Willow Lark" not in team.get("/lived_experience/shared").get_data(as_text=True)
    assert _resolve(app, "team@example.org", cid).label == "Evidence that is not shared with you"
    page = lead.get(f"/lived_experience/contributions/{cid}").get_data(as_text=True)
    assert "Accept it before using it as evidence" in page and 'id="evidence-reference"' not in page

    form = lead.get(f"/lived_experience/contributions/{cid}/review").get_data(as_text=True)
    assert SECRET in form and "Your decision" in form
    accept(lead, cid, note="Thank you, this will shape the first-contact work.")
    assert stored(app, cid).review_state == "accepted"
    page = lead.get(f"/lived_experience/contributions/{cid}").get_data(as_text=True)
    assert f'value="lived_experience:contribution:{cid}"' in page and "Copy the reference" in page
    assert "Willow Lark" in lead.get("/lived_experience/review?state=accepted").get_data(as_text=True)
    assert "Willow Lark" not in lead.get("/lived_experience/review").get_data(as_text=True)
    assert SECRET in team.get(f"/lived_experience/contributions/{cid}").get_data(as_text=True)
    own = staff.get(f"/lived_experience/contributions/{cid}").get_data(as_text=True)
    assert "The co-production lead accepted it" in own
    assert "Thank you, this will shape the first-contact work." in own
    inbox = staff.get("/inbox").get_data(as_text=True)
    assert "The co-production lead reviewed your contribution" in inbox


def test_asking_for_changes_needs_a_note_the_contributor_sees_and_a_change_goes_back_to_review(
    app, client_as, team
):
    staff, lead = client_as("staff@example.org"), client_as("lead@example.org")
    cid = new_contribution(app, staff, visibility="team_pseudonymous")
    refused = review(lead, cid, decision="changes_requested", note="  ")
    assert refused.status_code == 400
    body = refused.get_data(as_text=True)
    assert "Write a note saying what to change" in body and 'value="changes_requested" checked' in body
    assert stored(app, cid).review_state == "waiting"
    response = review(lead, cid, decision="changes_requested", note="Could you leave out the ward name?")
    assert response.status_code == 302
    own = staff.get(f"/lived_experience/contributions/{cid}").get_data(as_text=True)
    assert "asked for some changes" in own and "Could you leave out the ward name?" in own
    assert "Changes asked for" in staff.get("/lived_experience/").get_data(as_text=True)
    assert team.get(f"/lived_experience/contributions/{cid}").status_code == 404
    edit = f"/lived_experience/contributions/{cid}/edit"
    data = {
        "narrative": "A changed account without the ward",
        "distressing": "no",
        "pseudonym": "Willow Lark",
        "visibility": "team_pseudonymous",
        "consent": "y",
        "csrf_token": csrf_token(staff, edit),
    }
    saved = staff.post(edit, data=data, follow_redirects=True).get_data(as_text=True)
    assert "The co-production lead will review it again" in saved
    assert stored(app, cid).review_state == "waiting"
    assert "Willow Lark" in lead.get("/lived_experience/review").get_data(as_text=True)


def test_declining_is_kind_and_keeps_it_from_everyone_else(app, client_as, team):
    staff, lead = client_as("staff@example.org"), client_as("lead@example.org")
    cid = new_contribution(app, staff, visibility="org_pseudonymous")
    refused = review(lead, cid, decision="declined")
    assert "Write a kind note saying why you are declining it" in refused.get_data(as_text=True)
    review(lead, cid, decision="declined", note="Thank you for trusting us. We cannot use it for this work.")
    own = staff.get(f"/lived_experience/contributions/{cid}").get_data(as_text=True)
    assert "decided not to use it" in own and "Thank you for trusting us." in own
    other = login(app.test_client(), "admin@example.org")
    for client in (team, other):
        assert client.get(f"/lived_experience/contributions/{cid}").status_code == 404
        assert cid not in client.get("/search?q=parcel").get_data(as_text=True)


def test_public_use_needs_wording_the_contributor_approves(app, client_as):
    staff, lead = client_as("staff@example.org"), client_as("lead@example.org")
    cid = new_contribution(app, staff, visibility="public")
    form = lead.get(f"/lived_experience/contributions/{cid}/review").get_data(as_text=True)
    assert "Wording for public use" in form
    refused = review(lead, cid, public_wording=" ")
    assert "Enter the wording for public use" in refused.get_data(as_text=True)
    accept(lead, cid, public_wording="I felt like a parcel being handed on.")
    lead_page = lead.get(f"/lived_experience/contributions/{cid}").get_data(as_text=True)
    assert "Not for public use yet" in lead_page
    own = staff.get(f"/lived_experience/contributions/{cid}").get_data(as_text=True)
    assert "I felt like a parcel being handed on." in own and "Approve this wording for public use" in own
    approve = f"/lived_experience/contributions/{cid}/approve-wording"
    # nobody else can approve it for them
    token = csrf_token(lead, "/lived_experience/review")
    assert lead.post(approve, data={"csrf_token": token}).status_code == 404
    staff.post(approve, data={"csrf_token": csrf_token(staff, f"/lived_experience/contributions/{cid}")})
    assert stored(app, cid).wording_approved_at is not None
    lead_page = lead.get(f"/lived_experience/contributions/{cid}").get_data(as_text=True)
    assert "Wording approved for public use on" in lead_page and "Not for public use yet" not in lead_page
    # changing what they wrote withdraws the approval: the lead must review and propose again
    edit = f"/lived_experience/contributions/{cid}/edit"
    staff.post(
        edit,
        data={
            "narrative": SECRET + " and then it got better",
            "distressing": "no",
            "pseudonym": "Willow Lark",
            "visibility": "public",
            "consent": "y",
            "csrf_token": csrf_token(staff, edit),
        },
    )
    c = stored(app, cid)
    assert c.wording_approved_at is None and c.public_wording_token is None and c.review_state == "waiting"


def test_nobody_reviews_their_own_and_only_the_lead_reviews(app, client_as, team):
    lead = client_as("lead@example.org")
    own = new_contribution(app, lead, visibility="team_pseudonymous")
    assert lead.get(f"/lived_experience/contributions/{own}/review").status_code == 404
    assert "Willow Lark" not in lead.get("/lived_experience/review").get_data(as_text=True)
    staff = client_as("staff@example.org")
    cid = new_contribution(app, staff, visibility="team_pseudonymous")
    for client in (team, staff):
        refused = client.get(f"/lived_experience/contributions/{cid}/review")
        assert refused.status_code == 403
        assert "Willow Lark" not in refused.get_data(as_text=True) and SECRET not in refused.get_data(
            as_text=True
        )
        assert client.get("/lived_experience/review").status_code == 403


def test_the_review_note_is_encrypted_and_goes_with_withdrawal(app, client_as):
    staff, lead = client_as("staff@example.org"), client_as("lead@example.org")
    cid = new_contribution(app, staff, visibility="public")
    accept(lead, cid, note="A note about the night shift", public_wording="Wording about the night shift")
    with app.app_context():
        raw = (
            get_session()
            .execute(text("select * from lived_experience_contribution where id = :id"), {"id": cid})
            .one()
        )
    assert "night shift" not in repr(raw)
    withdraw = f"/lived_experience/contributions/{cid}/withdraw"
    staff.post(withdraw, data={"csrf_token": csrf_token(staff, f"/lived_experience/contributions/{cid}")})
    c = stored(app, cid)
    assert c.review_note_token is None and c.public_wording_token is None
    assert "Willow Lark" not in lead.get("/lived_experience/review?state=accepted").get_data(as_text=True)
