"""The plugin contract itself: documented hooks, typed return values, small-number rule."""

import inspect

import pytest

from coprod_portal import hookspecs
from coprod_portal.pages import small_number


def _specs():
    return [(name, fn) for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
            if name.startswith("portal_")]


def test_every_hook_is_documented():
    undocumented = [name for name, fn in _specs() if len((fn.__doc__ or "").strip()) < 20]
    assert undocumented == []


def test_every_hook_has_the_portal_prefix_and_a_spec_marker():
    for name, fn in _specs():
        assert hasattr(fn, "coprod_portal_spec"), name


def test_every_hook_is_called_somewhere_in_the_core_or_documented_as_an_event():
    import pathlib

    source = "\n".join(p.read_text() for p in pathlib.Path(hookspecs.__file__).parent.glob("*.py")
                       if p.name != "hookspecs.py")
    events = {"portal_involvement_recorded", "portal_contribution_submitted",
              "portal_contribution_withdrawn", "portal_training_completed"}
    services = {"portal_record_involvement", "portal_resolve_reference",
                "portal_checklist_sections", "portal_training_modules", "portal_project_people",
                "portal_practice_examples"}
    unused = [name for name, _ in _specs()
              if f'"{name}"' not in source and name not in events | services]
    assert unused == []


@pytest.mark.parametrize(("count", "agreed", "shown"), [
    (0, False, "0"), (1, False, "fewer than 5"), (4, False, "fewer than 5"), (5, False, "5"),
    (15, False, "15"), (4, True, "4"),
])
def test_small_numbers_are_suppressed_unless_everyone_agreed(count, agreed, shown):
    assert small_number(count, everyone_agreed=agreed) == shown
