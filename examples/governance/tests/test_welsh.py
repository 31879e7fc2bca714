"""The plugin's own Welsh: its catalogue travels inside its package, and the portal finds and uses it.

Only the plugin's own texts are asserted here; the shell around them is the portal's catalogue.
"""

import html
import re
from pathlib import Path

from babel.messages.pofile import read_po
from coprod_portal.testing import csrf_token, translation_probe

import governance

CATALOGUE = Path(governance.__file__).parent / "translations"
WELSH_MONTH = r"(Ionawr|Chwefror|Mawrth|Ebrill|Mai|Mehefin|Gorffennaf|Awst|Medi|Hydref|Tachwedd|Rhagfyr)"


def own_texts() -> set[str]:
    """Every text the plugin marks for translation, from its own template (the .pot)."""
    with (CATALOGUE / "governance.pot").open("rb") as pot:
        return {m.id[0] if isinstance(m.id, tuple) else m.id for m in read_po(pot) if m.id}


def in_welsh(client):
    client.get("/language/cy")
    return client


def test_the_portal_finds_the_catalogue_inside_the_plugins_package(app):
    assert str(CATALOGUE) in app.config["BABEL_TRANSLATION_DIRECTORIES"].split(";")
    assert "governance" in app.config["BABEL_DOMAIN"].split(";")
    assert (CATALOGUE / "cy" / "LC_MESSAGES" / "governance.mo").is_file()  # compiled before packaging


def test_the_board_page_in_welsh_shows_the_plugins_own_welsh(secretary):
    page = html.unescape(in_welsh(secretary).get("/governance/").get_data(as_text=True))
    assert 'lang="cy"' in page
    assert "Bwrdd a llywodraethu" in page and "Board and governance" not in page
    assert "Mae gan 4 o'n 15 ymddiriedolwr brofiad bywyd o ddefnyddio gwasanaethau." in page
    assert "Ychwanegu person" in page and "Sut rydym yn cyfrif y ffigur hwn" in page
    assert re.search(r"O \d{1,2} " + WELSH_MONTH + r" \d{4}", page), "a term's start, as a Welsh date"


def test_a_refused_form_explains_itself_in_welsh_and_keeps_what_was_typed(secretary):
    client = in_welsh(secretary)
    response = client.post("/governance/people/new", data={
        "name": "", "body": "board", "role": "trustee", "starts_on": ["1", "4", "2025"],
        "csrf_token": csrf_token(client, "/governance/people/new")})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Rhowch enw llawn y person" in page and "Enter the person's full name" not in page
    assert 'value="2025"' in page


def test_every_text_of_the_plugins_pages_has_welsh(secretary):
    client = in_welsh(secretary)
    board = client.get("/governance/").get_data(as_text=True)  # a trustee's page: its first link
    first = re.search(r'href="(/governance/people/[0-9a-f]+)"', board).group(1)
    missing: set[str] = set()
    for path in ("/governance/", "/governance/about-the-figure", "/governance/people/new", first,
                 first + "/seats/new", first + "/lived-experience"):
        with translation_probe() as probe:
            assert client.get(path).status_code == 200, path
        missing |= probe.missing & own_texts()
    assert not missing, f"texts of the plugin without Welsh: {sorted(missing)}"


def test_english_is_unchanged_for_everyone_else(client_as):
    page = client_as("staff@example.org").get("/governance/").get_data(as_text=True)
    assert 'lang="en"' in page and "Board and governance" in page
    assert "4 of our 15 trustees have lived experience of using services." in page
