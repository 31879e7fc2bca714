"""The network plugin's pages: the member list, a member's record, the cap check, the yearly report.

With ``--scale`` the list page measured is deep in the register (page 5 is past the 55 demo members
whose names sort before "Scale member"), so the record and the cap check are a scale member's.
"""

from __future__ import annotations

import datetime
import urllib.error

from .common import Scenario, first_link

LEAD = "lead@example.org"
MEMBER = r"/network/members/[0-9a-f]{32}"


def _member(base: str, cookies: dict[str, str]) -> str:
    for page in ("/network/?page=5", "/network/"):
        try:
            found = first_link(base, cookies[LEAD], page, MEMBER)
        except urllib.error.HTTPError:
            continue
        if found != page:
            return found
    return "/network/"


def _fee_page(base: str, cookies: dict[str, str]) -> str:
    """An involvement's fee page: it sums the member's fees in the week and assessment period."""
    member = _member(base, cookies)
    return first_link(base, cookies[LEAD], member, r"/network/involvements/[0-9a-f]{32}/fee")


def _tax_year() -> int:
    today = datetime.date.today()
    return today.year if today >= datetime.date(today.year, 4, 6) else today.year - 1


def scenarios() -> list[Scenario]:
    """p50 limits as multiples of the bare app's p50: /healthz alone is about 10× on a shared machine."""
    return [
        Scenario("network member list (50 rows)", "/network/?page=1", LEAD, 0.12),
        Scenario("network member list, deep page", "/network/?page=5", LEAD, p50_max_ratio=30),
        Scenario("a network member's record", _member, LEAD, p50_max_ratio=30),
        Scenario("fee page with the cap check", _fee_page, LEAD, p50_max_ratio=60),
        # read from running totals (plugins/network/totals.py): flat however large the year
        Scenario("yearly involvement report", f"/network/reports?year={_tax_year()}", LEAD, p50_max_ratio=15),
        Scenario("a member's own statement", "/network/me/statement", "member@example.org", p50_max_ratio=25),
    ]
