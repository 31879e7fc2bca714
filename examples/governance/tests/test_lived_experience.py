"""Consent to be counted: stored only with consent, shown only as a total, withdrawn in one step."""

import pytest
from coprod_portal.db import get_session
from coprod_portal.testing import csrf_token
from sqlmodel import select

from governance.models import GovernanceLivedExperience, GovernancePerson


def _person_id(app, name):
    with app.app_context():
        return get_session().exec(select(GovernancePerson).where(GovernancePerson.name == name)).one().id


def _consent(app, person_id):
    with app.app_context():
        return get_session().get(GovernanceLivedExperience, person_id)


def _post_consent(client, person_id, agreed, day="3"):
    path = f"/governance/people/{person_id}/lived-experience"
    return client.post(path, data={"agreed": agreed, "given_on": [day, "3", "2026"],
                                   "evidence": "signed_form",
                                   "csrf_token": csrf_token(client, path)})


@pytest.mark.parametrize("role", ["coproduction_lead", "hr", "staff@example.org", "safeguarding_lead"])
def test_only_the_board_secretary_may_open_or_change_consent(app, client_as, role):
    person_id = _person_id(app, "Dilip Rao")
    client = client_as(role)
    assert client.get(f"/governance/people/{person_id}/lived-experience").status_code == 403
    assert _post_consent(client, person_id, ["counted"]).status_code == 403
    withdraw = client.post(f"/governance/people/{person_id}/lived-experience/withdraw",
                           data={"csrf_token": csrf_token(client, "/governance/")})
    assert withdraw.status_code == 403
    assert _consent(app, person_id) is not None


def test_no_consent_means_nothing_is_stored_and_the_answers_are_kept(app, secretary):
    person_id = _person_id(app, "Elin Hughes")
    response = _post_consent(secretary, person_id, ["publish"], day="17")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "without that consent nothing about lived experience is stored" in page
    assert 'value="17"' in page and 'value="publish" checked' in page
    assert _consent(app, person_id) is None


def test_recorded_consent_is_counted_and_audited_for_the_secretary_only(app, secretary, client_as):
    person_id = _person_id(app, "Elin Hughes")
    assert _post_consent(secretary, person_id, ["counted", "publish"]).status_code == 302
    assert _consent(app, person_id).publish_agreed is True
    assert "5 of our 15 trustees" in secretary.get("/governance/").get_data(as_text=True)
    assert "recorded consent to be counted" in secretary.get("/audit/").get_data(as_text=True)
    lead_log = client_as("coproduction_lead").get("/audit/").get_data(as_text=True)
    assert "consent" not in lead_log and "Elin Hughes" not in lead_log


def test_someone_not_agreeing_to_publish_turns_a_small_figure_into_fewer_than_5(app, secretary, client_as):
    person_id = _person_id(app, "Dilip Rao")
    assert _post_consent(secretary, person_id, ["counted"]).status_code == 302
    page = client_as("staff@example.org").get("/governance/").get_data(as_text=True)
    assert "fewer than 5 of our 15 trustees have lived experience" in page
    assert "4 of our 15" not in page
    assert "Use it only inside the organisation" in page
    assert "fewer than 5 of our 15 trustees" in client_as("staff@example.org").get("/").get_data(as_text=True)


def test_withdrawal_deletes_the_record_and_the_person_is_no_longer_counted(app, secretary):
    person_id = _person_id(app, "Joan McBride")
    response = secretary.post(f"/governance/people/{person_id}/lived-experience/withdraw",
                              data={"csrf_token": csrf_token(secretary, "/governance/")})
    assert response.status_code == 302
    assert _consent(app, person_id) is None
    page = secretary.get("/governance/").get_data(as_text=True)
    assert "3 of our 15 trustees" in page  # the 3 still counted all agreed to publication
    assert "withdrew consent to be counted" in secretary.get("/audit/").get_data(as_text=True)
    consent_page = secretary.get(f"/governance/people/{person_id}/lived-experience").get_data(as_text=True)
    assert "Nothing is stored about Joan McBride" in consent_page


def test_lived_experience_is_never_shown_next_to_a_name(app, secretary):
    person_id = _person_id(app, "Dilip Rao")
    for path in ("/governance/", f"/governance/people/{person_id}"):
        page = secretary.get(path).get_data(as_text=True)
        assert "agreed to be counted on" not in page and "signed our consent form" not in page


def test_subject_access_and_erasure_remove_the_consent_but_keep_the_seats(app, secretary):
    from coprod_portal.types import Person

    from governance import privacy

    person_id = _person_id(app, "Farah Siddiqui")
    with app.app_context():
        get_session().get(GovernancePerson, person_id).email = "farah@example.org"
        get_session().commit()
        records = privacy.export(get_session(), Person(email="farah@example.org")).records
        assert any("Consent to be counted as having lived experience of using services" in r for r in records)
        report = privacy.erase(get_session(), Person(email="farah@example.org"))
        get_session().commit()
    assert "Email address" in report.erased and _consent(app, person_id) is None
    assert "Farah Siddiqui" in secretary.get("/governance/").get_data(as_text=True)
