"""Helpers list pages use on every row: ``url_for_each`` (the address built once gives what
``url_for`` gives) and ``tag`` (a GOV.UK tag written in Python)."""

from __future__ import annotations

from flask import url_for

from coprod_portal.pages import tag, url_for_each


def test_each_rows_address_is_what_url_for_builds(app):
    with app.test_request_context("/"):
        project_url = url_for_each("projects.view", "project_id")
        for value in ("0123456789abcdef0123456789abcdef", "with-dash_and_underscore", 42):
            assert project_url(value) == url_for("projects.view", project_id=value)


def test_values_that_need_quoting_go_through_url_for(app):
    with app.test_request_context("/"):
        project_url = url_for_each("projects.view", "project_id")
        for value in ("a b", "café", "x/../y", "?page=2", "PORTALROWVALUE"):
            assert project_url(value) == url_for("projects.view", project_id=value)


def test_fixed_arguments_and_query_arguments_are_kept(app):
    with app.test_request_context("/"):
        page_url = url_for_each("projects.list_projects", "page", stage="delivery")
        assert page_url(3) == url_for("projects.list_projects", page=3, stage="delivery")


def test_the_project_list_links_each_project(app, client_as):
    html = client_as("coproduction_lead").get("/projects/").get_data(as_text=True)
    with app.test_request_context("/"):
        from sqlmodel import select

        from coprod_portal.db import get_session
        from coprod_portal.projects import Project

        first = get_session().exec(select(Project).order_by(Project.updated_at.desc())).first()
        assert f'href="{url_for("projects.view", project_id=first.id)}">{first.title}</a>' in html


def test_a_tag_escapes_its_text_and_its_colour_like_the_macro_did():
    assert tag("Design", "blue") == '<strong class="govuk-tag govuk-tag--blue">Design</strong>'
    assert tag("Closed") == '<strong class="govuk-tag">Closed</strong>'
    hostile = tag("<script>alert(1)</script>", '"><img src=x>')
    assert "<script>" not in hostile and "<img" not in hostile
    assert "&lt;script&gt;" in hostile and "&#34;&gt;&lt;img src=x&gt;" in hostile
