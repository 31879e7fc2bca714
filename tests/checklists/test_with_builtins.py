"""The checklists plugin beside the real built-in plugins and their demo data: items the network and
training plugins add, a network member rating a project they took part in, lived-experience evidence
that is withdrawn, the benchmark data set, and query counts that do not grow with the data."""

import re

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from coprod_portal import accounts
from coprod_portal.db import get_session
from coprod_portal.projects import Project
from coprod_portal.testing import csrf_token, queries_run
from coprod_portal.types import Person
from plugins.checklists import privacy
from plugins.checklists.models import Answer, AnswerChange, ProjectChecklist, ProjectPerson

from .helpers import answer, answer_startup, project, start_project

MEMBER = "member@example.org"
NETWORK_PROJECT = "Recruiting our new director of care"  # the network demo involves the member here


@pytest.fixture
def app(make_app):
    return make_app()  # every built-in plugin, with the demo data


def test_items_the_network_and_training_plugins_add_show_up_and_gate_the_project(app, client_as):
    lead = client_as("lead@example.org")
    project_id = start_project(lead, "Listening event for young carers")
    page = lead.get(f"/checklists/projects/{project_id}").get_data(as_text=True)
    assert "Fees and expenses for the people involved are budgeted" in page
    assert "added by the network plugin" in page
    assert "Trainers are network members, paid for their deliveries" in page
    assert "added by the training plugin" in page
    fees = page.split("Fees and expenses for the people involved are budgeted")[1][:1500]
    assert "Not met yet (checked automatically)" in fees
    assert "/items/network:network_paying_people.fees_budgeted" not in page  # nobody answers it by hand

    answer_startup(lead, project_id)
    token = csrf_token(lead, f"/projects/{project_id}")
    refused = lead.post(f"/projects/{project_id}/stage", data={"stage": "design", "csrf_token": token})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "‘Paying people’ (for the idea stage) is not complete" in text

    # the lead sets the budget in the network plugin's own page: the item is met, the gate opens
    path = f"/network/projects/{project_id}/budget"
    saved = lead.post(
        path,
        data={"fees": "300", "expenses": "60", "access": "120", "csrf_token": csrf_token(lead, path)},
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)
    page = lead.get(f"/checklists/projects/{project_id}").get_data(as_text=True)
    assert "Met (checked automatically)" in page.split("Fees and expenses for the people")[1][:1500]
    token = csrf_token(lead, f"/projects/{project_id}")
    moved = lead.post(f"/projects/{project_id}/stage", data={"stage": "design", "csrf_token": token})
    assert moved.status_code == 302
    assert project(app, "Listening event for young carers").stage == "design"


def test_the_project_page_leads_into_the_start_up_section_and_back(app, client_as):
    staff = client_as("staff@example.org")
    project_id = start_project(staff, "Coffee morning for carers")
    page = staff.get(f"/projects/{project_id}").get_data(as_text=True)
    assert "Start the co-production checklist" in page
    assert "Before this project can move to the design stage, complete the Start-up" in page
    assert f"/checklists/projects/{project_id}#section-template-startup" in page
    checklist = staff.get(f"/checklists/projects/{project_id}").get_data(as_text=True)
    assert "Answer the next item" in checklist
    assert f"/checklists/projects/{project_id}/items/startup.purpose" in checklist
    assert "Back to the project page" in checklist and f'href="/projects/{project_id}"' in checklist
    assert answer(staff, project_id, "startup.purpose").status_code == 302
    page = staff.get(f"/projects/{project_id}").get_data(as_text=True)
    assert "Continue the co-production checklist" in page
    checklist = staff.get(f"/checklists/projects/{project_id}").get_data(as_text=True)
    assert (
        f"/checklists/projects/{project_id}/items/startup.first_stage" in checklist.split("Next to answer")[1]
    )


def test_a_member_rates_a_project_they_took_part_in(app, client_as):
    member = client_as(MEMBER)
    home = member.get("/").get_data(as_text=True)
    assert "How involved were you?" in home and "Rate the projects you took part in" in home
    listing = member.get("/checklists/rate").get_data(as_text=True)
    assert NETWORK_PROJECT in listing and "Not rated yet" in listing
    project_id = project(app, NETWORK_PROJECT).id
    path = f"/checklists/projects/{project_id}/rate"
    empty = member.post(path, data={"rung": "", "comment": "Kept", "csrf_token": csrf_token(member, path)})
    assert empty.status_code == 400 and "Kept" in empty.get_data(as_text=True)
    saved = member.post(
        path,
        data={
            "rung": "consultation",
            "comment": "We were asked, then it was decided elsewhere",
            "csrf_token": csrf_token(member, path),
        },
    )
    assert saved.status_code == 302
    assert "You said: Consultation" in member.get("/checklists/rate").get_data(as_text=True)

    # a project they took no part in: refused, with what to do
    other = project(app, "Short breaks directory").id
    refused = member.get(f"/checklists/projects/{other}/rate")
    assert refused.status_code == 403
    assert "ask the project's co-production lead to add your involvement" in refused.get_data(as_text=True)

    # the lead sees the member's rating beside the claim, never merged
    lead = client_as("lead@example.org")
    evaluation = lead.get(f"/checklists/projects/{project_id}/evaluation").get_data(as_text=True)
    rated = evaluation.split("Rated by members involved")[1].split("</dd>")[0]
    assert "Consultation: fewer than 5" in rated


def test_an_involvement_recorded_by_the_network_plugin_offers_the_project_to_rate(app, client_as):
    lead = client_as("lead@example.org")
    target = project(app, "Short breaks directory")
    member_page = lead.get("/network/").get_data(as_text=True)
    member_path = re.search(r'href="(/network/members/[0-9a-f]{32})">Maya Williams', member_page).group(1)
    path = f"{member_path}/involvements/new"
    form = lead.get(path)
    assert form.status_code == 200, path
    data = {
        "project_id": target.id,
        "role": "advisory_group",
        "starts_on": ["4", "1", "2030"],
        "ends_on": ["", "", ""],
        "hours": "2",
        "preparation_hours": "0",
        "mode": "in_person",
        "note": "",
        "csrf_token": csrf_token(lead, path),
    }
    saved = lead.post(path, data=data)
    assert saved.status_code == 302, saved.get_data(as_text=True)[:3000]
    member = client_as(MEMBER)
    assert "Short breaks directory" in member.get("/checklists/rate").get_data(as_text=True)
    assert member.get(f"/checklists/projects/{target.id}/rate").status_code == 200


def test_withdrawn_lived_experience_evidence_shows_withdrawn_never_the_old_label(app, client_as):
    lead = client_as("lead@example.org")
    shared = lead.get("/lived_experience/shared").get_data(as_text=True)
    contribution_path = re.search(r'href="(/lived_experience/contributions/[0-9a-f]{32})"', shared).group(1)
    contribution = lead.get(contribution_path).get_data(as_text=True)
    ref = re.search(r"lived_experience:contribution:[0-9a-f]{32}", contribution).group(0)
    project_id = start_project(lead, "Assessment letters rewrite")
    assert answer(lead, project_id, "startup.purpose", evidence=ref).status_code == 302
    page = lead.get(f"/checklists/projects/{project_id}").get_data(as_text=True)
    label = re.search(r'href="' + contribution_path + r'">([^<]+)</a>', page).group(1)
    assert label.startswith("Lived experience shared by")

    staff = client_as("staff@example.org")
    withdraw = f"{contribution_path}/withdraw"
    done = staff.post(withdraw, data={"csrf_token": csrf_token(staff, contribution_path)})
    assert done.status_code == 302

    page = lead.get(f"/checklists/projects/{project_id}").get_data(as_text=True)
    assert "withdrawn by the person who shared it" in page
    assert label not in page and contribution_path not in page
    history = lead.get(f"/checklists/projects/{project_id}/history").get_data(as_text=True)
    assert "A piece of evidence was withdrawn by the person who shared it" in history


def _scale(app, factor):
    result = app.test_cli_runner().invoke(args=["seed-scale", "--factor", str(factor)])
    assert result.exit_code == 0, result.output


def _queries(app, client, path):
    return len(queries_run(app, client, path))


def test_the_scale_data_set_gives_each_scale_project_40_rows_and_pages_stay_flat(app, client_as):
    _scale(app, 0.01)
    with app.app_context():
        session = get_session()
        scale = select(Project.id).where(col(Project.title).like("Scale project %"))
        assert session.exec(select(func.count()).select_from(scale.subquery())).one() == 20
        attached = select(func.count()).where(col(ProjectChecklist.project_id).in_(scale))
        assert session.exec(attached.select_from(ProjectChecklist)).one() == 20
        answers = session.exec(
            select(func.count()).select_from(Answer).where(col(Answer.project_id).in_(scale))
        ).one()
        changes = session.exec(
            select(func.count()).select_from(AnswerChange).where(col(AnswerChange.project_id).in_(scale))
        ).one()
        assert answers + changes == 20 * 40
        one = session.exec(scale.order_by(col(Project.title))).first()
        assert session.exec(select(ProjectPerson)).first() is not None  # the demo's, kept

    lead = client_as("lead@example.org")
    paths = [
        "/checklists/",
        "/checklists/?stage=delivery&overdue=yes",
        "/checklists/?blocked=yes",
        f"/checklists/projects/{one}",
        f"/checklists/projects/{one}/history",
        "/",
    ]
    for path in paths:
        lead.get(path)  # attach anything not attached yet, warm the caches
    before = {path: _queries(app, lead, path) for path in paths}
    _scale(app, 0.05)  # 100 more projects, 4,000 more rows
    for path in paths:  # the home page's cards count again once after the writes, then remember
        lead.get(path)
    after = {path: _queries(app, lead, path) for path in paths}
    assert after == before
    assert before["/checklists/"] < 40, before

    # the stored progress agrees with the checklist itself
    page = lead.get(f"/checklists/projects/{one}").get_data(as_text=True)
    with app.app_context():
        record = get_session().get(ProjectChecklist, one)
        assert f"{record.done_count} of {record.total_count} items done" in page


def test_leads_see_how_many_projects_are_blocked_at_a_gate_and_which(app, client_as):
    lead = client_as("lead@example.org")
    with app.app_context():
        blocked = (
            get_session()
            .exec(select(func.count()).select_from(ProjectChecklist).where(col(ProjectChecklist.blocked)))
            .one()
        )
    assert blocked >= 10  # the demo projects with an open section at their current stage
    home = lead.get("/").get_data(as_text=True)
    assert f"{blocked} projects cannot move to their next stage" in home
    listing = lead.get("/checklists/?blocked=yes").get_data(as_text=True)
    assert listing.count("Blocked at the gate") == min(blocked, 50)
    assert "Befriending scheme evaluation" not in listing  # closed: there is no next stage

    # answering the last open item of a project's current stage takes it off the list at once
    staff = client_as("staff@example.org")
    project_id = start_project(staff, "Gate test project")
    staff.get(f"/projects/{project_id}")  # where the form leads: the checklist is attached there
    assert "Gate test project" in lead.get("/checklists/?blocked=yes").get_data(as_text=True)
    answer_startup(staff, project_id)
    with app.app_context():
        assert get_session().get(ProjectChecklist, project_id).blocked  # the network's budget item
    path = f"/network/projects/{project_id}/budget"
    lead.post(path, data={"fees": "50", "expenses": "0", "access": "0", "csrf_token": csrf_token(lead, path)})
    lead.get(f"/checklists/projects/{project_id}")  # the automatic item is seen met when next looked at
    assert "Gate test project" not in lead.get("/checklists/?blocked=yes").get_data(as_text=True)

    # the card is for leads only; staff see their own projects' due items instead
    assert "Projects blocked at a stage gate" not in staff.get("/").get_data(as_text=True)
    assert "How involved were you?" not in lead.get("/").get_data(as_text=True)


def test_erasing_a_member_removes_our_copy_of_their_projects(app):
    with app.test_request_context():
        session = get_session()
        member = accounts.user_by_email(session, MEMBER)
        rows = select(ProjectPerson).where(ProjectPerson.user_id == member.id)
        assert session.exec(rows).first() is not None
        person = Person(email=member.email, user_id=member.id, display_name=member.display_name)
        report = privacy.erase(session, person)
        session.commit()
        assert "Our copy of the list of projects you took part in" in report.erased
        assert session.exec(rows).first() is None
