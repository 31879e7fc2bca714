"""Suggested pseudonyms: ordinary words from nature, which point to nobody."""

from __future__ import annotations

import secrets

WORDS = [
    "Alder",
    "Birch",
    "Bramble",
    "Cedar",
    "Clover",
    "Fern",
    "Hazel",
    "Heather",
    "Juniper",
    "Kestrel",
    "Lark",
    "Linden",
    "Maple",
    "Moss",
    "Otter",
    "Plover",
    "Rowan",
    "Sorrel",
    "Swift",
    "Teal",
    "Willow",
    "Wren",
    "Yarrow",
    "Robin",
    "Heron",
    "Aspen",
    "Poppy",
    "Thistle",
]


def suggest() -> str:
    return f"{secrets.choice(WORDS)} {secrets.choice(WORDS)}"
