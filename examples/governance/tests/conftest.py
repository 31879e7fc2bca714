"""The portal's own test helpers (coprod_portal.testing), with this plugin switched on."""

import pytest

pytest_plugins = ["coprod_portal.testing"]


@pytest.fixture
def app(make_app):
    """The portal with its built-in plugins and this one, on a fresh database with demo data."""
    return make_app(plugins=["builtins", "governance"])


@pytest.fixture
def secretary(client_as):
    """The board secretary: in the demo data, the administrator holds that role too."""
    return client_as("admin@example.org")
