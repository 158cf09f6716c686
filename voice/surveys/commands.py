"""``voice surveys import FILE.xlsx --campaign SLUG`` and ``voice surveys export SLUG``."""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import gettext as _

from ..models import Campaign, Survey
from ..problems import Invalid
from . import operations
from .views import import_error

surveys_command = AppGroup("surveys", help="Import and export surveys as XLSForms.")


@surveys_command.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--campaign", "campaign_slug", required=True, help="Short name of the campaign.")
@click.option("--slug", default=None, help="The survey's address (default: the form_id).")
@click.option("--publish", is_flag=True, help="Publish it at once (refused when translations are missing).")
@click.option("--lang", default=None, help="Language of the messages (default: the app's default).")
@click.option("--attach", "attached", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A file the form uses (select_one_from_file, pulldata, media); by default it is looked for "
                   "in FORM-media/ beside the form, then beside the form.")
def import_command(path: Path, campaign_slug: str, slug: str | None, publish: bool, lang: str | None,
                   attached: tuple[Path, ...]) -> None:
    """Import an XLSForm workbook as a new survey; on any problem nothing is stored. The files it
    names (choice lists, pulldata tables, media) are taken from --attach, else from FORM-media/
    beside it, else from beside it (as pyxform does)."""
    # Messages go through the same catalogs as the pages: a request context in the chosen language.
    with current_app.test_request_context(query_string={"lang": lang} if lang else None):
        _import(path, campaign_slug, slug, publish, FilesBeside(path, attached))


def _import(path: Path, campaign_slug: str, slug: str | None, publish: bool, attachments: Mapping[str, bytes]
            ) -> None:
    campaign = Campaign.by_slug(campaign_slug)
    if campaign is None:
        raise click.ClickException(_("There is no campaign with the short name %(slug)s.", slug=campaign_slug))
    try:
        imported = operations.import_survey(campaign, path.read_bytes(), slug=slug, actor=None, filename=path.name,
                                            attachments=attachments)
    except Invalid as err:
        raise click.ClickException(f"{path.name}: {import_error(err)}")
    except operations.SlugTaken as err:
        raise click.ClickException(_("Another survey already uses the address %(slug)s.", slug=str(err)))
    survey = imported.survey
    for notice in imported.left_out:
        click.echo(f"{path.name}: {notice.located()}")
    questions = sum(1 for _q in operations.draft_definition(survey).items)
    if imported.new_version:
        click.echo(_("Imported %(file)s as the new draft of the survey %(slug)s (%(count)d items).",
                     file=path.name, slug=survey.slug, count=questions))
    else:
        click.echo(_("Imported %(file)s as the survey %(slug)s (%(count)d items).", file=path.name,
                     slug=survey.slug, count=questions))
    if publish:
        try:
            version = operations.publish(survey, actor=None)
        except operations.PublishBlocked as blocked:
            raise click.ClickException(_("Imported as a draft but not published: %(count)d problems and "
                                         "%(missing)d missing translations.", count=len(blocked.problems),
                                         missing=len(blocked.missing)))
        click.echo(_("Published version %(number)d.", number=version.number if version else 1))


class FilesBeside(Mapping):
    """The files a form names, by name, each read only when the form names it: those given with
    --attach, else its ``FORM-media`` folder's (ODK's convention), else its own folder's."""

    def __init__(self, form: Path, attached: tuple[Path, ...] = ()):
        self.folders = (form.with_name(f"{form.stem}-media"), form.parent)
        self.attached = {path.name: path for path in attached}

    def _path(self, name: str) -> Path | None:
        if Path(name).name != name:  # a bare file name only: never ../ out of the folders
            return None
        if name in self.attached:
            return self.attached[name]
        return next((folder / name for folder in self.folders if (folder / name).is_file()), None)

    def __getitem__(self, name: str) -> bytes:
        path = self._path(name)
        if path is None:
            raise KeyError(name)
        return path.read_bytes()

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._path(name) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(set(self.attached) | {p.name for folder in self.folders if folder.is_dir()
                                                 for p in folder.iterdir() if p.is_file()}))

    def __len__(self) -> int:
        return sum(1 for _name in self)


@surveys_command.command("export")
@click.argument("slug")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None)
def export_command(slug: str, output: Path | None) -> None:
    """Write a survey's draft as an XLSForm workbook, and beside it the files the form uses."""
    with current_app.test_request_context():
        _export(slug, output)


def _export(slug: str, output: Path | None) -> None:
    survey = Survey.by_slug(slug)
    if survey is None:
        raise click.ClickException(_("There is no survey with the address %(slug)s.", slug=slug))
    target = output or Path(f"{slug}.xlsx")
    target.write_bytes(operations.export_survey(survey))
    click.echo(str(target))
    for name, content in operations.export_survey_files(survey).items():
        beside = target.parent / Path(name).name
        beside.write_bytes(content)
        click.echo(str(beside))
