"""A per-address limit on submissions that every server process shares.

Counters live in Redis when ``VOICE_RATELIMIT_STORAGE_URL`` is a redis:// URL, else in the
database (``rate_counters``), so that two gunicorn workers, or two machines, count the same
resident together. The address is never stored: the key is an HMAC of the address under the
app's secret key (``voice.security.address_key``).
"""
from __future__ import annotations

import time

import redis
from flask import current_app
from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..extensions import db
from ..models import RateCounter
from ..security import address_key

WINDOW_SECONDS = 3600


def _redis(url: str) -> redis.Redis:
    """One client (and connection pool) per app, made on first use."""
    clients = current_app.extensions.setdefault("voice.ratelimit", {})
    if url not in clients:
        clients[url] = redis.Redis.from_url(url)
    return clients[url]


def hit(scope: str, address: str | None, *, limit: int, now: float | None = None) -> bool:
    """Count one request; True while the address stays within ``limit`` per window."""
    key = address_key(scope, address)
    window = int((now if now is not None else time.time()) // WINDOW_SECONDS * WINDOW_SECONDS)
    url = current_app.config.get("RATELIMIT_STORAGE_URL") or ""
    if url.startswith(("redis://", "rediss://")):
        client = _redis(url)
        name = f"voice:rate:{key}:{window}"
        with client.pipeline() as pipe:
            count, _ = pipe.incr(name).expire(name, WINDOW_SECONDS * 2).execute()
        return int(count) <= limit
    return _hit_database(key, window) <= limit


def _hit_database(key: str, window: int) -> int:
    dialect = db.engine.dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(RateCounter).values(key=key, window_start=window, count=1)
    statement = statement.on_conflict_do_update(
        index_elements=["key", "window_start"], set_={"count": RateCounter.count + 1}
    ).returning(RateCounter.count)
    count = db.session.execute(statement).scalar_one()
    if count == 1:  # the first request of a window tidies the finished windows away
        db.session.execute(delete(RateCounter).where(RateCounter.window_start < window - WINDOW_SECONDS))
    db.session.commit()
    return count
