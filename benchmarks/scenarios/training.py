"""The training plugin's pages. The end-to-end LTI launch (login → platform → launch → module)
is a multi-request flow that wrk cannot drive: it is measured by ``benchmarks/lti_launch.py``."""

from __future__ import annotations

from .common import Scenario

STAFF = "staff@example.org"


def scenarios() -> list[Scenario]:
    return [
        Scenario("training: course list, staff", "/training/", STAFF, 0.15),
        Scenario("training: a module page, staff", "/training/modules/coproduction", STAFF),
        Scenario("training: a lesson, staff", "/training/modules/coproduction/lessons/what", STAFF),
    ]
