"""The staff and admin pages in other languages: every text is marked for translation (also on
pages the crawl of tests/test_translations.py does not reach), labels of stored codes are
translated while the codes stay, and the subject access document says which language it is in."""

from __future__ import annotations

import json
import re

import pytest
from babel import Locale
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from coprod_portal import accounts, jobs
from coprod_portal.jobs import JobFailure
from coprod_portal.projects import RUNGS, stage_label, stage_name
from coprod_portal.testing import csrf_token, login, pseudo_translated, untranslated_words, words_in_database

SUBJECTS = "/admin/subject-access/"
# Text the shared page macros and form widgets write: marked in their own templates.
SHELL = {"There is a problem", "Error:"}


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    from coprod_portal.testing import build_app

    return build_app(tmp_path_factory.mktemp("admin-languages"))


def main_of(html: str) -> str:
    """The page's own content (the shell around it belongs to base.html)."""
    found = re.search(r"<main\b.*?</main>", html, re.S)
    assert found, html[:500]
    return found.group(0)


def calendar_words() -> set[str]:
    """Month and day names (Babel writes them in the page's language) and the time zones."""
    locale = Locale.parse("en_GB")
    names = [*locale.months["format"]["wide"].values(), *locale.days["format"]["wide"].values()]
    return {name.casefold() for name in names} | {"gmt", "bst", "utc"}


# the core's housekeeping jobs, declared with the jobs page's own texts
HOUSEKEEPING = {"core.purge_login_attempts", "core.purge_job_failures", "core.remove_orphan_files"}


def others_job_descriptions(app: Flask) -> set[str]:
    """What the other jobs do, in the words of the module or plugin declaring each (marked there)."""
    return {" ".join(str(job.description).split()) for job in jobs.declared(app)
            if job.name not in HOUSEKEEPING and job.description}


def unmarked(app: Flask, html: str) -> list[str]:
    known = words_in_database(app) | calendar_words()
    others = SHELL | others_job_descriptions(app)
    return [piece for piece in untranslated_words(main_of(html), known)
            if piece not in others and not any(piece in text for text in others)]


def an_admin(app: Flask) -> FlaskClient:
    return login(app.test_client(), "admin@example.org")


def user_id(app: Flask, email: str) -> str:
    with Session(app.extensions["coprod_engine"]) as session:
        user = accounts.user_by_email(session, email)
        assert user is not None
        return user.id


def test_admin_pages_the_crawl_does_not_reach_mark_their_text(portal: Flask) -> None:
    admin = an_admin(portal)
    staff_id = user_id(portal, "staff@example.org")
    with pseudo_translated():
        pages = {
            "reset code": admin.post(f"/admin/users/{staff_id}/reset-code",
                                     data={"csrf_token": csrf_token(admin, f"/admin/users/{staff_id}")}),
            "subject summary": admin.post(SUBJECTS, data={"email": "staff@example.org",
                                                          "csrf_token": csrf_token(admin, SUBJECTS)}),
            "nothing held": admin.post(SUBJECTS, data={"email": "nobody@example.org",
                                                       "csrf_token": csrf_token(admin, SUBJECTS)}),
            "audit log with bad dates": admin.get("/audit/?from=2027-13-01&to=soon"),
            "projects at an empty stage": admin.get("/projects/?stage=closed&page=99"),
        }
        problems = {name: unmarked(portal, response.get_data(as_text=True))
                    for name, response in pages.items()}
    assert pages["reset code"].status_code == 200 and pages["nothing held"].status_code == 404
    assert not any(problems.values()), problems


def test_a_failed_job_and_a_deactivated_account_mark_their_text(portal: Flask) -> None:
    admin = an_admin(portal)
    with Session(portal.extensions["coprod_engine"]) as session:
        session.add(JobFailure(task_id="t-languages", job_name="core.purge_login_attempts",
                               error="RuntimeError: disk full", attempts=3, status="gave_up"))
        target = accounts.user_by_email(session, "hr@example.org")
        assert target is not None
        accounts.deactivate(target)
        session.commit()
        target_id = target.id
    with pseudo_translated():
        jobs_page = admin.get("/admin/jobs").get_data(as_text=True)
        account_page = admin.get(f"/admin/users/{target_id}").get_data(as_text=True)
    assert "⟦Try again⟧" in jobs_page and "⟦Gave up⟧" in jobs_page
    assert not unmarked(portal, jobs_page) and not unmarked(portal, account_page)


def test_stage_and_rung_labels_are_translated_and_their_codes_kept(portal: Flask) -> None:
    assert list(RUNGS) == ["coercion", "educating", "informing", "consultation", "engagement",
                           "co_design", "co_production"]
    with portal.test_request_context():
        assert (stage_label("design"), stage_name("design")) == ("Design", "design")
        assert stage_label("user testing") == "User testing"  # a stage an organisation added
        with pseudo_translated():
            assert str(RUNGS["co_design"]) == "⟦Co-design⟧"
            assert stage_name("review") == "⟦review⟧"


def test_the_subject_access_document_is_in_the_language_it_is_produced_in(portal: Flask) -> None:
    admin = an_admin(portal)
    admin.get("/language/cy")
    token = csrf_token(admin, SUBJECTS)
    document = admin.post(SUBJECTS + "download", data={"email": "lead@example.org", "format": "html",
                                                        "csrf_token": token}).get_data(as_text=True)
    assert '<html lang="cy">' in document
    months = ("Ionawr", "Chwefror", "Mawrth", "Ebrill", "Mai", "Mehefin", "Gorffennaf", "Awst",
              "Medi", "Hydref", "Tachwedd", "Rhagfyr")
    assert any(month in document for month in months)


def test_the_json_download_holds_translated_labels_as_plain_text(portal: Flask) -> None:
    admin = an_admin(portal)
    admin.get("/language/en")  # an earlier test stored Welsh on the admin's account
    token = csrf_token(admin, SUBJECTS)
    response = admin.post(SUBJECTS + "download", data={"email": "lead@example.org", "format": "json",
                                                        "csrf_token": token})
    assert response.status_code == 200
    document = json.loads(response.get_data(as_text=True))
    values = {value for section in document["sections"] for record in section["records"]
              for value in record.values() if isinstance(value, str)}
    assert values & {str(label) for label in RUNGS.values()}, "the lead's claimed rungs are exported"
