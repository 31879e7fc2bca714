"""Two fees racing for the same member and week: the cap holds (the check and the save are serialised)."""

from __future__ import annotations

import threading

from coprod_portal.testing import csrf_token

from .helpers import boxes, involvements, member_id, payments, record_involvement
from .test_caps import FUTURE

RACERS = 6


def test_fees_approved_at_the_same_moment_never_cross_the_weekly_cap(app, client_as):
    """Each £15 fee fits Maya's £20 week alone; sent together, exactly one is approved."""
    lead = client_as("coproduction_lead")
    mid = member_id(app, "Maya Williams")  # chose £20 a week
    assert record_involvement(lead, mid, FUTURE).status_code == 302
    involvement = max(involvements(app, mid), key=lambda i: i.created_at).id
    path = f"/network/involvements/{involvement}/fee"
    clients = [client_as("coproduction_lead") for _ in range(RACERS)]
    tokens = [csrf_token(c, path) for c in clients]
    start, answers = threading.Barrier(RACERS), [0] * RACERS

    def approve(n: int) -> None:
        start.wait()
        answers[n] = clients[n].post(path, data={
            "csrf_token": tokens[n], "offered": "15", "choice": "full", "amount": "", "charity": "",
            "paid_on": boxes(FUTURE), "method": "bank"}).status_code

    racers = [threading.Thread(target=approve, args=(n,)) for n in range(RACERS)]
    for thread in racers:
        thread.start()
    for thread in racers:
        thread.join()
    assert sorted(answers) == [302] + [400] * (RACERS - 1)
    counted = [p for p in payments(app, mid) if p.paid_on == FUTURE and p.status == "approved"]
    assert [p.amount_pence for p in counted] == [1500]
