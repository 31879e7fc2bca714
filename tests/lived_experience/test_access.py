"""Who sees what: a role x route matrix, asserting on content. Nobody sees text, name or even the
existence of a contribution beyond what its visibility allows."""

import pytest

from coprod_portal.testing import csrf_token
from plugins.lived_experience.access import ORDER

from .helpers import SECRET, accept, contribution_ids, demo_contribution_id, new_contribution

PEOPLE = [
    "staff@example.org",
    "manager@example.org",
    "hr@example.org",
    "lead@example.org",
    "safeguarding@example.org",
    "admin@example.org",
]

# who may read a contribution by staff@example.org (line manager: manager@example.org), by visibility
MAY_READ = {
    "lead_only": {"staff@example.org", "lead@example.org"},
    "team_pseudonymous": {"staff@example.org", "lead@example.org", "team@example.org"},
    "org_pseudonymous": {
        "staff@example.org",
        "lead@example.org",
        "team@example.org",
        "safeguarding@example.org",
        "admin@example.org",
        "other@example.org",
    },
    "org_named": {
        "staff@example.org",
        "lead@example.org",
        "team@example.org",
        "safeguarding@example.org",
        "admin@example.org",
        "other@example.org",
        "manager@example.org",
        "hr@example.org",
    },
    "public": {
        "staff@example.org",
        "lead@example.org",
        "team@example.org",
        "safeguarding@example.org",
        "admin@example.org",
        "other@example.org",
    },
}
EVERYONE = PEOPLE + ["team@example.org", "other@example.org"]


@pytest.fixture
def people(app, client_as):
    """The demo people plus a co-production team member and another member of staff."""
    from coprod_portal.db import get_session
    from coprod_portal.demo import ensure_user

    with app.app_context():
        session = get_session()
        ensure_user(session, "team@example.org", "Tam Team", ["coproduction_team", "staff"])
        ensure_user(session, "other@example.org", "Olu Other", ["staff"])
        session.commit()
    return {email: client_as(email) for email in EVERYONE}


def _with_visibility(staff, cid, visibility):
    path = f"/lived_experience/contributions/{cid}/sharing"
    response = staff.post(
        path, data={"visibility": visibility, "consent": "y", "csrf_token": csrf_token(staff, path)}
    )
    assert response.status_code == 302


@pytest.mark.parametrize("visibility", ORDER)
def test_every_route_shows_a_contribution_only_to_those_its_visibility_allows(app, people, visibility):
    staff = people["staff@example.org"]
    cid = new_contribution(app, staff, visibility=visibility)
    path = f"/lived_experience/contributions/{cid}"
    # until the co-production lead accepts it, only the contributor and the lead can read it
    for email, client in people.items():
        before_review = email in MAY_READ[visibility] & {"staff@example.org", "lead@example.org"}
        assert (SECRET in client.get(path).get_data(as_text=True)) is before_review, (email, "before review")
        assert (cid in client.get("/search?q=parcel").get_data(as_text=True)) is before_review, email
    accept(people["lead@example.org"], cid, public_wording=SECRET if visibility == "public" else None)
    for email, client in people.items():
        allowed = email in MAY_READ[visibility]
        page = client.get(path)
        text = page.get_data(as_text=True)
        assert (page.status_code == 200) is allowed, (email, visibility, page.status_code)
        assert (SECRET in text) is allowed, (email, visibility)
        shared = client.get("/lived_experience/shared").get_data(as_text=True)
        own_list = client.get("/lived_experience/").get_data(as_text=True)
        found = client.get("/search?q=parcel").get_data(as_text=True)
        audit = client.get(f"/audit/?subject={cid}").get_data(as_text=True)
        listed = cid in shared or cid in own_list
        assert listed is allowed, (email, visibility, "list")
        assert (cid in found) is allowed, (email, visibility, "search")
        assert "Willow Lark" not in shared + found + audit or allowed, (email, visibility)
        if email != "staff@example.org":
            assert "Sasha Staff" not in shared + found + text or visibility == "org_named", email
            assert "a lived-experience contribution" not in audit, (email, "sees the audit trail")
        for route in ("edit", "sharing", "named-use"):
            assert (
                client.get(f"{path}/{route}").status_code == (200 if email == "staff@example.org" else 404)
                or route == "named-use"
            )


def test_the_line_manager_and_hr_never_see_the_demo_contribution_anywhere(app, people):
    cid = demo_contribution_id(app)
    for email in ("manager@example.org", "hr@example.org"):
        client = people[email]
        page = client.get(f"/lived_experience/contributions/{cid}")
        assert page.status_code == 404
        assert "Rowan Heron" not in page.get_data(as_text=True)
        for path in ("/lived_experience/shared", "/search?q=Rowan", "/search?q=carers", "/audit/", "/"):
            text = client.get(path).get_data(as_text=True)
            assert (
                cid not in text and "Rowan Heron" not in text and "lived-experience contribution" not in text
            ), (email, path)
    lead = people["lead@example.org"]
    assert "Rowan Heron" in lead.get("/lived_experience/shared").get_data(as_text=True)
    assert "looked after my dad" in lead.get(f"/lived_experience/contributions/{cid}").get_data(as_text=True)


def test_only_the_contributor_can_change_or_withdraw(app, people):
    staff = people["staff@example.org"]
    cid = new_contribution(app, staff, visibility="org_pseudonymous")
    accept(people["lead@example.org"], cid)
    for email in ("lead@example.org", "manager@example.org", "admin@example.org"):
        client = people[email]
        token = csrf_token(client, "/lived_experience/check-in")
        for route in ("withdraw", "keep"):
            response = client.post(
                f"/lived_experience/contributions/{cid}/{route}", data={"csrf_token": token}
            )
            assert response.status_code == 404, (email, route)
    assert SECRET in people["other@example.org"].get(f"/lived_experience/contributions/{cid}").get_data(
        as_text=True
    )


def test_every_read_is_audited_and_the_contributor_sees_who_read_it(app, people):
    staff = people["staff@example.org"]
    cid = demo_contribution_id(app)
    people["lead@example.org"].get(f"/lived_experience/contributions/{cid}")
    people["team@example.org"].get(f"/lived_experience/contributions/{cid}")
    page = staff.get(f"/lived_experience/contributions/{cid}").get_data(as_text=True)
    who_read = page[page.index("Who read it") :]
    assert "Lee Lead &lt;lead@example.org&gt;" in who_read and "Tam Team" in who_read and "You" in who_read
    audit = staff.get(f"/audit/?subject={cid}").get_data(as_text=True)
    assert "read a lived-experience contribution" in audit
    admin_audit = people["admin@example.org"].get(f"/audit/?subject={cid}").get_data(as_text=True)
    assert "read a lived-experience contribution" not in admin_audit


def test_hr_cannot_use_the_review_list_even_with_the_lead_role(app, people):
    from coprod_portal.accounts import set_roles, user_by_email
    from coprod_portal.db import get_session

    with app.app_context():
        session = get_session()
        hr = user_by_email(session, "hr@example.org")
        set_roles(hr, ["hr", "coproduction_lead", "staff"])
        session.commit()
    cid = demo_contribution_id(app)
    from coprod_portal.testing import login

    hr_lead = login(app.test_client(), "hr@example.org")
    assert hr_lead.get(f"/lived_experience/contributions/{cid}").status_code == 404
    assert "Rowan Heron" not in hr_lead.get("/lived_experience/shared").get_data(as_text=True)


def test_visitors_are_sent_to_sign_in(client):
    for path in ("/lived_experience/", "/lived_experience/shared", "/lived_experience/check-ins"):
        response = client.get(path)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_nav_item_for_staff(people):
    page = people["staff@example.org"].get("/").get_data(as_text=True)
    assert 'href="/lived_experience/"' in page and "Your experience" in page


def test_contribution_ids_helper_finds_the_demo(app, people):
    assert contribution_ids(people["staff@example.org"].get("/lived_experience/").get_data(as_text=True)) == [
        demo_contribution_id(app)
    ]
