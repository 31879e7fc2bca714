"""The portal with only this plugin switched on (so others' work in progress cannot interfere)."""

import pytest


@pytest.fixture
def app(make_app):
    return make_app(plugins=["lived_experience"])
