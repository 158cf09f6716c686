"""The committee's pages through the test client: what they show, what they never show."""
from __future__ import annotations

import csv
import re
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from voice.extensions import db
from voice.i18n import format_points, format_signed
from voice.models import Action, AuditEvent

from ...helpers import post_form


def test_committee_dashboard_shows_shares_quotes_and_never_raw_text(client, signed_in, town):
    signed_in("committee")
    page = client.get("/review/town?period=2026").get_data(as_text=True)
    assert "residents heard" in page
    assert "12" in page and "55%" in page  # barrier.cost: 12 of 22 residents
    assert "fewer than 5" in page  # capacity: 4 residents
    assert "redacted he" in page  # a quote, from redacted text, with its language
    assert "raw text with a name" not in page and "raw comment" not in page
    assert 'style="' not in page  # the CSP forbids inline styles, charts included


def test_hebrew_joined_view_with_map_quadrant_and_trend(client, signed_in, town):
    signed_in("committee")
    response = client.get("/review/town/indicators?period=2026&indicator=kr&lang=he")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'dir="rtl"' in page
    assert "מוכנות" in page and "צפון" in page
    assert page.count("<svg") >= 3  # quadrant, map, trend
    assert 'role="img"' in page and "<title" in page
    assert "62.0%" in page and "72.0%" in page
    shaded = client.get("/review/town/indicators?period=2026&indicator=kr&shade=barrier.cost&lang=en")
    assert "Residents raising “Cost”, by place" in shaded.get_data(as_text=True)


def test_exports_apply_suppression(client, signed_in, town):
    signed_in("committee")
    response = client.get("/review/town/export?table=joined&format=csv&period=2026")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][0] == "Place"
    north = [row for row in rows if row[0] == "North"]
    assert north[0][2] == "62.0" and any(row[2] == "fewer than 5" for row in north)
    for row in rows[1:]:
        for value in row[3:4]:  # residents counts
            assert value == "fewer than 5" or int(value) >= 5
    response = client.get("/review/town/export?table=codes&format=xlsx&period=2026")
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = {row[1]: row for row in sheet.iter_rows(values_only=True)}
    assert values["barrier.cost"][3] == 12 and values["barrier.capacity"][3] == "fewer than 5"
    for table in ("barriers", "trend"):
        assert client.get(f"/review/town/export?table={table}&format=csv").status_code == 200
    assert client.get("/review/town/export?table=raw&format=csv").status_code == 404



FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _export_cells(client, table: str, fmt: str) -> list:
    response = client.get(f"/review/town/export?table={table}&format={fmt}&period=2026")
    assert response.status_code == 200
    if fmt == "csv":
        return [cell for row in csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")))
                for cell in row]
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    return [cell for row in sheet.iter_rows(values_only=True) for cell in row]


def test_exports_never_write_a_label_as_a_live_formula(client, signed_in, town):
    """A place, indicator or code label starting with =, +, -, @, tab or CR goes out as text."""
    town["north"].name = '=HYPERLINK("http://evil.example","North")'
    town["south"].name = "\t=1+1"
    town["cost"].labels = {"en": "@SUM(1+1)"}
    town["capacity"].labels = {"en": "+cmd|' /C calc'!A0"}
    town["indicator"].name = {"en": "-2+3"}
    db.session.commit()
    signed_in("committee")
    for table in ("codes", "joined", "barriers", "trend"):
        for fmt in ("csv", "xlsx"):
            cells = _export_cells(client, table, fmt)
            live = [cell for cell in cells if isinstance(cell, str) and cell.startswith(FORMULA_STARTS)]
            assert not live, (table, fmt, live)
    joined = _export_cells(client, "joined", "xlsx")
    assert '\'=HYPERLINK("http://evil.example","North")' in joined
    assert 62.0 in joined  # numbers stay numbers
    assert "'@SUM(1+1)" in _export_cells(client, "codes", "csv")


def test_report_html_and_pdf_in_the_members_language(client, signed_in, town):
    signed_in("committee")
    html = client.get("/review/town/report?period=2026&lang=he").get_data(as_text=True)
    assert 'lang="he"' in html and "מוכנות" in html
    response = client.get("/review/town/report.pdf?period=2026&lang=he")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert response.headers["Content-Type"] == "application/pdf"
    assert "-he.pdf" in response.headers["Content-Disposition"]


def test_actions_are_recorded_shown_and_audited(client, signed_in, town):
    signed_in("committee")
    response = post_form(client, "/review/town/actions", {
        "we_heard": "Fees keep children out of kindergarten", "we_will": "Ask the council for a fee waiver",
        "status": "planned", "code_keys": ["barrier.cost"], "indicator_codes": ["kr"], "geography_codes": ["T-N"]})
    assert response.status_code == 302
    action = db.session.scalar(select(Action))
    assert action.code_keys == ["barrier.cost"] and action.geography_codes == ["T-N"]
    response = post_form(client, "/review/town/actions/status", {"action_id": str(action.id), "status": "done"},
                         token_from="/review/town/actions")
    assert response.status_code == 302
    db.session.refresh(action)
    assert action.status == "done"
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "action.status")).details["after"] == "done"
    page = client.get("/review/town?period=2026").get_data(as_text=True)
    assert "Ask the council for a fee waiver" in page and "Done" in page


def test_filters_narrowing_below_the_threshold_hide_everything(client, signed_in, town):
    signed_in("committee")
    page = client.get("/review/town?period=2026&language=am").get_data(as_text=True)
    assert "too few residents" in page
    assert "redacted am" not in page


def test_numbers_are_written_the_readers_way_each_in_its_own_left_to_right_run(client, signed_in, town):
    signed_in("committee")
    french = client.get("/review/town?period=2026&lang=fr").get_data(as_text=True)
    assert '<td class="num"><bdi dir="ltr">55\xa0%</bdi></td>' in french  # French puts a space before %
    hebrew = client.get("/review/town/indicators?period=2026&indicator=kr&lang=he").get_data(as_text=True)
    assert '<bdi dir="ltr">62.0%</bdi>' in hebrew and "<th scope=\"row\"><bdi>צפון</bdi></th>" in hebrew


@pytest.mark.parametrize("locale, rise, fall, share", [
    ("en", "+4.8", "-4.8", "62.3%"), ("he", "\u200e+4.8", "\u200e-4.8", "62.3%"),
    ("fr", "+4,8", "-4,8", "62,3\xa0%"), ("ar", "\u200e+4.8", "\u200e-4.8", "62.3%")])
def test_signs_and_shares_follow_the_locale(app, locale, rise, fall, share):
    with app.test_request_context(f"/?lang={locale}"):
        assert (format_signed(4.83), format_signed(-4.83), format_points(62.34, 1)) == (rise, fall, share)
        assert "+" not in format_signed(0.0)


def joined_table(page: str) -> str:
    return page.split('class="figures joined-table"')[1].split("</table>")[0]


def test_indicator_values_follow_the_period_filter(client, signed_in, town):
    signed_in("committee")
    page = client.get("/review/town/indicators?period=2025&indicator=kr&lang=en").get_data(as_text=True)
    assert "60.0%" in joined_table(page) and "62.0%" not in page  # 2025's value; 2026's nowhere, trend included
    later = client.get("/review/town/indicators?period=2027&indicator=kr&lang=en").get_data(as_text=True)
    assert "This indicator has no value for 2027" in later
    assert not re.search(r"\d+\.\d%", joined_table(later))  # no earlier year's value in its place
    assert "See 2026 instead" in later and "period=2026" in later


def test_a_table_mostly_hidden_by_group_shows_places_whole_and_says_so(client, signed_in, town):
    """In 2026 every language cell of the joined table is hidden (3 Amharic-speaking children
    measured in North, 2 Amharic-speaking residents): the page drops the split and says why."""
    signed_in("committee")
    page = client.get("/review/town/indicators?period=2026&indicator=kr&lang=en").get_data(as_text=True)
    table = joined_table(page)
    assert "Split by language, most of this table would read" in page
    assert "Gap between groups" not in table and 'lang="am"' not in table and "62.0%" in table
    assert re.search(r'<div class="table-wrap" tabindex="0" role="region" aria-labelledby="joined-caption">', page)
    export = client.get("/review/town/export?table=joined&format=csv&period=2026").get_data(as_text=True)
    assert "\nNorth,am," in export.replace("\r\n", "\n")  # the download keeps the split


def test_a_quote_names_its_language_and_codes_for_the_reader(client, signed_in, town):
    signed_in("committee")
    page = client.get("/review/town?period=2026&lang=en").get_data(as_text=True)
    quote = page.split('<figure class="quote"><blockquote lang="he" dir="auto">redacted he')[1].split("</figure>")[0]
    assert "The resident's own words, in Hebrew" in quote and '(<bdi lang="he">עברית</bdi>)' in quote
    assert '<span class="tag"><bdi>Cost</bdi></span>' in quote and "barrier.cost" not in quote
    hebrew = client.get("/review/town?period=2026&lang=he").get_data(as_text=True)
    quote = hebrew.split('<figure class="quote">')[1].split("</figure>")[0]
    assert "דברי התושב או התושבת עצמם, בעברית" in quote and "(<bdi" not in quote  # no need to name it twice
    assert "<bdi>barrier.cost</bdi>" not in quote and quote.count('class="tag"') >= 1
