"""The one place where ``voice`` talks to the framework-free ``nlp`` library.

It turns database rows into the library's plain inputs and the library's results back into
rows (VoiceItem language and redacted text, machine Tags), so neither side knows the other's
types. Human tags are never touched here: they outrank whatever the machine says.
"""
from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, func, inspect, or_, select

from nlp import (SUPPORTED_LANGUAGES, Codebook, CodebookError, Item, Pipeline, TagModel, alpha_by_code, cohen_kappa,
                 evaluate_dataset, kappa_by_code, load_codebook, rank_for_coding, redact, representative_quotes,
                 suggest_emerging_themes)
from nlp.evaluate import format_table as format_evaluation

from .extensions import db
from .models import AuditEvent, Code, NlpModel, Tag, VoiceItem
from .models.base import utcnow

# The library functions the app's services call directly on plain data (agreement, ranking,
# themes, quotes, codebook validation), offered here so that this module stays the only door.
__all__ = [
    "SUPPORTED_LANGUAGES", "Codebook", "CodebookError", "Pipeline", "alpha_by_code", "cohen_kappa", "kappa_by_code",
    "rank_for_coding", "representative_quotes", "suggest_emerging_themes",
    "codebook_from_database", "count_stale_items", "current_pipeline", "ensure_codebook", "evaluate_labelled_file",
    "format_evaluation", "import_codebook", "load_model", "redaction_preview", "run_tagging", "train_model",
    "training_data",
]

Progress = Callable[[int, int], None]
# Pipelines are costly to build (spaCy vocabularies, lemma tables): each app keeps one, as
# (codebook hash and model id, pipeline), rebuilt when the codebook or the current model changes.
PIPELINE_CACHE = "voice.nlp_pipeline"


def codebook_from_database() -> Codebook:
    """The codebook as the coders curate it (retired codes left out)."""
    codes = []
    for code in Code.active():
        codes.append({"key": code.key, "kind": code.kind, "label": code.labels,
                      "description": code.descriptions, "keywords": code.keywords,
                      "parent": code.parent.key if code.parent else None})
    return Codebook.from_dict({"codes": codes})


def import_codebook(codebook: Codebook | None = None, *, actor=None) -> list[Code]:
    """Create or update Code rows from a codebook (the shipped default when None), audited."""
    codebook = codebook or load_codebook()
    existing = {code.key: code for code in db.session.scalars(select(Code))}
    rows = []
    for entry in codebook:
        row = existing.get(entry.key) or Code(key=entry.key)
        row.kind, row.labels, row.descriptions = entry.kind, dict(entry.label), dict(entry.description)
        row.keywords = {language: list(words) for language, words in entry.keywords.items()}
        row.retired = False
        db.session.add(row)
        rows.append(row)
    db.session.flush()
    by_key = {row.key: row for row in rows}
    for entry in codebook:
        by_key[entry.key].parent = by_key.get(entry.parent) if entry.parent else None
    AuditEvent.record("codebook.import", record_type="codes", actor=actor, codes=len(rows),
                      hash=codebook.content_hash())
    return rows


def redaction_preview(text: str, language: str | None) -> tuple[str, list[str]]:
    """What the committee will read once the NLP redacts ``text``, and which kinds it hides."""
    redacted, spans = redact(text, language, phone_regions=current_app.config["PHONE_REGIONS"])
    return redacted, sorted({span.type for span in spans})


def evaluate_labelled_file(data_path: str, map_path: str, *, codebook_path: str | None = None,
                           **options) -> dict:
    """Rules, model, both and a baseline on a labelled CSV.

    The codebook is the YAML file given, else the coders' curated one when the database has
    it, else the shipped default: scoring a file needs no database and writes nothing to it.
    The report says which codebook was used (``codebook``).
    """
    if codebook_path is not None:
        codebook, source = load_codebook(codebook_path), str(codebook_path)
    elif _database_has_codes():
        codebook, source = codebook_from_database(), "database"
    else:
        codebook, source = load_codebook(), "shipped"
    return {**evaluate_dataset(data_path, map_path, codebook=codebook, **options), "codebook": source}


def _database_has_codes() -> bool:
    if not inspect(db.engine).has_table(Code.__tablename__):
        return False
    return bool(db.session.scalar(select(func.count(Code.id)).where(Code.retired.is_(False))))


def ensure_codebook() -> None:
    """A database with no codes gets the shipped default codebook."""
    if not db.session.scalar(select(func.count(Code.id))):
        import_codebook()
        db.session.commit()


def load_model(row: NlpModel) -> TagModel:
    """Rebuild a stored model through the library's checked loader (no unpickling)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder)
        (path / "model.json").write_text(row.document, encoding="utf-8")
        (path / "arrays.npz").write_bytes(row.arrays)
        return TagModel.load(path)


def current_pipeline() -> Pipeline:
    codebook = codebook_from_database()
    row = NlpModel.current()
    key = f"{codebook.content_hash()}:{row.model_id if row else 'none'}"
    built = current_app.extensions.get(PIPELINE_CACHE)
    if built is None or built[0] != key:
        built = current_app.extensions[PIPELINE_CACHE] = (key, _build_pipeline(codebook, row))
    return built[1]


def _build_pipeline(codebook: Codebook, row: NlpModel | None) -> Pipeline:
    model = load_model(row) if row else None
    if model is not None and model.codebook_hash_ != codebook.content_hash():
        # Trained on another codebook: its codes may be gone or mean something else now.
        model = None
    return Pipeline(codebook, model, phone_regions=current_app.config["PHONE_REGIONS"])


def stale_items_query(version: str, campaign_id: int | None = None, item_ids: list[int] | None = None):
    query = select(VoiceItem.id).where(or_(VoiceItem.nlp_version.is_(None), VoiceItem.nlp_version != version))
    if campaign_id is not None:
        query = query.where(VoiceItem.campaign_id == campaign_id)
    if item_ids is not None:
        query = query.where(VoiceItem.id.in_(item_ids))
    return query


def count_stale_items(campaign_id: int | None = None, item_ids: list[int] | None = None) -> int:
    version = current_pipeline().version_key()
    stale = stale_items_query(version, campaign_id, item_ids).subquery()
    return db.session.scalar(select(func.count()).select_from(stale)) or 0


def run_tagging(*, campaign_id: int | None = None, item_ids: list[int] | None = None, batch_size: int = 500,
                progress: Progress | None = None) -> dict[str, int]:
    """Tag every item that is new or was tagged by another codebook/model, batch by batch
    (only ``item_ids`` when given: a comment just saved is tagged on its own, at once).

    Each batch is one transaction: its items get language, redacted text and fresh machine
    tags together, so an interrupted run leaves whole batches done and resumes where it
    stopped. Running again with nothing changed does nothing.
    """
    ensure_codebook()
    pipeline = current_pipeline()
    version = pipeline.version_key()
    code_ids = dict(db.session.execute(select(Code.key, Code.id).where(~Code.retired)).all())
    total = count_stale_items(campaign_id, item_ids)
    done = tags_written = 0
    if progress:
        progress(done, total)
    last_id = 0
    while True:
        ids = list(db.session.scalars(stale_items_query(version, campaign_id, item_ids)
                                      .where(VoiceItem.id > last_id).order_by(VoiceItem.id).limit(batch_size)))
        if not ids:
            break
        last_id = ids[-1]
        items = {item.id: item for item in db.session.scalars(select(VoiceItem).where(VoiceItem.id.in_(ids)))}
        db.session.execute(delete(Tag).where(Tag.item_id.in_(ids), Tag.source.in_(("rule", "model"))))
        now = utcnow()
        # An item whose raw text the retention period erased is re-tagged from its redacted text.
        texts = {item.id: item.original_text or item.redacted_text or "" for item in items.values()}
        for result in pipeline.tag(Item(item.id, texts[item.id], item.language) for item in items.values()):
            item = items[result.id]
            item.language, item.redacted_text = result.language, result.redacted_text
            item.nlp_version, item.tagged_at = version, now
            for tag in result.tags:
                if tag.code in code_ids:
                    db.session.add(Tag(item_id=item.id, code_id=code_ids[tag.code], source=tag.source,
                                       confidence=round(min(1.0, max(0.0, tag.confidence)), 4),
                                       evidence=[list(span) for span in tag.spans]))
                    tags_written += 1
        db.session.commit()
        done += len(ids)
        if progress:
            progress(done, total)
    return {"items": done, "tags": tags_written}


def training_data(campaign_id: int | None = None):
    """Redacted texts with their human and rule code sets, keyed by item id."""
    query = select(VoiceItem.id, VoiceItem.redacted_text).where(VoiceItem.redacted_text.is_not(None))
    if campaign_id is not None:
        query = query.where(VoiceItem.campaign_id == campaign_id)
    texts = dict(db.session.execute(query).all())
    human: dict[int, set[str]] = {}
    rule: dict[int, set[str]] = {}
    rows = db.session.execute(select(Tag.item_id, Code.key, Tag.source, Tag.applies).join(Code)
                              .where(Tag.source.in_(("human", "rule")), Tag.item_id.in_(texts)))
    for item_id, key, source, applies in rows:
        if source == "human":
            codes = human.setdefault(item_id, set())  # a rejection alone still marks the item coded
            if applies:
                codes.add(key)
        else:
            rule.setdefault(item_id, set()).add(key)
    return texts, human, rule


def train_model(*, actor=None, campaign_id: int | None = None) -> NlpModel:
    """Train from human tags (rule tags as weak labels while human ones are few) and make the
    result the current model; items are re-tagged by the next run."""
    ensure_codebook()
    codebook = codebook_from_database()
    texts, human, rule = training_data(campaign_id)
    model = TagModel().fit_from_tags(human, rule, texts, codebook=codebook)
    with tempfile.TemporaryDirectory() as folder:
        model.save(folder)
        document = (Path(folder) / "model.json").read_text(encoding="utf-8")
        arrays = (Path(folder) / "arrays.npz").read_bytes()
    row = db.session.scalar(select(NlpModel).where(NlpModel.model_id == model.model_id_))
    if row is None:
        row = NlpModel(model_id=model.model_id_, codebook_hash=model.codebook_hash_, document=document,
                       arrays=arrays, metrics=model.cv_metrics_, training_counts=model.training_counts_,
                       trained_by_id=getattr(actor, "id", None))
        db.session.add(row)
    db.session.execute(NlpModel.__table__.update().values(is_current=False))
    row.is_current = True
    db.session.flush()
    AuditEvent.record("nlp.train", row, actor=actor, model_id=model.model_id_,
                      human_items=model.training_counts_["human"])
    db.session.commit()
    return row
