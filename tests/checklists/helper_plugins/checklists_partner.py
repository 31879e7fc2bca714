"""A small plugin the checklist tests run beside: it adds checklist items, knows who is involved in a
project, and owns references of the form ``partner:record:<id>`` (some withdrawn)."""

from flask import current_app

from coprod_portal.hookspecs import hookimpl
from coprod_portal.types import ChecklistItem, ChecklistSection, Reference


def state():
    """What the tests set: app.config["PARTNER"] (the tests change it between requests)."""
    return current_app.config.setdefault("PARTNER", {"fees_budgeted": False, "involved": set()})


@hookimpl
def portal_checklist_sections(project):
    return [
        ChecklistSection(
            "partner",
            "Partner plugin's checks",
            "idea",
            (
                ChecklistItem(
                    "fees_budgeted",
                    "Fees are budgeted",
                    hint="Set them in the partner plugin.",
                    met=state()["fees_budgeted"],
                ),
                ChecklistItem("members_thanked", "Members were thanked in person"),
            ),
        )
    ]


@hookimpl
def portal_project_people(project):
    return sorted(state()["involved"])


@hookimpl
def portal_resolve_reference(ref, user):
    if not ref.startswith("partner:record:"):
        return None
    key = ref.rsplit(":", 1)[1]
    if key.startswith("gone"):
        return Reference(label="", withdrawn=True)
    return Reference(label=f"Partner record {key}", url=f"/partner/{key}")
