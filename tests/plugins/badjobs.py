"""A test plugin whose job declarations are wrong in every way the portal refuses."""

from coprod_portal.hookspecs import hookimpl
from coprod_portal.types import Job, PeriodicJob


def work():
    return None


@hookimpl
def portal_jobs():
    return [
        Job("chores.steal", work),             # another plugin's namespace
        Job("badjobs.fine", work),             # this one is accepted
        Job("badjobs.fine", work),             # declared twice
        Job("badjobs.Not-A-Name", work),       # not a job name
        Job("badjobs.not_callable", "work"),   # not a function
        {"name": "badjobs.dict"},              # not a types.Job
    ]


@hookimpl
def portal_periodic_jobs():
    return [
        PeriodicJob("badjobs.too_late", work, cron="61 * * * *"),
        PeriodicJob("badjobs.too_short", work, cron="0 3 * *"),
        PeriodicJob("badjobs.nightly", work, cron="30 1 * * *"),
    ]
