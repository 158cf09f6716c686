"""Double coding: rounds in which several coders code the same sample blind, their agreement
per code, and the final word on each disagreement."""
from __future__ import annotations

import random
from dataclasses import dataclass, field

from sqlalchemy import select

from ..extensions import db
from ..models import AuditEvent, Code, CodingAssignment, CodingRound, User, VoiceItem
from ..models.base import utcnow
from ..nlp_adapter import alpha_by_code, kappa_by_code
from ..problems import N_, Invalid, Problem
from .review_queue import human_tag

Codings = dict[int, dict[int, set[str]]]  # coder id -> item id -> the codes the coder gave


def start_round(name: str, size: int, coders: list[User], *, actor, seed: int | None = None) -> CodingRound:
    """A random sample of tagged items, assigned to every chosen coder (blind)."""
    if len(coders) < 2:
        raise Invalid([Problem("coders_too_few", N_("Choose at least two coders."))])
    ids = list(db.session.scalars(select(VoiceItem.id).where(VoiceItem.tagged_at.is_not(None))
                                  .order_by(VoiceItem.id)))
    if not ids:
        raise Invalid([Problem("nothing_tagged", N_("There are no tagged items to sample yet."))])
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


def progress_of(round_: CodingRound, coder) -> tuple[int, int]:
    """How many items of the round ``coder`` has coded, of how many assigned."""
    mine = [assignment for assignment in round_.assignments if assignment.coder_id == coder.id]
    return sum(1 for assignment in mine if assignment.coded_at is not None), len(mine)


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


def _codings(round_: CodingRound) -> tuple[Codings, dict[int, tuple[int, int]]]:
    """What each coder gave so far, and each coder's (done, assigned)."""
    codings: Codings = {}
    progress: dict[int, list[int]] = {}
    for assignment in round_.assignments:
        done = progress.setdefault(assignment.coder_id, [0, 0])
        done[1] += 1
        if assignment.coded_at is not None:
            done[0] += 1
            codings.setdefault(assignment.coder_id, {})[assignment.item_id] = set(assignment.codes or [])
    return codings, {coder_id: tuple(counts) for coder_id, counts in progress.items()}


def _score(result: Agreement, codings: Codings, complete: list[int]) -> None:
    """Cohen's kappa when exactly two coders finished the same items; Krippendorff's alpha always."""
    if len(codings) < 2 or not result.codes:
        return
    if len(result.progress) == 2 and complete:
        first, second = (codings[coder_id] for coder_id in sorted(codings))
        result.kappa = kappa_by_code(first, second, result.codes)
    try:
        result.alpha = alpha_by_code(codings, result.codes)
    except ValueError:  # no item is coded by two coders yet
        result.alpha = {}


def agreement(round_: CodingRound) -> Agreement:
    """Kappa per code (two coders) or Krippendorff's alpha (more), and the disagreements."""
    codings, progress = _codings(round_)
    codes = sorted({code for coded in codings.values() for tags in coded.values() for code in tags})
    result = Agreement(coders=[db.session.get(User, coder_id) for coder_id in sorted(progress)],
                       progress=progress, codes=codes)
    complete = sorted(set.intersection(*(set(coded) for coded in codings.values()))) \
        if len(codings) == len(progress) and codings else []
    result.complete_items = len(complete)
    _score(result, codings, complete)
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
            tag = human_tag(item.id, by_key[key].id)
            tag.applies, tag.coder_id = key in chosen, getattr(actor, "id", None)
    round_.settled = {**(round_.settled or {}), str(item.id): sorted(chosen)}
    AuditEvent.record("coding_round.settle", round_, actor=actor, item_id=item.id, codes=sorted(chosen),
                      considered=sorted(considered))
    db.session.commit()
