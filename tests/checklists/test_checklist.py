"""A project's checklist: attached automatically, answered, gated, with evidence and history."""

from coprod_portal.testing import csrf_token

from .helpers import answer, answer_startup, project, start_project


def test_a_new_project_gets_the_checklist_with_other_plugins_items(app, client_as):
    lead = client_as("lead@example.org")
    project_id = start_project(lead, "Carers' café pilot")
    page = lead.get(f"/projects/{project_id}").get_data(as_text=True)
    assert "Co-production checklist" in page and "0 of 18 items done" in page
    checklist = lead.get(f"/checklists/projects/{project_id}").get_data(as_text=True)
    assert "version 1 of the checklist" in checklist
    assert "We have an involvement budget for fees, expenses and access costs" in checklist
    assert "BSL interpreters" in checklist  # the hint, from the guidance
    # the partner plugin's items: one checked automatically (not editable), one a person answers
    assert "Fees are budgeted" in checklist and "Not met yet (checked automatically)" in checklist
    assert (
        f"/checklists/projects/{project_id}/items/checklists_partner:partner.fees_budgeted" not in checklist
    )
    assert f"/checklists/projects/{project_id}/items/checklists_partner:partner.members_thanked" in checklist


def test_the_stage_form_shows_the_reasons_then_lets_the_project_move_once_complete(app, client_as):
    lead = client_as("lead@example.org")
    project_id = start_project(lead, "Carers' café pilot")
    stage_path = f"/projects/{project_id}/stage"
    response = lead.post(
        stage_path, data={"stage": "design", "csrf_token": csrf_token(lead, f"/projects/{project_id}")}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "The project cannot move yet" in page
    assert "‘Start-up: purpose, people and money’ (for the idea stage) is not complete: 7 of 7 items" in page
    assert "‘Partner plugin&#39;s checks’" in page or "Partner plugin's checks" in page

    answer_startup(lead, project_id)
    assert (
        answer(
            lead,
            project_id,
            "checklists_partner:partner.members_thanked",
            status="not_applicable",
            reason="Thanked in writing, as members asked",
        ).status_code
        == 302
    )
    response = lead.post(
        stage_path, data={"stage": "design", "csrf_token": csrf_token(lead, f"/projects/{project_id}")}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Start-up" not in page.split("cannot move yet")[1]
    assert "1 of 2 items still needs an answer" in page  # the automatic item is not met yet

    app.config["PARTNER"]["fees_budgeted"] = True
    response = lead.post(
        stage_path, data={"stage": "design", "csrf_token": csrf_token(lead, f"/projects/{project_id}")}
    )
    assert response.status_code == 302
    assert project(app, "Carers' café pilot").stage == "design"
    # skipping ahead needs the design section too
    response = lead.post(
        stage_path, data={"stage": "delivery", "csrf_token": csrf_token(lead, f"/projects/{project_id}")}
    )
    assert response.status_code == 400 and "‘Design: working together’" in response.get_data(as_text=True)
    # moving back is never blocked
    response = lead.post(
        stage_path, data={"stage": "idea", "csrf_token": csrf_token(lead, f"/projects/{project_id}")}
    )
    assert response.status_code == 302


def test_not_applicable_needs_a_reason_and_nothing_typed_is_lost(app, client_as):
    lead = client_as("lead@example.org")
    project_id = start_project(lead, "Carers' café pilot")
    response = answer(
        lead, project_id, "startup.budget", status="not_applicable", notes="Discussed with finance on Monday"
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Error: " in page and "‘not applicable’ needs a written reason" in page
    assert "Discussed with finance on Monday" in page and 'value="not_applicable" checked' in page
    checklist = lead.get(f"/checklists/projects/{project_id}").get_data(as_text=True)
    assert "Discussed with finance" not in checklist  # nothing half-saved
    assert (
        answer(
            lead,
            project_id,
            "startup.budget",
            status="not_applicable",
            reason="Nobody is paid: the work is a staff survey",
        ).status_code
        == 302
    )
    checklist = lead.get(f"/checklists/projects/{project_id}").get_data(as_text=True)
    assert (
        "Why: Nobody is paid: the work is a staff survey" in checklist and "1 of 18 items done" in checklist
    )


def test_the_first_stage_and_rung_must_be_chosen_and_late_involvement_is_flagged(app, client_as):
    lead = client_as("lead@example.org")
    project_id = start_project(lead, "Carers' café pilot")
    response = answer(lead, project_id, "startup.first_stage")
    assert response.status_code == 400 and "Choose the stage" in response.get_data(as_text=True)
    response = answer(lead, project_id, "startup.first_stage", value="elsewhere")
    assert response.status_code == 400 and "Choose one of the options" in response.get_data(as_text=True)
    assert answer(lead, project_id, "startup.first_stage", value="delivery").status_code == 302
    assert answer(lead, project_id, "startup.planned_rung", value="coercion").status_code == 302
    page = lead.get(f"/checklists/projects/{project_id}").get_data(as_text=True)
    assert "People are first involved at the delivery stage, after design" in page
    assert "The planned rung is coercion" in page
    assert "People are first involved at the delivery stage" in lead.get(f"/projects/{project_id}").get_data(
        as_text=True
    )


def test_evidence_references_are_resolved_when_shown_and_withdrawn_ones_say_so(app, client_as):
    lead = client_as("lead@example.org")
    project_id = start_project(lead, "Carers' café pilot")
    response = answer(lead, project_id, "startup.purpose", evidence="javascript:alert(1)")
    assert response.status_code == 400 and "is not a link or a reference" in response.get_data(as_text=True)
    evidence = "\n".join(
        [
            "https://example.org/minutes",
            "partner:record:abc",
            "partner:record:gone1",
            "lived_experience:contribution:zzz",
        ]
    )
    assert answer(lead, project_id, "startup.purpose", evidence=evidence).status_code == 302
    page = lead.get(f"/checklists/projects/{project_id}").get_data(as_text=True)
    assert 'href="https://example.org/minutes"' in page
    assert '<a class="govuk-link" href="/partner/abc">Partner record abc</a>' in page
    assert "withdrawn by the person who shared it" in page and "gone1" not in page
    assert "not available here: the plugin that holds it is switched off" in page


def test_automatic_items_cannot_be_answered_and_outsiders_cannot_answer(app, client_as):
    lead = client_as("lead@example.org")
    project_id = start_project(lead, "Carers' café pilot")
    response = lead.get(
        f"/checklists/projects/{project_id}/items/checklists_partner:partner.fees_budgeted",
        follow_redirects=True,
    )
    assert "is checked automatically by the checklists_partner plugin" in response.get_data(as_text=True)
    manager = client_as("manager@example.org")  # staff, not on the project
    assert manager.get(f"/checklists/projects/{project_id}").status_code == 200
    response = manager.get(f"/checklists/projects/{project_id}/items/startup.budget")
    assert response.status_code == 403
    assert "/items/startup.budget" not in manager.get(f"/checklists/projects/{project_id}").get_data(
        as_text=True
    )


def test_owner_team_and_due_dates_show_in_the_history_and_on_the_home_page(app, client_as):
    staff = client_as("staff@example.org")
    project_id = start_project(staff, "Staff-led listening event")
    assert (
        answer(
            staff, project_id, "startup.roles", status="not_yet", owner_email="nobody@example.org"
        ).status_code
        == 400
    )
    response = answer(
        staff,
        project_id,
        "startup.roles",
        status="not_yet",
        owner_email="staff@example.org",
        due_on=["1", "1", "2020"],
    )
    assert response.status_code == 302
    page = staff.get(f"/checklists/projects/{project_id}").get_data(as_text=True)
    assert "Responsible: Sasha Staff" in page and "(overdue)" in page
    history = staff.get(f"/checklists/projects/{project_id}/history").get_data(as_text=True)
    assert "responsible: Sasha Staff; due: 01 January 2020" in history and "Sasha Staff" in history
    home = staff.get("/").get_data(as_text=True)
    assert "Checklist items due" in home and "overdue" in home
