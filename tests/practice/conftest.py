"""The practice tests: the portal with every built-in plugin, so the checklists plugin shows the
practice plugin's examples and the network plugin's demo member can co-write."""

import pytest


@pytest.fixture
def app(make_app):
    return make_app(plugins=["builtins"])
