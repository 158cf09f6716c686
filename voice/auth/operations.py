"""Sign-in and user administration, as plain functions; each owns its commit."""
from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app, session
from flask_login import login_user, logout_user

from ..extensions import db
from ..models import AuditEvent, LoginSession, SignInFailure, User
from ..models.base import as_utc, utcnow
from ..security import address_key, verify_password

THROTTLE_WINDOW = timedelta(minutes=1)
# A signed-in browser left idle this long must sign in again.
IDLE_LIMIT = timedelta(hours=8)
# last_seen is written at most this often, so that most requests do not write.
LAST_SEEN_GRANULARITY = timedelta(minutes=5)


class SignInThrottled(Exception):
    """Too many failed sign-ins for this account from this address, or from this address at all,
    in the last minute."""


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


def authenticate(email: str, password: str, address: str | None) -> User | None:
    """The user whose credentials these are, or None; raises SignInThrottled when locked.

    Failures are counted per account and address, so that someone guessing a password from
    one address cannot lock the owner out of an account (the owner signs in from theirs), and
    per address across all accounts, so that one address cannot try many accounts either.
    """
    email = User.normalise_email(email)
    key = address_key("sign-in", address)
    config = current_app.config
    # Counted per e-mail, known or not, so that throttling does not reveal which accounts exist.
    if (SignInFailure.recent_count(THROTTLE_WINDOW, email=email, address_key=key)
            >= config["SIGN_IN_FAILURES_PER_MINUTE"]
            or SignInFailure.recent_count(THROTTLE_WINDOW, address_key=key)
            >= config["SIGN_IN_FAILURES_PER_ADDRESS_PER_MINUTE"]):
        raise SignInThrottled()
    user = User.by_email(email)
    # Checked for an unknown or disabled account too: the same work, the same time taken.
    matches = verify_password(user.password_hash if user else None, password)
    if user is not None and user.active and matches:
        return user
    SignInFailure.forget_before(utcnow() - timedelta(hours=1))
    db.session.add(SignInFailure(email=email, address_key=key))
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
