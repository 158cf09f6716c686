"""Settings read from ``VOICE_*`` environment variables.

Every setting is declared in ``SETTINGS`` with a parser. An unknown ``VOICE_*`` variable or a
value that does not parse stops the app at start with a message naming the variable, so a
typo never silently falls back to a default.
"""
from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from .crypto import parse_keys


class ConfigError(RuntimeError):
    """A VOICE_* setting is unknown or malformed."""


def _url(value: str) -> str:
    try:
        make_url(value)
    except ArgumentError as exc:
        raise ValueError(f"not a database URL ({exc})") from None
    return value


def _min_group_size(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError("must be a whole number of at least 1")
    return number


def _proxy_count(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError("must be a whole number of at least 0")
    return number


def _yes_no(value: str) -> bool:
    answers = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}
    if value.lower() not in answers:
        raise ValueError("must be 1 or 0")
    return answers[value.lower()]


def _broker_url(value: str) -> str:
    if not value.startswith(("redis://", "rediss://", "amqp://", "memory://")):
        raise ValueError("must be a redis://, rediss://, amqp:// or memory:// URL")
    return value


def _queue_name(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,100}", value):
        raise ValueError("use letters, digits, '.', '_' and '-' only")
    return value


def _data_keys(value: str) -> str:
    parse_keys(value)  # a malformed key stops the app at start, naming the variable
    return value


def _regions(value: str) -> tuple[str, ...]:
    regions = tuple(part.strip().upper() for part in value.split(",") if part.strip())
    if not regions or any(len(r) != 2 or not r.isalpha() for r in regions):
        raise ValueError("must be a comma-separated list of two-letter country codes, e.g. IL,US")
    return regions


@dataclass(frozen=True)
class Setting:
    config_key: str
    parse: Callable[[str], Any]
    help: str
    secret: bool = False  # its value never appears in a message


SETTINGS: Mapping[str, Setting] = {
    "VOICE_DATABASE_URL": Setting(
        "SQLALCHEMY_DATABASE_URI", _url, "SQLAlchemy URL; default: SQLite file in the instance folder"),
    "VOICE_SECRET_KEY": Setting(
        "SECRET_KEY", str, "session signing key; default: generated once into the instance folder"),
    "VOICE_DATA_KEY": Setting(
        "DATA_KEYS", _data_keys,
        "keys that encrypt residents' words, id:base64 of 32 bytes, newest first, comma-separated; "
        "default: generated once into the instance folder", secret=True),
    "VOICE_SUPPRESSION_MIN": Setting(
        "SUPPRESSION_MIN", _min_group_size, "smallest group count shown to the committee (default 5)"),
    "VOICE_CELERY_BROKER_URL": Setting(
        "CELERY_BROKER_URL", _broker_url, "Celery broker; unset: background jobs run in-process"),
    "VOICE_CELERY_QUEUE": Setting(
        "CELERY_QUEUE", _queue_name, "Celery queue, so that several installs can share one broker (default voice)"),
    "VOICE_RATELIMIT_STORAGE_URL": Setting(
        "RATELIMIT_STORAGE_URL", _broker_url, "Redis URL shared by all server processes for rate limits"),
    "VOICE_INTAKE_PER_HOUR": Setting(
        "INTAKE_PER_HOUR", _min_group_size, "online survey submissions allowed per address per hour (default 60)"),
    "VOICE_PHONE_REGIONS": Setting(
        "PHONE_REGIONS", _regions, "country codes whose phone numbers are redacted (default IL,US)"),
    "VOICE_TRUSTED_PROXIES": Setting(
        "TRUSTED_PROXIES", _proxy_count,
        "reverse proxies in front of the app whose X-Forwarded-For/-Proto are believed (default 0)"),
    "VOICE_HTTPS": Setting(
        "HTTPS", _yes_no, "1 when served over HTTPS: secure cookies and HSTS (default 0)"),
}

# Read by the test suite, not by the app: known so that they do not trip the unknown check.
NOT_APP_SETTINGS = {"VOICE_TEST_DATABASE_URL", "VOICE_TEST_REDIS_URL"}

DEFAULTS: dict[str, Any] = {
    "SUPPRESSION_MIN": 5,
    "CELERY_BROKER_URL": None,
    "CELERY_QUEUE": "voice",
    "RATELIMIT_STORAGE_URL": None,
    "PHONE_REGIONS": ("IL", "US"),
    "TRUSTED_PROXIES": 0,
    "HTTPS": False,
    "LANGUAGES": ("en", "es", "he", "ar", "ru", "am", "fr"),
    "BABEL_DEFAULT_LOCALE": "en",
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_DURATION": 0,
    "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the server-side session
    # Argon2id cost; the defaults of argon2-cffi follow RFC 9106's second recommendation.
    "ARGON2_TIME_COST": 3,
    "ARGON2_MEMORY_COST": 65536,
    # Failed sign-ins allowed per minute: for one account from one address, and from one address.
    "SIGN_IN_FAILURES_PER_MINUTE": 5,
    "SIGN_IN_FAILURES_PER_ADDRESS_PER_MINUTE": 20,
    "INTAKE_PER_HOUR": 60,
    # How long a process trusts the committee's summary tables before it checks them again.
    "REVIEW_FRESHNESS_SECONDS": 30,
    # The largest request read (uploads: forms, indicator files, notes, a tablet's queue file);
    # a larger one is answered 413 before any of it is read.
    "MAX_CONTENT_LENGTH": 32 * 1024 * 1024,
}


def settings_from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """Parse every VOICE_* variable; raise ConfigError listing all problems at once."""
    values: dict[str, Any] = {}
    problems: list[str] = []
    for name, raw in sorted(environ.items()):
        if not name.startswith("VOICE_") or name in NOT_APP_SETTINGS:
            continue
        setting = SETTINGS.get(name)
        if setting is None:
            known = ", ".join(sorted(SETTINGS))
            problems.append(f"{name} is not a Community Voice setting (known: {known})")
            continue
        try:
            values[setting.config_key] = setting.parse(raw.strip())
        except ValueError as exc:
            shown = "(value hidden)" if setting.secret else repr(raw)
            problems.append(f"{name}={shown}: {exc}")
    if problems:
        raise ConfigError("Invalid configuration:\n  " + "\n  ".join(problems))
    return values


def instance_secret_key(instance_path: str) -> str:
    """The key kept in the instance folder, created on first run (never a key in code)."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()


def build_config(instance_path: str, environ: Mapping[str, str], overrides: Mapping[str, Any] | None):
    """Defaults, then the environment, then explicit overrides (tests, embedding)."""
    config = dict(DEFAULTS)
    config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(Path(instance_path) / "voice.sqlite3")
    config.update(settings_from_environment(environ))
    config.update(overrides or {})
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = instance_secret_key(instance_path)
    if config["HTTPS"]:
        # Cookies that a browser never sends over plain HTTP, so no network can read them.
        config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True, PREFERRED_URL_SCHEME="https")
    return config
