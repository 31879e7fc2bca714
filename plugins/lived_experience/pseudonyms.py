"""Suggested pseudonyms: ordinary words from nature, which point to nobody, in the contributor's
language (a Welsh speaker is offered Welsh words: a pseudonym should sound like a name they might
choose themselves)."""

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


# trees, plants and birds, written without accents so every keyboard can type them back
WELSH_WORDS = [
    "Aethnen",
    "Alarch",
    "Bedwen",
    "Briallen",
    "Bronfraith",
    "Celynnen",
    "Criafol",
    "Cudyll",
    "Cyll",
    "Derwen",
    "Drudwen",
    "Dryw",
    "Dyfrgi",
    "Ehedydd",
    "Eithin",
    "Eos",
    "Grug",
    "Gwennol",
    "Helygen",
    "Llinos",
    "Llwyfen",
    "Masarnen",
    "Meillionen",
    "Onnen",
    "Pabi",
    "Rhedynen",
    "Telor",
    "Ysgallen",
]
WORDS_BY_LANGUAGE = {"en": WORDS, "cy": WELSH_WORDS}


def suggest(language: str = "en") -> str:
    """Two words from nature in ``language`` (English for a language without its own list)."""
    words = WORDS_BY_LANGUAGE.get(language, WORDS)
    return f"{secrets.choice(words)} {secrets.choice(words)}"
