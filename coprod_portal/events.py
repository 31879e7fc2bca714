"""Events: tell other plugins that something happened, but only once it really has.

:func:`notify` queues the event on the session. When that session commits through
:func:`commit`, each listener (an implementation of the event's hook) is called on its own;
one that fails is logged and shown on the Plugins page, and never stops the others or undoes
the user's action. If the transaction rolls back, the queued events are dropped.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlmodel import Session

log = logging.getLogger(__name__)
_QUEUED = "coprod_events_queued"
_READY = "coprod_events_ready"


def notify(session: Session, event: str, **kwargs: Any) -> None:
    """Queue ``event`` (a hook name such as ``portal_project_stage_changed``) for after commit."""
    host = current_app.extensions["coprod_plugins"]
    if not hasattr(host.pm.hook, event) or getattr(host.pm.hook, event).spec is None:
        raise ValueError(f"{event} is not an event of the portal's contract (hookspecs.py)")
    session.connection()  # begin now, so a rollback before any query still drops the event
    session.info.setdefault(_QUEUED, []).append((event, kwargs))


def commit(session: Session) -> None:
    """Commit, then deliver the events that this commit made true."""
    session.commit()
    deliver(session)


def deliver(session: Session) -> None:
    """Call every listener of every committed event, each on its own."""
    ready = session.info.pop(_READY, [])
    host = current_app.extensions["coprod_plugins"]
    for event, kwargs in ready:
        for plugin, _answer in host.call(event, **kwargs):
            log.debug("%s handled %s", plugin, event)
        if session.in_transaction():
            # a listener left work half done; its own failure was already recorded
            session.rollback()


@sa.event.listens_for(Session, "after_commit")
def _mark_ready(session: Session) -> None:
    queued = session.info.pop(_QUEUED, [])
    if queued:
        session.info.setdefault(_READY, []).extend(queued)


@sa.event.listens_for(Session, "after_rollback")
def _drop_queued(session: Session) -> None:
    session.info.pop(_QUEUED, None)


def init_app(app: Any) -> None:
    """Deliver events committed with a plain ``session.commit()`` before the session closes."""

    @app.teardown_appcontext
    def _deliver_leftovers(_exc: BaseException | None) -> None:
        from flask import g

        session = g.get("db_session")
        if session is not None and session.info.get(_READY):
            deliver(session)
