"""Long pages for members, staff and the public start with a short plain-language summary."""

from __future__ import annotations


def _words(response) -> str:
    return " ".join(response.get_data(as_text=True).split())


def test_the_accessibility_statement_starts_with_a_plain_summary_that_points_to_easy_read(client):
    page = _words(client.get("/accessibility"))
    summary = page.index("This page in short")
    assert summary < page.index("We aim to meet the Web Content Accessibility Guidelines")
    assert "Some pages have an <strong>Easy Read version</strong>." in page
    assert 'href="/account/preferences">How we contact you</a>' in page
    assert "Easy Read versions are offered for network members' own pages" in page


def test_the_lived_experience_consent_page_has_a_summary_that_keeps_the_facts(client_as):
    not_yet_taking_part = client_as("manager@example.org")
    page = _words(not_yet_taking_part.get("/lived_experience/"))
    assert page.index("This page in short") < page.index("Before you decide")
    assert "Your <strong>manager and HR do not see</strong> what you share" in page
    assert "the law may say the organisation <strong>knows</strong> about it." in page
    assert "Sharing here is <strong>not</strong> a way to ask for changes at work." in page
    assert "There is <strong>no fee</strong>. You share in work time." in page
