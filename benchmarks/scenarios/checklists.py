"""The checklists plugin's pages: the portfolio (50 projects a page, from each project's stored
progress) and one project's checklist, on the demo data or the scale data set (2,000 × factor
projects with 40 checklist rows each). The portfolio also draws its chart from a grouped count over
every project, so its bound is looser than the project page's. Measured on a shared 2-core machine
(--quick --scale 0.05): portfolio about 35× the anchor's p50, a checklist page about 30×, like the
core's home page."""

from __future__ import annotations

from .common import Scenario, first_link

LEAD = "lead@example.org"
PROJECT = r"/checklists/projects/[0-9a-f]{32}"


def scenarios() -> list[Scenario]:
    return [
        Scenario("checklists portfolio (50 rows)", "/checklists/?page=1", LEAD, 0.12),
        Scenario("checklists portfolio, blocked filter", "/checklists/?blocked=yes", LEAD, p50_max_ratio=40),
        Scenario(
            "a project's checklist page",
            lambda base, cookies: first_link(base, cookies[LEAD], "/checklists/?stage=delivery", PROJECT),
            LEAD,
            p50_max_ratio=30,
        ),
    ]
