"""User accounts as plain functions, shared by the auth pages, the command line and the demo.

Each owns its commit and records an AuditEvent in the same transaction.
"""
from __future__ import annotations

from .extensions import db
from .models import AuditEvent, LoginSession, User
from .security import hash_password


class EmailTaken(Exception):
    pass


def create_user(*, email: str, password: str, display_name: str, role: str,
                locale: str | None = None, actor: User | None = None) -> User:
    email = User.normalise_email(email)
    if User.by_email(email) is not None:
        raise EmailTaken(email)
    user = User(email=email, password_hash=hash_password(password), display_name=display_name,
                role=role, locale=locale or None, active=True)
    db.session.add(user)
    db.session.flush()
    AuditEvent.record("user.create", user, actor=actor, role=role)
    db.session.commit()
    return user


def update_user(user: User, *, display_name: str, role: str, locale: str | None, active: bool,
                password: str | None, actor: User) -> User:
    changes = {}
    for field, value in (("display_name", display_name), ("role", role),
                         ("locale", locale or None), ("active", active)):
        if getattr(user, field) != value:
            changes[field] = [getattr(user, field), value]
            setattr(user, field, value)
    if password:
        user.password_hash = hash_password(password)
        changes["password"] = "changed"
    if not active or "role" in changes or password:
        # A disabled user, a new role or a new password signs the account out everywhere.
        db.session.execute(db.delete(LoginSession).where(LoginSession.user_id == user.id))
    AuditEvent.record("user.update", user, actor=actor, changes=changes)
    db.session.commit()
    return user
