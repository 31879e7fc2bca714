"""Charts drawn on the server: the drawing says what its table says, hidden small numbers draw no
bar, and each chart's figures agree with the rest of its page (counted independently)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlmodel import func, select

from coprod_portal.charts import BAR_AREA, Bar, Chart, people_bar
from coprod_portal.db import get_session
from coprod_portal.testing import assert_chart_matches_its_table, charts_on


def figure(text: str) -> float | None:
    """A figure as people read it: "£1,234.50", "40% (4 of 10 items)", "12"; None when hidden."""
    if "fewer than" in text or text == "no projects":
        return None
    match = re.match(r"£?([\d,]+(?:\.\d+)?)", text)
    assert match, text
    return float(match.group(1).replace(",", ""))


def test_bars_are_in_proportion_and_hidden_counts_draw_nothing():
    chart = Chart("c", "People", "What it shows.", "Group", "People",
                  [people_bar("Carers", 12), people_bar("Older people", 3), people_bar("Nobody", 0),
                   Bar("Half", 6.0, "6")])
    rows = chart.rows
    assert [r.width for r in rows] == [BAR_AREA, 0, 0, BAR_AREA / 2]
    assert [r.text for r in rows] == ["12", "fewer than 5", "0", "6"]
    assert [r.drawn for r in rows] == [True, False, True, True]
    assert chart.highest() == people_bar("Carers", 12)


def test_grouped_bars_sit_under_their_headings_and_the_drawing_is_wide_enough():
    long_heading = "A group with a long name that is wider than the bars"
    chart = Chart("c", "Fees", "What it shows.", "Choice", "Amount",
                  [Bar("Offered", 10, "£10.00", "Took the full fee"),
                   Bar("Received", 10, "£10.00", "Took the full fee"),
                   Bar("Offered", 5, "£5.00", long_heading)])
    assert [(r.heading, r.label) for r in chart.rows] == [
        (True, "Took the full fee"), (False, "Offered"), (False, "Received"), (True, long_heading),
        (False, "Offered")]
    assert chart.width >= len(long_heading) * 8
    assert chart.height > 5 * 30


def test_a_percentage_chart_is_drawn_against_the_whole():
    chart = Chart("c", "Done", "What it shows.", "Stage", "Items done",
                  [Bar("Idea", 50, "50%"), Bar("Design", 25, "25%")], full=100)
    assert [r.width for r in chart.rows] == [BAR_AREA / 2, BAR_AREA / 4]


def test_a_chart_with_nothing_to_show_draws_no_bars():
    chart = Chart("c", "Empty", "Nothing yet.", "Month", "Involvements", [Bar("Apr 2026", 0, "0")])
    assert [r.width for r in chart.rows] == [0] and chart.highest() is None


# --- the involvement report ------------------------------------------------------------------------


def _this_tax_year() -> int:
    today = date.today()
    return today.year if today >= date(today.year, 4, 6) else today.year - 1


def _summary_value(page: str, key: str) -> str:
    match = re.search(rf'<dt class="govuk-summary-list__key">{key}</dt>'
                      r'<dd class="govuk-summary-list__value">([^<]*)</dd>', page)
    assert match, key
    return match.group(1)


def test_the_report_charts_match_their_tables_and_the_report(app, client_as):
    year = _this_tax_year()
    page = client_as("coproduction_lead").get(f"/network/reports?year={year}").get_data(as_text=True)
    charts = {chart.key: chart for chart in charts_on(page)}
    assert set(charts) == {"chart-months", "chart-fees", "chart-groups"}
    for chart in charts.values():
        assert_chart_matches_its_table(chart, figure)

    months = charts["chart-months"]
    assert len(months.table) == 12  # a tax year: twelve months from the 6th to the 5th
    assert months.table[0][0] == f"Apr {year}" and months.table[-1][0] == f"Mar {year + 1}"
    assert sum(figure(n) or 0 for _, n in months.table) == int(_summary_value(page, "Involvements")) > 0

    fees = charts["chart-fees"]
    received = sum(figure(n) or 0 for label, n in fees.table if label.endswith("Received by the member"))
    assert f"£{received:,.2f}" == _summary_value(page, "Fees paid to members")
    declined = dict(fees.table)["Declined the fee: Offered"]
    assert declined == _summary_value(page, "Fees declined")
    assert dict(fees.table)["Declined the fee: Received by the member"] == "£0.00"
    assert fees.headings == ["Took the full fee", "Took a reduced amount", "Declined the fee",
                             "Donated the fee to charity"]

    groups = charts["chart-groups"]
    label = f"{_this_tax_year()}/{(_this_tax_year() + 1) % 100:02d}"
    this_year = [n for row, n in groups.table if row.endswith(label)]
    assert len(this_year) == 8  # every group, this year
    assert "fewer than 5" in [n for _, n in groups.table]  # the demo network is small
    assert "The numbers are in the table that follows the chart." in groups.name


def test_the_months_chart_counts_each_involvement_in_its_tax_month(app, client_as):
    """Involvements on the 5th and the 6th fall in different months; a cancelled one is not counted."""
    from plugins.network.models import NetworkInvolvement, NetworkMember

    year = _this_tax_year() - 3  # a year the demo data leaves empty
    with app.app_context():
        session = get_session()
        member = session.exec(select(NetworkMember)).first()
        for day, status in ((date(year, 5, 5), "confirmed"), (date(year, 5, 6), "confirmed"),
                            (date(year, 5, 7), "confirmed"), (date(year + 1, 4, 5), "confirmed"),
                            (date(year, 5, 8), "cancelled")):
            session.add(NetworkInvolvement(member_id=member.id, role="advisory_group", starts_on=day,
                                           ends_on=day, hours=1, status=status))
        session.commit()
    page = client_as("coproduction_lead").get(f"/network/reports?year={year}").get_data(as_text=True)
    months = dict(next(c for c in charts_on(page) if c.key == "chart-months").table)
    assert months[f"Apr {year}"] == "1" and months[f"May {year}"] == "2" and months[f"Mar {year + 1}"] == "1"
    assert sum(int(n) for n in months.values()) == 4


def test_a_year_with_nothing_says_so_in_words(app, client_as):
    page = client_as("coproduction_lead").get("/network/reports?year=2001").get_data(as_text=True)
    charts = {chart.key: chart for chart in charts_on(page)}
    assert "No confirmed involvement in this tax year." in charts["chart-months"].name
    assert "No fees were offered in this tax year." in charts["chart-fees"].name
    assert all(width is None for _, _, width in charts["chart-months"].drawn)


def test_staff_without_the_report_permission_see_no_chart(client_as):
    response = client_as("staff").get("/network/reports")
    assert response.status_code == 403 and "portal-chart" not in response.get_data(as_text=True)


# --- the checklist portfolio -----------------------------------------------------------------------


def test_the_portfolio_charts_match_their_tables_and_the_stored_progress(app, client_as):
    from coprod_portal.projects import Project, stages
    from plugins.checklists.models import ProjectChecklist

    page = client_as("coproduction_lead").get("/checklists/").get_data(as_text=True)
    charts = {chart.key: chart for chart in charts_on(page)}
    assert set(charts) == {"chart-progress", "chart-first-stage"}
    for chart in charts.values():
        assert_chart_matches_its_table(chart, figure)
    with app.app_context():
        session = get_session()
        for stage in stages():
            records = session.exec(select(ProjectChecklist).join(
                Project, Project.id == ProjectChecklist.project_id).where(Project.stage == stage)).all()
            done, total = sum(r.done_count for r in records), sum(r.total_count for r in records)
            progress = charts["chart-progress"].table
            row = next(n for label, n in progress if label.startswith(stage.capitalize()))
            expected = f"{round(100 * done / total)}% ({done} of {total} items)" if records else "no projects"
            assert row == expected, stage
        projects = session.exec(select(func.count()).select_from(Project)).one()
    assert sum(figure(n) or 0 for _, n in charts["chart-first-stage"].table) == projects


@pytest.mark.parametrize("path", ["/network/reports", "/checklists/"])
def test_forms_and_navigation_are_left_off_paper(client_as, path):
    page = client_as("coproduction_lead").get(path).get_data(as_text=True)
    assert re.search(r'<form method="get"[^>]*class="portal-no-print"', page), path

