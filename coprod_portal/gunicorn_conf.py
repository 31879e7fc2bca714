"""gunicorn settings for the portal: ``gunicorn -c python:coprod_portal.gunicorn_conf`` (an installed
portal), or ``gunicorn.conf.py`` in the checkout, which reads these (``make run``, ``make bench``).

The app is built once in the master and the workers are forked from it (``preload_app``): the
code and the start-up data are shared, not loaded again in each worker, and every worker sees the
same secret key file, created once. Before forking, everything the master built is moved out of
the garbage collector's reach (``gc.freeze``), so a worker's first collection does not write to,
and so copy, every shared page. What must not cross a fork is reopened in each worker: database
connections (the pool is emptied without closing the master's) and the job queue's connection.
"""

import gc
from typing import Any

preload_app = True


def when_ready(server: Any) -> None:
    gc.collect()
    gc.freeze()


def post_fork(server: Any, worker: Any) -> None:
    app = server.app.wsgi()
    engine = app.extensions.get("coprod_engine")
    if engine is not None:
        engine.dispose(close=False)
    jobs = app.extensions.get("coprod_jobs")
    if jobs is not None:
        jobs.huey.storage.close()
