"""What a scenario is, and helpers to find addresses in the seeded data."""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Scenario:
    name: str
    path: str | Callable[[str, dict[str, str]], str]
    signed_in: str | None = None  # demo email, or None for anonymous
    target: float | None = None  # minimum ratio to the anchor's req/s
    p50_max_ratio: float | None = None  # maximum p50 as a multiple of the anchor's p50
    results: list[dict[str, float]] = field(default_factory=list)


def first_link(base: str, cookie: str, page: str, pattern: str) -> str:
    """The first href on ``page`` matching ``pattern`` (falls back to the page itself)."""
    request = urllib.request.Request(base + page, headers={"Cookie": cookie})
    html = urllib.request.urlopen(request).read().decode()
    match = re.search(rf'href="({pattern})"', html)
    return match.group(1) if match else page
