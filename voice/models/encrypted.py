"""Column types that keep residents' words encrypted at rest (``voice.crypto``).

Models declare them like any type; reading decrypts and writing encrypts, so services never
call the cipher. The empty string stays empty (it says nothing, and lets queries tell an
erased value from a kept one); clear text written before encryption reads as it is until
``voice keys encrypt`` has passed over it.
"""
from __future__ import annotations

import json
from typing import Any

from flask import current_app
from sqlalchemy import JSON, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.sql import operators
from sqlalchemy.types import TypeDecorator

from ..crypto import PREFIX, KeyRing, UnreadableValue, note_decryption


def key_ring() -> KeyRing:
    return current_app.extensions["data_keys"]


def _refuse_unreadable(value: Any, column: str) -> None:
    if isinstance(value, UnreadableValue):
        raise ValueError(f"{column}: an unreadable value cannot be written back over its ciphertext")


class _OnlyEmptinessInSQL(TypeDecorator.Comparator):
    """SQL sees ciphertext: comparing it with a text or matching a pattern would quietly find
    nothing, so it is refused. Whether a value is empty or NULL is all SQL may ask."""

    _ALLOWED = (operators.eq, operators.ne, operators.is_, operators.is_not)

    def operate(self, op, *other, **kwargs):
        if op not in self._ALLOWED or any(isinstance(value, str) and value for value in other):
            raise TypeError(f"{self.type.column} is encrypted: compare its values in Python, not in SQL")
        return super().operate(op, *other, **kwargs)


class EncryptedText(TypeDecorator):
    """Text encrypted with the current data key; ``column`` ("table.column") is bound into it."""

    impl = Text
    cache_ok = True
    comparator_factory = _OnlyEmptinessInSQL

    def __init__(self, column: str):
        super().__init__()
        self.column = column

    def process_bind_param(self, value: str | None, dialect) -> str | None:
        if not value:
            return value
        _refuse_unreadable(value, self.column)
        return key_ring().encrypt(value, self.column)

    def process_result_value(self, value: str | None, dialect) -> str | None:
        if not value or not value.startswith(PREFIX):
            return value
        note_decryption(self.column)
        return key_ring().decrypt(value, self.column)


class EncryptedJSON(TypeDecorator):
    """A JSON document stored as one encrypted JSON string (JSONB on PostgreSQL, as before)."""

    impl = JSON
    cache_ok = True

    def __init__(self, column: str):
        super().__init__()
        self.column = column

    def load_dialect_impl(self, dialect):
        return dialect.type_descriptor(JSONB() if dialect.name == "postgresql" else JSON())

    def process_bind_param(self, value: Any, dialect) -> Any:
        if value is None:
            return None
        return key_ring().encrypt(json.dumps(value, ensure_ascii=False), self.column)

    def process_result_value(self, value: Any, dialect) -> Any:
        if not isinstance(value, str) or not value.startswith(PREFIX):
            return value
        note_decryption(self.column)
        text = key_ring().decrypt(value, self.column)
        return text if isinstance(text, UnreadableValue) else json.loads(text)
