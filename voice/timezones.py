"""Campaign time zones: people read and type times in their campaign's zone; the database keeps UTC.

A zone is an IANA name ("Asia/Jerusalem") checked against the standard library's ``zoneinfo``.
Flask-Babel's filters use one site-wide zone, so a campaign's zone is passed to Babel explicitly.
"""
from __future__ import annotations

from datetime import date, datetime, time, timezone
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from babel.dates import format_date, format_time, get_datetime_format
from flask import g
from flask_babel import get_locale
from sqlalchemy import select

from .extensions import db
from .models import Campaign

DEFAULT_ZONE = "UTC"


@cache
def zone_names() -> tuple[str, ...]:
    return tuple(sorted(available_timezones() | {DEFAULT_ZONE}))


def is_zone(name: str | None) -> bool:
    return bool(name) and name in zone_names()


def zone(name: str | None) -> ZoneInfo:
    """The zone of that name; UTC for an empty or unknown one (stored names are checked on entry)."""
    return ZoneInfo(name if is_zone(name) else DEFAULT_ZONE)


def local(moment: datetime, name: str | None) -> datetime:
    """A stored moment (naive ones are UTC, as SQLite hands them back) as the zone's wall time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(zone(name))


def to_utc(day: date, clock: time, name: str | None) -> datetime:
    """A date and time typed in the zone, as the UTC moment to store."""
    return datetime.combine(day, clock, zone(name)).astimezone(timezone.utc)


def format_local(moment: datetime | None, name: str | None, format: str = "medium") -> str:
    """A moment as people read it: in the zone, in the page's language, with the zone's abbreviation."""
    if moment is None:
        return ""
    shown = local(moment, name)
    locale = get_locale()
    # The date in ``format``, the time to the minute: seconds are noise to a reader.
    text = get_datetime_format(format, locale=locale).replace(
        "{0}", format_time(shown, "short", tzinfo=shown.tzinfo, locale=locale)).replace(
        "{1}", format_date(shown, format, locale=locale))
    return f"{text} {shown.tzname()}"


def local_iso(moment: datetime | None, name: str | None) -> str:
    """A moment for a file: the zone's wall time with its UTC offset (2025-10-07 19:00:00+03:00)."""
    return local(moment, name).isoformat(sep=" ", timespec="seconds") if moment else ""


def site_zone() -> str:
    """For times that belong to no campaign (codebook, models): the campaigns' zone if they share one."""
    if "site_zone" not in g:
        zones = set(db.session.scalars(select(Campaign.time_zone).distinct()))
        g.site_zone = zones.pop() if len(zones) == 1 else DEFAULT_ZONE
    return g.site_zone
