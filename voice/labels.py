"""Display labels of the models' enumerations, shared by the blueprints that show them."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from .models import SESSION_KINDS

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
