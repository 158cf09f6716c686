"""Display labels of the models' enumerations, shared by the blueprints that show them."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from .models import CHANNELS, ROLES, SESSION_KINDS

ROLE_LABELS = {
    "admin": _l("Administrator"),
    "analyst": _l("Analyst"),
    "facilitator": _l("Facilitator"),
    "canvasser": _l("Canvasser"),
    "committee": _l("Committee member"),
}

SESSION_KIND_LABELS = {
    "house_party": _l("House party"),
    "forum": _l("Community forum"),
    "town_hall": _l("Town hall"),
    "parent": _l("Parent session"),
    "provider": _l("Provider session"),
    "youth": _l("Youth session"),
    "other": _l("Other"),
}

# Survey channels; a listening-session comment's channel is its session's kind.
CHANNEL_LABELS = {
    "online": _l("Online survey"),
    "canvass": _l("Door-to-door survey"),
    "paper": _l("Paper survey"),
}


def channel_label(channel: str | None) -> str:
    """A channel in words: a survey channel, else the kind of listening session."""
    if channel in CHANNEL_LABELS:
        return str(CHANNEL_LABELS[channel])
    if channel in SESSION_KIND_LABELS:
        return str(SESSION_KIND_LABELS[channel])
    return channel or ""


def channel_groups(channels) -> list[tuple[str, list[tuple[str, str]]]]:
    """A channel picker's (heading, [(channel, label)]) groups: surveys apart from listening
    sessions, so that a "parent session" never reads as a kind of person."""
    surveys = [(channel, channel_label(channel)) for channel in CHANNELS if channel in channels]
    sessions = [(channel, channel_label(channel)) for channel in channels if channel not in CHANNELS]
    return [(str(heading), choices) for heading, choices in ((_l("Surveys"), surveys),
                                                             (_l("Listening sessions"), sessions)) if choices]


def session_kind_choices() -> list[tuple[str, str]]:
    return [(kind, SESSION_KIND_LABELS[kind]) for kind in SESSION_KINDS]


def role_choices() -> list[tuple[str, str]]:
    return [(role, ROLE_LABELS[role]) for role in ROLES]
