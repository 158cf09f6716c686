"""The summary tables behind the committee's figures, kept up to date by whatever writes.

``ReviewFact``: one row per resident (code_id NULL) with the dimensions the dashboard filters
on, and one per resident and code they raised (applying tags not rejected by a human coder,
as in ``aggregates``); each row keeps the item it was read from, the resident's quote for that
code. ``ReviewCube``: those rows counted by quarter, place, channel, language and code, once
for everyone and once per other group key of the campaign, plus the residents raising any code
of each set an indicator is linked to (sets are counted once per resident, so they cannot be
summed from single codes). A dashboard request only reads: it sums cube rows.

**Incremental upkeep.** Every transaction that writes voice items or tags (intake, the tagging
job, a coder's decision) records the items it touched; just before it commits, the residents
of those items get their fact rows rewritten, and the cube cells they were counted in before
and are counted in now are adjusted by the difference (``residents = residents + delta``, so
concurrent writers never lose a count; a cell that reaches 0 stays as a 0 until the next full
rebuild). Each resident is counted in a cell independently of the others, so the sums equal
a full rebuild's. A change of an indicator's links or of a code adds the code sets the cube
lacks. The first write of a campaign with no summaries yet builds them whole.

**Full rebuild** only on an admin's command (``voice review rebuild``), e.g. after restoring a
backup or loading data behind the application's back.
"""
from __future__ import annotations

import json
from collections import Counter
from datetime import timezone
from itertools import chain

from flask import Flask, has_app_context
from sqlalchemy import (Integer, String, and_, bindparam, case, cast, delete, distinct, event, exists, extract, func,
                        insert, literal, null, select, text, union, update)
from sqlalchemy.orm import Session, aliased

from ..extensions import db
from ..models import Answer, Campaign, Code, Indicator, Tag, VoiceItem
from ..models.base import as_utc, utcnow
from ..models.review import ReviewCube, ReviewFact, ReviewFactState

TOUCHED_ITEMS = "review.touched_items"  # session.info: ids of items written in this transaction
LINKS_CHANGED = "review.links_changed"  # session.info: an indicator or a code was written
CHUNK = 500  # ids per IN list


def init_app(app: Flask) -> None:
    """Listen to every session's flushes and commits (once per process, whatever the app)."""
    for name, listener in (("after_flush", _note_writes), ("before_commit", _update_before_commit),
                           ("after_rollback", _forget_writes)):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


def _note_writes(session: Session, _context) -> None:
    touched = session.info.setdefault(TOUCHED_ITEMS, set())
    for instance in chain(session.new, session.dirty, session.deleted):
        if isinstance(instance, VoiceItem):
            touched.add(instance.id)
        elif isinstance(instance, Tag):
            touched.add(instance.item_id)
        elif isinstance(instance, (Indicator, Code)):
            session.info[LINKS_CHANGED] = True


def _forget_writes(session: Session) -> None:
    session.info.pop(TOUCHED_ITEMS, None)
    session.info.pop(LINKS_CHANGED, None)


def _update_before_commit(session: Session) -> None:
    if not has_app_context() or session is not db.session():
        return
    session.flush()  # what is still pending is part of this transaction's changes
    touched = session.info.pop(TOUCHED_ITEMS, None)
    if touched:
        update_items(touched)
    if session.info.pop(LINKS_CHANGED, False):
        for campaign_id in db.session.scalars(select(ReviewFactState.campaign_id)):
            add_code_sets(campaign_id, indicator_code_sets())


def resident_key():
    """2 x response id for answers, 2 x comment id + 1 for comments: one key per resident
    (an answer item whose answer row is gone counts as its own resident, with a negative key)."""
    return case((and_(VoiceItem.source == "answer", Answer.response_id.is_not(None)), Answer.response_id * 2),
                (VoiceItem.source == "answer", -VoiceItem.source_id), else_=VoiceItem.source_id * 2 + 1)


def _with_answers(query):
    return query.outerjoin(Answer, and_(VoiceItem.source == "answer", Answer.id == VoiceItem.source_id))


def code_key(code_ids) -> str | None:
    """The cube's key for residents raising any of ``code_ids`` (None when there are none)."""
    ids = sorted({int(i) for i in code_ids})
    return ",".join(map(str, ids)) if ids else None


def linked_code_ids(indicator: Indicator, kind: str | None = None) -> list[int]:
    query = select(Code.id).where(Code.key.in_(indicator.linked_codes or []))
    if kind:
        query = query.where(Code.kind == kind)
    return list(db.session.scalars(query))


def indicator_code_sets() -> set[str]:
    """Keys of the code sets the joined view asks for: each indicator's links, and their barriers."""
    keys = set()
    for indicator in db.session.scalars(select(Indicator)):
        for ids in (linked_code_ids(indicator), linked_code_ids(indicator, "barrier")):
            if len(ids) > 1:
                keys.add(code_key(ids))
    return keys


def _lock(campaign_id: int, *, shared: bool = False) -> None:
    """Serialise a rebuild of one campaign against everything else that writes its summaries
    (incremental updates share the lock with each other); PostgreSQL only, SQLite has one writer.
    Quarters are UTC, like periods: the transaction's time zone is set in the same round trip."""
    if db.engine.dialect.name == "postgresql":
        function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
        db.session.execute(text(f"SELECT {function}(7202, :campaign), set_config('TimeZone', 'UTC', true)"),
                           {"campaign": campaign_id})


def rebuild(campaign_id: int) -> None:
    """Rebuild a campaign's summaries from its items and tags (an admin's command), committed."""
    db.session.commit()  # start a fresh transaction, so that what the lock waited for is visible
    _lock(campaign_id)
    _build(campaign_id)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE review_facts, review_cube"))  # fresh statistics for the planner
        db.session.commit()


def _build(campaign_id: int) -> None:
    db.session.execute(delete(ReviewCube).where(ReviewCube.campaign_id == campaign_id))
    db.session.execute(delete(ReviewFact).where(ReviewFact.campaign_id == campaign_id))
    _insert_residents(campaign_id)
    _insert_resident_codes(campaign_id)
    code_sets = sorted(indicator_code_sets())
    for query in _cube_queries(campaign_id, code_sets):
        db.session.execute(insert(ReviewCube).from_select(CUBE_COLUMNS, query))
    state = db.session.get(ReviewFactState, campaign_id, populate_existing=True)
    state = state or ReviewFactState(campaign_id=campaign_id)
    state.built_at, state.code_sets = utcnow(), code_sets
    state.options = ReviewCube.filter_options(campaign_id)
    db.session.add(state)
    db.session.flush()


def update_items(item_ids) -> None:
    """Bring the summaries up to date for the residents of these items (in the caller's transaction)."""
    ids = sorted(item_ids)
    keys: dict[int, set[int]] = {}
    for start in range(0, len(ids), CHUNK):
        query = _with_answers(select(VoiceItem.campaign_id, resident_key()).select_from(VoiceItem))
        for campaign_id, key in db.session.execute(query.where(VoiceItem.id.in_(ids[start:start + CHUNK]))):
            keys.setdefault(campaign_id, set()).add(key)
    for campaign_id, residents in sorted(keys.items()):
        update_residents(campaign_id, residents)


def update_residents(campaign_id: int, keys: set[int]) -> None:
    """Rewrite these residents' fact rows and move their counts in the cube (a first write of a
    campaign with no summaries builds them whole)."""
    if db.session.get(ReviewFactState, campaign_id) is None:
        _lock(campaign_id)
        if db.session.get(ReviewFactState, campaign_id, populate_existing=True) is None:
            _build(campaign_id)
            return
    _lock(campaign_id, shared=True)
    state = db.session.get(ReviewFactState, campaign_id, populate_existing=True)
    slices = _slices(campaign_id)
    keys = sorted(keys)
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start:start + CHUNK]
        before = _cells(_fact_rows(campaign_id, chunk), slices, state.code_sets)
        if before:
            db.session.execute(delete(ReviewFact).where(ReviewFact.campaign_id == campaign_id,
                                                        ReviewFact.resident_key.in_(chunk)))
        items = _items_of(chunk)
        _insert_residents(campaign_id, items)
        _insert_resident_codes(campaign_id, items)
        after = _cells(_fact_rows(campaign_id, chunk), slices, state.code_sets)
        _add_to_cube(campaign_id, _difference(after, before))
        _widen_options(state, after)


def _fact_rows(campaign_id: int, residents: list[int]) -> list:
    return db.session.execute(select(ReviewFact.resident_key, ReviewFact.code_id, ReviewFact.created_at,
                                     ReviewFact.geography_id, ReviewFact.channel, ReviewFact.groups)
                              .where(ReviewFact.campaign_id == campaign_id,
                                     ReviewFact.resident_key.in_(residents))).all()


def _cells(rows, slices: list[str], code_sets: list[str]) -> Counter:
    """What these fact rows count in each cube cell (CELL_COLUMNS), as ``_cube_queries`` counts
    them: one per row for residents and single codes, distinct residents for code sets."""
    counts: Counter = Counter()
    sets = [(key, {int(i) for i in key.split(",")}) for key in code_sets]
    in_set: dict[tuple, set[int]] = {}
    for resident, code_id, created_at, geography_id, channel, groups in rows:
        moment = as_utc(created_at).astimezone(timezone.utc)
        quarter = moment.year * 4 + (moment.month - 1) // 3
        groups = groups or {}
        language = _as_text(groups.get("language"))
        for group_key in slices:
            place = (geography_id, channel, language, group_key, _as_text(groups.get(group_key)) if group_key else None)
            counts[(quarter, "" if code_id is None else str(code_id), *place)] += 1
            for key, ids in sets:
                if code_id in ids:
                    in_set.setdefault((quarter, key, *place), set()).add(resident)
    counts.update({cell: len(residents) for cell, residents in in_set.items()})
    return counts


def _as_text(value) -> str | None:
    """A JSON value as the database's ->> gives it (text, or None for null and absent)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)


def _difference(after: Counter, before: Counter) -> Counter:
    """after - before, negative counts kept (a resident who left a cell)."""
    result = Counter(after)
    result.subtract(before)
    return result


def _items_of(keys: list[int]):
    """The ids of every item of these residents, as a subquery (index-friendly parts)."""
    responses = [key // 2 for key in keys if key >= 0 and key % 2 == 0]
    comments = [(key - 1) // 2 for key in keys if key > 0 and key % 2 == 1]
    orphans = [-key for key in keys if key < 0]
    parts = [select(VoiceItem.id).join(Answer, and_(VoiceItem.source == "answer", Answer.id == VoiceItem.source_id))
             .where(Answer.response_id.in_(responses)),
             select(VoiceItem.id).where(VoiceItem.source == "comment", VoiceItem.source_id.in_(comments)),
             select(VoiceItem.id).where(VoiceItem.source == "answer", VoiceItem.source_id.in_(orphans),
                                        ~exists().where(Answer.id == VoiceItem.source_id))]
    return union(*parts).subquery()


FACT_COLUMNS = ["campaign_id", "resident_key", "code_id", "created_at", "geography_id", "channel", "groups",
                "item_id"]


def _insert_residents(campaign_id: int, items=None) -> None:
    """One fact row per resident, with the dimensions of their first item (``items``: a subquery
    of item ids, for some residents only)."""
    rk = resident_key().label("rk")
    ranked = _with_answers(select(rk, VoiceItem.created_at, VoiceItem.geography_id, VoiceItem.channel,
                                  VoiceItem.groups, VoiceItem.id,
                                  func.row_number().over(partition_by=rk, order_by=VoiceItem.id).label("rn"))
                           .select_from(VoiceItem)).where(VoiceItem.campaign_id == campaign_id)
    if items is not None:
        ranked = ranked.where(VoiceItem.id.in_(select(items.c.id)))
    ranked = ranked.subquery()
    db.session.execute(insert(ReviewFact).from_select(FACT_COLUMNS, select(
        literal(campaign_id), ranked.c.rk, null(), ranked.c.created_at, ranked.c.geography_id, ranked.c.channel,
        ranked.c.groups, ranked.c.id).where(ranked.c.rn == 1)))


def tag_counts():
    """The condition of a tag that counts: applying, and not rejected by a human coder."""
    rejected = aliased(Tag)
    return and_(Tag.applies, ~exists().where(rejected.item_id == Tag.item_id, rejected.code_id == Tag.code_id,
                                             rejected.source == "human", ~rejected.applies))


def _insert_resident_codes(campaign_id: int, items=None) -> None:
    """Resident x code rows in one pass: each pair's first item gives the resident's dimensions
    (all items of a resident share them) and the quote, no self-join."""
    key_expression = resident_key()  # one object: PostgreSQL must see the same expression twice
    pairs = (_with_answers(select(key_expression.label("rk"), Tag.code_id, VoiceItem.created_at,
                                  VoiceItem.geography_id, VoiceItem.channel, VoiceItem.groups, VoiceItem.id,
                                  func.row_number().over(partition_by=(key_expression, Tag.code_id),
                                                         order_by=VoiceItem.id).label("rn"))
                           .select_from(VoiceItem))
             .join(Tag, Tag.item_id == VoiceItem.id)
             .where(VoiceItem.campaign_id == campaign_id, tag_counts()))
    if items is not None:
        pairs = pairs.where(VoiceItem.id.in_(select(items.c.id)))
    pairs = pairs.subquery()
    db.session.execute(insert(ReviewFact).from_select(FACT_COLUMNS, select(
        literal(campaign_id), pairs.c.rk, pairs.c.code_id, pairs.c.created_at, pairs.c.geography_id,
        pairs.c.channel, pairs.c.groups, pairs.c.id).where(pairs.c.rn == 1)))


def quarter_of(column):
    """year x 4 + quarter - 1, the cube's time bucket."""
    return cast(extract("year", column), Integer) * 4 + (cast(extract("month", column), Integer) - 1) // 3


CELL_COLUMNS = ["quarter", "code_key", "geography_id", "channel", "language", "group_key", "group_value"]
CUBE_COLUMNS = ["campaign_id", *CELL_COLUMNS, "residents"]


def _slices(campaign_id: int) -> list[str]:
    """The cube's group keys: "" (everyone once), then each other group key of the campaign."""
    campaign = db.session.get(Campaign, campaign_id)
    return [""] + [key for key in (campaign.group_keys or []) if key != "language"]


def _cube_queries(campaign_id: int, code_sets: list[str], *, singles: bool = True):
    """The SELECTs counting fact rows into cube rows (CUBE_COLUMNS): every resident and single
    code, and each code set."""
    slices = _slices(campaign_id)
    facts = ReviewFact.__table__.c
    plans = [(func.coalesce(cast(facts.code_id, String), ""), func.count(), None)] if singles else []
    plans += [(literal(key), func.count(distinct(facts.resident_key)), [int(i) for i in key.split(",")])
              for key in code_sets]
    for group_key in slices:
        # One object per expression: PostgreSQL must see the same bind parameters in GROUP BY.
        quarter, language = quarter_of(facts.created_at), facts.groups["language"].as_string()
        group_value = facts.groups[group_key].as_string() if group_key else null()
        for key_expression, counter, ids in plans:
            query = select(literal(campaign_id), quarter, key_expression, facts.geography_id, facts.channel, language,
                           literal(group_key), group_value, counter).where(facts.campaign_id == campaign_id)
            grouping = [quarter, facts.geography_id, facts.channel, language] + ([group_value] if group_key else [])
            if ids is None:
                grouping.append(facts.code_id)
            else:
                query = query.where(facts.code_id.in_(ids))
            yield query.group_by(*grouping)


def _add_to_cube(campaign_id: int, delta: Counter) -> None:
    """Add each cell's change to its cube row, or insert the row (relative updates: concurrent
    writers add up; a cell inserted twice at once is two rows, which every reader sums)."""
    delta = {cell: count for cell, count in delta.items() if count}
    if not delta:
        return
    cells = list(zip(*delta))
    found: dict[tuple, int] = {}
    query = select(ReviewCube.id, *(getattr(ReviewCube, name) for name in CELL_COLUMNS)).where(
        ReviewCube.campaign_id == campaign_id, ReviewCube.quarter.in_(set(cells[0])),
        ReviewCube.code_key.in_(set(cells[1])), ReviewCube.group_key.in_(set(cells[5])))
    for row in db.session.execute(query):
        found.setdefault(tuple(row[1:]), row[0])
    changes = [{"cube_id": found[cell], "change": count} for cell, count in delta.items() if cell in found]
    if changes:
        db.session.execute(update(ReviewCube.__table__).where(ReviewCube.__table__.c.id == bindparam("cube_id"))
                           .values(residents=ReviewCube.__table__.c.residents + bindparam("change")), changes)
    new = [dict(zip(CUBE_COLUMNS, (campaign_id, *cell, count))) for cell, count in delta.items() if cell not in found]
    if new:
        db.session.execute(insert(ReviewCube.__table__), new)


def _widen_options(state: ReviewFactState, counts: Counter) -> None:
    """Add what these residents bring to the filters' choices (a full rebuild also drops what
    nobody has any more)."""
    options = state.options or {}
    quarters, channels = list(options.get("quarters") or []), set(options.get("channels", []))
    groups = {key: set(values) for key, values in options.get("groups", {}).items()}
    for (quarter, key, _place, channel, _language, group_key, value), count in counts.items():
        if key != "" or count <= 0:
            continue
        if group_key == "":
            quarters = [min(quarters[0], quarter), max(quarters[1], quarter)] if quarters else [quarter, quarter]
            channels.add(channel)
        elif value:
            groups.setdefault(group_key, set()).add(value)
    widened = {"quarters": quarters, "channels": sorted(channels),
               "groups": {key: sorted(values) for key, values in groups.items()}}
    if widened != options:
        state.options = widened


def add_code_sets(campaign_id: int, keys: set[str]) -> None:
    """Count these code sets into the cube if it lacks them (an indicator newly linked)."""
    state = db.session.get(ReviewFactState, campaign_id)
    missing = sorted(keys - set(state.code_sets or []))
    if not missing:
        return
    _lock(campaign_id)
    for query in _cube_queries(campaign_id, missing, singles=False):
        db.session.execute(insert(ReviewCube).from_select(CUBE_COLUMNS, query))
    state.code_sets = sorted(set(state.code_sets or []) | set(missing))
