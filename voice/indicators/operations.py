"""Import geographies and indicator values: validate everything, then write all or nothing.

Both importers read a file into plain rows (``voice.tables``), collect every problem with its
line number (the line a person sees in a spreadsheet: the header is line 1), and write only
when there is no problem, in one transaction with AuditEvents. Re-importing a corrected file
updates what is already stored and records each change.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from sqlalchemy import select

from ..extensions import db
from ..models import ALL_GROUPS, DIRECTIONS, AuditEvent, Code, Geography, Indicator, IndicatorValue
from ..problems import Invalid, N_, Problem
from ..tables import Table, read_table

PERCENT_UNITS = ("percent", "%")
PERIOD = re.compile(r"^\d{4}(?:-(?:\d{2}|Q[1-4]|H[12]))?$")
GROUP_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
TRANSLATED_NAME = re.compile(r"^name[_:][a-z]{2,3}$")
POPULATION_BY_GROUP = re.compile(r"^population[.:]([a-z0-9_]+)[.:](.+)$")
NOT_A_COUNT = N_("the population “%(value)s” is not a whole number.")


@dataclass
class ImportResult:
    problems: list[Problem] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def _located(line: int, problems: Iterable[Problem]) -> list[Problem]:
    return [problem.at(line=line) for problem in problems]


def _number(text: str, decimal_comma: bool = False) -> float | None:
    value = float(_point_decimal(text, decimal_comma)) if text else None
    if value is not None and not math.isfinite(value):
        raise ValueError(text)
    return value


def _require_columns(header: Iterable[str], needed: Iterable[str]) -> None:
    present = {title.lower() for title in header}
    missing = [name for name in needed if name not in present]
    if missing:
        raise Invalid(Problem("missing_column", N_("The column “%(column)s” is missing."), {"column": name}, line=1)
                      for name in missing)


# ---------------------------------------------------------------- geographies

@dataclass(frozen=True)
class GeographyRow:
    line: int
    code: str
    name: str
    names: dict[str, str]
    level: str
    parent: str
    population: int | None
    by_group: dict[str, dict[str, int]]
    geometry: dict | None


def parse_geographies(data: bytes, filename: str) -> tuple[list[tuple[int, dict[str, Any]]], bool]:
    """CSV rows or GeoJSON features as (line or feature number, fields), and whether the file
    writes decimals with a comma."""
    if Path(filename or "").suffix.lower() not in (".geojson", ".json"):
        table = read_table(data, filename)
        return [(line, dict(fields)) for line, fields in table.records()], table.decimal_comma
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise Invalid([Problem("not_geojson", N_("The file is not valid GeoJSON."))])
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise Invalid([Problem("not_feature_collection", N_("The GeoJSON must be a FeatureCollection."))])
    rows = []
    for number, feature in enumerate(document.get("features") or [], start=1):
        properties = dict((feature or {}).get("properties") or {})
        fields = {str(key).lower(): value for key, value in properties.items()}
        fields["geometry"] = (feature or {}).get("geometry")
        rows.append((number, fields))
    return rows, False


def import_geographies(data: bytes, filename: str, *, actor=None) -> ImportResult:
    """Create or update geographies by code; parents may come later in the file or already exist."""
    existing = {g.code: g for g in db.session.scalars(select(Geography))}
    try:
        parsed = _check_geographies(*parse_geographies(data, filename), existing)
    except Invalid as invalid:
        return ImportResult(problems=invalid.problems)
    return _store_geographies(parsed, existing, filename, actor)


def _check_geographies(rows, decimal_comma: bool, existing: dict[str, Geography]) -> list[GeographyRow]:
    """Every row parsed, or Invalid with every problem of every line."""
    seen: dict[str, int] = {}
    parsed, problems = [], []
    for line, fields in rows:
        row, row_problems = _geography_row(line, fields, decimal_comma)
        if row.code in seen:
            row_problems.insert(0, Problem("duplicate", N_("the geography “%(code)s” is already on line %(other)d."),
                                           {"code": row.code, "other": seen[row.code]}))
        if row.code:
            seen.setdefault(row.code, line)
        problems.extend(_located(line, row_problems))
        parsed.append(row)
    for row in parsed:
        if row.parent and row.parent not in seen and row.parent not in existing:
            problems.append(Problem("unknown_parent", N_("unknown parent geography “%(code)s”."),
                                    {"code": row.parent}, line=row.line))
        if row.parent and row.parent == row.code:
            problems.append(Problem("own_parent", N_("a geography cannot be its own parent."), line=row.line))
    if not parsed and not problems:
        problems.append(Problem("no_geographies", N_("The file has no geographies.")))
    if problems:
        raise Invalid(problems)
    return parsed


def _geography_row(line: int, fields: dict[str, Any], decimal_comma: bool) -> tuple[GeographyRow, list[Problem]]:
    """One row's geography and what is wrong with it on its own."""
    text = {key: str(fields.get(key) or "").strip() for key in ("code", "name", "level", "parent")}
    problems = []
    if not text["code"]:
        problems.append(Problem("empty_code", N_("the code is empty.")))
    if not text["name"]:
        problems.append(Problem("empty_name", N_("the name is empty.")))
    if not text["level"]:
        problems.append(Problem("empty_level", N_("the level is empty (e.g. city, neighbourhood).")))
    population = None
    try:
        population = _count(fields.get("population"), decimal_comma)
    except ValueError:
        problems.append(Problem("not_a_count", NOT_A_COUNT, {"value": fields.get("population")}))
    by_group, group_problems = _population_by_group(fields, decimal_comma)
    geometry = fields.get("geometry")
    if geometry is not None and (not isinstance(geometry, dict)
                                 or geometry.get("type") not in ("Polygon", "MultiPolygon")):
        problems.append(Problem("not_a_polygon", N_("the boundary must be a Polygon or MultiPolygon.")))
    names = {column[5:]: str(value).strip() for column, value in fields.items()
             if TRANSLATED_NAME.match(column) and str(value).strip()}
    return GeographyRow(line, text["code"], text["name"], names, text["level"], text["parent"], population, by_group,
                        geometry), problems + group_problems


def _population_by_group(fields: dict[str, Any],
                         decimal_comma: bool) -> tuple[dict[str, dict[str, int]], list[Problem]]:
    """From GeoJSON's population_by_group object or CSV columns such as population.language.he."""
    counts = [(str(key), str(value), count) for key, values in _dict(fields.get("population_by_group")).items()
              for value, count in _dict(values).items()]
    for column, count in fields.items():
        match = POPULATION_BY_GROUP.match(column)
        if match and str(count).strip():
            counts.append((match.group(1), match.group(2), count))
    by_group: dict[str, dict[str, int]] = {}
    problems = []
    for key, value, count in counts:
        try:
            by_group.setdefault(key, {})[value] = _count(count, decimal_comma)
        except ValueError:
            problems.append(Problem("not_a_count", NOT_A_COUNT, {"value": count}))
    return by_group, problems


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _store_geographies(parsed: list[GeographyRow], existing: dict[str, Geography], filename: str,
                       actor) -> ImportResult:
    result = ImportResult()
    rows_by_code = {}
    for geography in parsed:
        row = existing.get(geography.code)
        before = None if row is None else _geography_state(row)
        row = row or Geography(code=geography.code)
        row.name, row.names, row.level = geography.name, geography.names or dict(row.names or {}), geography.level
        row.population = geography.population if geography.population is not None else row.population
        row.population_by_group = geography.by_group or dict(row.population_by_group or {})
        row.geometry = geography.geometry if geography.geometry is not None else row.geometry
        db.session.add(row)
        rows_by_code[geography.code] = (row, geography.parent, before)
    db.session.flush()
    for row, parent, before in rows_by_code.values():
        parent_row = rows_by_code[parent][0] if parent in rows_by_code else existing.get(parent)
        row.parent_id = parent_row.id if parent_row is not None else None
        _audit_geography(row, before, result, actor)
    AuditEvent.record("geographies.import", record_type="geographies", actor=actor, filename=filename,
                      created=result.created, updated=result.updated)
    db.session.commit()
    return result


def _audit_geography(row: Geography, before: dict[str, Any] | None, result: ImportResult, actor) -> None:
    after = _geography_state(row)
    if before is None:
        result.created += 1
        AuditEvent.record("geography.create", row, actor=actor)
    elif before != after:
        result.updated += 1
        AuditEvent.record("geography.update", row, actor=actor,
                          before={k: v for k, v in before.items() if after.get(k) != v})
    else:
        result.unchanged += 1


def _point_decimal(text: str, decimal_comma: bool) -> str:
    """A number as Python reads it: commas group thousands, or are the decimal mark (71,5)."""
    if decimal_comma:
        return text.replace(",", ".", 1) if text.count(",") == 1 and "." not in text else text
    return text.replace(",", "")


def _count(value: Any, decimal_comma: bool = False) -> int | None:
    if value is None or str(value).strip() == "":
        return None
    number = float(_point_decimal(str(value), decimal_comma))
    if not number.is_integer() or number < 0:
        raise ValueError(value)
    return int(number)


def _geography_state(row: Geography) -> dict[str, Any]:
    return {"name": row.name, "names": row.names, "level": row.level, "parent_id": row.parent_id,
            "population": row.population, "population_by_group": row.population_by_group,
            "has_geometry": row.geometry is not None}


# ---------------------------------------------------------------- indicators

def _group(fields: dict[str, str]) -> tuple[str, str] | None:
    """The row's group as (key, value); (ALL_GROUPS, ALL_GROUPS) for everyone; None if malformed."""
    if fields.get("group_key") or fields.get("group_value"):
        key, value = fields.get("group_key", ""), fields.get("group_value", "")
    else:
        text = fields.get("group", "")
        if not text or text.lower() in ("all", "*"):
            return ALL_GROUPS, ALL_GROUPS
        match = re.match(r"^([^=:]+)[=:](.+)$", text)
        if not match:
            return None
        key, value = match.groups()
    key, value = key.strip().lower(), value.strip()
    if not GROUP_KEY.match(key) or not value:
        return None
    return key, value


VALUE_COLUMNS = ("indicator", "geography", "period", "value")
NUMBER_COLUMNS = ("value", "numerator", "denominator")


@dataclass(frozen=True)
class ValueRow:
    line: int
    indicator: str
    geography: str
    period: str
    group: tuple[str, str] | None
    numbers: dict[str, float | None]
    value_text: str
    source: str


@dataclass
class Known:
    """What the file's rows refer to, as stored before the import."""

    geographies: dict[str, int]
    indicators: dict[str, Indicator]
    code_keys: set[str]

    @classmethod
    def load(cls) -> Known:
        return cls(dict(db.session.execute(select(Geography.code, Geography.id)).all()),
                   {row.code: row for row in db.session.scalars(select(Indicator))},
                   set(db.session.scalars(select(Code.key).where(~Code.retired))))


def import_indicators(data: bytes, filename: str, *, actor=None) -> ImportResult:
    """Long-format indicator values, one per row; metadata columns create or update indicators."""
    known = Known.load()
    try:
        values, metadata = _check_values(_value_table(data, filename), known)
    except Invalid as invalid:
        return ImportResult(problems=invalid.problems)
    _store_indicators(metadata, known.indicators, actor)
    return _store_values(values, known, filename, actor)


def _value_table(data: bytes, filename: str) -> Table:
    table = read_table(data, filename)
    if not table.rows:
        raise Invalid([Problem("no_values", N_("The file has no values."))])
    _require_columns(table.header, VALUE_COLUMNS)
    return table


def _check_values(table: Table, known: Known) -> tuple[list[ValueRow], dict[str, dict[str, Any]]]:
    """Every value and the indicators' metadata, or Invalid with every problem of every line."""
    metadata: dict[str, dict[str, Any]] = {}
    seen: dict[tuple, int] = {}
    values, problems = [], []
    for line, fields in table.records():
        meta, row_problems = _row_metadata(fields, known.code_keys)
        row, value_problems = _value_row(line, fields, known.geographies, table.decimal_comma)
        row_problems += _merge_metadata(row.indicator, meta, metadata) + value_problems
        key = (row.indicator, row.geography, row.period, row.group)
        if row.group is not None and row.indicator and key in seen:
            row_problems.append(Problem("duplicate", N_("duplicate row: the same indicator, geography, period and "
                                                        "group are on line %(other)d."), {"other": seen[key]}))
        seen.setdefault(key, line)
        problems.extend(_located(line, row_problems))
        values.append(row)
    problems.extend(_indicator_problems(values, metadata, known.indicators))
    if problems:
        raise Invalid(problems)
    return values, metadata


def _value_row(line: int, fields: dict[str, str], geographies: dict[str, int],
               decimal_comma: bool) -> tuple[ValueRow, list[Problem]]:
    """One row's value and what is wrong with it on its own."""
    problems = []
    indicator, geography, period = fields.get("indicator", ""), fields.get("geography", ""), fields.get("period", "")
    if not indicator:
        problems.append(Problem("empty_indicator", N_("the indicator is empty.")))
    if geography not in geographies:
        problems.append(Problem("unknown_geography", N_("unknown geography “%(code)s”."), {"code": geography}))
    if not PERIOD.match(period):
        problems.append(Problem("bad_period", N_("the period “%(period)s” is not a year (2024) or a part of one "
                                                 "(2024-25, 2024-Q1)."), {"period": period}))
    group = _group(fields)
    if group is None:
        problems.append(Problem("bad_group", N_("the group “%(group)s” should look like language=he (or be empty "
                                                "for everyone)."), {"group": fields.get("group", "")}))
    numbers = {}
    for column in NUMBER_COLUMNS:
        try:
            numbers[column] = _number(fields.get(column, ""), decimal_comma)
        except ValueError:
            problems.append(Problem("not_a_number", N_("the %(column)s “%(value)s” is not a number."),
                                    {"column": column, "value": fields.get(column, "")}))
            numbers[column] = None
    if fields.get("value", "") == "":
        problems.append(Problem("empty_value", N_("the value is empty.")))
    if numbers["denominator"] is not None and numbers["denominator"] <= 0:
        problems.append(Problem("bad_denominator", N_("the denominator must be more than zero.")))
    return ValueRow(line, indicator, geography, period, group, numbers, fields.get("value", ""),
                    fields.get("source", "")), problems


def _merge_metadata(indicator: str, meta: dict[str, Any], metadata: dict[str, dict[str, Any]]) -> list[Problem]:
    """Add a row's metadata to what earlier lines said about the indicator; they must agree."""
    if not indicator or not meta:
        return []
    known = metadata.setdefault(indicator, {})
    problems = [Problem("metadata_differs", N_("the %(column)s of “%(indicator)s” differs from an earlier line."),
                        {"column": key, "indicator": indicator})
                for key, value in meta.items() if key in known and known[key] != value]
    for key, value in meta.items():
        known.setdefault(key, value)
    return problems


def _indicator_problems(values: list[ValueRow], metadata: dict[str, dict[str, Any]],
                        indicators: dict[str, Indicator]) -> list[Problem]:
    """What only the whole file tells: indicators that are neither stored nor named, percentages over 100."""
    problems = []
    for row in values:
        if not row.indicator:
            continue
        meta = metadata.get(row.indicator, {})
        if row.indicator not in indicators and not meta.get("name"):
            problems.append(Problem("unknown_indicator", N_("unknown indicator “%(code)s”: add a name column to "
                                                            "create it."), {"code": row.indicator}, line=row.line))
            continue
        unit = meta.get("unit") or (indicators[row.indicator].unit if row.indicator in indicators else "percent")
        value = row.numbers["value"]
        if unit in PERCENT_UNITS and value is not None and not 0 <= value <= 100:
            problems.append(Problem("not_a_percentage", N_("the value %(value)s is outside 0–100 for a percentage."),
                                    {"value": row.value_text}, line=row.line))
    return problems


def _store_indicators(metadata: dict[str, dict[str, Any]], indicators: dict[str, Indicator], actor) -> None:
    """Create or update the indicators the file describes (audited); ``indicators`` gains the new ones."""
    for code, meta in metadata.items():
        row = indicators.get(code)
        creating = row is None
        row = row or Indicator(code=code, name={}, linked_codes=[])
        before = _indicator_state(row)
        if "name" in meta:
            row.name = {**(row.name or {}), **meta["name"]}
        row.unit = meta.get("unit", row.unit or "percent")
        row.direction = meta.get("direction", row.direction or "higher_is_better")
        if "codes" in meta:
            row.linked_codes = meta["codes"]
        db.session.add(row)
        db.session.flush()
        indicators[code] = row
        if creating:
            AuditEvent.record("indicator.create", row, actor=actor)
        elif before != _indicator_state(row):
            AuditEvent.record("indicator.update", row, actor=actor, before=before)


def _indicator_state(row: Indicator) -> dict[str, Any]:
    return {"name": dict(row.name or {}), "unit": row.unit, "direction": row.direction,
            "linked_codes": list(row.linked_codes or [])}


def _store_values(values: list[ValueRow], known: Known, filename: str, actor) -> ImportResult:
    result = ImportResult()
    stored = {(v.indicator_id, v.geography_id, v.period, v.group_key, v.group_value): v
              for v in db.session.scalars(select(IndicatorValue).where(
                  IndicatorValue.indicator_id.in_([known.indicators[v.indicator].id for v in values])))}
    for value in values:
        key = (known.indicators[value.indicator].id, known.geographies[value.geography], value.period, *value.group)
        new = {**value.numbers, "source": value.source or ""}
        row = stored.get(key)
        if row is None:
            stored[key] = IndicatorValue(indicator_id=key[0], geography_id=key[1], period=value.period,
                                         group_key=key[3], group_value=key[4], **new)
            db.session.add(stored[key])
            result.created += 1
        elif _update_value(row, new, value.line, actor):
            result.updated += 1
        else:
            result.unchanged += 1
    AuditEvent.record("indicators.import", record_type="indicator_values", actor=actor, filename=filename,
                      created=result.created, updated=result.updated, unchanged=result.unchanged)
    db.session.commit()
    return result


def _update_value(row: IndicatorValue, new: dict[str, Any], line: int, actor) -> bool:
    """Set a stored value to what the file says; audited. False when nothing changes."""
    old = {"value": row.value, "numerator": row.numerator, "denominator": row.denominator, "source": row.source}
    if old == new:
        return False
    for name, value in new.items():
        setattr(row, name, value)
    AuditEvent.record("indicator_value.update", row, actor=actor, line=line,
                      before={k: v for k, v in old.items() if new[k] != v},
                      after={k: v for k, v in new.items() if old[k] != v})
    return True


def _row_metadata(fields: dict[str, str], code_keys: set[str]) -> tuple[dict[str, Any], list[Problem]]:
    """What a row says about its indicator (names, unit, direction, linked codes), and its problems."""
    meta: dict[str, Any] = {}
    problems = []
    names = {column[5:]: value for column, value in fields.items() if TRANSLATED_NAME.match(column) and value}
    if fields.get("name"):
        names.setdefault("en", fields["name"])
    if names:
        meta["name"] = names
    unit = fields.get("unit", "")
    if unit:
        meta["unit"] = "percent" if unit in PERCENT_UNITS else unit
    direction = fields.get("direction", "").lower().replace(" ", "_")
    if direction:
        aliases = {"higher": "higher_is_better", "lower": "lower_is_better"}
        direction = aliases.get(direction, direction)
        if direction not in DIRECTIONS:
            problems.append(Problem("bad_direction", N_("the direction “%(value)s” should be higher_is_better or "
                                                        "lower_is_better."), {"value": fields.get("direction")}))
        else:
            meta["direction"] = direction
    codes_text = fields.get("codes", "") or fields.get("linked_codes", "")
    if codes_text:
        codes = [code for code in re.split(r"[\s,;]+", codes_text) if code]
        unknown = [code for code in codes if code not in code_keys]
        if unknown:
            problems.append(Problem("unknown_code", N_("unknown code “%(code)s”."), {"code": ", ".join(unknown)}))
        meta["codes"] = codes
    return meta, problems


def link_codes(indicator: Indicator, codes: list[str], *, actor=None) -> None:
    """Set the codebook codes an indicator relates to (audited)."""
    before = list(indicator.linked_codes or [])
    indicator.linked_codes = list(dict.fromkeys(codes))
    if before != indicator.linked_codes:
        AuditEvent.record("indicator.link_codes", indicator, actor=actor, before=before, after=indicator.linked_codes)
    db.session.commit()
