"""The review queue: which item a coder sees next, the machine's tags on it with their evidence,
and the coder's decisions, stored as human tags (audited) that outrank every machine tag."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, exists, func, select

from ..extensions import db
from ..models import AuditEvent, Code, CodingAssignment, Tag, VoiceItem
from ..nlp_adapter import current_pipeline, rank_for_coding
from ..problems import N_, Invalid, Problem
from .codes import code_label
from .marks import split_marks

RANK_POOL = 400
SKIPS_KEPT = 200  # the session cookie stays small; older skips come back into the queue


@dataclass
class ReviewFilters:
    code_id: int | None = None
    min_confidence: float | None = None
    max_confidence: float | None = None
    language: str | None = None
    channel: str | None = None
    geography_id: int | None = None
    order: str = "rank"

    def as_args(self) -> dict:
        values = {"code": self.code_id, "min": self.min_confidence, "max": self.max_confidence,
                  "language": self.language, "channel": self.channel, "geography": self.geography_id,
                  "order": None if self.order == "rank" else self.order}
        return {name: value for name, value in values.items() if value not in (None, "")}


def _in_open_round():
    return exists().where(CodingAssignment.item_id == VoiceItem.id, CodingAssignment.coded_at.is_(None))


def _machine_tag_matches(filters: ReviewFilters):
    """A machine tag of the filtered code within the filtered confidence, or None if no such filter."""
    if not (filters.code_id or filters.min_confidence is not None or filters.max_confidence is not None):
        return None
    conditions = [Tag.item_id == VoiceItem.id, Tag.source.in_(("rule", "model"))]
    if filters.code_id:
        conditions.append(Tag.code_id == filters.code_id)
    if filters.min_confidence is not None:
        conditions.append(Tag.confidence >= filters.min_confidence)
    if filters.max_confidence is not None:
        conditions.append(Tag.confidence <= filters.max_confidence)
    return exists().where(and_(*conditions))


def review_query(filters: ReviewFilters, skipped: list[int] = ()):
    """Items nobody has decided on yet (no human tag), narrowed by the filters. Items waiting
    in a blind double-coding round stay out: their coders must not meet machine tags first."""
    query = select(VoiceItem.id).where(VoiceItem.tagged_at.is_not(None),
                                       ~exists().where(Tag.item_id == VoiceItem.id, Tag.source == "human"),
                                       ~_in_open_round())
    if skipped:
        query = query.where(VoiceItem.id.not_in(list(skipped)))
    if filters.language:
        query = query.where(VoiceItem.language == filters.language)
    if filters.channel:
        query = query.where(VoiceItem.channel == filters.channel)
    if filters.geography_id:
        query = query.where(VoiceItem.geography_id == filters.geography_id)
    tagged = _machine_tag_matches(filters)
    return query if tagged is None else query.where(tagged)


def count_to_review(filters: ReviewFilters, skipped: list[int] = ()) -> int:
    return db.session.scalar(select(func.count()).select_from(review_query(filters, skipped).subquery())) or 0


def next_item(filters: ReviewFilters, skipped: list[int] = ()) -> VoiceItem | None:
    """The item to code next: by the library's ranking (uncertainty and diversity) over a pool
    of waiting items, or the oldest first."""
    # The original is encrypted, so it is preferred in Python rather than by SQL's coalesce.
    pool = list(db.session.execute(review_query(filters, skipped).add_columns(
        VoiceItem.redacted_text, VoiceItem.original_text)
        .order_by(VoiceItem.id).limit(RANK_POOL if filters.order == "rank" else 1)))
    if not pool:
        return None
    chosen = pool[0][0]
    if filters.order == "rank" and len(pool) > 1:
        ranked = rank_for_coding(current_pipeline().model, [redacted or original for _, redacted, original in pool],
                                 [row[0] for row in pool], k=1)
        chosen = ranked[0] if ranked else chosen
    return db.session.get(VoiceItem, chosen)


def drop_stale_skips(skipped: list[int]) -> list[int]:
    return [item_id for item_id in skipped if isinstance(item_id, int)][-SKIPS_KEPT:]


@dataclass
class TagView:
    code: Code
    label: str
    source: str
    confidence: float | None  # the current model's probability; None for keywords with no model
    evidence: list
    decision: bool | None = None  # the human decision, when there is one


def item_tags(item: VoiceItem, locale: str) -> tuple[list[TagView], list[TagView]]:
    """The machine tags (best source per code) with any human decision, and human-only tags."""
    machine: dict[int, TagView] = {}
    human: dict[int, Tag] = {}
    for tag in item.tags:
        if tag.source == "human":
            human[tag.code_id] = tag
        elif tag.code_id not in machine or tag.confidence > machine[tag.code_id].confidence:
            evidence = list(tag.evidence or [])
            if tag.code_id in machine:
                evidence += machine[tag.code_id].evidence
            machine[tag.code_id] = TagView(tag.code, code_label(tag.code, locale), tag.source, tag.confidence,
                                           evidence)
        else:
            machine[tag.code_id].evidence += list(tag.evidence or [])
    probabilities = _model_probabilities(item)
    for code_id, view in machine.items():
        view.decision = human[code_id].applies if code_id in human else None
        if view.source == "rule":
            view.confidence = probabilities.get(view.code.key)
    extra = [TagView(tag.code, code_label(tag.code, locale), "human", 1.0, [], tag.applies)
             for code_id, tag in human.items() if code_id not in machine]
    ordered = sorted(machine.values(), key=lambda view: -(view.confidence or 0))
    return ordered, sorted(extra, key=lambda view: view.label)


def _model_probabilities(item: VoiceItem) -> dict[str, float]:
    """What the current model gives each code on this item. A keyword tag's own confidence is
    a constant (0.6 for one keyword) that says nothing about this comment; the model's
    probability, checked against people's coding by cross-validation, does."""
    model = current_pipeline().model
    if model is None or not item.redacted_text:
        return {}
    return model.predict_proba([item.redacted_text])[0]


def evidence_parts(item: VoiceItem, machine: list[TagView]) -> list[list]:
    """The item's text cut into parts, the evidence of every machine tag marked."""
    return split_marks(item.original_text, [span for tag in machine for span in tag.evidence])


def human_tag(item_id: int, code_id: int) -> Tag:
    """The human tag of this code on this item; a new one (added to the session) if none yet."""
    tag = db.session.scalar(select(Tag).where(Tag.item_id == item_id, Tag.code_id == code_id,
                                              Tag.source == "human"))
    if tag is None:
        tag = Tag(item_id=item_id, code_id=code_id, source="human", confidence=1.0, evidence=[])
        db.session.add(tag)
    return tag


def decide(item: VoiceItem, code: Code, applies: bool, *, actor) -> Tag:
    """A coder's decision: a human tag that says whether the code applies (audited)."""
    if code.retired:
        raise Invalid([Problem("code_retired",
                               N_("This code was merged away; choose the code it was merged into."))])
    tag = human_tag(item.id, code.id)
    before = None if tag.id is None else {"applies": tag.applies, "coder_id": tag.coder_id}
    tag.applies, tag.coder_id = applies, getattr(actor, "id", None)
    db.session.flush()
    AuditEvent.record("tag.accept" if applies else "tag.reject", tag, actor=actor, item_id=item.id, code=code.key,
                      before=before, after={"applies": applies, "coder_id": tag.coder_id})
    db.session.commit()
    return tag
