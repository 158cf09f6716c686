"""Import geographies and indicator values: validate everything, then write all or nothing.

Both importers read a file into plain rows, collect every problem with its line number (the
line a person sees in a spreadsheet: the header is line 1), and write only when there is no
problem, in one transaction with AuditEvents. Re-importing a corrected file updates what is
already stored and records each change.
"""
from __future__ import annotations

import csv
import io
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from flask_babel import lazy_gettext as _l
from openpyxl import load_workbook
from sqlalchemy import select

from ..extensions import db
from ..models import ALL_GROUPS, DIRECTIONS, AuditEvent, Code, Geography, Indicator, IndicatorValue

PERCENT_UNITS = ("percent", "%")
PERIOD = re.compile(r"^\d{4}(?:-(?:\d{2}|Q[1-4]|H[12]))?$")
GROUP_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass
class Problem:
    line: int | None
    message: Any  # a lazy, translatable string

    def __str__(self) -> str:
        if self.line is None:
            return str(self.message)
        return str(_l("Line %(line)d: %(message)s", line=self.line, message=self.message))


@dataclass
class ImportResult:
    problems: list[Problem] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


class ImportFailed(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(problem) for problem in problems))
        self.problems = problems


# ---------------------------------------------------------------- reading files

def read_table(data: bytes, filename: str) -> list[tuple[int, dict[str, str]]]:
    """Rows of a CSV or XLSX file as (line number, {lower-case header: text})."""
    suffix = Path(filename or "").suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:  # openpyxl raises many kinds for a file that is not a workbook
            raise ImportFailed([Problem(None, _l("The file is not a readable Excel workbook (.xlsx)."))])
        sheet = workbook.worksheets[0]
        rows = [["" if value is None else _cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]
        workbook.close()
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ImportFailed([Problem(None, _l("The file is not UTF-8 text. Save it as CSV UTF-8 and try again."))])
        rows = list(csv.reader(io.StringIO(text)))
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise ImportFailed([Problem(None, _l("The file is empty: it needs a header row."))])
    header = [cell.strip().lower() for cell in rows[0]]
    table = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(str(cell).strip() for cell in row):
            continue
        table.append((number, {name: (str(row[i]).strip() if i < len(row) else "") for i, name in enumerate(header)}))
    return table


def _cell_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _number(text: str) -> float | None:
    value = float(text.replace(",", "")) if text else None
    if value is not None and not math.isfinite(value):
        raise ValueError(text)
    return value


def _require_columns(rows, header_needed: Iterable[str]) -> list[Problem]:
    present = set(rows[0][1]) if rows else set()
    missing = [name for name in header_needed if name not in present]
    return [Problem(1, _l("The column “%(column)s” is missing.", column=name)) for name in missing] if rows else []


# ---------------------------------------------------------------- geographies

def parse_geographies(data: bytes, filename: str) -> list[tuple[int, dict[str, Any]]]:
    """CSV rows or GeoJSON features as (line or feature number, fields)."""
    if Path(filename or "").suffix.lower() in (".geojson", ".json"):
        try:
            document = json.loads(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise ImportFailed([Problem(None, _l("The file is not valid GeoJSON."))])
        if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
            raise ImportFailed([Problem(None, _l("The GeoJSON must be a FeatureCollection."))])
        rows = []
        for number, feature in enumerate(document.get("features") or [], start=1):
            properties = dict((feature or {}).get("properties") or {})
            fields = {str(key).lower(): value for key, value in properties.items()}
            fields["geometry"] = (feature or {}).get("geometry")
            rows.append((number, fields))
        return rows
    return [(number, dict(fields)) for number, fields in read_table(data, filename)]


def import_geographies(data: bytes, filename: str, *, actor=None) -> ImportResult:
    """Create or update geographies by code; parents may come later in the file or already exist."""
    result = ImportResult()
    try:
        rows = parse_geographies(data, filename)
    except ImportFailed as failed:
        result.problems = failed.problems
        return result
    existing = {g.code: g for g in db.session.scalars(select(Geography))}
    seen: dict[str, int] = {}
    parsed = []
    for line, fields in rows:
        code = str(fields.get("code") or "").strip()
        name = str(fields.get("name") or "").strip()
        level = str(fields.get("level") or "").strip()
        parent = str(fields.get("parent") or "").strip()
        problems = []
        if not code:
            problems.append(_l("the code is empty."))
        elif code in seen:
            problems.append(_l("the geography “%(code)s” is already on line %(other)d.", code=code, other=seen[code]))
        if not name:
            problems.append(_l("the name is empty."))
        if not level:
            problems.append(_l("the level is empty (e.g. city, neighbourhood)."))
        population = None
        by_group: dict[str, dict[str, int]] = {}
        try:
            population = _count(fields.get("population"))
        except ValueError:
            problems.append(_l("the population “%(value)s” is not a whole number.", value=fields.get("population")))
        raw_groups = fields.get("population_by_group")
        if isinstance(raw_groups, dict):
            for key, values in raw_groups.items():
                for value, count in (values or {}).items():
                    try:
                        by_group.setdefault(str(key), {})[str(value)] = _count(count)
                    except ValueError:
                        problems.append(_l("the population “%(value)s” is not a whole number.", value=count))
        for column, value in fields.items():
            match = re.match(r"^population[.:]([a-z0-9_]+)[.:](.+)$", column)
            if match and str(value).strip():
                try:
                    by_group.setdefault(match.group(1), {})[match.group(2)] = _count(value)
                except ValueError:
                    problems.append(_l("the population “%(value)s” is not a whole number.", value=value))
        geometry = fields.get("geometry")
        if geometry is not None and (not isinstance(geometry, dict)
                                     or geometry.get("type") not in ("Polygon", "MultiPolygon")):
            problems.append(_l("the boundary must be a Polygon or MultiPolygon."))
        names = {column[5:]: str(value).strip() for column, value in fields.items()
                 if re.match(r"^name[_:][a-z]{2,3}$", column) and str(value).strip()}
        if code:
            seen.setdefault(code, line)
        result.problems.extend(Problem(line, message) for message in problems)
        parsed.append((line, code, name, names, level, parent, population, by_group, geometry))
    codes_in_file = {row[1] for row in parsed}
    for line, code, _name, _names, _level, parent, *_rest in parsed:
        if parent and parent not in codes_in_file and parent not in existing:
            result.problems.append(Problem(line, _l("unknown parent geography “%(code)s”.", code=parent)))
        if parent and parent == code:
            result.problems.append(Problem(line, _l("a geography cannot be its own parent.")))
    if not parsed and not result.problems:
        result.problems.append(Problem(None, _l("The file has no geographies.")))
    if result.problems:
        return result
    rows_by_code = {}
    for line, code, name, names, level, parent, population, by_group, geometry in parsed:
        row = existing.get(code)
        before = None if row is None else _geography_state(row)
        row = row or Geography(code=code)
        row.name, row.names, row.level = name, names or dict(row.names or {}), level
        row.population = population if population is not None else row.population
        row.population_by_group = by_group or dict(row.population_by_group or {})
        row.geometry = geometry if geometry is not None else row.geometry
        db.session.add(row)
        rows_by_code[code] = (row, parent, before)
    db.session.flush()
    for code, (row, parent, before) in rows_by_code.items():
        parent_row = rows_by_code[parent][0] if parent in rows_by_code else existing.get(parent)
        row.parent_id = parent_row.id if parent_row is not None else None
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
    AuditEvent.record("geographies.import", record_type="geographies", actor=actor, filename=filename,
                      created=result.created, updated=result.updated)
    db.session.commit()
    return result


def _count(value: Any) -> int | None:
    if value is None or str(value).strip() == "":
        return None
    number = float(str(value).replace(",", ""))
    if not number.is_integer() or number < 0:
        raise ValueError(value)
    return int(number)


def _geography_state(row: Geography) -> dict[str, Any]:
    return {"name": row.name, "names": row.names, "level": row.level, "parent_id": row.parent_id,
            "population": row.population, "population_by_group": row.population_by_group,
            "has_geometry": row.geometry is not None}


# ---------------------------------------------------------------- indicators

METADATA = ("unit", "direction", "codes", "name")


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


def import_indicators(data: bytes, filename: str, *, actor=None) -> ImportResult:
    """Long-format indicator values, one per row; metadata columns create or update indicators."""
    result = ImportResult()
    try:
        rows = read_table(data, filename)
    except ImportFailed as failed:
        result.problems = failed.problems
        return result
    if not rows:
        result.problems.append(Problem(None, _l("The file has no values.")))
        return result
    result.problems.extend(_require_columns(rows, ("indicator", "geography", "period", "value")))
    if result.problems:
        return result
    geographies = dict(db.session.execute(select(Geography.code, Geography.id)).all())
    indicators = {row.code: row for row in db.session.scalars(select(Indicator))}
    code_keys = set(db.session.scalars(select(Code.key).where(~Code.retired)))
    metadata: dict[str, dict[str, Any]] = {}
    seen: dict[tuple, int] = {}
    values = []
    for line, fields in rows:
        problems = []
        indicator = fields.get("indicator", "")
        meta = _row_metadata(fields, code_keys, problems)
        if not indicator:
            problems.append(_l("the indicator is empty."))
        elif meta:
            known = metadata.setdefault(indicator, {})
            for key, value in meta.items():
                if key in known and known[key] != value:
                    problems.append(_l("the %(column)s of “%(indicator)s” differs from an earlier line.",
                                       column=key, indicator=indicator))
                known.setdefault(key, value)
        geography = fields.get("geography", "")
        if geography not in geographies:
            problems.append(_l("unknown geography “%(code)s”.", code=geography))
        period = fields.get("period", "")
        if not PERIOD.match(period):
            problems.append(_l("the period “%(period)s” is not a year (2024) or a part of one (2024-25, 2024-Q1).",
                               period=period))
        group = _group(fields)
        if group is None:
            problems.append(_l("the group “%(group)s” should look like language=he (or be empty for everyone).",
                               group=fields.get("group", "")))
        numbers = {}
        for column in ("value", "numerator", "denominator"):
            try:
                numbers[column] = _number(fields.get(column, ""))
            except ValueError:
                problems.append(_l("the %(column)s “%(value)s” is not a number.", column=column,
                                   value=fields.get(column, "")))
                numbers[column] = None
        if fields.get("value", "") == "":
            problems.append(_l("the value is empty."))
        if (numbers.get("denominator") is not None and numbers["denominator"] <= 0):
            problems.append(_l("the denominator must be more than zero."))
        key = (indicator, geography, period, group)
        if group is not None and indicator and key in seen:
            problems.append(_l("duplicate row: the same indicator, geography, period and group are on line %(other)d.",
                               other=seen[key]))
        seen.setdefault(key, line)
        result.problems.extend(Problem(line, message) for message in problems)
        values.append((line, indicator, geography, period, group, numbers, fields.get("source", "")))
    for line, indicator, _geography, _period, _group_, numbers, _source in values:
        if not indicator:
            continue
        if indicator not in indicators and not metadata.get(indicator, {}).get("name"):
            result.problems.append(Problem(line, _l("unknown indicator “%(code)s”: add a name column to create it.",
                                                    code=indicator)))
            continue
        unit = metadata.get(indicator, {}).get("unit") or (indicators[indicator].unit if indicator in indicators
                                                            else "percent")
        value = numbers.get("value")
        if unit in PERCENT_UNITS and value is not None and not 0 <= value <= 100:
            result.problems.append(Problem(line, _l("the value %(value)s is outside 0–100 for a percentage.",
                                                    value=_cell_text(value))))
    if result.problems:
        return result
    for code, meta in metadata.items():
        row = indicators.get(code)
        creating = row is None
        row = row or Indicator(code=code, name={}, linked_codes=[])
        before = {"name": dict(row.name or {}), "unit": row.unit, "direction": row.direction,
                  "linked_codes": list(row.linked_codes or [])}
        if "name" in meta:
            row.name = {**(row.name or {}), **meta["name"]}
        row.unit = meta.get("unit", row.unit or "percent")
        row.direction = meta.get("direction", row.direction or "higher_is_better")
        if "codes" in meta:
            row.linked_codes = meta["codes"]
        db.session.add(row)
        db.session.flush()
        indicators[code] = row
        after = {"name": row.name, "unit": row.unit, "direction": row.direction, "linked_codes": row.linked_codes}
        if creating:
            AuditEvent.record("indicator.create", row, actor=actor)
        elif before != after:
            AuditEvent.record("indicator.update", row, actor=actor, before=before)
    stored = {(v.indicator_id, v.geography_id, v.period, v.group_key, v.group_value): v
              for v in db.session.scalars(select(IndicatorValue).where(
                  IndicatorValue.indicator_id.in_([indicators[v[1]].id for v in values])))}
    for line, indicator, geography, period, (group_key, group_value), numbers, source in values:
        key = (indicators[indicator].id, geographies[geography], period, group_key, group_value)
        row = stored.get(key)
        new = {"value": numbers["value"], "numerator": numbers["numerator"], "denominator": numbers["denominator"],
               "source": source or ""}
        if row is None:
            row = IndicatorValue(indicator_id=key[0], geography_id=key[1], period=period, group_key=group_key,
                                 group_value=group_value, **new)
            db.session.add(row)
            stored[key] = row
            result.created += 1
            continue
        old = {"value": row.value, "numerator": row.numerator, "denominator": row.denominator, "source": row.source}
        if old == new:
            result.unchanged += 1
            continue
        for name, value in new.items():
            setattr(row, name, value)
        AuditEvent.record("indicator_value.update", row, actor=actor, line=line,
                          before={k: v for k, v in old.items() if new[k] != v},
                          after={k: v for k, v in new.items() if old[k] != v})
        result.updated += 1
    AuditEvent.record("indicators.import", record_type="indicator_values", actor=actor, filename=filename,
                      created=result.created, updated=result.updated, unchanged=result.unchanged)
    db.session.commit()
    return result


def _row_metadata(fields: dict[str, str], code_keys: set[str], problems: list) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    names = {column[5:]: value for column, value in fields.items()
             if re.match(r"^name[_:][a-z]{2,3}$", column) and value}
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
            problems.append(_l("the direction “%(value)s” should be higher_is_better or lower_is_better.",
                               value=fields.get("direction")))
        else:
            meta["direction"] = direction
    codes_text = fields.get("codes", "") or fields.get("linked_codes", "")
    if codes_text:
        codes = [code for code in re.split(r"[\s,;]+", codes_text) if code]
        unknown = [code for code in codes if code not in code_keys]
        if unknown:
            problems.append(_l("unknown code “%(code)s”.", code=", ".join(unknown)))
        meta["codes"] = codes
    return meta


def link_codes(indicator: Indicator, codes: list[str], *, actor=None) -> None:
    """Set the codebook codes an indicator relates to (audited)."""
    before = list(indicator.linked_codes or [])
    indicator.linked_codes = list(dict.fromkeys(codes))
    if before != indicator.linked_codes:
        AuditEvent.record("indicator.link_codes", indicator, actor=actor, before=before, after=indicator.linked_codes)
    db.session.commit()
