"""gunicorn reads this file when started in the checkout (``make run``, ``make bench``).

The settings live in the package, so an installed portal uses the same ones:
``gunicorn -c python:coprod_portal.gunicorn_conf 'coprod_portal:create_app()'``.
"""

from coprod_portal.gunicorn_conf import post_fork, preload_app, when_ready

__all__ = ["post_fork", "preload_app", "when_ready"]
