"""The board page, the dashboard card, the register of seats and who may change it."""

from coprod_portal.db import get_session
from coprod_portal.testing import csrf_token, login
from sqlmodel import select

SEAT = {"body": "board", "role": "trustee", "starts_on": ["1", "4", "2025"]}


def test_plugin_is_off_until_allow_listed(make_app):
    app = make_app(plugins=["builtins"])
    admin = login(app.test_client(), "admin@example.org")
    assert admin.get("/governance/").status_code == 404
    plugins_page = admin.get("/admin/plugins").get_data(as_text=True)
    assert 'id="plugin-governance"' in plugins_page and "Not enabled" in plugins_page


def test_allow_listed_plugin_is_listed_as_enabled(secretary):
    page = secretary.get("/admin/plugins").get_data(as_text=True)
    row = page.split('id="plugin-governance"', 1)[1].split("</tr>", 1)[0]
    assert "Enabled" in row and "1.0.0" in row and "portal_checklist_sections" in row


def test_everyone_on_the_staff_sees_the_published_figure_on_the_board_page(client_as):
    page = client_as("staff@example.org").get("/governance/").get_data(as_text=True)
    assert "4 of our 15 trustees have lived experience of using services." in page
    assert "Everyone counted has agreed to this figure being published" in page
    assert "Adaeze Okafor" in page and "Co-production committee" in page


def test_home_page_has_the_card_and_the_nav_item(client_as):
    home = client_as("hr").get("/").get_data(as_text=True)
    assert "Board and governance" in home and "4 of our 15 trustees" in home
    assert 'href="/governance/"' in home


def test_staff_may_not_add_people_and_nothing_is_stored(client_as):
    staff = client_as("staff@example.org")
    assert staff.get("/governance/people/new").status_code == 403
    response = staff.post("/governance/people/new", data={
        "name": "Sneaky Person", **SEAT, "csrf_token": csrf_token(staff, "/governance/")})
    assert response.status_code == 403
    assert "Sneaky Person" not in staff.get("/governance/").get_data(as_text=True)


def test_a_bad_term_is_refused_and_what_was_typed_is_kept(secretary):
    response = secretary.post("/governance/people/new", data={
        "name": "Tomasz Zielinski", **SEAT, "ends_on": ["1", "4", "2024"],
        "csrf_token": csrf_token(secretary, "/governance/people/new")})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in page and "The term must end on or after the day it starts" in page
    assert 'value="Tomasz Zielinski"' in page and 'value="2024"' in page


def test_adding_a_trustee_updates_the_board_and_the_audit_log(app, secretary):
    response = secretary.post("/governance/people/new", data={
        "name": "Tomasz Zielinski", "email": "Tomasz@Example.org", **SEAT,
        "csrf_token": csrf_token(secretary, "/governance/people/new")})
    assert response.status_code == 302
    page = secretary.get("/governance/").get_data(as_text=True)
    assert "Tomasz Zielinski" in page and "4 of our 16 trustees" in page
    assert "added a person to the board register" in secretary.get("/audit/").get_data(as_text=True)


def test_ending_a_seat_takes_the_trustee_off_the_board(app, secretary):
    from governance.models import GovernancePerson, GovernanceSeat

    with app.app_context():
        named = select(GovernancePerson).where(GovernancePerson.name == "Oliver Grant")
        person = get_session().exec(named).one()
        seat = get_session().exec(select(GovernanceSeat).where(GovernanceSeat.person_id == person.id)).one()
    path = f"/governance/seats/{seat.id}"
    response = secretary.post(path, data={
        **SEAT, "ends_on": ["2", "4", "2025"],
        "csrf_token": csrf_token(secretary, path)})
    assert response.status_code == 302
    page = secretary.get("/governance/").get_data(as_text=True)
    assert "Oliver Grant" not in page and "4 of our 14 trustees" in page


def test_bad_settings_are_reported_and_the_plugin_keeps_its_defaults(make_app):
    app = make_app(plugins=["builtins", "governance"],
                   config={"PLUGIN_GOVERNANCE": {"board_informed_by_stage": "someday"}})
    admin = login(app.test_client(), "admin@example.org")
    assert "board_informed_by_stage must be one of the project stages" in admin.get(
        "/admin/plugins").get_data(as_text=True)
    assert admin.get("/governance/").status_code == 200


def test_committees_come_from_settings(make_app):
    app = make_app(plugins=["builtins", "governance"],
                   config={"PLUGIN_GOVERNANCE": {"committees": ["People committee"]}})
    page = login(app.test_client(), "admin@example.org").get("/governance/people/new").get_data(as_text=True)
    assert "People committee" in page and "Finance and audit committee" not in page
