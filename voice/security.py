"""Who may reach which route, passwords, and the headers every response carries.

Every view declares its access with ``@public`` or ``@roles_required(...)``. The app refuses
to start if a route has neither, so a new route cannot be left open by forgetting a check.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import wraps
from typing import Callable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, abort, current_app, request
from flask_login import current_user

from .extensions import login_manager
from .models import ROLES

PUBLIC = "public"
# Flask's own static route and the error handler pages are served to everyone.
ALWAYS_PUBLIC_ENDPOINTS = {"static"}


def public(view: Callable) -> Callable:
    view.access = PUBLIC
    return view


def roles_required(*roles: str) -> Callable[[Callable], Callable]:
    """Allow signed-in users whose role is one of ``roles`` (admin is never implied)."""
    allowed = frozenset(roles)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        guarded.access = allowed
        return guarded

    return decorator


def signed_in(view: Callable) -> Callable:
    """Any signed-in role."""
    return roles_required(*ROLES)(view)


def check_every_route_declares_access(app: Flask) -> None:
    unguarded = sorted(endpoint for endpoint, view in app.view_functions.items()
                       if endpoint not in ALWAYS_PUBLIC_ENDPOINTS and not hasattr(view, "access"))
    if unguarded:
        raise RuntimeError("Routes without an access rule (@public or @roles_required): "
                           + ", ".join(unguarded))


def password_hasher() -> PasswordHasher:
    """Argon2id with the configured cost (tests lower it; production keeps RFC 9106 defaults)."""
    return PasswordHasher(time_cost=current_app.config["ARGON2_TIME_COST"],
                          memory_cost=current_app.config["ARGON2_MEMORY_COST"])


def hash_password(password: str) -> str:
    return password_hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; with no hash (no such account) the same work is done
    against a stand-in, so that how long a failed sign-in takes does not tell who has one."""
    try:
        password_hasher().verify(password_hash or _stand_in_hash(), password)
    except (VerificationError, InvalidHashError):
        return False
    return bool(password_hash)


def _stand_in_hash() -> str:
    """A hash of a password nobody knows, at the configured cost; made once per app."""
    stored = current_app.extensions
    if "voice.stand_in_hash" not in stored:
        stored["voice.stand_in_hash"] = hash_password(secrets.token_urlsafe(32))
    return stored["voice.stand_in_hash"]


def address_key(scope: str, address: str | None) -> str:
    """A stand-in for a client's address in rate limits: an HMAC under the app's secret key,
    which cannot be turned back into the address without that key, so no address is stored."""
    secret = current_app.config["SECRET_KEY"].encode("utf-8")
    return hmac.new(secret, f"{scope}|{address or '-'}".encode("utf-8"), hashlib.sha256).hexdigest()


CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


# Two years: browsers then refuse plain HTTP to this site, even for a typed http:// address.
STRICT_TRANSPORT_SECURITY = "max-age=63072000"


def _needs_signed_in_user() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return view is not None and getattr(view, "access", PUBLIC) != PUBLIC


def add_security_headers(response):
    if request.is_secure or current_app.config["HTTPS"]:
        response.headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
    if _needs_signed_in_user():
        # Nothing a signed-in page shows stays in a shared computer's or a proxy's cache.
        response.headers["Cache-Control"] = "no-store"
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(self)")
    return response
