"""The ``voice`` command group: ``voice init-db``, ``voice demo``, ``voice nlp …``, ``voice keys …``,
``voice retention …``; each blueprint
adds its own commands (``voice create-admin``, ``voice surveys …``) in its ``init_app``."""
from __future__ import annotations

import json
from datetime import date

import click
from babel import Locale
from flask import Flask, current_app
from flask_migrate import upgrade

from . import keys
from .crypto import new_key

from .demo.loader import DemoRefused, load_demo
from .extensions import db
from .jobs import execute_job
from .models import Campaign, Job
from .nlp_adapter import evaluate_labelled_file, format_evaluation
from .retention import apply_retention


def init_app(app: Flask) -> None:
    app.cli.add_command(init_db)
    app.cli.add_command(demo)
    app.cli.add_command(nlp_group)
    app.cli.add_command(keys_group)
    app.cli.add_command(retention_group)


@click.command("init-db")
def init_db() -> None:
    """Create or upgrade the database to the newest schema (safe to run again)."""
    upgrade()
    ring = current_app.extensions["data_keys"]
    keys.register(ring.current)  # from now on, a start with another key is refused
    click.echo("Database is at the newest schema.")
    clear = sum(keys.pending(ring).values())
    if clear:
        click.echo(f"{clear} stored values are not under the current data key yet: run `voice keys encrypt`.")


@click.command("demo")
@click.option("--url", default="http://127.0.0.1:5000", show_default=True,
              help="Where the server answers (`voice run`'s default), for the sign-in address printed.")
def demo(url: str) -> None:
    """Fill an empty database with the demo campaign and print how to sign in."""
    try:
        summary = load_demo()
    except DemoRefused:
        raise click.ClickException(
            "This database already has campaigns or users, so the demo was not loaded. "
            "Use an empty database (e.g. VOICE_DATABASE_URL=sqlite:////tmp/voice-demo.sqlite3).")
    click.echo("Demo campaign loaded." if summary.created else "The demo campaign is already loaded.")
    click.echo("  " + ", ".join(f"{count} {name}" for name, count in summary.counts.items()))
    click.echo(f"Sign in at {url.rstrip('/')}/auth/sign-in with any of these demo accounts. Each opens in "
               "its own language; the language links at the top of every page switch it.")
    for role, email, password, locale in summary.users:
        click.echo(f"  {role:<12} {email:<32} {password}  {Locale.parse(locale).english_name}")


@click.group("nlp")
def nlp_group() -> None:
    """Tag residents' words, train the model from coders, evaluate on labelled data."""


@nlp_group.command("run")
@click.option("--campaign", "campaign_slug", help="Only this campaign's items (default: all).")
def nlp_run(campaign_slug: str | None) -> None:
    """Tag every item that is new or whose codebook or model changed (safe to repeat)."""
    campaign_id = _campaign_id(campaign_slug)
    job = Job(kind="nlp_run", params={"campaign_id": campaign_id})
    db.session.add(job)
    db.session.commit()
    with click.progressbar(length=1, label="Tagging", show_pos=True) as bar:
        def show(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(done - bar.pos)
        job = execute_job(job.id, on_progress=show)
    if job.status == "failed":
        raise click.ClickException(f"Tagging failed: {job.error}")
    click.echo(f"Tagged {job.result['items']} items ({job.result['tags']} machine tags).")


@nlp_group.command("train")
@click.option("--campaign", "campaign_slug", help="Only this campaign's items (default: all).")
def nlp_train(campaign_slug: str | None) -> None:
    """Retrain the model from human tags and report its cross-validated metrics."""
    job = Job(kind="nlp_train", params={"campaign_id": _campaign_id(campaign_slug)})
    db.session.add(job)
    db.session.commit()
    job = execute_job(job.id)
    if job.status == "failed":
        raise click.ClickException(f"Training failed: {job.error}")
    counts, metrics = job.result["training_counts"], job.result["metrics"]
    click.echo(f"Model {job.result['model_id']} trained on {counts['human']} human-coded and "
               f"{counts['weak']} rule-tagged items.")
    click.echo(format_metrics(metrics))
    click.echo("Run `voice nlp run` to tag items with it.")


@nlp_group.command("evaluate")
@click.option("--data", "data_path", required=True, type=click.Path(exists=True, dir_okay=False),
              help="Labelled CSV.")
@click.option("--map", "map_path", required=True, type=click.Path(exists=True, dir_okay=False),
              help="YAML map from label columns to codebook codes.")
@click.option("--text-column", help="Column with the text (default: the map's text_column).")
@click.option("--train-size", type=click.IntRange(min=10), help="Items to train on in each fold.")
@click.option("--folds", type=click.IntRange(min=2), default=5, show_default=True,
              help="Cross-validation folds, or random splits with --train-size.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--codebook", "codebook_path", type=click.Path(exists=True, dir_okay=False),
              help="Codebook YAML (default: the database's codebook, or the shipped one when the "
                   "database has none).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def nlp_evaluate(data_path, map_path, text_column, train_size, folds, seed, codebook_path, as_json) -> None:
    """Rules, model and both against a class-weighted TF-IDF + logistic-regression baseline, per code.

    Needs no database: without one (or with no codes in it) the shipped codebook is used."""
    try:
        report = evaluate_labelled_file(data_path, map_path, codebook_path=codebook_path, text_column=text_column,
                                        train_size=train_size, folds=folds, seed=seed)
    except ValueError as error:
        raise click.ClickException(str(error))
    if not as_json:
        click.echo(f"Codebook: {report['codebook']}", err=True)
    click.echo(json.dumps(report, ensure_ascii=False) if as_json else format_evaluation(report))


@click.group("keys")
def keys_group() -> None:
    """The keys that encrypt residents' words at rest."""


@keys_group.command("encrypt")
@click.option("--batch", type=click.IntRange(min=1), default=keys.BATCH, show_default=True,
              help="Values per transaction.")
def keys_encrypt(batch: int) -> None:
    """Encrypt what is not under the current key yet (an older database's clear text, an
    unfinished rotation), batch by batch; stopped, run it again and it carries on."""
    _reencrypt(current_app.extensions["data_keys"], batch)


@keys_group.command("rotate")
@click.option("--batch", type=click.IntRange(min=1), default=keys.BATCH, show_default=True,
              help="Values per transaction.")
def keys_rotate(batch: int) -> None:
    """Put a new key first in the instance key file and re-encrypt every value under it. If a
    rotation was stopped half-way, this finishes it instead of starting another."""
    ring = current_app.extensions["data_keys"]
    if not keys.rotation_unfinished(ring):
        if ring.source == "environment":
            raise click.ClickException(
                "The keys come from VOICE_DATA_KEY: put a new key first in it (keep the old ones after it), "
                "restart, and run this again. `voice keys new` prints a new key.")
        ring = keys.add_key_to_file(ring, current_app.instance_path)
        current_app.extensions["data_keys"] = ring
        click.echo(f"New data key {ring.current.id} written first in {ring.source}. Restart the app's "
                   "processes so they write with it.")
    _reencrypt(ring, batch)


@keys_group.command("new")
def keys_new() -> None:
    """Print a new random key (id:base64) for VOICE_DATA_KEY; nothing is stored."""
    click.echo(new_key().encoded())


def _reencrypt(ring, batch: int) -> None:
    with click.progressbar(length=1, label=f"Encrypting under key {ring.current.id}", show_pos=True) as bar:
        def show(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(done - bar.pos)
        report = keys.reencrypt(ring, progress=show, batch=batch)
    for column, count in report.rewritten.items():
        click.echo(f"  {column}: {count} values")
    if report.unreadable:
        raise click.ClickException(
            f"{len(report.unreadable)} values fail authentication and were left as they are: "
            + ", ".join(report.unreadable[:20]) + ". Add the key they were written with, then run this again.")
    if report.retired:
        click.echo(f"Every value is under key {ring.current.id}. Key(s) {', '.join(report.retired)} are no longer "
                   f"needed and may be removed from {ring.source} (keep them with old backups).")
    else:
        click.echo(f"Every value is under key {ring.current.id}.")


@click.group("retention")
def retention_group() -> None:
    """Erase raw text when a campaign's retention period has run out."""


@retention_group.command("apply")
@click.option("--dry-run", is_flag=True, help="Print what would be erased; change nothing.")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), help="Act as if it were this day.")
def retention_apply(dry_run: bool, today) -> None:
    """Erase raw answers, comments, notes and addresses of campaigns past their period; redacted
    text, tags and counts stay. Each erasure is audited."""
    erasures = apply_retention(today.date() if today else date.today(), dry_run=dry_run)
    if not erasures:
        click.echo("No campaign is past its raw-text retention period.")
    for erasure in erasures:
        counts = ", ".join(f"{count} {name.replace('_', ' ')}" for name, count in erasure.counts().items()
                           if name != "waiting")
        verb = "Would erase" if dry_run else "Erased"
        click.echo(f"{erasure.campaign} (past its period since {erasure.due_since}): {verb} {counts}.")
        if erasure.waiting:
            click.echo(f"  {erasure.waiting} items keep their raw text until `voice nlp run` has redacted them.")


def _campaign_id(slug: str | None) -> int | None:
    if slug is None:
        return None
    campaign = Campaign.by_slug(slug)
    if campaign is None:
        raise click.BadParameter(f"no campaign with the short name {slug!r}", param_hint="--campaign")
    return campaign.id


def format_metrics(metrics: dict) -> str:
    """Cross-validated figures of a trained model: averages, then codes that have examples."""
    lines = [f"Cross-validated micro F1 {metrics.get('micro_f1', 0):.3f}, macro F1 {metrics.get('macro_f1', 0):.3f}"]
    for code, scores in sorted(metrics.get("codes", {}).items()):
        if scores.get("support"):
            lines.append(f"  {code:<28} P {scores['precision']:.2f}  R {scores['recall']:.2f}  "
                         f"F1 {scores['f1']:.2f}  ({scores['support']} examples)")
    return "\n".join(lines)
