"""Fixtures for the portal's own tests: the same ones plugin authors get, plus browser set-up."""

from pathlib import Path

pytest_plugins = ["coprod_portal.testing"]

TEST_PLUGINS = Path(__file__).parent / "plugins"
