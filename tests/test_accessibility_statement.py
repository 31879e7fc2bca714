"""The accessibility statement: public, linked from every page's footer, and it says what is tested,
what is not, the known issues, how to report a problem and when it was last reviewed."""

import re


def test_visitors_read_the_statement_from_the_footer_of_the_sign_in_page(client):
    sign_in = client.get("/sign-in").get_data(as_text=True)
    assert re.search(r'<a class="govuk-footer__link" href="/accessibility">Accessibility statement</a>',
                     sign_in)
    response = client.get("/accessibility")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "<h1" in text and "Accessibility statement" in text
    for heading in ("How we test the portal", "Known issues", "Tell us about a problem",
                    "About this statement"):
        assert f'<h2 class="govuk-heading-m">{heading}</h2>' in text
    assert "axe-core" in text and "keyboard only" in text and "320 pixels" in text
    assert "do not replace testing with screen readers" in text
    assert re.search(r"format .*\), contact\s+your co-production lead\.", text)  # the default contact
    assert "last reviewed on 25 November 2026" in text
    assert "Sign out" not in text  # a visitor's page, in the shell


def test_the_contact_and_review_date_come_from_settings(make_app):
    app = make_app(config={"ACCESSIBILITY_CONTACT": "access@example.org",
                           "ACCESSIBILITY_REVIEWED": "2027-03-01"})
    text = app.test_client().get("/accessibility").get_data(as_text=True)
    assert '<a class="govuk-link" href="mailto:access@example.org">access@example.org</a>' in text
    assert "last reviewed on 1 March 2027" in text
    assert "your co-production lead" not in text


def test_an_organisation_may_link_its_own_statement_instead(make_app):
    app = make_app(config={"FOOTER_LINKS": {"accessibility": "https://example.org/access",
                                            "privacy": "", "complaints": ""}})
    text = app.test_client().get("/sign-in").get_data(as_text=True)
    assert 'href="https://example.org/access">Accessibility statement</a>' in text


def test_signed_in_people_see_it_too(client_as):
    text = client_as("staff").get("/accessibility").get_data(as_text=True)
    assert "Accessibility statement" in text and "Sign out" in text
