"""``voice geographies import FILE`` and ``voice indicators import FILE``."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import gettext as _

from . import geographies, values
from .importing import ImportResult

geographies_command = AppGroup("geographies", help="Import neighbourhoods and other places (CSV or GeoJSON).")
indicators_command = AppGroup("indicators", help="Import formal indicator values (long CSV or XLSX).")


def _report(result: ImportResult) -> None:
    if not result.ok:
        for problem in result.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(_("The file has %(count)d problems. Nothing was stored.",
                                     count=len(result.problems)))
    click.echo(_("Imported: %(created)d new, %(updated)d updated, %(unchanged)d unchanged.",
                 created=result.created, updated=result.updated, unchanged=result.unchanged))


@geographies_command.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--lang", default=None, help="Language of the messages (default: the app's default).")
def import_geographies_command(path: Path, lang: str | None) -> None:
    """Create or update geographies from a CSV (code,name,level,parent,population,…) or GeoJSON file."""
    with current_app.test_request_context(query_string={"lang": lang} if lang else None):
        _report(geographies.import_geographies(path.read_bytes(), path.name))


@indicators_command.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--lang", default=None, help="Language of the messages (default: the app's default).")
def import_indicators_command(path: Path, lang: str | None) -> None:
    """Import indicator values (indicator,geography,period,group,value,numerator,denominator,source)."""
    with current_app.test_request_context(query_string={"lang": lang} if lang else None):
        _report(values.import_indicators(path.read_bytes(), path.name))
