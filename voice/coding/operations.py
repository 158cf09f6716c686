"""The codebook editor, the review queue, emerging themes and double coding: plain functions
that do the work and own the commit. Every change to a code or a tag is audited with what it
was before and after; any codebook change makes items stale (the NLP version key holds the
codebook hash), so the next run re-tags them.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

import yaml
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import and_, exists, func, or_, select

from ..extensions import db
from ..models import (AuditEvent, Campaign, Code, CodingAssignment, CodingRound, NlpModel, Tag, User,
                      VoiceItem)
from ..models.base import labels_in, utcnow
from ..nlp_adapter import (SUPPORTED_LANGUAGES, Codebook, CodebookError, Pipeline, alpha_by_code, codebook_from_database,
                           cohen_kappa, current_pipeline, import_codebook, kappa_by_code, rank_for_coding,
                           suggest_emerging_themes)

KEY = re.compile(r"^[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+$")
NEEDS_EXAMPLES = 20  # fewer human positives than this: the model cannot learn the code well
PREVIEW_SAMPLE = 400
RANK_POOL = 400


class CodingError(Exception):
    """A refused change; ``str()`` is the translated message."""


def code_label(code: Code, locale: str) -> str:
    return labels_in(code.labels, locale) or code.key


def split_keywords(text: str | None) -> list[str]:
    words = [part.strip() for part in re.split(r"[,\n،;]", text or "")]
    return list(dict.fromkeys(word for word in words if word))


# ------------------------------------------------------------------------------ codebook

def codebook_languages(codes: list[Code] | None = None) -> list[str]:
    """Every campaign language, plus those the codes already carry, in a stable order."""
    used = {"en"}
    for languages in db.session.scalars(select(Campaign.languages)):
        used.update(languages or ())
    for code in codes if codes is not None else Code.active():
        used.update(code.labels or {})
        used.update(code.descriptions or {})
        used.update(code.keywords or {})
    order = {language: i for i, language in enumerate(SUPPORTED_LANGUAGES)}
    return sorted(used, key=lambda language: (order.get(language, 99), language))


def code_tree() -> list[tuple[Code, int]]:
    """Active codes, themes then barriers, each parent followed by its children."""
    codes = Code.active()
    children: dict[int | None, list[Code]] = {}
    active_ids = {code.id for code in codes}
    for code in codes:
        parent = code.parent_id if code.parent_id in active_ids else None
        children.setdefault(parent, []).append(code)
    out: list[tuple[Code, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for code in sorted(children.get(parent, []), key=lambda c: (c.kind != "theme", c.key)):
            out.append((code, depth))
            walk(code.id, depth + 1)

    walk(None, 0)
    return out


def snapshot(code: Code) -> dict:
    return {"key": code.key, "kind": code.kind, "labels": dict(code.labels or {}),
            "descriptions": dict(code.descriptions or {}),
            "keywords": {language: list(words) for language, words in (code.keywords or {}).items()},
            "parent": code.parent.key if code.parent else None, "retired": code.retired}


def _checked_hash() -> str:
    """The codebook as it now stands must still be valid; its hash is the new version."""
    db.session.flush()
    try:
        return codebook_from_database().content_hash()
    except CodebookError as error:
        db.session.rollback()
        raise CodingError(_l("The codebook would not be valid: %(problem)s", problem=str(error))) from error


def save_code(code: Code | None, *, key: str, kind: str, parent_id: int | None, labels: dict,
              descriptions: dict, keywords: dict, actor) -> Code:
    """Create (``code`` None) or change a code, audited with before and after."""
    before_hash = codebook_from_database().content_hash()
    before = snapshot(code) if code is not None else None
    if code is None:
        if not KEY.match(key or ""):
            raise CodingError(_l("A key looks like theme.housing: lower-case words joined by dots."))
        if db.session.scalar(select(Code.id).where(Code.key == key)):
            raise CodingError(_l("The key %(key)s is already used.", key=key))
        code = Code(key=key, kind=kind)
        db.session.add(code)
    else:
        code.kind = kind
    if not any((labels or {}).values()):
        raise CodingError(_l("Give the code a label in at least one language."))
    parent = db.session.get(Code, parent_id) if parent_id else None
    if parent is not None and (parent.id == code.id or parent.retired):
        raise CodingError(_l("Choose another parent."))
    code.parent = parent
    code.labels = {language: text.strip() for language, text in labels.items() if text and text.strip()}
    code.descriptions = {language: text.strip() for language, text in descriptions.items() if text and text.strip()}
    code.keywords = {language: words for language, words in keywords.items() if words}
    after_hash = _checked_hash()
    AuditEvent.record("code.create" if before is None else "code.update", code, actor=actor, before=before,
                      after=snapshot(code), codebook_before=before_hash, codebook_after=after_hash)
    db.session.commit()
    return code


def merge_codes(merged: Code, keep: Code, *, actor) -> dict[str, int]:
    """Fold ``merged`` into ``keep``: its tags and keywords follow, its children move, and it is
    retired (never deleted). A human decision on both keeps "applies" if either said so."""
    if merged.id == keep.id or merged.retired or keep.retired:
        raise CodingError(_l("Choose two different codes that are in use."))
    if merged.kind != keep.kind:
        raise CodingError(_l("A theme can only be merged into a theme, and a barrier into a barrier."))
    before_hash = codebook_from_database().content_hash()
    before = {"merged": snapshot(merged), "kept": snapshot(keep)}
    existing = {(tag.item_id, tag.source): tag
                for tag in db.session.scalars(select(Tag).where(Tag.code_id == keep.id))}
    moved = folded = 0
    for tag in list(db.session.scalars(select(Tag).where(Tag.code_id == merged.id))):
        other = existing.get((tag.item_id, tag.source))
        if other is None:
            tag.code_id = keep.id
            moved += 1
            continue
        other.applies = other.applies or tag.applies
        other.confidence = max(other.confidence, tag.confidence)
        other.evidence = list(other.evidence or []) + [span for span in tag.evidence or []
                                                         if span not in (other.evidence or [])]
        db.session.delete(tag)
        folded += 1
    keywords = {language: list(words) for language, words in (keep.keywords or {}).items()}
    for language, words in (merged.keywords or {}).items():
        keywords[language] = list(dict.fromkeys([*keywords.get(language, []), *words]))
    keep.keywords = keywords
    for child in db.session.scalars(select(Code).where(Code.parent_id == merged.id)):
        child.parent_id = keep.id if child.id != keep.id else keep.parent_id
    if keep.parent_id == merged.id:
        keep.parent_id = merged.parent_id
    merged.retired = True
    after_hash = _checked_hash()
    AuditEvent.record("code.merge", keep, actor=actor, before=before,
                      after={"merged": snapshot(merged), "kept": snapshot(keep)}, tags_moved=moved,
                      tags_folded=folded, codebook_before=before_hash, codebook_after=after_hash)
    db.session.commit()
    return {"moved": moved, "folded": folded}


def split_code(code: Code, *, key: str, labels: dict, item_ids: list[int], actor) -> Code:
    """A new code beside ``code``; the human tags of the chosen items move to it."""
    if not KEY.match(key or ""):
        raise CodingError(_l("A key looks like theme.housing: lower-case words joined by dots."))
    if db.session.scalar(select(Code.id).where(Code.key == key)):
        raise CodingError(_l("The key %(key)s is already used.", key=key))
    if not any(labels.values()):
        raise CodingError(_l("Give the code a label in at least one language."))
    before_hash = codebook_from_database().content_hash()
    new = Code(key=key, kind=code.kind, parent_id=code.parent_id,
               labels={language: text for language, text in labels.items() if text}, descriptions={},
               keywords={})
    db.session.add(new)
    db.session.flush()
    tags = list(db.session.scalars(select(Tag).where(Tag.code_id == code.id, Tag.source == "human",
                                                     Tag.item_id.in_(item_ids or [-1]))))
    for tag in tags:
        tag.code_id = new.id
    after_hash = _checked_hash()
    AuditEvent.record("code.split", code, actor=actor, before=snapshot(code), after=snapshot(new),
                      new_code=key, items=sorted(tag.item_id for tag in tags),
                      codebook_before=before_hash, codebook_after=after_hash)
    db.session.commit()
    return new


def human_tagged_items(code: Code, limit: int = 200) -> list[VoiceItem]:
    return list(db.session.scalars(
        select(VoiceItem).join(Tag).where(Tag.code_id == code.id, Tag.source == "human", Tag.applies)
        .order_by(VoiceItem.id).limit(limit)))


def codebook_history(limit: int = 20) -> list[AuditEvent]:
    return list(db.session.scalars(
        select(AuditEvent).where(or_(AuditEvent.action.startswith("code."), AuditEvent.action.startswith("codebook.")))
        .order_by(AuditEvent.id.desc()).limit(limit)))


def export_yaml() -> str:
    return codebook_from_database().to_yaml()


@dataclass
class Problem:
    line: int
    message: str


def _lines(text: str) -> tuple[dict, dict]:
    """Where each code (by index and by key) and each of its fields start, 1-based."""
    by_index: dict[int, int] = {}
    by_key: dict[tuple[str, str | None], int] = {}
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if not isinstance(root, yaml.MappingNode):
        return by_index, by_key
    for name, value in root.value:
        if name.value != "codes" or not isinstance(value, yaml.SequenceNode):
            continue
        for index, entry in enumerate(value.value):
            by_index[index] = entry.start_mark.line + 1
            if not isinstance(entry, yaml.MappingNode):
                continue
            key = next((v.value for k, v in entry.value if k.value == "key" and isinstance(v, yaml.ScalarNode)), None)
            if key is None:
                continue
            by_key[(key, None)] = entry.start_mark.line + 1  # the last of duplicates wins
            for field_name, field_value in entry.value:
                by_key[(key, field_name.value)] = field_name.start_mark.line + 1
    return by_index, by_key


def _line_of(message: str, index: int | None, by_index: dict, by_key: dict) -> int:
    key = re.search(r"code '([^']+)'", message)
    name = re.search(r"field '([^']+)'", message)
    numbered = re.search(r"code #(\d+)", message)
    if key:
        return by_key.get((key.group(1), name.group(1) if name else None)) or by_key.get((key.group(1), None)) or 1
    if numbered:
        return by_index.get(int(numbered.group(1)), 1)
    return by_index.get(index, 1) if index is not None else 1


def check_yaml(text: str) -> tuple[Codebook | None, list[Problem]]:
    """Validate a codebook file and collect every problem with its line; nothing is stored."""
    try:
        data = yaml.safe_load(text)
        by_index, by_key = _lines(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or error
        return None, [Problem(mark.line + 1 if mark else 1, str(_l("This is not valid YAML: %(problem)s", problem=problem)))]
    if not isinstance(data, dict) or not isinstance(data.get("codes"), list):
        return None, [Problem(1, str(_l("The file must be a mapping with a list of codes under 'codes:'.")))]
    problems = []
    for index, raw in enumerate(data["codes"]):
        try:  # each code alone first, so every broken code is reported, not just the first
            single = dict(raw, parent=None) if isinstance(raw, dict) else raw
            Codebook.from_dict({"codes": [single]})
        except CodebookError as error:
            message = str(error).replace("code #0", f"code #{index}")
            problems.append(Problem(_line_of(message, index, by_index, by_key),
                                    str(_l("Code %(number)s: %(problem)s", number=index + 1, problem=message))))
    if problems:
        return None, problems
    try:
        codebook = Codebook.from_dict(data)
    except CodebookError as error:
        return None, [Problem(_line_of(str(error), None, by_index, by_key),
                              str(_l("The codebook: %(problem)s", problem=str(error))))]
    return codebook, []


def import_yaml(text: str, *, actor) -> tuple[int, list[Problem]]:
    """All or nothing: a file with any problem stores nothing and returns every problem."""
    codebook, problems = check_yaml(text)
    if problems:
        return 0, problems
    before = codebook_from_database()
    import_codebook(codebook, actor=actor)
    try:
        after_hash = _checked_hash()
    except CodingError as error:
        return 0, [Problem(1, str(error))]
    AuditEvent.record("codebook.import_yaml", record_type="codes", actor=actor, before=before.to_dict(),
                      after=codebook.to_dict(), codebook_before=before.content_hash(), codebook_after=after_hash)
    db.session.commit()
    return len(codebook), []


def preview_keywords(language: str, keywords: list[str], *, limit: int = 8) -> dict:
    """Which recent items in ``language`` these keywords would tag, with the words marked."""
    if not keywords or language not in SUPPORTED_LANGUAGES:
        return {"matched": 0, "sample": 0, "items": []}
    try:
        codebook = Codebook.from_dict({"codes": [{"key": "preview.code", "kind": "theme", "label": {"en": "preview"},
                                                  "keywords": {language: keywords}}]})
    except CodebookError:
        return {"matched": 0, "sample": 0, "items": []}
    items = list(db.session.execute(select(VoiceItem.id, VoiceItem.original_text).where(VoiceItem.language == language)
                                    .order_by(VoiceItem.id.desc()).limit(PREVIEW_SAMPLE)))
    matcher = Pipeline(codebook).matcher_
    found = []
    for (item_id, text), tags in zip(items, matcher.match_many([text for _, text in items], language)):
        if tags:
            found.append({"id": item_id, "parts": split_marks(text, [span for tag in tags for span in tag.spans])})
    return {"matched": len(found), "sample": len(items), "items": found[:limit]}


# ------------------------------------------------------------------------------ evidence marks

def _merged(spans) -> list[tuple[int, int]]:
    out: list[list[int]] = []
    for start, end in sorted((int(s), int(e)) for s, e in spans if e > s):
        if out and start <= out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return [(start, end) for start, end in out]


def split_marks(text: str, spans) -> list[list]:
    """The text as [[part, marked], ...] for a script to build with textContent."""
    parts, cursor = [], 0
    for start, end in _merged(spans):
        start, end = max(start, cursor), min(end, len(text))
        if start >= end:
            continue
        if start > cursor:
            parts.append([text[cursor:start], False])
        parts.append([text[start:end], True])
        cursor = end
    if cursor < len(text):
        parts.append([text[cursor:], False])
    return parts


def highlight(text: str, spans) -> Markup:
    """The text escaped, evidence spans wrapped in <mark>."""
    return Markup("").join(Markup("<mark>%s</mark>") % part if marked else escape(part)
                           for part, marked in split_marks(text, spans))


# ------------------------------------------------------------------------------ review queue

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
    if filters.code_id or filters.min_confidence is not None or filters.max_confidence is not None:
        conditions = [Tag.item_id == VoiceItem.id, Tag.source.in_(("rule", "model"))]
        if filters.code_id:
            conditions.append(Tag.code_id == filters.code_id)
        if filters.min_confidence is not None:
            conditions.append(Tag.confidence >= filters.min_confidence)
        if filters.max_confidence is not None:
            conditions.append(Tag.confidence <= filters.max_confidence)
        query = query.where(exists().where(and_(*conditions)))
    return query


def count_to_review(filters: ReviewFilters, skipped: list[int] = ()) -> int:
    return db.session.scalar(select(func.count()).select_from(review_query(filters, skipped).subquery())) or 0


def next_item(filters: ReviewFilters, skipped: list[int] = ()) -> VoiceItem | None:
    """The item to code next: by the library's ranking (uncertainty and diversity) over a pool
    of waiting items, or the oldest first."""
    pool = list(db.session.execute(review_query(filters, skipped).add_columns(
        func.coalesce(VoiceItem.redacted_text, VoiceItem.original_text))
        .order_by(VoiceItem.id).limit(RANK_POOL if filters.order == "rank" else 1)))
    if not pool:
        return None
    chosen = pool[0][0]
    if filters.order == "rank" and len(pool) > 1:
        ranked = rank_for_coding(current_pipeline().model, [text for _, text in pool], [item_id for item_id, _ in pool],
                                 k=1)
        chosen = ranked[0] if ranked else chosen
    return db.session.get(VoiceItem, chosen)


@dataclass
class TagView:
    code: Code
    label: str
    source: str
    confidence: float
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
            machine[tag.code_id] = TagView(tag.code, code_label(tag.code, locale), tag.source, tag.confidence, evidence)
        else:
            machine[tag.code_id].evidence += list(tag.evidence or [])
    for code_id, view in machine.items():
        view.decision = human[code_id].applies if code_id in human else None
    extra = [TagView(tag.code, code_label(tag.code, locale), "human", 1.0, [], tag.applies)
             for code_id, tag in human.items() if code_id not in machine]
    ordered = sorted(machine.values(), key=lambda view: -view.confidence)
    return ordered, sorted(extra, key=lambda view: view.label)


def decide(item: VoiceItem, code: Code, applies: bool, *, actor) -> Tag:
    """A coder's decision: a human tag that says whether the code applies (audited)."""
    if code.retired:
        raise CodingError(_l("This code was merged away; choose the code it was merged into."))
    tag = db.session.scalar(select(Tag).where(Tag.item_id == item.id, Tag.code_id == code.id, Tag.source == "human"))
    before = None if tag is None else {"applies": tag.applies, "coder_id": tag.coder_id}
    if tag is None:
        tag = Tag(item_id=item.id, code_id=code.id, source="human", confidence=1.0, evidence=[])
        db.session.add(tag)
    tag.applies, tag.coder_id = applies, getattr(actor, "id", None)
    db.session.flush()
    AuditEvent.record("tag.accept" if applies else "tag.reject", tag, actor=actor, item_id=item.id, code=code.key,
                      before=before, after={"applies": applies, "coder_id": tag.coder_id})
    db.session.commit()
    return tag


# ------------------------------------------------------------------------------ emerging themes

def emerging_themes(*, limit_items: int = 2000) -> list[tuple[object, list[VoiceItem]]]:
    """Clusters among items no code explains (no tag that applies), with example items."""
    explained = exists().where(Tag.item_id == VoiceItem.id, Tag.applies)
    rows = list(db.session.execute(select(VoiceItem.id, VoiceItem.redacted_text, VoiceItem.language)
                                   .where(VoiceItem.redacted_text.is_not(None), ~explained)
                                   .order_by(VoiceItem.id).limit(limit_items)))
    if not rows:
        return []
    keywords = [word for code in Code.active() for words in (code.keywords or {}).values() for word in words]
    suggestions = suggest_emerging_themes([text for _, text, _ in rows], [item_id for item_id, _, _ in rows],
                                          languages=[language for _, _, language in rows], exclude_terms=keywords)
    out = []
    for suggestion in suggestions:
        items = {item.id: item for item in db.session.scalars(
            select(VoiceItem).where(VoiceItem.id.in_(list(suggestion.example_ids))))}
        out.append((suggestion, [items[i] for i in suggestion.example_ids if i in items]))
    return out


def adopt_theme(language: str, keywords: list[str], *, actor) -> Code:
    """One click: a suggestion becomes a new theme with its keywords."""
    words = [word for word in keywords if word][:10]
    if not words or language not in SUPPORTED_LANGUAGES:
        raise CodingError(_l("This suggestion has no keywords to start a code from."))
    stem = re.sub(r"[^a-z0-9]+", "_", words[0].lower()).strip("_") or "topic"
    key, n = f"theme.emerging_{stem}", 1
    while db.session.scalar(select(Code.id).where(Code.key == key)):
        n += 1
        key = f"theme.emerging_{stem}_{n}"
    return save_code(None, key=key, kind="theme", parent_id=None, labels={language: ", ".join(words[:3])},
                     descriptions={}, keywords={language: words}, actor=actor)


# ------------------------------------------------------------------------------ double coding

def start_round(name: str, size: int, coders: list[User], *, actor, seed: int | None = None) -> CodingRound:
    """A random sample of tagged items, assigned to every chosen coder (blind)."""
    if len(coders) < 2:
        raise CodingError(_l("Choose at least two coders."))
    ids = list(db.session.scalars(select(VoiceItem.id).where(VoiceItem.tagged_at.is_not(None)).order_by(VoiceItem.id)))
    if not ids:
        raise CodingError(_l("There are no tagged items to sample yet."))
    sample = sorted(random.Random(seed).sample(ids, min(size, len(ids))))
    round_ = CodingRound(name=name, created_by_id=getattr(actor, "id", None), settled={})
    round_.assignments = [CodingAssignment(item_id=item_id, coder_id=coder.id, codes=[])
                          for coder in coders for item_id in sample]
    db.session.add(round_)
    db.session.flush()
    AuditEvent.record("coding_round.start", round_, actor=actor, items=len(sample), coders=[c.id for c in coders])
    db.session.commit()
    return round_


def next_assignment(round_: CodingRound, coder) -> CodingAssignment | None:
    return db.session.scalar(select(CodingAssignment).where(
        CodingAssignment.round_id == round_.id, CodingAssignment.coder_id == coder.id,
        CodingAssignment.coded_at.is_(None)).order_by(CodingAssignment.item_id).limit(1))


def save_assignment(assignment: CodingAssignment, codes: list[str], *, actor) -> None:
    known = {code.key for code in Code.active()}
    assignment.codes = sorted(set(codes) & known)
    assignment.coded_at = utcnow()
    AuditEvent.record("coding_round.code", assignment, actor=actor, round_id=assignment.round_id,
                      item_id=assignment.item_id, codes=assignment.codes)
    db.session.commit()


@dataclass
class Agreement:
    coders: list[User]
    progress: dict[int, tuple[int, int]]  # coder id -> (done, assigned)
    codes: list[str]
    kappa: dict[str, float] = field(default_factory=dict)
    alpha: dict[str, float] = field(default_factory=dict)
    disagreements: list[tuple[VoiceItem, dict[int, set[str]]]] = field(default_factory=list)
    complete_items: int = 0


def agreement(round_: CodingRound) -> Agreement:
    """Kappa per code (two coders) or Krippendorff's alpha (more), and the disagreements."""
    codings: dict[int, dict[int, set[str]]] = {}
    progress: dict[int, list[int]] = {}
    for assignment in round_.assignments:
        done = progress.setdefault(assignment.coder_id, [0, 0])
        done[1] += 1
        if assignment.coded_at is not None:
            done[0] += 1
            codings.setdefault(assignment.coder_id, {})[assignment.item_id] = set(assignment.codes or [])
    coders = [db.session.get(User, coder_id) for coder_id in sorted(progress)]
    codes = sorted({code for coded in codings.values() for tags in coded.values() for code in tags})
    result = Agreement(coders=coders, progress={k: tuple(v) for k, v in progress.items()}, codes=codes)
    complete = sorted(set.intersection(*(set(coded) for coded in codings.values()))) \
        if len(codings) == len(progress) and codings else []
    result.complete_items = len(complete)
    if len(codings) >= 2 and codes:
        if len(progress) == 2 and complete:
            first, second = (codings[c] for c in sorted(codings))
            result.kappa = kappa_by_code(first, second, codes)
        try:
            result.alpha = alpha_by_code(codings, codes)
        except ValueError:
            result.alpha = {}
    settled = set(round_.settled or {})
    for item_id in complete:
        sets = {coder_id: codings[coder_id][item_id] for coder_id in sorted(codings)}
        if len({frozenset(s) for s in sets.values()}) > 1 and str(item_id) not in settled:
            result.disagreements.append((db.session.get(VoiceItem, item_id), sets))
    return result


def settle(round_: CodingRound, item: VoiceItem, codes: list[str], *, actor) -> None:
    """The final word on a disagreement: human tags for every code any coder gave (or chose)."""
    chosen = set(codes)
    considered = chosen | {code for a in round_.assignments if a.item_id == item.id for code in (a.codes or [])}
    by_key = {code.key: code for code in Code.active()}
    for key in sorted(considered):
        if key in by_key:
            tag = db.session.scalar(select(Tag).where(Tag.item_id == item.id, Tag.code_id == by_key[key].id,
                                                      Tag.source == "human"))
            if tag is None:
                tag = Tag(item_id=item.id, code_id=by_key[key].id, source="human", confidence=1.0, evidence=[])
                db.session.add(tag)
            tag.applies, tag.coder_id = key in chosen, getattr(actor, "id", None)
    round_.settled = {**(round_.settled or {}), str(item.id): sorted(chosen)}
    AuditEvent.record("coding_round.settle", round_, actor=actor, item_id=item.id, codes=sorted(chosen),
                      considered=sorted(considered))
    db.session.commit()


# ------------------------------------------------------------------------------ model health

@dataclass
class CodeHealth:
    code: Code
    label: str
    precision: float | None
    recall: float | None
    f1: float | None
    human_positives: int
    human_coded: int
    agreement: float | None  # kappa, machine tags vs people, on human-coded items

    @property
    def needs_examples(self) -> bool:
        return self.human_positives < NEEDS_EXAMPLES


def model_health(locale: str) -> tuple[NlpModel | None, list[CodeHealth], int]:
    model = NlpModel.current()
    per_code = ((model.metrics or {}).get("codes") or {}) if model else {}
    human: dict[int, set[int]] = {}
    coded: set[int] = set()
    for item_id, code_id, applies in db.session.execute(
            select(Tag.item_id, Tag.code_id, Tag.applies).where(Tag.source == "human")):
        coded.add(item_id)
        if applies:
            human.setdefault(item_id, set()).add(code_id)
    machine: dict[int, set[int]] = {}
    if coded:
        for item_id, code_id in db.session.execute(select(Tag.item_id, Tag.code_id).where(
                Tag.source.in_(("rule", "model")), Tag.item_id.in_(sorted(coded)))):
            machine.setdefault(item_id, set()).add(code_id)
    items = sorted(coded)
    rows = []
    for code, _depth in code_tree():
        metrics = per_code.get(code.key) or {}
        positives = sum(code.id in human.get(item_id, ()) for item_id in items)
        kappa = None
        if items:
            kappa = cohen_kappa([code.id in human.get(i, ()) for i in items], [code.id in machine.get(i, ()) for i in items])
        rows.append(CodeHealth(code, code_label(code, locale), metrics.get("precision"), metrics.get("recall"),
                               metrics.get("f1"), positives, len(items), kappa))
    return model, rows, len(items)


def drop_stale_skips(skipped: list[int]) -> list[int]:
    return [item_id for item_id in skipped if isinstance(item_id, int)][-200:]

