"""Sign-in and user administration, as plain functions; each owns its commit."""
from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app, session
from flask_login import login_user, logout_user

from ..extensions import db
from ..models import AuditEvent, LoginSession, SignInFailure, User
from ..models.base import as_utc, utcnow
from ..security import verify_password

THROTTLE_WINDOW = timedelta(minutes=1)
# A signed-in browser left idle this long must sign in again.
IDLE_LIMIT = timedelta(hours=8)
# last_seen is written at most this often, so that most requests do not write.
LAST_SEEN_GRANULARITY = timedelta(minutes=5)


class SignInThrottled(Exception):
    """Too many failed sign-ins for this account in the last minute."""


def load_signed_in_user(token: str) -> User | None:
    login = db.session.get(LoginSession, token)
    if login is None:
        return None
    now = utcnow()
    if as_utc(login.last_seen_at) < now - IDLE_LIMIT or not login.user.active:
        db.session.delete(login)
        db.session.commit()
        return None
    if as_utc(login.last_seen_at) < now - LAST_SEEN_GRANULARITY:
        login.last_seen_at = now
        db.session.commit()
    login.user.current_session_token = token
    return login.user


def authenticate(email: str, password: str) -> User | None:
    """The user whose credentials these are, or None; raises SignInThrottled when locked."""
    email = User.normalise_email(email)
    limit = current_app.config["SIGN_IN_FAILURES_PER_MINUTE"]
    # Counted per e-mail, known or not, so that throttling does not reveal which accounts exist.
    if SignInFailure.recent_count(email, THROTTLE_WINDOW) >= limit:
        raise SignInThrottled()
    user = User.by_email(email)
    if user is not None and user.active and verify_password(user.password_hash, password):
        return user
    SignInFailure.forget_before(utcnow() - timedelta(hours=1))
    db.session.add(SignInFailure(email=email))
    AuditEvent.record("user.sign_in_failed", record_type="users",
                      record_id=user.id if user else None, email=email)
    db.session.commit()
    return None


def start_session(user: User) -> None:
    """A fresh session: the old cookie's content is dropped and a new server token issued."""
    session.clear()
    token = secrets.token_urlsafe(32)
    db.session.add(LoginSession(token=token, user_id=user.id))
    user.current_session_token = token
    user.last_sign_in_at = utcnow()
    AuditEvent.record("user.sign_in", user, actor=user)
    db.session.commit()
    login_user(user)


def end_session(user: User) -> None:
    token = user.current_session_token
    if token:
        db.session.execute(db.delete(LoginSession).where(LoginSession.token == token))
    AuditEvent.record("user.sign_out", user, actor=user)
    db.session.commit()
    logout_user()
    session.clear()
