"""Import geographies (CSV, workbook or GeoJSON): validate everything, then write all or nothing."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from ..extensions import db
from ..json_body import parse_json
from ..models import AuditEvent, Geography
from ..problems import Invalid, N_, Problem
from ..tables import read_table
from .importing import TRANSLATED_NAME, ImportResult, located, point_decimal

POPULATION_BY_GROUP = re.compile(r"^population[.:]([a-z0-9_]+)[.:](.+)$")
NOT_A_COUNT = N_("the population “%(value)s” is not a whole number.")


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
        document = parse_json(data)
    except Invalid as refused:  # with why: not UTF-8, not JSON, nested too deeply
        raise Invalid([Problem("not_geojson", N_("The file is not valid GeoJSON.")), *refused.problems]) from None
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
        problems.extend(located(line, row_problems))
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


def _count(value: Any, decimal_comma: bool = False) -> int | None:
    if value is None or str(value).strip() == "":
        return None
    number = float(point_decimal(str(value), decimal_comma))
    if not number.is_integer() or number < 0:
        raise ValueError(value)
    return int(number)


def _geography_state(row: Geography) -> dict[str, Any]:
    return {"name": row.name, "names": row.names, "level": row.level, "parent_id": row.parent_id,
            "population": row.population, "population_by_group": row.population_by_group,
            "has_geometry": row.geometry is not None}
