"""The project register: who may see and change projects, stage gates, teams, bad input."""

from conftest import TEST_PLUGINS
from sqlmodel import Session, select

from coprod_portal.projects import Project
from coprod_portal.testing import csrf_token, login


def _project(app, title):
    with Session(app.extensions["coprod_engine"]) as session:
        return session.exec(select(Project).where(Project.title == title)).one()


def test_staff_start_a_project_and_become_its_owner(app):
    staff = login(app.test_client(), "staff@example.org")
    response = staff.post("/projects/new", data={
        "title": "Peer support at the day centre", "summary": "With the people who use it.",
        "csrf_token": csrf_token(staff, "/projects/new")})
    assert response.status_code == 302
    page = staff.get(response.location).get_data(as_text=True)
    assert "Peer support at the day centre" in page and "Sasha Staff" in page
    assert "Change project details" in page  # the owner may edit
    project = _project(app, "Peer support at the day centre")
    assert project.stage == "idea" and len(project.id) == 32


def test_bad_project_input_is_explained_and_kept(app):
    lead = login(app.test_client(), "lead@example.org")
    response = lead.post("/projects/new", data={
        "title": "", "summary": "Keep this text", "starts_on": ["1", "5", "2027"],
        "ends_on": ["1", "4", "2027"], "csrf_token": csrf_token(lead, "/projects/new")})
    text = response.get_data(as_text=True)
    assert "Enter the project&#39;s title" in text or "Enter the project's title" in text
    assert "The end date must be the same as or after the start date" in text
    assert "Keep this text" in text
    assert lead.get("/projects/").get_data(as_text=True).count("Keep this text") == 0


def test_impossible_or_partial_dates_are_form_errors(app):
    lead = login(app.test_client(), "lead@example.org")
    token = csrf_token(lead, "/projects/new")
    impossible = lead.post("/projects/new", data={
        "title": "Dates", "starts_on": ["31", "2", "2027"], "csrf_token": token})
    assert "Enter a real date, for example 27 3 2027" in impossible.get_data(as_text=True)
    assert 'href="#starts_on-day"' in impossible.get_data(as_text=True)
    partial = lead.post("/projects/new", data={
        "title": "Dates", "starts_on": ["31", "2"], "csrf_token": token})
    assert partial.status_code == 200
    assert "Enter the date as a day, a month and a year" in partial.get_data(as_text=True)


def test_people_outside_the_project_may_view_but_not_edit_or_move_it(app):
    hr = login(app.test_client(), "hr@example.org")
    project = _project(app, "Redesign of the carers' assessment")
    assert hr.get(f"/projects/{project.id}").status_code == 200
    assert hr.get(f"/projects/{project.id}/edit").status_code == 403
    response = hr.post(f"/projects/{project.id}/stage", data={
        "stage": "design", "csrf_token": csrf_token(hr, f"/projects/{project.id}")})
    assert response.status_code == 403
    assert _project(app, "Redesign of the carers' assessment").stage == "idea"


def test_staff_not_on_the_project_cannot_edit_it_but_team_members_can(app):
    project = _project(app, "Redesign of the carers' assessment")  # owned by lead, staff on team
    manager = login(app.test_client(), "manager@example.org")
    assert manager.get(f"/projects/{project.id}/edit").status_code == 403
    assert "Change project details" not in manager.get(f"/projects/{project.id}").get_data(as_text=True)
    staff = login(app.test_client(), "staff@example.org")
    assert staff.get(f"/projects/{project.id}/edit").status_code == 200


def test_unknown_project_id_is_not_found(app):
    lead = login(app.test_client(), "lead@example.org")
    response = lead.get("/projects/0123456789abcdef0123456789abcdef")
    assert response.status_code == 404 and "Page not found" in response.get_data(as_text=True)


def test_team_members_are_added_by_email_and_unknown_people_explained(app):
    lead = login(app.test_client(), "lead@example.org")
    project = _project(app, "Redesign of the carers' assessment")
    token = csrf_token(lead, f"/projects/{project.id}")
    added = lead.post(f"/projects/{project.id}/team", data={"email": "hr@example.org", "csrf_token": token})
    assert added.status_code == 302
    assert "Harper HR" in lead.get(f"/projects/{project.id}").get_data(as_text=True)
    team_url = f"/projects/{project.id}/team"
    unknown = lead.post(team_url, data={"email": "who@example.org", "csrf_token": token})
    assert "There is no active account with this email address" in unknown.get_data(as_text=True)
    again = lead.post(f"/projects/{project.id}/team", data={"email": "hr@example.org", "csrf_token": token})
    assert "Harper HR is already on this project" in again.get_data(as_text=True)


def test_stage_blockers_from_plugins_stop_the_move_and_are_shown(make_app):
    app = make_app(plugins=["good"], config={"PLUGINS_DIR": str(TEST_PLUGINS)})
    lead = login(app.test_client(), "lead@example.org")
    project = _project(app, "Redesign of the carers' assessment")
    token = csrf_token(lead, f"/projects/{project.id}")
    response = lead.post(f"/projects/{project.id}/stage", data={"stage": "design", "csrf_token": token})
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "The project cannot move yet" in text and "Write “ready” in the summary" in text
    assert _project(app, project.title).stage == "idea"
    assert lead.post(f"/projects/{project.id}/stage", data={
        "stage": "delivery", "csrf_token": token}).status_code == 302
    assert _project(app, project.title).stage == "delivery"


def test_plugin_panels_show_on_the_project_page_and_plugin_vetoes_hide_projects(make_app):
    app = make_app(plugins=["good"], config={"PLUGINS_DIR": str(TEST_PLUGINS)})
    lead = login(app.test_client(), "lead@example.org")
    project = _project(app, "Redesign of the carers' assessment")
    assert "Panel for Redesign of the carers" in lead.get(f"/projects/{project.id}").get_data(as_text=True)
    with Session(app.extensions["coprod_engine"]) as session:
        secret = Project(title="Secret project", owner_id=project.owner_id)
        session.add(secret)
        session.commit()
        secret_id = secret.id
    assert lead.get(f"/projects/{secret_id}").status_code == 403


def test_stage_form_refuses_an_unknown_stage(app):
    lead = login(app.test_client(), "lead@example.org")
    project = _project(app, "Redesign of the carers' assessment")
    response = lead.post(f"/projects/{project.id}/stage", data={
        "stage": "launched-into-space", "csrf_token": csrf_token(lead, f"/projects/{project.id}")})
    assert response.status_code == 400 and "Not a valid choice" in response.get_data(as_text=True)


def test_configured_stages_are_used(make_app):
    app = make_app(config={"PROJECT_STAGES": ["idea", "doing", "done"]})
    lead = login(app.test_client(), "lead@example.org")
    project = _project(app, "Redesign of the carers' assessment")
    text = lead.get(f"/projects/{project.id}").get_data(as_text=True)
    assert 'value="doing"' in text and 'value="commissioning"' not in text


def test_project_list_paginates(app):
    with Session(app.extensions["coprod_engine"]) as session:
        owner = session.exec(select(Project)).first().owner_id
        for n in range(60):
            session.add(Project(title=f"Bulk project {n:02d}", owner_id=owner))
        session.commit()
    lead = login(app.test_client(), "lead@example.org")
    first = lead.get("/projects/").get_data(as_text=True)
    second = lead.get("/projects/?page=2").get_data(as_text=True)
    assert first.count("Bulk project") == 50 and second.count("Bulk project") == 10
    assert lead.get("/projects/?page=999").get_data(as_text=True).count("Bulk project") == 10
