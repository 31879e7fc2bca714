"""Fixtures for the portal's own tests: the same ones plugin authors get, plus browser set-up."""

import os
from pathlib import Path

import pytest

pytest_plugins = ["coprod_portal.testing"]

TEST_PLUGINS = Path(__file__).parent / "plugins"

# Apps made with create_app directly (not make_app) in the PostgreSQL pass need a secret key, as
# any portal on a shared database does; tests of the refusal remove it with monkeypatch.
os.environ.setdefault("COPROD_SECRET_KEY", "tests-only-secret-key-0123456789abcdef")


@pytest.fixture
def smtp():
    """A real SMTP server on 127.0.0.1 keeping every message it receives (``.messages``; its
    ``.port`` for the portal's SMTP_PORT)."""
    from test_notifications import SmtpServer

    from coprod_portal.testing import free_port

    server = SmtpServer(free_port())
    with server as sink:
        sink.port = server.port
        yield sink
