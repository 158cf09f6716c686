"""The codebook's codes: the tree and labels staff see, and every change to a code (create,
change, merge, split), audited with what it was before and after. Any codebook change makes
items stale (the NLP version key holds the codebook hash), so the next run re-tags them.
"""
from __future__ import annotations

import re

from sqlalchemy import or_, select

from ..extensions import db
from ..models import AuditEvent, Campaign, Code, Tag, VoiceItem
from ..models.base import labels_in
from ..nlp_adapter import SUPPORTED_LANGUAGES, CodebookError, codebook_from_database
from ..problems import N_, Invalid, Problem

KEY = re.compile(r"^[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+$")


def code_label(code: Code, locale: str) -> str:
    return labels_in(code.labels, locale) or code.key


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


def checked_hash() -> str:
    """The codebook as it now stands must still be valid; its hash is the new version."""
    db.session.flush()
    try:
        return codebook_from_database().content_hash()
    except CodebookError as error:
        db.session.rollback()
        raise Invalid([Problem("codebook_invalid", N_("The codebook would not be valid: %(problem)s"),
                               {"problem": str(error)})]) from error


def codebook_history(limit: int = 20) -> list[AuditEvent]:
    return list(db.session.scalars(
        select(AuditEvent).where(or_(AuditEvent.action.startswith("code."),
                                     AuditEvent.action.startswith("codebook.")))
        .order_by(AuditEvent.id.desc()).limit(limit)))


def human_tagged_items(code: Code, limit: int = 200) -> list[VoiceItem]:
    return list(db.session.scalars(
        select(VoiceItem).join(Tag).where(Tag.code_id == code.id, Tag.source == "human", Tag.applies)
        .order_by(VoiceItem.id).limit(limit)))


# ------------------------------------------------------------------------------ refusals

def _check_new_key(key: str) -> None:
    if not KEY.match(key or ""):
        raise Invalid([Problem("key_format",
                               N_("A key looks like theme.housing: lower-case words joined by dots."))])
    if db.session.scalar(select(Code.id).where(Code.key == key)):
        raise Invalid([Problem("key_taken", N_("The key %(key)s is already used."), {"key": key})])


def _check_labels(labels: dict) -> None:
    if not any((labels or {}).values()):
        raise Invalid([Problem("label_missing", N_("Give the code a label in at least one language."))])


def _checked_parent(code: Code | None, parent_id: int | None) -> Code | None:
    parent = db.session.get(Code, parent_id) if parent_id else None
    if parent is not None and (parent.retired or (code is not None and parent.id == code.id)):
        raise Invalid([Problem("parent_invalid", N_("Choose another parent."))])
    return parent


def _check_mergeable(merged: Code, keep: Code) -> None:
    if merged.id == keep.id or merged.retired or keep.retired:
        raise Invalid([Problem("merge_codes", N_("Choose two different codes that are in use."))])
    if merged.kind != keep.kind:
        raise Invalid([Problem("merge_kinds", N_(
            "A theme can only be merged into a theme, and a barrier into a barrier."))])


# ------------------------------------------------------------------------------ changes

def save_code(code: Code | None, *, key: str, kind: str, parent_id: int | None, labels: dict,
              descriptions: dict, keywords: dict, actor) -> Code:
    """Create (``code`` None) or change a code, audited with before and after."""
    if code is None:
        _check_new_key(key)
    _check_labels(labels)
    parent = _checked_parent(code, parent_id)
    before_hash = codebook_from_database().content_hash()
    before = snapshot(code) if code is not None else None
    if code is None:
        code = Code(key=key)
        db.session.add(code)
    code.kind, code.parent = kind, parent
    code.labels = {language: text.strip() for language, text in labels.items() if text and text.strip()}
    code.descriptions = {language: text.strip() for language, text in descriptions.items()
                         if text and text.strip()}
    code.keywords = {language: words for language, words in keywords.items() if words}
    after_hash = checked_hash()
    AuditEvent.record("code.create" if before is None else "code.update", code, actor=actor, before=before,
                      after=snapshot(code), codebook_before=before_hash, codebook_after=after_hash)
    db.session.commit()
    return code


def _move_tags(merged: Code, keep: Code) -> tuple[int, int]:
    """``merged``'s tags go to ``keep``; where ``keep`` has a tag of the same source already, the
    two fold into one that applies if either did. Returns (moved, folded)."""
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
    return moved, folded


def _fold_into(merged: Code, keep: Code) -> None:
    """``keep`` takes ``merged``'s keywords and children; ``merged`` is retired, never deleted."""
    keywords = {language: list(words) for language, words in (keep.keywords or {}).items()}
    for language, words in (merged.keywords or {}).items():
        keywords[language] = list(dict.fromkeys([*keywords.get(language, []), *words]))
    keep.keywords = keywords
    for child in db.session.scalars(select(Code).where(Code.parent_id == merged.id)):
        child.parent_id = keep.id if child.id != keep.id else keep.parent_id
    if keep.parent_id == merged.id:
        keep.parent_id = merged.parent_id
    merged.retired = True


def merge_codes(merged: Code, keep: Code, *, actor) -> dict[str, int]:
    """Fold ``merged`` into ``keep``: its tags and keywords follow, its children move, and it is
    retired. A human decision on both keeps "applies" if either said so."""
    _check_mergeable(merged, keep)
    before_hash = codebook_from_database().content_hash()
    before = {"merged": snapshot(merged), "kept": snapshot(keep)}
    moved, folded = _move_tags(merged, keep)
    _fold_into(merged, keep)
    after_hash = checked_hash()
    AuditEvent.record("code.merge", keep, actor=actor, before=before,
                      after={"merged": snapshot(merged), "kept": snapshot(keep)}, tags_moved=moved,
                      tags_folded=folded, codebook_before=before_hash, codebook_after=after_hash)
    db.session.commit()
    return {"moved": moved, "folded": folded}


def split_code(code: Code, *, key: str, labels: dict, item_ids: list[int], actor) -> Code:
    """A new code beside ``code``; the human tags of the chosen items move to it."""
    _check_new_key(key)
    _check_labels(labels)
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
    after_hash = checked_hash()
    AuditEvent.record("code.split", code, actor=actor, before=snapshot(code), after=snapshot(new),
                      new_code=key, items=sorted(tag.item_id for tag in tags),
                      codebook_before=before_hash, codebook_after=after_hash)
    db.session.commit()
    return new
