"""The search page: every plugin answers for what the person may see; odd input never breaks it."""

import re

import pytest
from conftest import TEST_PLUGINS
from sqlmodel import Session, select

from coprod_portal.accounts import User
from coprod_portal.hookspecs import hookimpl
from coprod_portal.projects import Project
from coprod_portal.search import escape_like, matches, snippet
from coprod_portal.testing import login
from coprod_portal.types import SearchResult


@pytest.fixture
def good_app(make_app):
    return make_app(plugins=["good", "flaky"], config={"PLUGINS_DIR": str(TEST_PLUGINS)})


def _add_projects(app, *titles, summary=""):
    with Session(app.extensions["coprod_engine"]) as session:
        owner = session.exec(select(User).where(User.email == "lead@example.org")).one()
        for title in titles:
            session.add(Project(title=title, summary=summary, owner_id=owner.id))
        session.commit()


def _search(client, query, **args):
    return client.get("/search", query_string={"q": query, **args})


def _titles(html):
    return re.findall(r'class="govuk-link govuk-!-font-weight-bold" href="[^"]*">([^<]*)</a>', html)


def test_visitors_are_sent_to_sign_in(app):
    response = app.test_client().get("/search?q=carers")
    assert response.status_code == 302 and "/sign-in" in response.location


def test_staff_find_projects_from_a_labelled_search_box_in_the_navigation(app):
    staff = login(app.test_client(), "staff@example.org")
    home = staff.get("/").get_data(as_text=True)
    assert re.search(r'href="/search">\s*Search\s*</a>', home)
    empty = staff.get("/search").get_data(as_text=True)
    assert '<label class="govuk-label" for="q">' in empty and "Search the portal" in empty
    assert "There is a problem" not in empty
    page = _search(staff, "  carers  ").get_data(as_text=True)
    assert re.search(r'id="results-count">[^<]+ for “carers”', page)  # trimmed; plugins may find more
    assert "Redesign of the carers&#39; assessment" in page
    assert '<h2 class="govuk-heading-m govuk-!-margin-top-6" id="group-1">Projects</h2>' in page
    assert ">People</h2>" not in page


def test_admins_also_find_people_and_staff_do_not(app):
    admin = login(app.test_client(), "admin@example.org")
    page = _search(admin, "sasha").get_data(as_text=True)
    assert ">People</h2>" in page and "Sasha Staff" in page and "staff@example.org" in page
    staff = login(app.test_client(), "staff@example.org")
    text = _search(staff, "sasha").get_data(as_text=True)
    assert "There are no results for “sasha”." in text and "staff@example.org" not in text


def test_a_plugins_admin_only_answer_reaches_admins_only(good_app):
    admin = login(good_app.test_client(), "admin@example.org")
    page = _search(admin, "first good").get_data(as_text=True)
    assert ">Good notes</h2>" in page and "The first good note" in page
    assert "A note only admins find" in page
    for role in ("staff@example.org", "lead@example.org", "hr@example.org"):
        text = _search(login(good_app.test_client(), role), "first good").get_data(as_text=True)
        assert "The first good note" not in text and "There are no results for “first good”." in text


def test_a_plugin_whose_search_fails_is_skipped_and_shown_to_admins(good_app):
    lead = login(good_app.test_client(), "lead@example.org")
    response = _search(lead, "carers")
    assert response.status_code == 200 and "Redesign of the carers" in response.get_data(as_text=True)
    errors = good_app.extensions["coprod_plugins"].plugins["flaky"].errors
    assert any("portal_search failed" in e and "search service is down" in e for e in errors)


def test_projects_a_plugin_hides_are_not_found(good_app):
    _add_projects(good_app, "Secret project", "Secret garden group")
    lead = login(good_app.test_client(), "lead@example.org")
    page = _search(lead, "secret").get_data(as_text=True)
    assert _titles(page) == ["Secret garden group"] and "1 result for" in page


def test_like_wildcards_are_searched_literally(app):
    _add_projects(app, "100% volunteer led", "snake_case plan")
    lead = login(app.test_client(), "lead@example.org")
    assert _titles(_search(lead, "%%").get_data(as_text=True)) == []
    assert _titles(_search(lead, "0%").get_data(as_text=True)) == ["100% volunteer led"]
    assert _titles(_search(lead, "e_c").get_data(as_text=True)) == ["snake_case plan"]
    assert _titles(_search(lead, "__").get_data(as_text=True)) == []
    assert _titles(_search(lead, "\\%").get_data(as_text=True)) == []
    assert escape_like("50%_\\") == "50\\%\\_\\\\"


def test_markup_is_searched_as_text_and_shown_escaped(app):
    _add_projects(app, "<script>alert(1)</script> club", summary="Quotes \"double\" and 'single'")
    lead = login(app.test_client(), "lead@example.org")
    page = _search(lead, "<script>alert(1)</script>").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; club" in page
    assert "1 result for “&lt;script&gt;alert(1)&lt;/script&gt;”" in page
    quoted = _search(lead, "\"double\" and 'single'").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; club" in quoted
    assert "Quotes &#34;double&#34; and &#39;single&#39;" in quoted


def test_unicode_and_emoji_are_found(app):
    _add_projects(app, "Café 🎉 mornings", "Ysgol Gymraeg – cyd-gynhyrchu")
    lead = login(app.test_client(), "lead@example.org")
    assert _titles(_search(lead, "🎉 m").get_data(as_text=True)) == ["Café 🎉 mornings"]
    assert _titles(_search(lead, "Café").get_data(as_text=True)) == ["Café 🎉 mornings"]
    assert _titles(_search(lead, "– cyd").get_data(as_text=True)) == ["Ysgol Gymraeg – cyd-gynhyrchu"]
    nul = _search(lead, "caf\x00é")  # NUL never reaches a view (security.py): it is dropped
    assert nul.status_code == 200 and _titles(nul.get_data(as_text=True)) == ["Café 🎉 mornings"]


def test_empty_short_and_long_queries_are_explained_and_kept(app):
    lead = login(app.test_client(), "lead@example.org")
    empty = _search(lead, "   ")
    assert empty.status_code == 400
    assert "Enter a word or phrase to search for" in empty.get_data(as_text=True)
    short = _search(lead, "a").get_data(as_text=True)
    assert "Enter at least 2 characters to search for" in short and 'href="#q"' in short
    assert short.startswith("<!DOCTYPE html>") and "<title>Error: Search" in short
    typed = "carers " + "x" * 200
    long = _search(lead, typed)
    text = long.get_data(as_text=True)
    assert long.status_code == 400
    assert "Enter 200 characters or fewer. Your search has 207 characters" in text
    assert f'value="{typed}"' in text  # nothing typed is lost
    assert "Redesign of the carers" not in text


def test_each_group_shows_ten_and_pages_through_the_rest(app):
    _add_projects(app, *[f"Bulk project {n:02d}" for n in range(1, 26)])
    lead = login(app.test_client(), "lead@example.org")
    overview = _search(lead, "bulk").get_data(as_text=True)
    assert "25 results for “bulk”." in overview
    assert _titles(overview) == [f"Bulk project {n:02d}" for n in range(1, 11)]
    more = 'href="/search?q=bulk&amp;group=Projects">See all 25 results in Projects</a>'
    assert more in overview
    first = _search(lead, "bulk", group="Projects").get_data(as_text=True)
    assert _titles(first) == [f"Bulk project {n:02d}" for n in range(1, 21)]
    assert "25 results for “bulk” in Projects, showing 1 to 20." in first
    assert "govuk-pagination" in first and "page=2" in first
    assert "All results for “bulk”" in first and 'name="group" value="Projects"' in first
    second = _search(lead, "bulk", group="Projects", page=2).get_data(as_text=True)
    assert _titles(second) == [f"Bulk project {n:02d}" for n in range(21, 26)]
    assert "showing 21 to 25" in second
    beyond = _search(lead, "bulk", group="Projects", page=99).get_data(as_text=True)
    assert _titles(beyond) == _titles(second)
    unknown = _search(lead, "bulk", group="No such group").get_data(as_text=True)
    assert "25 results for “bulk”." in unknown


def test_several_groups_are_listed_with_links_to_each(good_app):
    _add_projects(good_app, "A good project")
    admin = login(good_app.test_client(), "admin@example.org")
    page = _search(admin, "good").get_data(as_text=True)
    assert "in 2 groups." in page
    assert '<a class="govuk-link" href="#group-1">Projects</a> (1 result)' in page
    assert '<a class="govuk-link" href="#group-2">Good notes</a> (1 result)' in page


class _Careless:
    """A plugin that answers with things the page must not show."""

    @hookimpl
    def portal_search(self, query, user):
        return [SearchResult("Run me", "javascript:alert(1)"), SearchResult("Elsewhere", "//evil.example"),
                "not a result", SearchResult("Fine", "/projects/", "kept", "")]


def test_results_with_unsafe_addresses_or_wrong_types_are_dropped(app):
    host = app.extensions["coprod_plugins"]
    host.pm.register(_Careless(), name="careless")
    lead = login(app.test_client(), "lead@example.org")
    page = _search(lead, "anything").get_data(as_text=True)
    assert "javascript:" not in page and "evil.example" not in page and "not a result" not in page
    assert ">Careless</h2>" in page and _titles(page) == ["Fine"]


def test_helpers_for_plugins():
    assert matches("Café Mornings", "CAFÉ") and not matches(None, "x")
    text = "word " * 100 + "needle " + "word " * 100
    piece = snippet(text, "needle")
    assert "needle" in piece and piece.startswith("…") and piece.endswith("…") and len(piece) <= 162
    assert snippet("short", "x") == "short"
