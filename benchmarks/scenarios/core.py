"""The core's pages."""

from __future__ import annotations

from .common import Scenario, first_link

LEAD = "lead@example.org"


def scenarios() -> list[Scenario]:
    return [
        Scenario("healthz through the whole stack", "/healthz", None, 0.6),
        Scenario("home page, co-production lead", "/", LEAD, 0.12),
        Scenario("project list (50 rows)", "/projects/?page=1", LEAD, 0.13),  # a plain Flask + SQLModel page
        Scenario("a project page with its panels",
                 lambda base, cookies: first_link(base, cookies[LEAD], "/projects/",
                                                  r"/projects/[0-9a-f]{32}"), LEAD),
        Scenario("audit log, admin", "/audit/", "admin@example.org"),
    ]
