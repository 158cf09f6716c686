"""Model health: per code, the model's held-out scores, how many examples people gave it, and
how well the machine's tags agree with people's on the items people coded."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ..extensions import db
from ..models import Code, NlpModel, Tag
from ..nlp_adapter import cohen_kappa
from .codes import code_label, code_tree

NEEDS_EXAMPLES = 20  # fewer human positives than this: the model cannot learn the code well
# Agreement is measured only with this many items people said the code applies to, and as many
# it does not: with fewer, kappa is 1.00 or 0.00 by chance and would mean nothing.
AGREEMENT_NEEDS = 5


@dataclass
class CodeHealth:
    code: Code
    label: str
    precision: float | None
    recall: float | None
    f1: float | None
    human_positives: int
    human_coded: int
    agreement: float | None  # kappa, machine tags vs people, on human-coded items; None: too few coded

    @property
    def needs_examples(self) -> bool:
        return self.human_positives < NEEDS_EXAMPLES


def _human_and_machine_codes() -> tuple[list[int], dict[int, set[int]], dict[int, set[int]]]:
    """The items people coded, and per item the codes people said apply and the machine gave."""
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
    return sorted(coded), human, machine


def model_health(locale: str) -> tuple[NlpModel | None, list[CodeHealth], int]:
    """The current model, a row per code, and how many items people coded."""
    model = NlpModel.current()
    per_code = ((model.metrics or {}).get("codes") or {}) if model else {}
    items, human, machine = _human_and_machine_codes()
    rows = []
    for code, _depth in code_tree():
        metrics = per_code.get(code.key) or {}
        positives = sum(code.id in human.get(item_id, ()) for item_id in items)
        enough = min(positives, len(items) - positives) >= AGREEMENT_NEEDS
        kappa = cohen_kappa([code.id in human.get(i, ()) for i in items],
                            [code.id in machine.get(i, ()) for i in items]) if enough else None
        rows.append(CodeHealth(code, code_label(code, locale), metrics.get("precision"), metrics.get("recall"),
                               metrics.get("f1"), positives, len(items), kappa))
    return model, rows, len(items)
