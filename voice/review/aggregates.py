"""The committee's figures, computed by the database with GROUP BY: items are never loaded.

**Residents.** A resident is one survey response or one listening-session comment: a
response's several open answers count once, so a share is "the share of residents who
raised X", not of texts. The resident key is ``2 × response id`` for answers and
``2 × comment id + 1`` for comments, counted DISTINCT.

**Raising a code.** A resident raised a code when any of their items carries an applying tag
for it (rule, model or human) and no human coder rejected that code for that item: human
tags outrank machine tags.

**Period.** A year (``2025``) or a quarter (``2025-Q3``) of the items' ``created_at``; the
previous period is the one just before, of the same length.

Counts come from the cube (``facts.py``: residents by quarter, place, channel, language,
one other group key and code, rebuilt when items or tags change). ``tally`` sums it by the
dimensions asked for; every margin is then a sum, which is exact because each resident has
exactly one value of each dimension (None included). A request asks the cube once or twice;
quotes still read the items themselves, newest first, a bounded number per code.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any, Iterable

from sqlalchemy import case, exists, func, literal, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import Code, Geography, Tag, VoiceItem
from ..models.review import ReviewCube, ReviewFactState
from .facts import code_key, ensure_code_sets, ensure_fresh
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

    @property
    def quarters(self) -> range:
        """The cube's time buckets (year x 4 + quarter - 1) the period covers."""
        first = self.year * 4 + (self.quarter or 1) - 1
        return range(first, first + (1 if self.quarter else 4))

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


def _applying_tags(query, code_ids=None):
    """Join the tags that count: applying, and not rejected by a human coder."""
    rejected = aliased(Tag)
    query = query.join(Tag, Tag.item_id == VoiceItem.id).where(Tag.applies, ~exists().where(
        rejected.item_id == Tag.item_id, rejected.code_id == Tag.code_id, rejected.source == "human",
        ~rejected.applies))
    if code_ids is not None:
        query = query.where(Tag.code_id.in_(list(code_ids)))
    return query


RESIDENTS = ""  # the cube's code key for every resident
COLUMNS = {"quarter": ReviewCube.quarter, "geography": ReviewCube.geography_id, "channel": ReviewCube.channel,
           "language": ReviewCube.language}  # any other dimension is a group key


def tally(f: Filters, dims: Iterable[str] = (), code_keys: Iterable[str | None] | None = None, *,
          quarters: range | None = None, buckets: dict[str, dict] | None = None) -> dict[tuple, int]:
    """Residents by (code key, *dimension values) in the filtered population, summed from the cube.

    ``dims``: "quarter", "geography", "channel", "language" or one group key. ``code_keys``:
    None for residents and every single code (by id, as text), else residents and these keys
    (``facts.code_key``). ``quarters`` replaces the filters' period (a span of several).
    ``buckets`` maps a dimension's values to coarser ones in the database ({dim: {value:
    bucket}}, -1 for values not mapped), so that fewer rows come back.
    """
    dims = tuple(dims)
    ensure_fresh(f.campaign_id)
    keys = None if code_keys is None else {key for key in code_keys if key}
    if keys and any("," in key for key in keys):
        ensure_code_sets(f.campaign_id, {key for key in keys if "," in key})
    split_by = {dim for dim in dims if dim not in COLUMNS} | ({f.group_key} if f.group_key and f.group_value else set())
    if len(split_by) > 1:
        raise ValueError(f"the cube splits residents by one group key at a time, not {sorted(split_by)}")
    columns = [_bucketed(COLUMNS.get(dim, ReviewCube.group_value), (buckets or {}).get(dim)) for dim in dims]
    query = select(ReviewCube.code_key, *columns, func.sum(ReviewCube.residents)).where(
        ReviewCube.campaign_id == f.campaign_id, ReviewCube.group_key == next(iter(split_by), ""))
    if keys is not None:
        query = query.where(ReviewCube.code_key.in_([RESIDENTS, *sorted(keys)]))
    quarters = quarters if quarters is not None else (f.period.quarters if f.period else None)
    if quarters is not None:
        query = query.where(ReviewCube.quarter >= quarters.start, ReviewCube.quarter < quarters.stop)
    if f.geography_ids:
        query = query.where(ReviewCube.geography_id.in_(f.geography_ids))
    if f.language:
        query = query.where(ReviewCube.language == f.language)
    if f.channel:
        query = query.where(ReviewCube.channel == f.channel)
    if f.group_key and f.group_value:
        query = query.where(ReviewCube.group_value == f.group_value)
    query = query.group_by(ReviewCube.code_key, *columns)
    return {tuple(row[:-1]): int(row[-1]) for row in db.session.execute(query).all()}


def _bucketed(column, mapping: dict | None):
    if mapping is None:
        return column
    return case(mapping, value=column, else_=-1) if mapping else literal(-1)


def population(f: Filters) -> int:
    return tally(f, (), ()).get((RESIDENTS,), 0)


def code_counts(f: Filters) -> dict[int, int]:
    """Residents raising each code: {code id: residents}."""
    return single_codes(tally(f))


def single_codes(table: dict[tuple, int]) -> dict[int, int]:
    """Residents by single code from rows keyed (code key, ...), summed over the other keys
    (the residents' row and code sets left out)."""
    counts: dict[int, int] = {}
    for (key, *_rest), count in table.items():
        if key and "," not in key:
            counts[int(key)] = counts.get(int(key), 0) + count
    return counts


def grid_from(table: dict[tuple, int], *, cols: bool, hits_key: str | None = None, hits: bool = True,
              all_rows: Iterable = (), all_cols: Iterable = ()) -> Grid:
    """A ``tally`` by (row[, column]) as a Grid of residents, with those raising ``hits_key``
    (no numerator when ``hits`` is False; zero everywhere when ``hits_key`` is None). Without
    ``cols``, any dimension after the row is summed over. ``all_rows`` and ``all_cols``: the
    values a view may show although nobody has them (the cube has no row for them); they are
    cells of 0, hidden and protected like any small count, so that the total minus the shown
    cells cannot reveal "nobody here"."""
    counts, raised = Counter(), Counter()
    for (key, row, *rest), count in table.items():
        target = counts if key == RESIDENTS else raised if key == hits_key else None
        if target is None:
            continue
        col = rest[0] if cols else TOTAL
        for cell in {(row, col), (row, TOTAL), (TOTAL, col), (TOTAL, TOTAL)}:
            target[cell] += count
    rows = sorted({row for row, _ in counts if row != TOTAL} | set(all_rows), key=_sort_key)
    columns = sorted({col for _, col in counts if col != TOTAL} | set(all_cols), key=_sort_key) if cols else []
    result = Grid(rows=rows, cols=columns)
    for row in rows + [TOTAL]:
        for col in columns + [TOTAL]:
            result.cells[row, col] = Cell(counts[row, col], raised[row, col] if hits else None)
    return result


def grid(f: Filters, row_dim: str, col_dim: str | None, code_ids=None) -> Grid:
    """Residents (and those raising any of ``code_ids``) by two dimensions, with exact margins.

    Rows and columns are the values seen in the data (None for "not given")."""
    key = None if code_ids is None else code_key(code_ids)
    table = tally(f, [row_dim] + ([col_dim] if col_dim else []), [key] if key else [])
    return grid_from(table, cols=bool(col_dim), hits_key=key, hits=code_ids is not None)


@dataclass(frozen=True)
class Lift:
    """A narrowing filter lifted off the query, so that the same rows also give the figures of
    its neighbours (the other places, languages, channels or group values)."""
    dim: str  # "geography", "language", "channel" or the group key
    selected: Any
    mapping: dict | None = None  # geography: each place -> the sibling of the selected one holding it (-1: none)
    values: tuple = ()  # every value the filter offers, residents or not (a place with nobody is a 0, not absent)


def lifts(f: Filters, geography: Geography | None, languages: Iterable[str] = ()) -> tuple[Filters, list[Lift]]:
    """The filters without their narrowing ones, and those as lifts (the geography only when
    known); ``languages``: the campaign's."""
    found = []
    if f.geography_ids and geography is not None:
        mapping = sibling_mapping(geography)
        found.append(Lift("geography", geography.id, mapping, tuple(sorted(set(mapping.values())))))
        f = replace(f, geography_ids=None)
    if f.language:
        found.append(Lift("language", f.language, values=tuple(languages)))
        f = replace(f, language=None)
    if f.channel:
        found.append(Lift("channel", f.channel, values=tuple(channels(f.campaign_id))))
        f = replace(f, channel=None)
    if f.group_key and f.group_value:
        found.append(Lift(f.group_key, f.group_value, values=tuple(group_values(f.campaign_id, f.group_key))))
        f = replace(f, group_key=None, group_value=None)
    return f, found


def lifted_tally(f: Filters, found: list[Lift], periods: list[Period]) -> dict[tuple, int]:
    """Residents by (index of their period in ``periods``, code key, *lifted values), places
    mapped to the selected one's siblings. With no periods, everyone is in period 0."""
    buckets = {lift.dim: lift.mapping for lift in found if lift.mapping is not None}
    dims = [lift.dim for lift in found]
    span = None
    if periods:
        buckets["quarter"] = {quarter: index for index, period in enumerate(periods) for quarter in period.quarters}
        span = range(min(buckets["quarter"]), max(buckets["quarter"]) + 1)
        dims.insert(0, "quarter")
    table = tally(f, dims, quarters=span, buckets=buckets)
    if periods:
        return {(index, key, *values): count for (key, index, *values), count in table.items()}
    return {(0, key, *values): count for (key, *values), count in table.items()}


def select_lifted(table: dict[tuple, int], found: list[Lift], period: int, free: int | None = None) -> Counter:
    """Residents of period ``period`` (an index) by (code key, value of lift ``free``) with
    every other lift at its selected value (value None when ``free`` is None: the fully
    filtered population)."""
    result: Counter = Counter()
    for (index, key, *values), count in table.items():
        if index != period:
            continue
        if all(value == lift.selected for i, (lift, value) in enumerate(zip(found, values)) if i != free):
            result[key, None if free is None else values[free]] += count
    return result


def sibling_mapping(geography: Geography) -> dict[int, int]:
    """Every place inside one of ``geography``'s siblings (same level) -> that sibling's id."""
    children: dict[int | None, list[int]] = {}
    siblings = []
    for gid, parent, level in db.session.execute(select(Geography.id, Geography.parent_id, Geography.level)).all():
        children.setdefault(parent, []).append(gid)
        if level == geography.level:
            siblings.append(gid)
    mapping = {}
    for sibling in siblings:
        for gid in _under(sibling, children):
            mapping.setdefault(gid, sibling)
    return mapping


def _sort_key(value: Any):
    return (value is None, str(value))


def _options(campaign_id: int) -> dict:
    ensure_fresh(campaign_id)
    state = db.session.get(ReviewFactState, campaign_id)
    return (state.options if state is not None else None) or {}


def periods(campaign_id: int) -> list[Period]:
    """The years the campaign's residents fall in, newest first."""
    quarters = _options(campaign_id).get("quarters")
    if not quarters:
        return []
    return [Period(year) for year in range(quarters[1] // 4, quarters[0] // 4 - 1, -1)]


def channels(campaign_id: int) -> list[str]:
    return list(_options(campaign_id).get("channels", []))


def group_values(campaign_id: int, key: str) -> list[str]:
    """The values residents gave for a group key (a filter's choices)."""
    return list(_options(campaign_id).get("groups", {}).get(key, []))


def geography_ids_under(geography: Geography) -> tuple[int, ...]:
    """The geography and every geography inside it (the table is small: walk it in memory)."""
    children: dict[int | None, list[int]] = {}
    for gid, parent in db.session.execute(select(Geography.id, Geography.parent_id)).all():
        children.setdefault(parent, []).append(gid)
    return tuple(sorted(_under(geography.id, children)))


def _under(root: int, children: dict[int | None, list[int]]) -> list[int]:
    found, todo = [], [root]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def codes_by_id() -> dict[int, Code]:
    return {code.id: code for code in db.session.scalars(select(Code))}


def codes_of_items(item_ids: Iterable[int]) -> dict[int, list[str]]:
    """The keys of the codes each item carries (the tags that count), for the quotes' labels."""
    query = _applying_tags(select(VoiceItem.id, Code.key).select_from(VoiceItem)).join(Code, Code.id == Tag.code_id)
    query = query.where(VoiceItem.id.in_(list(item_ids))).order_by(Code.key).distinct()
    found: dict[int, list[str]] = {}
    for item_id, key in db.session.execute(query).all():
        found.setdefault(item_id, []).append(key)
    return found


def quote_candidates(f: Filters, code_id: int, limit: int = 24) -> list[tuple[int, str, str]]:
    """Newest redacted texts carrying a code in the filtered population: (item id, text, language)."""
    query = select(VoiceItem.id, VoiceItem.redacted_text, VoiceItem.language).select_from(VoiceItem)
    query = _applying_tags(_where(query, f), [code_id]).where(VoiceItem.redacted_text.is_not(None))
    query = query.order_by(VoiceItem.created_at.desc(), VoiceItem.id.desc()).limit(limit)
    return [tuple(row) for row in db.session.execute(query).all()]
