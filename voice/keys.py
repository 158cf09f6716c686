"""The data key ring at start (found, checked against the database) and the re-encryption pass
that rotation and the encryption of an older database share.

The pass walks each encrypted column in primary-key order, in batches of its own
transaction, and rewrites only values that are not under the current key yet (clear text
included). Killed half-way, it has committed whole batches under the new key and left the
rest under the old one, both readable: running it again carries on where it stopped.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask
from sqlalchemy import Text, cast, func, inspect, literal, select, type_coerce, update
from sqlalchemy.exc import IntegrityError, OperationalError

from .crypto import (PREFIX, DataKey, DataKeyError, KeyRing, UnreadableValue, load_key_file, new_key, parse_keys,
                     write_key_file)
from .extensions import db
from .models import DataKeyRecord
from .models.base import utcnow
from .models.encrypted import EncryptedJSON, EncryptedText

BATCH = 500


def encrypted_columns() -> list:
    """Every column the models declare encrypted (found, so that a new one is never missed)."""
    found = [getattr(mapper.class_, attribute.key) for mapper in db.Model.registry.mappers
             for attribute in mapper.column_attrs
             if isinstance(attribute.columns[0].type, (EncryptedText, EncryptedJSON))]
    return sorted(found, key=lambda column: column.type.column)


def init_app(app: Flask) -> None:
    """Find the key ring and check it against the keys that wrote the database; stop if wrong."""
    with app.app_context():
        try:
            records = _known_keys()
            ring = _ring(app, records)
            _check(ring, records)
            if records is not None and ring.current.id not in records:
                register(ring.current)
        except DataKeyError:
            db.engine.dispose()  # the app stops here: leave no connection behind
            raise
    app.extensions["data_keys"] = ring


def _known_keys() -> dict[str, DataKeyRecord] | None:
    """The keys that wrote this database; None before the table exists (``voice init-db``)."""
    try:
        if not inspect(db.engine).has_table(DataKeyRecord.__tablename__):
            return None
        records = {record.key_id: record for record in DataKeyRecord.all()}
    except OperationalError as error:
        raise DataKeyError(f"The database could not be reached to check the data keys: {error}") from None
    db.session.remove()
    return records


def _ring(app: Flask, records: dict | None) -> KeyRing:
    if app.config.get("DATA_KEYS"):
        return KeyRing(parse_keys(app.config["DATA_KEYS"]), "environment")
    keys = load_key_file(app.instance_path)
    path = f"{app.instance_path}/data_keys"
    if keys is None:
        if records:
            raise DataKeyError(
                f"The database holds values encrypted with data key(s) {', '.join(sorted(records))}, but there "
                f"is no {path} and VOICE_DATA_KEY is not set. Restore the key file (or set VOICE_DATA_KEY); "
                "a new key would not read what is stored.")
        keys = (new_key(),)
        try:
            write_key_file(app.instance_path, keys, create=True)
        except FileExistsError:  # another process of this install made it first: use that one
            keys = load_key_file(app.instance_path)
    return KeyRing(keys, path)


def _check(ring: KeyRing, records: dict[str, DataKeyRecord] | None) -> None:
    if not records:
        return
    for key in ring.keys:
        record = records.get(key.id)
        if record is not None and record.fingerprint != key.fingerprint:
            raise DataKeyError(f"Data key {key.id} ({ring.source}) is not the key {key.id} this database was "
                               "written with. Nothing was read or written.")
    missing = sorted(key_id for key_id, record in records.items()
                     if record.retired_at is None and key_id not in {key.id for key in ring.keys})
    if missing:
        raise DataKeyError(f"Data key(s) {', '.join(missing)} wrote values in this database but are not in "
                           f"the key ring ({ring.source}). Add them back (after the current key).")


def register(key: DataKey) -> None:
    """Remember the key's fingerprint, so that a start with another key under its id is refused."""
    try:
        db.session.add(DataKeyRecord(key_id=key.id, fingerprint=key.fingerprint))
        db.session.commit()
    except IntegrityError:  # another process of the same install registered it first
        db.session.rollback()
    db.session.remove()


@dataclass
class PassReport:
    rewritten: dict[str, int] = field(default_factory=dict)  # column -> values now under the current key
    unreadable: list[str] = field(default_factory=list)  # "table.column #id": left as they were
    retired: list[str] = field(default_factory=list)  # keys no value needs any more


def _stored(column):
    """The column's stored text, as it is on disk (no decryption)."""
    if isinstance(column.type, EncryptedJSON):
        return cast(column, Text)  # the JSON string, quotes included
    return type_coerce(column, Text)


def _needs_rewrite(column, current: str):
    """Values not yet under ``current``: another key's or clear text (an empty text says nothing)."""
    stored = _stored(column)
    quote = '"' if isinstance(column.type, EncryptedJSON) else ""
    return (stored.is_not(None)) & (stored != literal("")) & ~stored.like(f"{quote}{PREFIX}{current}:%")


def pending(ring: KeyRing) -> dict[str, int]:
    """How many values of each column are not under the current key."""
    counts = {}
    for column in encrypted_columns():
        counts[column.type.column] = db.session.scalar(
            select(func.count()).select_from(column.class_).where(_needs_rewrite(column, ring.current.id))) or 0
    return counts


def reencrypt(ring: KeyRing, progress: Callable[[int, int], None] | None = None,
              batch: int = BATCH) -> PassReport:
    """Bring every value under the current key, one committed batch at a time."""
    total = sum(pending(ring).values())
    done = 0
    report = PassReport()
    for column in encrypted_columns():
        model = column.class_
        key = inspect(model).primary_key[0]
        after = None
        while True:
            query = select(key, column).where(_needs_rewrite(column, ring.current.id)).order_by(key).limit(batch)
            rows = db.session.execute(query if after is None else query.where(key > after)).all()
            if not rows:
                break
            for row_key, value in rows:
                if isinstance(value, UnreadableValue):
                    report.unreadable.append(f"{column.type.column} #{row_key}")
                    continue
                # Written back through the column's type: encrypted under the current key.
                db.session.execute(update(model.__table__).where(key == row_key).values({column.key: value}))
            db.session.commit()
            after = rows[-1][0]
            rewritten = len(rows) - sum(1 for _k, value in rows if isinstance(value, UnreadableValue))
            report.rewritten[column.type.column] = report.rewritten.get(column.type.column, 0) + rewritten
            done += len(rows)
            if progress:
                progress(done, total)
    # A process still on the old ring may have written meanwhile: retire only what nothing needs.
    if not report.unreadable and not any(pending(ring).values()):
        report.retired = retire_unused_keys(ring)
    return report


def rotation_unfinished(ring: KeyRing) -> bool:
    """True while a registered key other than the current one still has (or may have) values."""
    return any(record.key_id != ring.current.id and record.retired_at is None for record in DataKeyRecord.all())


def retire_unused_keys(ring: KeyRing) -> list[str]:
    """Mark every key but the current one retired: no value needs it after a complete pass."""
    retired = []
    for record in DataKeyRecord.all():
        if record.key_id != ring.current.id and record.retired_at is None:
            record.retired_at = utcnow()
            retired.append(record.key_id)
    db.session.commit()
    return retired


def add_key_to_file(ring: KeyRing, instance_path: str) -> KeyRing:
    """A new current key, written first in the key file (the old ones stay to read older values)."""
    key = new_key({key.id for key in ring.keys})
    keys = (key, *ring.keys)
    write_key_file(instance_path, keys, create=False)
    register(key)
    return KeyRing(keys, ring.source)
