"""Bar charts drawn on the server as SVG, each with its numbers in a table beside it.

Drawn on the server so they need no script, print as they look, and cannot disagree with the
table: the macro ``chart`` in ``macros.html`` draws the bars and writes the table from the same
:class:`Chart`. Every bar carries its figure as text, so colour never carries meaning alone, and
one colour (GOV.UK blue, 5.2:1 against white) is used for all bars. A count that the small-number
rule hides (``pages.small_number``) is drawn as no bar at all, with the same words as the table.

Bars run across the page (labels on the left can be as long as they need) and the drawing keeps
its size in CSS pixels, so its text is as readable as the page's; on a narrow screen it scrolls
inside its own box, and on paper it shrinks to the page width.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from .pages import small_number

ROW = 32  # height of one bar's row
BAR = 22  # height of a bar
BAR_AREA = 360  # the longest bar
CHAR = 8.4  # a generous width of one character at the chart's 16px font
GAP = 12


@dataclass(frozen=True)
class Bar:
    """One bar: what it is, its size, and its figure as people read it.

    ``value`` is None when the figure is hidden ("fewer than 5"): nothing is drawn but the words.
    ``group`` puts the bar under a heading, for charts that compare a few things per category
    (what was offered and what was received, per choice).
    """

    label: str
    value: float | None
    text: str
    group: str = ""


def people_bar(label: str, count: int, group: str = "", everyone_agreed: bool = False) -> Bar:
    """A bar counting people, under the portal's one small-number rule: hidden counts draw no bar."""
    text = small_number(count, everyone_agreed)
    return Bar(label, float(count) if text == str(count) else None, text, group)


@dataclass(frozen=True)
class Row:
    """A line of the drawing: a group heading, or a bar with its place and length."""

    y: float
    label: str
    text: str = ""
    width: float = 0
    drawn: bool = False
    heading: bool = False


@dataclass
class Chart:
    """A titled bar chart with a text alternative, ready for the ``chart`` macro.

    ``key`` makes the drawing's ids unique on the page; ``summary`` says in words what the chart
    shows (its main message, not every number: those are in the table); ``label_heading`` and
    ``value_heading`` head the table's two columns. ``full`` is the value of a bar across the whole
    width (100 for percentages); by default the largest value is.

    A chart is built, then drawn: its measures (widths, rows, height) are worked out on first use
    and kept, since the macro reads them again for every bar.
    """

    key: str
    title: str
    summary: str
    label_heading: str
    value_heading: str
    bars: list[Bar] = field(default_factory=list)
    full: float | None = None

    @property
    def grouped(self) -> bool:
        return any(bar.group for bar in self.bars)

    @cached_property
    def label_width(self) -> float:
        return round(max([len(bar.label) for bar in self.bars] + [4]) * CHAR + GAP)

    @cached_property
    def text_width(self) -> float:
        return round(max([len(bar.text) for bar in self.bars] + [4]) * CHAR + GAP)

    @cached_property
    def width(self) -> float:
        """Wide enough for the bars and their figures, and for a group heading on its own line."""
        headings = max([len(bar.group) for bar in self.bars] + [0]) * CHAR
        return max(self.label_width + BAR_AREA + self.text_width, round(headings))

    @cached_property
    def rows(self) -> list[Row]:
        """Every line, top to bottom: bars scaled to the largest drawn value."""
        drawn = [bar.value for bar in self.bars if bar.value is not None]
        top = self.full or max([v for v in drawn if v > 0] + [0]) or 1
        rows: list[Row] = []
        group = None
        for bar in self.bars:
            if bar.group and bar.group != group:
                group = bar.group
                rows.append(Row(y=len(rows) * ROW, label=bar.group, heading=True))
            width = 0.0 if bar.value is None else round(BAR_AREA * max(bar.value, 0) / top, 2)
            rows.append(Row(y=len(rows) * ROW, label=bar.label, text=bar.text, width=width,
                            drawn=bar.value is not None))
        return rows

    @cached_property
    def height(self) -> float:
        return len(self.rows) * ROW + 4

    def highest(self) -> Bar | None:
        """The largest shown bar (the first, on a tie), for summaries; None when nothing is shown."""
        shown = [bar for bar in self.bars if bar.value is not None and bar.value > 0]
        return max(shown, key=lambda bar: bar.value or 0) if shown else None
