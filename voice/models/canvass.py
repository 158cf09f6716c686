"""Turf assigned to canvassers and the doors they knock on."""
from __future__ import annotations

import uuid as uuid_module
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import DateTime, ForeignKey, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import CreatedMixin, one_of, utcnow
from .encrypted import EncryptedJSON, EncryptedText

if TYPE_CHECKING:
    from .campaigns import Campaign
    from .geography import Geography
    from .users import User

DOOR_OUTCOMES = ("completed", "not_home", "refused", "come_back", "moved", "unsafe")


class Turf(CreatedMixin, db.Model):
    __tablename__ = "turfs"
    __table_args__ = (UniqueConstraint("campaign_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    geography_id: Mapped[int | None] = mapped_column(ForeignKey("geographies.id"))
    canvasser_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # The doors: [{"id": "d-17", "address": "...", "geography": "code"}]; contact data, never shown to the committee.
    doors: Mapped[list] = mapped_column(EncryptedJSON("turfs.doors"), default=list)

    campaign: Mapped[Campaign] = relationship()
    geography: Mapped[Geography | None] = relationship()
    canvasser: Mapped[User | None] = relationship()


class Visit(db.Model):
    __tablename__ = "visits"
    __table_args__ = (UniqueConstraint("uuid"), one_of("outcome", DOOR_OUTCOMES))

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[uuid_module.UUID] = mapped_column(Uuid)  # client-chosen idempotency key
    turf_id: Mapped[int] = mapped_column(ForeignKey("turfs.id"), index=True)
    door_id: Mapped[str] = mapped_column(String(64))
    canvasser_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(12))
    come_back_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    note: Mapped[str] = mapped_column(EncryptedText("visits.note"), default="")
    device_recorded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    turf: Mapped[Turf] = relationship()
