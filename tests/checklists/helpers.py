"""Small helpers shared by the checklist tests."""

from sqlmodel import select

from coprod_portal.db import get_session
from coprod_portal.projects import Project
from coprod_portal.testing import csrf_token


def project(app, title):
    with app.app_context():
        return get_session().exec(select(Project).where(Project.title == title)).one()


def start_project(client, title):
    token = csrf_token(client, "/projects/new")
    response = client.post("/projects/new", data={"title": title, "summary": "", "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"].rsplit("/", 1)[1]


def answer(client, project_id, ref, **fields):
    path = f"/checklists/projects/{project_id}/items/{ref}"
    data = {
        "status": "yes",
        "reason": "",
        "notes": "",
        "evidence": "",
        "owner_email": "",
        "due_on": ["", "", ""],
        "value": "",
        **fields,
        "csrf_token": csrf_token(client, path),
    }
    return client.post(path, data=data)


STARTUP = ["startup.purpose", "startup.roles", "startup.budget", "startup.payment", "startup.accessibility"]


def answer_startup(client, project_id):
    for ref in STARTUP:
        assert answer(client, project_id, ref).status_code == 302
    assert answer(client, project_id, "startup.first_stage", value="idea").status_code == 302
    assert answer(client, project_id, "startup.planned_rung", value="co_design").status_code == 302
