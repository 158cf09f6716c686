"""Every committee table (a header and rows) for CSV or XLSX, built from the same protected figures as
the pages; ``voice.spreadsheets`` writes them."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from .privacy import TOTAL, Cell


def hidden_text(n: int) -> str:
    return _("fewer than %(n)d", n=n)


def _share(cell: Cell | None, n: int) -> Any:
    if cell is None or cell.hidden:
        return hidden_text(n)
    return round(100 * cell.share, 1) if cell.share is not None else ""


def _count(cell: Cell | None, n: int, hits: bool = False) -> Any:
    if cell is None or cell.hidden:
        return hidden_text(n)
    return cell.hits if hits else cell.count


def codes_table(view: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    n = view["threshold"]
    header = [_("Kind"), _("Code"), _("Label"), _("Residents raising it"), _("Share of residents (%)"),
              _("Change since the previous period (points)")]
    rows = []
    for kind, label in (("themes", _("Theme")), ("barriers", _("Barrier"))):
        for row in view[kind]:
            change = "" if row["change"] is None else round(row["change"], 1)
            rows.append([label, row["key"], row["label"], _count(row["cell"], n, hits=True),
                         _share(row["cell"], n), change])
    rows.append([_("All"), "", _("Residents in view"), _count(view["residents"], n), "", ""])
    return header, rows


def joined_table(view: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    n = view["threshold"]
    header = [_("Place"), _("Group"), _("Indicator value (%(period)s)", period=view["period"] or ""),
              _("Residents"), _("Residents raising linked codes (%)")]
    rows = []
    for row in view["rows"]:
        rows.append([row["label"], _("Everyone"), _value(row["value"], n), _count(row["residents"], n),
                     _share(row["residents"], n)])
        for group in view["groups"]:
            cell = row["residents_by_group"].get(group)
            rows.append([row["label"], group, _value(row["groups"].get(group), n), _count(cell, n), _share(cell, n)])
    return header, rows


def barriers_table(view: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    n = view["threshold"]
    header = [_("Place")] + [b["label"] for b in view["barriers"]]
    rows = []
    for row in view["rows"]:
        rows.append([row["label"]] + [_share(b["grid"].cells.get((row["geography"].id, TOTAL)), n)
                                      for b in view["barriers"]])
    return header, rows


def trend_table(view: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    n = view["threshold"]
    header = [_("Place")] + list(view["periods"])
    return header, [[row["label"]] + [_value(v, n) for v in row["trend"]] for row in view["rows"]]


def _value(value: float | None, n: int) -> Any:
    return hidden_text(n) if value is None else value

