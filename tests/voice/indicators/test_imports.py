"""Geography and indicator imports: good files, every kind of broken line, re-imports."""
from __future__ import annotations

import io
import json

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from voice.extensions import db
from voice.indicators.geographies import import_geographies
from voice.indicators.values import import_indicators
from voice.models import AuditEvent, Geography, Indicator, IndicatorValue
from voice.nlp_adapter import import_codebook

from ...helpers import post_form

GEOGRAPHIES_CSV = """code,name,level,parent,population,population.language.he,population.language.am,name_he
EB,Eastbrook,city,,,,,איסטברוק
EB-NT,Neve Tikva,neighbourhood,EB,9400,5200,900,נווה תקווה
EB-SB,Shikun Bet,neighbourhood,EB,6100,2100,3000,
"""

INDICATORS_CSV = """indicator,geography,period,group,value,numerator,denominator,source,name,name_he,unit,direction,codes
kr,EB-NT,2024,,71.5,143,200,Ministry,Kindergarten readiness,מוכנות לגן,percent,higher_is_better,theme.early_learning barrier.cost
kr,EB-NT,2024,language=he,75,75,100,Ministry,,,,,
kr,EB-SB,2024,,58,58,100,Ministry,,,,,
kr,EB-SB,2025,language:am,49.5,,,Ministry,,,,,
"""


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture(autouse=True)
def messages_in_english(app):
    """Problem messages are translated: render them as a request in English would."""
    with app.test_request_context("/?lang=en"):
        yield


@pytest.fixture
def places(app):
    import_codebook()
    db.session.commit()
    result = import_geographies(GEOGRAPHIES_CSV.encode(), "places.csv")
    assert result.ok, [str(p) for p in result.problems]
    return result


def test_geographies_csv_with_parents_and_population_by_group(places):
    assert places.created == 3
    nt = db.session.scalar(select(Geography).where(Geography.code == "EB-NT"))
    assert nt.parent.code == "EB" and nt.population == 9400
    assert nt.population_by_group == {"language": {"he": 5200, "am": 900}}
    assert nt.names == {"he": "נווה תקווה"}


def test_geographies_geojson_boundaries(app):
    square = {"type": "Polygon", "coordinates": [[[34.8, 32.0], [34.82, 32.0], [34.82, 32.02], [34.8, 32.0]]]}
    document = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": square,
         "properties": {"code": "X1", "name": "Ex", "level": "neighbourhood", "population": 50,
                        "population_by_group": {"language": {"en": 50}}}}]}
    result = import_geographies(json.dumps(document).encode(), "x.geojson")
    assert result.ok and result.created == 1
    row = db.session.scalar(select(Geography).where(Geography.code == "X1"))
    assert row.geometry == square and row.population_by_group == {"language": {"en": 50}}


def test_broken_geographies_store_nothing(app):
    broken = "code,name,level,parent,population\nA,Alpha,city,,12\nA,Again,city,,x\nB,,,ZZ,\n"
    result = import_geographies(broken.encode(), "bad.csv")
    messages = [str(p) for p in result.problems]
    assert not result.ok
    assert any(m.startswith("Line 3:") and "already on line 2" in m for m in messages)
    assert any(m.startswith("Line 3:") and "not a whole number" in m for m in messages)
    assert any(m.startswith("Line 4:") and "unknown parent" in m for m in messages)
    assert _count(Geography) == 0


def test_indicators_import_creates_metadata_and_values(places):
    result = import_indicators(INDICATORS_CSV.encode(), "kr.csv")
    assert result.ok, [str(p) for p in result.problems]
    assert result.created == 4
    indicator = db.session.scalar(select(Indicator).where(Indicator.code == "kr"))
    assert indicator.name == {"en": "Kindergarten readiness", "he": "מוכנות לגן"}
    assert indicator.linked_codes == ["theme.early_learning", "barrier.cost"]
    he = db.session.scalar(select(IndicatorValue).where(IndicatorValue.group_value == "he"))
    assert (he.group_key, he.value, he.denominator) == ("language", 75.0, 100.0)
    am = db.session.scalar(select(IndicatorValue).where(IndicatorValue.group_value == "am"))
    assert am.numerator is None and am.period == "2025"


def test_xlsx_import(places):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["indicator", "geography", "period", "group", "value", "name"])
    sheet.append(["kr", "EB-NT", 2024, None, 70, "Readiness"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = import_indicators(buffer.getvalue(), "kr.xlsx")
    assert result.ok, [str(p) for p in result.problems]
    assert db.session.scalar(select(IndicatorValue.period)) == "2024"


def test_broken_indicator_file_reports_every_line_and_stores_nothing(places):
    broken = INDICATORS_CSV + (
        "kr,NOWHERE,2024,,50,,,,,,,,\n"          # line 6: unknown geography
        "kr,EB-NT,2024,language=ru,lots,,,,,,,,\n"  # line 7: not a number
        "kr,EB-NT,2024,language=he,76,,,,,,,,\n"  # line 8: duplicate of line 3
        "kr,EB-SB,2024,language=he,140,,,,,,,,\n"  # line 9: outside 0-100
        "unknown,EB-SB,2024,,40,,,,,,,,\n"          # line 10: unknown indicator
        "kr,EB-SB,2023,,40,,,,,,,,barrier.nope\n"   # line 11: unknown code
    )
    result = import_indicators(broken.encode(), "broken.csv")
    messages = [str(p) for p in result.problems]
    expected = {6: "unknown geography", 7: "is not a number", 8: "duplicate row", 9: "outside 0–100",
                10: "unknown indicator", 11: "unknown code"}
    for line, text in expected.items():
        assert any(m.startswith(f"Line {line}:") and text in m for m in messages), (line, messages)
    assert _count(IndicatorValue) == 0 and _count(Indicator) == 0


def test_reimport_updates_values_with_an_audit_trail(places):
    assert import_indicators(INDICATORS_CSV.encode(), "kr.csv").ok
    corrected = INDICATORS_CSV.replace("kr,EB-SB,2024,,58,58,100", "kr,EB-SB,2024,,61,61,100")
    result = import_indicators(corrected.encode(), "kr.csv")
    assert (result.created, result.updated, result.unchanged) == (0, 1, 3)
    assert _count(IndicatorValue) == 4
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "indicator_value.update"))
    assert event.details["before"]["value"] == 58 and event.details["after"]["value"] == 61


def test_cli_imports(runner, tmp_path, places):
    path = tmp_path / "kr.csv"
    path.write_text(INDICATORS_CSV, encoding="utf-8")
    result = runner.invoke(args=["indicators", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "4 new" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text("indicator,geography,period,value\nkr,NOWHERE,2024,5\n", encoding="utf-8")
    result = runner.invoke(args=["indicators", "import", str(bad)])
    assert result.exit_code != 0 and "Line 2:" in result.output and "Nothing was stored" in result.output
    places_file = tmp_path / "more.csv"
    places_file.write_text("code,name,level,parent\nEB-OM,Old Market,neighbourhood,EB\n", encoding="utf-8")
    assert runner.invoke(args=["geographies", "import", str(places_file)]).exit_code == 0
    assert db.session.scalar(select(Geography).where(Geography.code == "EB-OM")).parent.code == "EB"


def test_upload_page_shows_the_report(client, signed_in, places):
    signed_in("analyst")
    broken = "indicator,geography,period,value\nkr,NOWHERE,2024,5\n"
    response = post_form(client, "/indicators/import",
                         {"upload": (io.BytesIO(broken.encode()), "bad.csv")}, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Nothing was stored" in page and "Line 2:" in page
    response = post_form(client, "/indicators/import",
                         {"upload": (io.BytesIO(INDICATORS_CSV.encode()), "kr.csv")},
                         content_type="multipart/form-data")
    assert response.status_code == 302
    assert _count(IndicatorValue) == 4
    page = client.get("/indicators/?lang=he").get_data(as_text=True)
    assert "מוכנות לגן" in page


# Excel where the comma is the decimal mark (most of Europe) saves CSV with semicolons, in cp1252.
PLACES_SEMICOLON = "code;name;level;parent;population\nFR;Fréjus;city;;\nFR-VE;Vieux Église;neighbourhood;FR;1200\n"
VALUES_SEMICOLON = ("indicator;geography;period;group;value;numerator;denominator;name;unit\n"
                    "kr;FR-VE;2024;;71,5;143;200;Préparation à l'école;percent\n"
                    "kr;FR-VE;2024;language=fr;75;;;;\n")


def test_semicolon_csv_from_excel_imports_through_the_pages(client, signed_in, app):
    signed_in("analyst")
    answer = post_form(client, "/indicators/geographies/import",
                       {"upload": (io.BytesIO(PLACES_SEMICOLON.encode("cp1252")), "places.csv")},
                       content_type="multipart/form-data")
    assert answer.status_code == 302, answer.get_data(as_text=True)
    place = db.session.scalar(select(Geography).where(Geography.code == "FR-VE"))
    assert place.name == "Vieux Église" and place.parent.code == "FR" and place.population == 1200
    answer = post_form(client, "/indicators/import",
                       {"upload": (io.BytesIO(VALUES_SEMICOLON.encode("cp1252")), "values.csv")},
                       content_type="multipart/form-data")
    assert answer.status_code == 302, answer.get_data(as_text=True)
    assert db.session.scalar(select(Indicator.name)) == {"en": "Préparation à l'école"}
    assert sorted(db.session.scalars(select(IndicatorValue.value))) == [71.5, 75.0]


def test_semicolon_csv_refusals_list_every_line_and_store_nothing(runner, tmp_path, app):
    places = tmp_path / "places.csv"
    places.write_text(PLACES_SEMICOLON + "FR-NO;;neighbourhood;FR;9,5\n", encoding="utf-8-sig")
    result = runner.invoke(args=["geographies", "import", str(places)])
    assert result.exit_code != 0 and "Nothing was stored" in result.output
    assert "Line 4: the name is empty." in result.output
    assert "Line 4: the population “9,5” is not a whole number." in result.output
    assert _count(Geography) == 0
    values = tmp_path / "values.csv"
    values.write_text(VALUES_SEMICOLON + "kr;NOWHERE;2024;;5;;;;\nkr;FR-VE;2024;language=he;140;;;;\n",
                      encoding="utf-8")
    result = runner.invoke(args=["indicators", "import", str(values)])
    assert result.exit_code != 0
    assert "Line 4: unknown geography “NOWHERE”." in result.output
    assert "Line 5: the value 140 is outside 0–100 for a percentage." in result.output
    assert _count(IndicatorValue) == 0 and _count(Indicator) == 0


def test_a_file_the_reader_refuses_is_reported(app):
    result = import_indicators(b"indicator,geography,period,value,Value\nkr,EB,2024,5,6\n", "dup.csv")
    assert [str(problem) for problem in result.problems] == ["Line 1: The column Value appears twice."]
    result = import_geographies(b"\x00\x01\x02", "places.csv")
    assert [problem.code for problem in result.problems] == ["not_text"]


def test_a_deeply_nested_geojson_is_refused_and_says_why(app):
    """Found by the fuzz test: Python's JSON parser recursed into a RecursionError (a 500)."""
    result = import_geographies(b"[" * 3000 + b"]" * 3000, "deep.geojson")
    assert [str(problem) for problem in result.problems] == [
        "The file is not valid GeoJSON.", "This is nested too deeply: at most 16 levels are accepted."]
    assert _count(Geography) == 0
