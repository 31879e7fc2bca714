"""The checklist tests: the portal with its built-in plugins' contract, the checklists plugin and a
small partner plugin (helper_plugins/) that adds items, involved people and references."""

from pathlib import Path

import pytest

HELPERS = Path(__file__).parent / "helper_plugins"


@pytest.fixture
def app(make_app):
    return make_app(
        plugins=["checklists", "checklists_partner"],
        config={"PLUGINS_DIR": str(HELPERS), "PARTNER": {"fees_budgeted": False, "involved": set()}},
    )
