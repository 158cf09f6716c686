"""The one place where ``voice`` talks to the framework-free ``nlp`` library.

It turns database rows into the library's plain inputs and the library's results back into
rows, so that neither side knows the other's types.
"""
from __future__ import annotations

from nlp import Codebook, load_codebook

from .extensions import db
from .models import AuditEvent, Code


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
    existing = {code.key: code for code in db.session.scalars(db.select(Code))}
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
