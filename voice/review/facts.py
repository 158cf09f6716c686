"""The summary tables behind the committee's figures, rebuilt when stale.

``ReviewFact``: one row per resident (code_id NULL) with the dimensions the dashboard filters
on, and one per resident and code they raised (applying tags not rejected by a human coder,
as in ``aggregates``). ``ReviewCube``: those rows counted by quarter, place, channel,
language and code, once for everyone and once per other group key of the campaign, plus the
residents raising any code of each set an indicator is linked to (sets are counted once per
resident, so they cannot be summed from single codes). A dashboard request sums cube rows.

Staleness: a fingerprint of the campaign's items, the tags, the codes and the indicators'
links. Each app checks it at most every ``REVIEW_FRESHNESS_SECONDS`` (a config key), so a
dashboard may lag a tagging run or a coder's decision by that long. The tagging job rebuilds
at its end, so the committee seldom waits for a rebuild.
"""
from __future__ import annotations

import hashlib
import time

from flask import Flask, current_app
from sqlalchemy import (Integer, String, and_, case, cast, delete, distinct, exists, extract, func, insert, literal,
                        null, select, text)
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import Answer, Campaign, Code, Indicator, Tag, VoiceItem
from ..models.base import utcnow
from ..models.review import ReviewCube, ReviewFact, ReviewFactState

FRESHNESS_CHECKS = "review.freshness_checks"


def init_app(app: Flask) -> None:
    app.extensions[FRESHNESS_CHECKS] = {}  # campaign id -> when this app last compared its fingerprint


def resident_key():
    """2 x response id for answers, 2 x comment id + 1 for comments: one key per resident
    (an answer item whose answer row is gone counts as its own resident, with a negative key)."""
    return case((and_(VoiceItem.source == "answer", Answer.response_id.is_not(None)), Answer.response_id * 2),
                (VoiceItem.source == "answer", -VoiceItem.source_id), else_=VoiceItem.source_id * 2 + 1)


def fingerprint(campaign_id: int) -> str:
    items = db.session.execute(select(func.count(VoiceItem.id), func.max(VoiceItem.id), func.max(VoiceItem.tagged_at))
                               .where(VoiceItem.campaign_id == campaign_id)).one()
    tags = db.session.execute(select(func.count(Tag.id), func.max(Tag.id),
                                     func.count(Tag.id).filter(Tag.applies))).one()
    codes = db.session.execute(select(func.count(Code.id), func.max(Code.id))).one()
    links = db.session.execute(select(Indicator.id, Indicator.linked_codes).order_by(Indicator.id)).all()
    parts = (*items, *tags, *codes, *(f"{i}={sorted(keys or [])}" for i, keys in links))
    return hashlib.sha1(":".join(str(part) for part in parts).encode()).hexdigest()


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


def ensure_fresh(campaign_id: int) -> None:
    checked = current_app.extensions[FRESHNESS_CHECKS]
    if time.monotonic() - checked.get(campaign_id, -1e9) < current_app.config["REVIEW_FRESHNESS_SECONDS"]:
        return
    refresh(campaign_id)
    checked[campaign_id] = time.monotonic()


def refresh(campaign_id: int) -> None:
    """Rebuild the summaries of a campaign if its items, tags, codes or links changed."""
    state = db.session.get(ReviewFactState, campaign_id)
    if state is None or state.fingerprint != fingerprint(campaign_id):
        rebuild(campaign_id)


def _lock(campaign_id: int) -> None:
    """Serialise rebuilds of one campaign across processes (PostgreSQL; SQLite has one writer)."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(7202, :campaign)"), {"campaign": campaign_id})
        db.session.execute(text("SET LOCAL TIME ZONE 'UTC'"))  # quarters are UTC, like periods


def rebuild(campaign_id: int) -> None:
    db.session.commit()  # start a fresh transaction, so that what the lock waited for is visible
    _lock(campaign_id)
    current = fingerprint(campaign_id)
    state = db.session.get(ReviewFactState, campaign_id, populate_existing=True)
    if state is not None and state.fingerprint == current:
        db.session.commit()  # another process rebuilt it while this one waited
        return
    db.session.execute(delete(ReviewCube).where(ReviewCube.campaign_id == campaign_id))
    db.session.execute(delete(ReviewFact).where(ReviewFact.campaign_id == campaign_id))
    _insert_residents(campaign_id)
    _insert_resident_codes(campaign_id)
    code_sets = sorted(indicator_code_sets())
    _fill_cube(campaign_id, code_sets)
    state = state or ReviewFactState(campaign_id=campaign_id)
    state.fingerprint, state.built_at, state.code_sets = current, utcnow(), code_sets
    state.options = ReviewCube.filter_options(campaign_id)
    db.session.add(state)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE review_facts, review_cube"))  # fresh statistics for the planner
        db.session.commit()


FACT_COLUMNS = ["campaign_id", "resident_key", "code_id", "created_at", "geography_id", "channel", "groups"]


def _insert_residents(campaign_id: int) -> None:
    """One fact row per resident, with the dimensions of their first item."""
    rk = resident_key().label("rk")
    ranked = (select(rk, VoiceItem.created_at, VoiceItem.geography_id, VoiceItem.channel, VoiceItem.groups,
                     func.row_number().over(partition_by=rk, order_by=VoiceItem.id).label("rn"))
              .select_from(VoiceItem)
              .outerjoin(Answer, and_(VoiceItem.source == "answer", Answer.id == VoiceItem.source_id))
              .where(VoiceItem.campaign_id == campaign_id).subquery())
    db.session.execute(insert(ReviewFact).from_select(FACT_COLUMNS, select(
        literal(campaign_id), ranked.c.rk, null(), ranked.c.created_at, ranked.c.geography_id, ranked.c.channel,
        ranked.c.groups).where(ranked.c.rn == 1)))


def _insert_resident_codes(campaign_id: int) -> None:
    """Resident x code rows in one pass: each pair's first item gives the resident's dimensions
    (all items of a resident share them), no self-join."""
    rejected = aliased(Tag)
    key_expression = resident_key()  # one object: PostgreSQL must see the same expression twice
    pairs = (select(key_expression.label("rk"), Tag.code_id, VoiceItem.created_at, VoiceItem.geography_id,
                    VoiceItem.channel, VoiceItem.groups,
                    func.row_number().over(partition_by=(key_expression, Tag.code_id), order_by=VoiceItem.id)
                    .label("rn"))
             .select_from(VoiceItem)
             .outerjoin(Answer, and_(VoiceItem.source == "answer", Answer.id == VoiceItem.source_id))
             .join(Tag, Tag.item_id == VoiceItem.id)
             .where(VoiceItem.campaign_id == campaign_id, Tag.applies, ~exists().where(
                 rejected.item_id == Tag.item_id, rejected.code_id == Tag.code_id, rejected.source == "human",
                 ~rejected.applies))
             .subquery())
    db.session.execute(insert(ReviewFact).from_select(FACT_COLUMNS, select(
        literal(campaign_id), pairs.c.rk, pairs.c.code_id, pairs.c.created_at, pairs.c.geography_id,
        pairs.c.channel, pairs.c.groups).where(pairs.c.rn == 1)))


def quarter_of(column):
    """year x 4 + quarter - 1, the cube's time bucket."""
    return cast(extract("year", column), Integer) * 4 + (cast(extract("month", column), Integer) - 1) // 3


def _fill_cube(campaign_id: int, code_sets: list[str], *, singles: bool = True) -> None:
    """Count the fact rows into the cube: every resident and single code, and each code set."""
    campaign = db.session.get(Campaign, campaign_id)
    slices = [""] + [key for key in (campaign.group_keys or []) if key != "language"]
    columns = ["campaign_id", "quarter", "code_key", "geography_id", "channel", "language", "group_key",
               "group_value", "residents"]
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
            db.session.execute(insert(ReviewCube).from_select(columns, query.group_by(*grouping)))


def ensure_code_sets(campaign_id: int, keys: set[str]) -> None:
    """Make sure the cube counts these code sets (one no indicator was linked to at the rebuild)."""
    state = db.session.get(ReviewFactState, campaign_id)
    if state is not None and keys <= set(state.code_sets or []):
        return
    db.session.commit()
    _lock(campaign_id)
    state = db.session.get(ReviewFactState, campaign_id, populate_existing=True)
    missing = sorted(keys - set(state.code_sets or []))
    if missing:
        _fill_cube(campaign_id, missing, singles=False)
        state.code_sets = sorted(set(state.code_sets or []) | set(missing))
    db.session.commit()
