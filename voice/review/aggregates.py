"""The committee's figures, computed by the database with GROUP BY: items are never loaded.

**Residents.** A resident is one survey response or one listening-session comment: a
response's several open answers count once, so a share is "the share of residents who
raised X", not of texts. The resident key is ``2 × response id`` for answers and
``2 × comment id + 1`` for comments, counted DISTINCT.

**Raising a code.** A resident raised a code when any of their items carries an applying tag
for it (rule, model or human) and no human coder rejected that code for that item: human
tags outrank machine tags.

**Period.** A year (``2025``) or a quarter (``2025-Q3``) of the items' ``created_at``; the
previous period is the one just before, of the same length. Indicator values are joined on
the latest indicator period that starts no later than the selected period.

Group values come from ``groups`` through SQLAlchemy's JSON index operator (``groups ->>
'role'`` on PostgreSQL, ``JSON_EXTRACT`` on SQLite). Counts come from the summary rows in
``review_facts`` (``facts.py``: one row per resident and per resident × code, rebuilt when
items or tags change), so no query needs DISTINCT over items joined to tags; quotes still
read the items themselves, newest first, a bounded number per code.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import and_, case, distinct, exists, func, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import ALL_GROUPS, Answer, Code, Geography, Indicator, IndicatorValue, Tag, VoiceItem
from ..models.review import ReviewFact
from .facts import ensure_fresh, resident_key
from .privacy import TOTAL, Cell, Grid

PERIOD = re.compile(r"^(\d{4})(?:-Q([1-4]))?$")


@dataclass(frozen=True)
class Period:
    year: int
    quarter: int | None = None

    @classmethod
    def parse(cls, text: str | None) -> Period | None:
        match = PERIOD.match(text or "")
        if not match:
            return None
        return cls(int(match.group(1)), int(match.group(2)) if match.group(2) else None)

    @property
    def label(self) -> str:
        return f"{self.year}-Q{self.quarter}" if self.quarter else str(self.year)

    @property
    def start(self) -> datetime:
        return datetime(self.year, 1 + 3 * ((self.quarter or 1) - 1), 1, tzinfo=timezone.utc)

    @property
    def end(self) -> datetime:
        if self.quarter is None or self.quarter == 4:
            return datetime(self.year + 1, 1, 1, tzinfo=timezone.utc)
        return datetime(self.year, 1 + 3 * self.quarter, 1, tzinfo=timezone.utc)

    def previous(self) -> Period:
        if self.quarter is None:
            return Period(self.year - 1)
        return Period(self.year - 1, 4) if self.quarter == 1 else Period(self.year, self.quarter - 1)


@dataclass(frozen=True)
class Filters:
    campaign_id: int
    period: Period | None = None
    geography_ids: tuple[int, ...] | None = None
    language: str | None = None
    channel: str | None = None
    group_key: str | None = None
    group_value: str | None = None

    @property
    def narrowed(self) -> bool:
        """True when a filter beyond campaign and period is set (a baseline exists)."""
        return bool(self.geography_ids or self.language or self.channel or (self.group_key and self.group_value))

    def baseline(self) -> Filters:
        return Filters(self.campaign_id, self.period)

    def in_period(self, period: Period | None) -> Filters:
        return replace(self, period=period)


def group_value(key: str):
    return VoiceItem.groups[key].as_string()


def _answers_join(query):
    return query.outerjoin(Answer, and_(VoiceItem.source == "answer", Answer.id == VoiceItem.source_id))


def _where(query, f: Filters):
    query = query.where(VoiceItem.campaign_id == f.campaign_id)
    if f.period is not None:
        query = query.where(VoiceItem.created_at >= f.period.start, VoiceItem.created_at < f.period.end)
    if f.geography_ids:
        query = query.where(VoiceItem.geography_id.in_(f.geography_ids))
    if f.language:
        query = query.where(group_value("language") == f.language)
    if f.channel:
        query = query.where(VoiceItem.channel == f.channel)
    if f.group_key and f.group_value:
        query = query.where(group_value(f.group_key) == f.group_value)
    return query


def _where_facts(query, f: Filters, code_ids=None):
    """Filters on the summary rows: residents (code_ids None) or residents raising ``code_ids``."""
    ensure_fresh(f.campaign_id)
    query = query.where(ReviewFact.campaign_id == f.campaign_id)
    if code_ids is None:
        query = query.where(ReviewFact.code_id.is_(None))
    elif code_ids == "any":
        query = query.where(ReviewFact.code_id.is_not(None))
    else:
        query = query.where(ReviewFact.code_id.in_(list(code_ids)))
    if f.period is not None:
        query = query.where(ReviewFact.created_at >= f.period.start, ReviewFact.created_at < f.period.end)
    if f.geography_ids:
        query = query.where(ReviewFact.geography_id.in_(f.geography_ids))
    if f.language:
        query = query.where(fact_group("language") == f.language)
    if f.channel:
        query = query.where(ReviewFact.channel == f.channel)
    if f.group_key and f.group_value:
        query = query.where(fact_group(f.group_key) == f.group_value)
    return query


def fact_group(key: str):
    return ReviewFact.groups[key].as_string()


def _applying_tags(query, code_ids=None):
    """Join the tags that count: applying, and not rejected by a human coder."""
    rejected = aliased(Tag)
    query = query.join(Tag, Tag.item_id == VoiceItem.id).where(Tag.applies, ~exists().where(
        rejected.item_id == Tag.item_id, rejected.code_id == Tag.code_id, rejected.source == "human",
        ~rejected.applies))
    if code_ids is not None:
        query = query.where(Tag.code_id.in_(list(code_ids)))
    return query


def population(f: Filters) -> int:
    return db.session.scalar(_where_facts(select(func.count()).select_from(ReviewFact), f)) or 0


def code_counts(f: Filters) -> dict[int, int]:
    """Residents raising each code: {code id: residents}."""
    query = _where_facts(select(ReviewFact.code_id, func.count()), f, "any").group_by(ReviewFact.code_id)
    return dict(db.session.execute(query).all())


DIMENSIONS = ("geography", "language", "channel")


def dimension(name: str):
    if name == "geography":
        return ReviewFact.geography_id
    if name == "channel":
        return ReviewFact.channel
    return fact_group(name)  # language and any group key


def _grouped(f: Filters, dims: list, code_ids=None) -> dict[tuple, int]:
    """Residents (raising any of ``code_ids`` when given) by the dimensions.

    A resident raising two of the codes has two rows: with several codes, count DISTINCT keys.
    """
    columns = [dimension(name) if isinstance(name, str) else name for name in dims]
    counter = func.count() if code_ids is None or len(list(code_ids)) <= 1 else func.count(
        distinct(ReviewFact.resident_key))
    query = _where_facts(select(*columns, counter).select_from(ReviewFact), f,
                         None if code_ids is None else list(code_ids))
    if columns:
        query = query.group_by(*columns)
    return {tuple(row[:-1]): row[-1] for row in db.session.execute(query).all()}


def grid(f: Filters, row_dim: str, col_dim: str | None, code_ids=None, memo: dict | None = None) -> Grid:
    """Residents (and those raising ``code_ids``) by two dimensions, with exact margins.

    Margins are counted, not summed, so they are right even where a dimension is missing on
    some residents. Rows and columns are the values seen in the data (None for "not given").
    """
    memo = {} if memo is None else memo  # shared by grids of one request: the same counts are not asked twice

    def counted(dims, codes):
        key = (f, tuple(dims), None if codes is None else tuple(codes))
        if key not in memo:
            memo[key] = _grouped(f, dims, codes) if codes is None or codes else {}
        return memo[key]

    dims_sets = [[row_dim] + ([col_dim] if col_dim else []), [row_dim], [col_dim] if col_dim else None, []]
    denominators, numerators = {}, {}
    for dims in dims_sets:
        if dims is None:
            continue
        denominators[len(dims), tuple(dims)] = counted(dims, None)
        if code_ids is not None:
            numerators[len(dims), tuple(dims)] = counted(dims, list(code_ids))
    full = tuple([row_dim] + ([col_dim] if col_dim else []))
    rows = sorted({key[0] for key in denominators[len(full), full]}, key=_sort_key)
    cols = sorted({key[1] for key in denominators[len(full), full]}, key=_sort_key) if col_dim else []
    result = Grid(rows=rows, cols=cols)

    def put(key, dims, lookup):
        count = denominators[len(dims), dims].get(lookup, 0)
        hits = numerators[len(dims), dims].get(lookup, 0) if code_ids is not None else None
        result.cells[key] = Cell(count, hits)

    for row in rows:
        for col in cols:
            put((row, col), full, (row, col))
        put((row, TOTAL), (row_dim,), (row,))
    for col in cols:
        put((TOTAL, col), (col_dim,), (col,))
    put((TOTAL, TOTAL), (), ())
    return result


def breakdown_by(f: Filters, expression) -> tuple[dict[Any, int], dict[tuple[int, Any], int]]:
    """Residents by one expression, and residents raising each code by it: two GROUP BYs."""
    residents = {key[0]: count for key, count in _grouped(f, [expression]).items()}
    query = _where_facts(select(ReviewFact.code_id, expression, func.count()), f, "any")
    query = query.group_by(ReviewFact.code_id, expression)
    return residents, {(code_id, value): count for code_id, value, count in db.session.execute(query).all()}


def sibling_expression(geography: Geography):
    """Each resident's geography mapped to the one at ``geography``'s level containing it (-1: none)."""
    siblings = list(db.session.scalars(select(Geography).where(Geography.level == geography.level)))
    whens = [(ReviewFact.geography_id.in_(geography_ids_under(sibling)), sibling.id) for sibling in siblings]
    return case(*whens, else_=-1)


def _sort_key(value: Any):
    return (value is None, str(value))


def item_bounds(campaign_id: int) -> tuple[datetime | None, datetime | None]:
    return tuple(db.session.execute(select(func.min(VoiceItem.created_at), func.max(VoiceItem.created_at))
                                    .where(VoiceItem.campaign_id == campaign_id)).one())


def periods(campaign_id: int) -> list[Period]:
    """The years the campaign's items fall in, newest first."""
    first, last = item_bounds(campaign_id)
    if first is None:
        return []
    return [Period(year) for year in range(last.year, first.year - 1, -1)]


def channels(campaign_id: int) -> list[str]:
    return list(db.session.scalars(select(VoiceItem.channel).where(VoiceItem.campaign_id == campaign_id)
                                   .group_by(VoiceItem.channel).order_by(VoiceItem.channel)))


def geography_ids_under(geography: Geography) -> tuple[int, ...]:
    """The geography and every geography inside it (the table is small: walk it in memory)."""
    children: dict[int | None, list[int]] = {}
    for gid, parent in db.session.execute(select(Geography.id, Geography.parent_id)).all():
        children.setdefault(parent, []).append(gid)
    found, todo = [], [geography.id]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return tuple(sorted(found))


def codes_by_id() -> dict[int, Code]:
    return {code.id: code for code in db.session.scalars(select(Code))}


def quote_candidates(f: Filters, code_id: int, limit: int = 24) -> list[tuple[int, str, str]]:
    """Newest redacted texts carrying a code in the filtered population: (item id, text, language)."""
    query = select(VoiceItem.id, VoiceItem.redacted_text, VoiceItem.language).select_from(VoiceItem)
    query = _applying_tags(_where(query, f), [code_id]).where(VoiceItem.redacted_text.is_not(None))
    query = query.order_by(VoiceItem.created_at.desc(), VoiceItem.id.desc()).limit(limit)
    return [tuple(row) for row in db.session.execute(query).all()]


# ---------------------------------------------------------------- indicators

def indicator_values(indicator: Indicator, geography_ids: tuple[int, ...] | None = None,
                     group_key: str | None = None) -> list[IndicatorValue]:
    query = select(IndicatorValue).where(IndicatorValue.indicator_id == indicator.id)
    if geography_ids:
        query = query.where(IndicatorValue.geography_id.in_(geography_ids))
    if group_key:
        query = query.where(IndicatorValue.group_key.in_((ALL_GROUPS, group_key)))
    return list(db.session.scalars(query))


def indicator_periods(indicator: Indicator) -> list[str]:
    return sorted(db.session.scalars(select(IndicatorValue.period).where(IndicatorValue.indicator_id == indicator.id)
                                     .group_by(IndicatorValue.period)))


def indicator_group_keys(indicator: Indicator) -> list[str]:
    return sorted(db.session.scalars(select(IndicatorValue.group_key).where(
        IndicatorValue.indicator_id == indicator.id, IndicatorValue.group_key != ALL_GROUPS)
        .group_by(IndicatorValue.group_key)))


def matching_period(available: list[str], period: Period | None) -> str | None:
    """The latest indicator period that starts no later than the selected one."""
    if not available:
        return None
    if period is None:
        return available[-1]
    eligible = [p for p in available if int(p[:4]) <= period.year]
    return eligible[-1] if eligible else available[0]


def linked_code_ids(indicator: Indicator, kind: str | None = None) -> list[int]:
    query = select(Code.id).where(Code.key.in_(indicator.linked_codes or []))
    if kind:
        query = query.where(Code.kind == kind)
    return list(db.session.scalars(query))

