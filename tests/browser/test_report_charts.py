"""The lead's charts in a real browser: no axe finding, readable at 320px without the page scrolling
sideways, bars that stand out from the page, and a printout on A4 with no navigation or forms and
no chart cut across two pages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

PAGES = [("/network/reports", "Involvement report", 3), ("/checklists/", "Co-production checklists", 2)]
A4_PRINTABLE_PX = round((210 - 30) / 25.4 * 96)  # 210mm less the stylesheet's 15mm margins, at 96px an inch


def _luminance(rgb: str) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (float(n) for n in re.findall(r"[\d.]+", rgb)[:3])
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize(("path", "heading", "charts"), PAGES)
def test_charts_pass_axe_and_stand_out(page: Page, sign_in, check_page, path, heading, charts) -> None:
    sign_in(page, "lead@example.org")
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
    figures = page.locator("figure.portal-chart")
    expect(figures).to_have_count(charts)
    nodes = check_page(page)
    images = [name for role, name, _ in nodes if role == "img"]
    assert len([n for n in images if n]) >= charts, images  # each drawing has its name
    bar = page.locator("figure.portal-chart rect").first
    fill = bar.evaluate("e => getComputedStyle(e).fill")
    background = page.locator("main").evaluate("e => getComputedStyle(document.body).backgroundColor")
    assert _contrast(fill, "rgb(255, 255, 255)") >= 3 and _contrast(fill, background) >= 3, (fill, background)


@pytest.mark.parametrize(("path", "heading", "charts"), PAGES)
def test_at_320px_only_the_chart_scrolls(page: Page, sign_in, path, heading, charts) -> None:
    page.set_viewport_size({"width": 320, "height": 640})
    sign_in(page, "lead@example.org")
    page.goto(path)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    drawing = page.locator(".portal-chart__drawing").first
    assert drawing.evaluate("e => e.scrollWidth > e.clientWidth")  # drawn at full size, in its own box
    drawing.focus()  # a keyboard can reach it to scroll it
    expect(drawing).to_be_focused()


@pytest.mark.parametrize(("path", "heading", "charts"), PAGES)
def test_the_page_prints_on_a4_with_whole_charts(page: Page, sign_in, path, heading, charts) -> None:
    sign_in(page, "lead@example.org")
    page.goto(path)
    page.set_viewport_size({"width": A4_PRINTABLE_PX, "height": 1000})
    page.emulate_media(media="print")
    for hidden in ("header", ".govuk-service-navigation", "footer", "form.portal-no-print"):
        expect(page.locator(hidden).first).to_be_hidden()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    for index in range(charts):
        figure = page.locator("figure.portal-chart").nth(index)
        assert figure.evaluate("e => getComputedStyle(e).breakInside") == "avoid"
        box = figure.locator("svg").bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= A4_PRINTABLE_PX + 1, box
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b", pdf)) >= 1
