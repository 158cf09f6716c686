"""The summary rows behind the committee's figures (``ReviewFact``), rebuilt when stale.

One row per resident (code_id NULL) with the dimensions the dashboard filters on, and one
per resident and code they raised (applying tags not rejected by a human coder, as in
``aggregates``). Counting rows then needs no DISTINCT and no join over items and tags.

Staleness: a fingerprint of the campaign's items and of the tags (count, newest id, newest
tagging time, applying tags). It is checked at most every ``FRESHNESS_SECONDS`` per process,
so a dashboard may lag a tagging run or a coder's decision by that long.
"""
from __future__ import annotations

import time

from flask import current_app
from sqlalchemy import and_, case, delete, exists, func, insert, literal, null, select, text
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import Answer, Tag, VoiceItem
from ..models.base import utcnow
from ..models.review import ReviewFact, ReviewFactState

FRESHNESS_SECONDS = 30
_checked: dict[tuple[str, int], float] = {}


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
    return ":".join(str(part) for part in (*items, *tags))[:200]


def ensure_fresh(campaign_id: int) -> None:
    key = (str(db.engine.url), campaign_id)
    freshness = 0 if current_app.testing else FRESHNESS_SECONDS  # tests change data between requests
    if time.monotonic() - _checked.get(key, -1e9) < freshness:
        return
    current = fingerprint(campaign_id)
    state = db.session.get(ReviewFactState, campaign_id)
    if state is None or state.fingerprint != current:
        rebuild(campaign_id, current)
    _checked[key] = time.monotonic()


def rebuild(campaign_id: int, current: str | None = None) -> None:
    current = current or fingerprint(campaign_id)
    db.session.execute(delete(ReviewFact).where(ReviewFact.campaign_id == campaign_id))
    columns = ["campaign_id", "resident_key", "code_id", "created_at", "geography_id", "channel", "groups"]
    rk = resident_key().label("rk")
    ranked = (select(rk, VoiceItem.created_at, VoiceItem.geography_id, VoiceItem.channel, VoiceItem.groups,
                     func.row_number().over(partition_by=rk, order_by=VoiceItem.id).label("rn"))
              .select_from(VoiceItem)
              .outerjoin(Answer, and_(VoiceItem.source == "answer", Answer.id == VoiceItem.source_id))
              .where(VoiceItem.campaign_id == campaign_id).subquery())
    db.session.execute(insert(ReviewFact).from_select(columns, select(
        literal(campaign_id), ranked.c.rk, null(), ranked.c.created_at, ranked.c.geography_id, ranked.c.channel,
        ranked.c.groups).where(ranked.c.rn == 1)))
    # Resident x code rows in one pass: each pair's first item gives the resident's dimensions
    # (all items of a resident share them), no self-join.
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
    db.session.execute(insert(ReviewFact).from_select(columns, select(
        literal(campaign_id), pairs.c.rk, pairs.c.code_id, pairs.c.created_at, pairs.c.geography_id,
        pairs.c.channel, pairs.c.groups).where(pairs.c.rn == 1)))
    state = db.session.get(ReviewFactState, campaign_id) or ReviewFactState(campaign_id=campaign_id)
    state.fingerprint, state.built_at = current, utcnow()
    db.session.add(state)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE review_facts"))  # fresh statistics for the planner
        db.session.commit()
