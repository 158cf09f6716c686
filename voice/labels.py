"""Display labels of the models' enumerations, shared by the blueprints that show them."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from .models import ROLES, SESSION_KINDS

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


def session_kind_choices() -> list[tuple[str, str]]:
    return [(kind, SESSION_KIND_LABELS[kind]) for kind in SESSION_KINDS]


def role_choices() -> list[tuple[str, str]]:
    return [(role, ROLE_LABELS[role]) for role in ROLES]
