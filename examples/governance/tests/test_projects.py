"""The "board informed" checklist item and the Board panel on a project's page."""

from coprod_portal.db import get_session
from coprod_portal.projects import Project
from coprod_portal.testing import csrf_token
from sqlmodel import select

from governance import portal_checklist_sections


def _project(app, title):
    with app.app_context():
        return get_session().exec(select(Project).where(Project.title == title)).one()


def _board_informed(app, project):
    with app.test_request_context():
        (section,) = portal_checklist_sections(project)
        return section.items[0].met


def test_checklist_item_is_met_once_a_briefing_is_recorded(app, client_as):
    project = _project(app, "Easy Read information on direct payments")
    assert _board_informed(app, project) is False
    lead = client_as("coproduction_lead")
    path = f"/governance/projects/{project.id}/briefing"
    response = lead.post(path, data={"briefed_on": ["12", "10", "2026"],
                                     "csrf_token": csrf_token(lead, path)})
    assert response.status_code == 302
    assert _board_informed(app, project) is True
    page = lead.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "The board was told about this project on 12 October 2026." in page


def test_project_page_shows_the_board_panel(app, client_as):
    project = _project(app, "Redesign of the carers' assessment")
    page = client_as("staff@example.org").get(f"/projects/{project.id}").get_data(as_text=True)
    assert "The board was told about this project on" in page
    assert "Record a board briefing" not in page  # staff may see the panel, not record briefings


def test_a_briefing_needs_a_real_date(app, client_as):
    project = _project(app, "Easy Read information on direct payments")
    lead = client_as("coproduction_lead")
    path = f"/governance/projects/{project.id}/briefing"
    response = lead.post(path, data={"briefed_on": ["31", "2", "2026"],
                                     "note": "Presented by the lead", "csrf_token": csrf_token(lead, path)})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Enter a real date" in page and "Presented by the lead" in page
    assert _board_informed(app, project) is False


def test_staff_may_not_record_briefings(app, client_as):
    project = _project(app, "Easy Read information on direct payments")
    staff = client_as("staff@example.org")
    assert staff.get(f"/governance/projects/{project.id}/briefing").status_code == 403
