"""The data keys that ever wrote values, by fingerprint: how the app tells a wrong key at start."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String, select
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import utcnow


class DataKeyRecord(db.Model):
    __tablename__ = "data_keys"

    key_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))  # HMAC of a fixed text under the key; not the key
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Set when a rotation left no value under this key: it may then leave the key ring.
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @classmethod
    def all(cls) -> list[DataKeyRecord]:
        return list(db.session.scalars(select(cls).order_by(cls.created_at)))
