"""Import indicator values (CSV or workbook), creating or updating their indicators, all or
nothing; and link an indicator to the codes residents raise about it."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from ..extensions import db
from ..models import ALL_GROUPS, DIRECTIONS, AuditEvent, Code, Geography, Indicator, IndicatorValue
from ..problems import Invalid, N_, Problem
from ..tables import Table, read_table
from .importing import TRANSLATED_NAME, ImportResult, located, number, require_columns

PERCENT_UNITS = ("percent", "%")
PERIOD = re.compile(r"^\d{4}(?:-(?:\d{2}|Q[1-4]|H[12]))?$")
GROUP_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


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
    require_columns(table.header, VALUE_COLUMNS)
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
        problems.extend(located(line, row_problems))
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
            numbers[column] = number(fields.get(column, ""), decimal_comma)
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
