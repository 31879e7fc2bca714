"""Reminders, events from other plugins, search, subject access and erasure, demo data."""

from datetime import timedelta

from sqlmodel import select

from coprod_portal import accounts, events
from coprod_portal.db import get_session, utcnow
from coprod_portal.notifications import Notification
from coprod_portal.testing import csrf_token
from coprod_portal.types import Person
from plugins.checklists import reminders
from plugins.checklists.models import Answer, AnswerChange, Idea, ProjectChecklist

from .helpers import answer, project, start_project


def _notes(app, email):
    with app.app_context():
        user = accounts.user_by_email(get_session(), email)
        return [
            n.body for n in get_session().exec(select(Notification).where(Notification.user_id == user.id))
        ]


def test_the_nightly_job_reminds_the_owner_once_per_due_date(app, client_as):
    staff = client_as("staff@example.org")
    project_id = start_project(staff, "Listening event")
    soon = (utcnow() + timedelta(days=3)).date()
    assert (
        answer(
            staff,
            project_id,
            "startup.roles",
            status="not_yet",
            due_on=[str(soon.day), str(soon.month), str(soon.year)],
        ).status_code
        == 302
    )
    with app.app_context():
        reminders.remind_due()
        reminders.remind_due()  # safe to repeat
    sent = [body for body in _notes(app, "staff@example.org") if "Listening event" in body]
    assert (
        len(sent) == 1
        and "1 item of the co-production checklist of ‘Listening event’ is due within a week" in sent[0]
    )


def test_the_job_attaches_a_checklist_to_every_project(app):
    with app.app_context():
        session = get_session()
        attached = {r.project_id for r in session.exec(select(ProjectChecklist))}
        reminders.remind_due()
        from coprod_portal.projects import Project

        everyone = set(session.exec(select(Project.id)))
        assert everyone == {r.project_id for r in session.exec(select(ProjectChecklist))}
        assert attached <= everyone


def test_a_stage_move_tells_the_owner_which_sections_are_now_due(app, client_as):
    lead = client_as("lead@example.org")
    target = project(app, "Day centre menus with members")  # demo: at design, start-up complete
    assert target.stage == "design"
    with app.test_request_context():
        session = get_session()
        events.notify(
            session,
            "portal_project_stage_changed",
            project_id=target.id,
            from_stage="idea",
            to_stage="design",
        )
        events.commit(session)
    owner_email = "staff@example.org"  # the demo gives this project to the member of staff
    assert any(
        "Day centre menus" in body and "Design: working together" in body for body in _notes(app, owner_email)
    )
    history = lead.get(f"/checklists/projects/{target.id}/history").get_data(as_text=True)
    assert "The project moved to the design stage" in history


def test_withdrawn_contributions_leave_no_copy_and_a_note_in_the_history(app, client_as):
    lead = client_as("lead@example.org")
    project_id = start_project(lead, "Stories project")
    assert (
        answer(lead, project_id, "startup.purpose", evidence="lived_experience:contribution:c123").status_code
        == 302
    )
    with app.test_request_context():
        app.extensions["coprod_plugins"].call("portal_contribution_withdrawn", contribution_id="c123")
        changes = get_session().exec(select(AnswerChange).where(AnswerChange.project_id == project_id)).all()
        assert any("withdrawn by the person who shared it" in c.summary for c in changes)
        stored = get_session().exec(select(Answer).where(Answer.project_id == project_id)).one()
        assert stored.evidence == "lived_experience:contribution:c123"  # a reference only, never content


def test_search_finds_ideas_for_their_sender_and_answers_for_staff(app, client_as):
    staff = client_as("staff@example.org")
    page = staff.get("/search?q=buddy").get_data(as_text=True)
    assert "A buddy for every new carer" in page
    hr = client_as("hr@example.org")
    assert "A buddy for every new carer" not in hr.get("/search?q=buddy").get_data(as_text=True)
    lead = client_as("lead@example.org")
    project_id = start_project(lead, "Searchable project")
    answer(lead, project_id, "startup.budget", status="not_applicable", reason="Zanzibar volunteers only")
    assert "Checklist of Searchable project" in hr.get("/search?q=Zanzibar").get_data(as_text=True)


def test_subject_export_and_erasure_cover_ideas_and_ratings(app):
    with app.test_request_context():
        session = get_session()
        staff = accounts.user_by_email(session, "staff@example.org")
        person = Person(email=staff.email, user_id=staff.id, display_name=staff.display_name)
        host = app.extensions["coprod_plugins"]
        exported = [
            r
            for r in host.items("portal_subject_export", person=person)
            if r.section == "Co-production checklists and ideas"
        ][0]
        titles = [r.get("Idea you sent") for r in exported.records]
        assert "A buddy for every new carer" in titles
        from plugins.checklists import privacy

        report = privacy.erase(session, person)
        session.commit()
        assert "Your ratings of projects' rungs of the ladder" in report.erased
        assert session.exec(select(Idea).where(Idea.submitted_by_id == staff.id)).first() is None


def test_demo_projects_have_real_checklists_at_different_stages(app, client_as):
    with app.app_context():
        session = get_session()
        attached = session.exec(select(ProjectChecklist)).all()
        assert len(attached) >= 25
        from coprod_portal.projects import Project

        stages_seen = {p.stage for p in session.exec(select(Project))}
        assert {"idea", "design", "delivery", "review", "closed"} <= stages_seen
    lead = client_as("lead@example.org")
    target = project(app, "Redesign of the carers' assessment")
    page = lead.get(f"/checklists/projects/{target.id}").get_data(as_text=True)
    assert "4 of 18 items done" in page
    portfolio = lead.get("/checklists/?involvement=after_design").get_data(as_text=True)
    assert "Transport to day services" in portfolio and "Day centre menus" not in portfolio
    overdue = lead.get("/checklists/?overdue=yes").get_data(as_text=True)
    assert "Short breaks directory" in overdue
    assert 'id="chart-first-stage"' in portfolio and 'id="chart-progress"' in portfolio  # the charts


def test_a_project_at_delivery_in_the_demo_cannot_skip_its_open_section(app, client_as):
    lead = client_as("lead@example.org")
    target = project(app, "Direct payments support line")
    response = lead.post(
        f"/projects/{target.id}/stage",
        data={"stage": "review", "csrf_token": csrf_token(lead, f"/projects/{target.id}")},
    )
    assert response.status_code == 400 and "Delivery: feeding back" in response.get_data(as_text=True)
