"""The lived-experience pages: the co-production lead's review list (one page of 50 from the
5,000-contribution data set, index-backed) and one contribution, decrypted and audited on each read."""

from __future__ import annotations

from .common import Scenario, first_link

LEAD = "lead@example.org"


def scenarios() -> list[Scenario]:
    return [
        Scenario("lived exp.: lead review list (50 rows)", "/lived_experience/review", LEAD, 0.12),
        Scenario(
            "lived exp.: accepted, page 2",
            "/lived_experience/review?state=accepted&page=2",
            LEAD,
            0.12,
        ),
        Scenario(
            "lived exp.: one contribution (decrypt)",
            lambda base, cookies: first_link(
                base,
                cookies[LEAD],
                "/lived_experience/review?state=accepted",
                r"/lived_experience/contributions/[0-9a-f]{32}",
            ),
            LEAD,
        ),
    ]
