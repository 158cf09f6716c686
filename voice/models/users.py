"""People who sign in, their server-side sessions and failed sign-in attempts."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, ForeignKey, Index, String, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import CreatedMixin, one_of, utcnow

ROLES = ("admin", "analyst", "facilitator", "canvasser", "committee")


class User(UserMixin, CreatedMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (one_of("role", ROLES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(120))
    locale: Mapped[str | None] = mapped_column(String(8))
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    sessions: Mapped[list[LoginSession]] = relationship(back_populates="user", cascade="all, delete-orphan")

    # Set by the user loader: the server-side session this request is signed in with.
    current_session_token = None

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive (disabled) users
        return self.active

    def get_id(self) -> str | None:
        # The session token, not the user id: signing out deletes the token on the server,
        # so a cookie copied before sign-out no longer signs anyone in.
        return self.current_session_token

    def has_role(self, *roles: str) -> bool:
        return self.role in roles

    @staticmethod
    def normalise_email(email: str) -> str:
        return email.strip().lower()

    @classmethod
    def by_email(cls, email: str) -> User | None:
        return db.session.scalar(select(cls).where(cls.email == cls.normalise_email(email)))

    @classmethod
    def ordered(cls) -> list[User]:
        return list(db.session.scalars(select(cls).order_by(cls.role, cls.display_name)))

    @classmethod
    def count_by_role(cls) -> dict[str, int]:
        rows = db.session.execute(select(cls.role, func.count()).where(cls.active).group_by(cls.role))
        return {role: count for role, count in rows}


class LoginSession(CreatedMixin, db.Model):
    """A signed-in browser. Deleted at sign-out; the cookie only carries its token."""

    __tablename__ = "login_sessions"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    user: Mapped[User] = relationship(back_populates="sessions")


class SignInFailure(db.Model):
    """One failed sign-in, kept for a minute's throttling (stored so all processes agree).

    ``address_key`` is an HMAC of the address it came from (``voice.security.address_key``),
    never the address itself.
    """

    __tablename__ = "sign_in_failures"
    __table_args__ = (Index("ix_sign_in_failures_email_at", "email", "at"),
                      Index("ix_sign_in_failures_address_key_at", "address_key", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    address_key: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @classmethod
    def recent_count(cls, window: timedelta, **match: str) -> int:
        """Failures in the last ``window`` with these column values (e.g. ``email=...``)."""
        since = utcnow() - window
        return db.session.scalar(
            select(func.count()).select_from(cls).filter_by(**match).where(cls.at >= since)) or 0

    @classmethod
    def forget_before(cls, moment: datetime) -> None:
        db.session.execute(db.delete(cls).where(cls.at < moment))
