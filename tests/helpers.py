"""Helpers for tests: act like a browser (CSRF tokens), and skip or fail on missing parts."""
from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
SHARED_FIXTURES = ROOT.parent / "shared" / "fixtures"
IN_CI = os.environ.get("CI", "").lower() == "true"
POSTGRES_URL = os.environ.get("VOICE_TEST_DATABASE_URL")
PASSWORD = "correct horse battery staple"

def require(condition: bool, reason: str) -> None:
    """Skip when an outside part (browser, database, Redis) is missing; under CI, fail."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_token(client, path: str = "/auth/sign-in") -> str:
    page = client.get(path).get_data(as_text=True)
    match = CSRF_INPUT.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1) or match.group(2)


def sign_in(client, email: str, password: str = PASSWORD):
    return client.post("/auth/sign-in", data={"email": email, "password": password,
                                              "csrf_token": csrf_token(client)})


def post_form(client, path: str, data: dict, *, token_from: str | None = None, **kwargs):
    """POST like a browser: with the CSRF token the form page carries."""
    return client.post(path, data={**data, "csrf_token": csrf_token(client, token_from or path)}, **kwargs)


# The Redis of this machine by default; a separate database number keeps tests apart from real use.
REDIS_URL = os.environ.get("VOICE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def require_redis() -> str:
    """The test Redis URL, emptied; skips (or fails under CI) when no Redis answers there."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.flushdb()
    except redis.exceptions.ConnectionError as error:
        require(False, f"Redis is not reachable at {REDIS_URL}: {error}")
    finally:
        client.close()
    return REDIS_URL


def database_snapshot(*, ignore: tuple[str, ...] = ()) -> dict[str, tuple[int, str]]:
    """Each table's row count and a checksum of its content: equal snapshots mean nothing was
    stored, changed or deleted in between (``ignore`` leaves out tables that legitimately move,
    such as the rate-limit counters)."""
    from voice.extensions import db
    snapshot = {}
    for table in db.metadata.sorted_tables:
        if table.name in ignore:
            continue
        rows = sorted(repr(tuple(row)) for row in db.session.execute(sa.select(table)))
        snapshot[table.name] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    db.session.commit()  # end the read, so the next request's writes are seen
    return snapshot


def tiny_png(red: int = 200) -> bytes:
    """A real one-pixel PNG (browsers draw it), its colour varying so that files differ."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1x1, 8-bit RGB
    pixels = zlib.compress(bytes([0, red, 40, 40]))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
