"""Form fields and patterns that several blueprints' forms share."""
from __future__ import annotations

import re

from wtforms import SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget

# A short name in addresses (/s/<slug>, /campaigns/<slug>): lower-case words joined by single hyphens.
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class CheckboxesField(SelectMultipleField):
    """A multiple choice drawn as a list of checkboxes rather than a select box."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
