"""A plugin for ``make soak`` on a cluster: a periodic job every minute that leaves one audit event.

Every server's worker schedules it, so the soak can count that each minute ran once, not once
per server. (Its folder is named by ``COPROD_PLUGINS_DIR`` only for that run.)
"""

from __future__ import annotations

import os
import socket

from coprod_portal import audit
from coprod_portal.db import get_session, utcnow
from coprod_portal.hookspecs import hookimpl
from coprod_portal.types import PeriodicJob

ACTION = "heartbeat"


def beat() -> None:
    session = get_session()
    minute = utcnow().strftime("%Y-%m-%dT%H:%M")
    audit.record(session, None, ACTION, "minute", minute, plugin="heartbeat",
                 detail=f"{socket.gethostname()} pid {os.getpid()}")
    session.commit()


@hookimpl
def portal_periodic_jobs() -> PeriodicJob:
    return PeriodicJob("heartbeat.minute", beat, cron="* * * * *", description="One beat a minute.")
