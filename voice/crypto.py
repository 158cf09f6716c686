"""Residents' words encrypted at rest: AES-GCM with keys the database never sees.

A stored value reads ``enc1:<key id>:<base64 of nonce + ciphertext + tag>``; the column it
belongs to is the associated data, so a value copied into another column fails to decrypt.
The first key of the ring encrypts; the others only decrypt (values written before a
rotation). Keys come from ``VOICE_DATA_KEY`` ("id:base64,id:base64", newest first) or from
the ``data_keys`` file in the instance folder, created once when the database holds no
encrypted data yet. The ``data_keys`` table remembers a fingerprint of every key that wrote
values, so a missing or wrong key stops the app at start instead of writing under a new key.
"""
from __future__ import annotations

import base64
import contextvars
import hashlib
import hmac
import logging
import os
import re
import secrets
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import g, has_app_context
from flask_login import current_user

log = logging.getLogger(__name__)
PREFIX = "enc1:"
KEY_FILE = "data_keys"
_KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,16}")
_NONCE_BYTES = 12


class DataKeyError(RuntimeError):
    """The data keys are missing, malformed or not the ones the database was written with."""


class DecryptionRefused(RuntimeError):
    """Something tried to read raw text where only redacted text may be read."""


class UnreadableValue(str):
    """What a value that fails authentication reads as: a notice, never the bytes. Writing it
    back is refused, so the stored ciphertext stays for someone with the right key."""

    def __new__(cls, column: str, key_id: str):
        value = super().__new__(cls, f"[unreadable: {column} failed authentication with key {key_id}]")
        value.column, value.key_id = column, key_id
        return value


@dataclass(frozen=True)
class DataKey:
    id: str
    secret: bytes

    @property
    def fingerprint(self) -> str:
        """Identifies the key without revealing it (stored in the database to check keys at start)."""
        return hmac.new(self.secret, b"community-voice data key check", hashlib.sha256).hexdigest()

    def encoded(self) -> str:
        return f"{self.id}:{base64.urlsafe_b64encode(self.secret).decode()}"


def parse_keys(text: str) -> tuple[DataKey, ...]:
    """``id:base64`` entries separated by commas or lines, newest (the one that writes) first."""
    keys = []
    for entry in re.split(r"[,\n]", text):
        entry = entry.strip()
        if not entry:
            continue
        key_id, _, encoded = entry.partition(":")
        if not _KEY_ID.fullmatch(key_id):
            raise ValueError("each key must read id:base64 with an id of letters, digits, '-' or '_' (at most 16)")
        try:
            secret = base64.urlsafe_b64decode(encoded.encode("ascii"))
        except (ValueError, UnicodeEncodeError):
            raise ValueError(f"key {key_id} is not base64") from None
        if len(secret) != 32:
            raise ValueError(f"key {key_id} must be 32 bytes (256 bits), base64-encoded")
        if any(key.id == key_id for key in keys):
            raise ValueError(f"key id {key_id} appears twice")
        keys.append(DataKey(key_id, secret))
    if not keys:
        raise ValueError("no key given")
    return tuple(keys)


def new_key(taken: set[str] = frozenset()) -> DataKey:
    while True:
        key_id = secrets.token_hex(4)
        if key_id not in taken:
            return DataKey(key_id, AESGCM.generate_key(bit_length=256))


class KeyRing:
    def __init__(self, keys: tuple[DataKey, ...], source: str):
        self.keys = keys
        self.source = source  # "environment" or the key file's path: where rotation adds keys
        self.current = keys[0]
        self._ciphers = {key.id: AESGCM(key.secret) for key in keys}

    def encrypt(self, text: str, column: str) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._ciphers[self.current.id].encrypt(nonce, text.encode("utf-8"), column.encode())
        return f"{PREFIX}{self.current.id}:{base64.b64encode(nonce + sealed).decode('ascii')}"

    def decrypt(self, stored: str, column: str) -> str:
        key_id, _, payload = stored[len(PREFIX):].partition(":")
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            log.error("%s holds a value under key %s, which is not in the key ring", column, key_id)
            return UnreadableValue(column, key_id)
        try:
            raw = base64.b64decode(payload, validate=True)
            return cipher.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], column.encode()).decode("utf-8")
        except (InvalidTag, ValueError):
            log.error("%s holds a value that fails authentication with key %s", column, key_id)
            return UnreadableValue(column, key_id)


def key_id_of(stored: str | None) -> str | None:
    """The key a stored value was encrypted with; None for clear text (written before encryption)."""
    if not stored or not stored.startswith(PREFIX):
        return None
    return stored[len(PREFIX):].partition(":")[0]


def load_key_file(instance_path: str) -> tuple[DataKey, ...] | None:
    path = Path(instance_path) / KEY_FILE
    if not path.exists():
        return None
    try:
        return parse_keys(path.read_text())
    except ValueError as error:
        raise DataKeyError(f"The data key file {path} is malformed: {error}.") from None


def write_key_file(instance_path: str, keys: tuple[DataKey, ...], *, create: bool) -> None:
    """Write the ring atomically (a crash leaves the old file or the new one, never half of one)."""
    path = Path(instance_path) / KEY_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    if create:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    else:
        fd = os.open(path.with_suffix(".new"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write("".join(key.encoded() + "\n" for key in keys))
        handle.flush()
        os.fsync(handle.fileno())
    if not create:
        os.replace(path.with_suffix(".new"), path)


# Decryption accounting: committee pages forbid it (for their request, on ``g``); exports count
# it for their audit event.
_counter: contextvars.ContextVar[list | None] = contextvars.ContextVar("decryption_counter", default=None)


def note_decryption(column: str) -> None:
    if has_app_context() and g.get("decryption_forbidden"):
        raise DecryptionRefused(f"{column} holds raw text, which this page may not read")
    counted = _counter.get()
    if counted is not None:
        counted.append(column)


def forbid_decryption() -> None:
    """A request hook of the pages that must read redacted text only: raw text fails loudly."""
    g.decryption_forbidden = True


def forbid_decryption_for_committee() -> None:
    """Committee members read redacted text only, on whichever page."""
    if current_user.is_authenticated and current_user.has_role("committee"):
        forbid_decryption()


@contextmanager
def counting_decryptions():
    """Yields the list of columns decrypted inside the block (one entry per value)."""
    counted: list[str] = []
    token = _counter.set(counted)
    try:
        yield counted
    finally:
        _counter.reset(token)
