"""Template versions: changed in the browser as a new version; projects keep the version they started with."""

from coprod_portal.testing import csrf_token

from .helpers import start_project


def _draft(lead, note="Add a question about transport"):
    return lead.post(
        "/checklists/templates", data={"note": note, "csrf_token": csrf_token(lead, "/checklists/templates")}
    )


def test_a_new_version_applies_to_new_projects_and_old_projects_keep_theirs(app, client_as):
    lead = client_as("lead@example.org")
    old_project = start_project(lead, "Started under version 1")
    response = _draft(lead)
    assert response.status_code == 302
    version_path = response.headers["Location"]
    page = lead.get(version_path).get_data(as_text=True)
    assert "Version 2" in page and "Start-up: purpose, people and money" in page  # a copy of version 1
    section_link = next(part for part in page.split('"') if part.endswith("/items/new"))
    response = lead.post(
        section_link,
        data={
            "key": "transport",
            "text": "We pay for transport to every meeting",
            "hint": "",
            "kind": "",
            "csrf_token": csrf_token(lead, section_link),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    publish = version_path + "/publish"
    assert lead.post(publish, data={"csrf_token": csrf_token(lead, version_path)}).status_code == 302

    new_project = start_project(lead, "Started under version 2")
    new_page = lead.get(f"/checklists/projects/{new_project}").get_data(as_text=True)
    assert "version 2 of the checklist" in new_page and "We pay for transport to every meeting" in new_page
    old_page = lead.get(f"/checklists/projects/{old_project}").get_data(as_text=True)
    assert "version 1 of the checklist" in old_page and "We pay for transport" not in old_page
    listing = lead.get("/checklists/templates").get_data(as_text=True)
    assert "Add a question about transport" in listing


def test_editing_a_version_in_use_is_refused_and_what_was_typed_is_kept(app, client_as):
    lead = client_as("lead@example.org")
    start_project(lead, "Uses version 1")
    page = lead.get("/checklists/templates/v1").get_data(as_text=True)
    assert "cannot be changed" in page and "Add a section" not in page
    path = "/checklists/templates/v1/sections/v1-startup/items/v1-startup-budget"
    response = lead.post(
        path,
        data={
            "key": "budget",
            "text": "My better wording of the budget question",
            "hint": "",
            "kind": "",
            "csrf_token": csrf_token(lead, "/checklists/templates"),
        },
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Version 1 is published and" in text and "Start a new draft version" in text
    assert "My better wording of the budget question" in text
    removal = lead.post(
        "/checklists/templates/v1/sections/v1-startup/remove",
        data={"csrf_token": csrf_token(lead, "/checklists/templates")},
        follow_redirects=True,
    )
    assert "cannot be changed" in removal.get_data(as_text=True)
    assert "We have an involvement budget" in lead.get("/checklists/templates/v1").get_data(as_text=True)


def test_bad_template_input_is_explained(app, client_as):
    lead = client_as("lead@example.org")
    assert _draft(lead, note="").status_code == 400
    draft = _draft(lead).headers["Location"]
    again = _draft(lead, note="Another")
    assert again.status_code == 400 and "is already a draft" in again.get_data(as_text=True)
    new_section = draft + "/sections/new"
    response = lead.post(
        new_section,
        data={
            "key": "Bad Key",
            "title": "Closing",
            "stage": "closed",
            "csrf_token": csrf_token(lead, new_section),
        },
    )
    assert response.status_code == 400 and "Use lower-case letters" in response.get_data(as_text=True)
    response = lead.post(
        new_section,
        data={
            "key": "startup",
            "title": "Closing",
            "stage": "closed",
            "csrf_token": csrf_token(lead, new_section),
        },
    )
    assert response.status_code == 400 and "already called startup" in response.get_data(as_text=True)
    response = lead.post(
        new_section,
        data={
            "key": "closing",
            "title": "Closing",
            "stage": "closed",
            "csrf_token": csrf_token(lead, new_section),
        },
    )
    assert response.status_code == 302
    refused = lead.post(
        draft + "/publish", data={"csrf_token": csrf_token(lead, draft)}, follow_redirects=True
    )
    assert "every section at least one item" in refused.get_data(as_text=True)


def test_only_leads_and_admins_change_templates(app, client_as):
    staff = client_as("staff@example.org")
    assert staff.get("/checklists/templates").status_code == 403
    assert "Change the checklist template" not in staff.get("/checklists/").get_data(as_text=True)
