"""``voice canvass import-queue FILE``: replay a tablet's exported queue."""
from __future__ import annotations

from pathlib import Path

import click

from . import queue


@click.group("canvass")
def canvass_command() -> None:
    """Door-to-door canvassing."""


@click.command("import-queue")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_queue(path: Path) -> None:
    """Store the records of a tablet's exported queue (each once; replays change nothing)."""
    result = queue.import_queue(path.read_bytes(), actor=None)
    for problem in result.problems:
        prefix = f"record {problem.line}: " if problem.line else ""
        click.echo(prefix + problem.message, err=True)
    if result.problems:
        raise click.ClickException(f"{len(result.problems)} problems: nothing was stored.")
    for conflict in result.conflicts:
        click.echo(conflict.message, err=True)
    click.echo(f"{result.created} stored, {result.replayed} already stored, {len(result.conflicts)} conflicts.")
    if result.conflicts:
        raise SystemExit(1)


canvass_command.add_command(import_queue)
