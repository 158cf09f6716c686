"""Tagging VoiceItems through the nlp library: batches, idempotence, human tags, jobs, models."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from voice import create_app
from voice.extensions import db
from voice.jobs import queue_job
from voice.models import Campaign, Code, Comment, Job, ListeningSession, NlpModel, Tag, VoiceItem
from voice.models.base import utcnow
from voice.nlp_adapter import count_stale_items, import_codebook, load_model, run_tagging, train_model

from ...conftest import _base_config
from ...helpers import SHARED_FIXTURES, post_form

TEXTS = [
    ("en", "The kindergarten is far too expensive and there is no bus to get there. Call me on 050-123-4567."),
    ("he", "הגן יקר מדי ואין מקום ברשימת ההמתנה"),
    ("es", "No entiendo los formularios porque solo están en inglés"),
    ("ar", "الحضانة مكلفة جدا ولا توجد مواصلات"),
    ("ru", "Садик слишком дорогой, а очередь на год"),
    ("fr", "Les horaires de la crèche ne collent pas avec mon travail"),
    ("en", "Transport is no problem for us, but the opening hours are impossible."),
]


@pytest.fixture
def campaign(app):
    import_codebook()
    campaign = Campaign(slug="c", name="C", languages=["en", "he"], group_keys=["role"])
    session = ListeningSession(campaign=campaign, kind="forum", title="Forum", held_at=utcnow())
    session.comments = [Comment(position=i, text=text, language=language) for i, (language, text) in enumerate(TEXTS)]
    db.session.add_all([campaign, session])
    db.session.flush()
    for comment in session.comments:
        db.session.add(VoiceItem.for_comment(comment, session))
    db.session.commit()
    return campaign


def _tags(item_text_start: str) -> dict[str, str]:
    item = next(item for item in db.session.scalars(select(VoiceItem))
                if item.original_text.startswith(item_text_start))
    return {tag.code.key: tag.source for tag in item.tags}


def test_every_item_is_tagged_with_evidence_and_redacted(campaign):
    result = run_tagging(batch_size=3)  # several batches
    assert result["items"] == len(TEXTS)
    items = db.session.scalars(select(VoiceItem)).all()
    assert all(item.tagged_at and item.nlp_version and item.redacted_text for item in items)
    english = next(item for item in items if item.original_text.startswith("The kindergarten"))
    assert "050-123-4567" not in english.redacted_text and "[PHONE]" in english.redacted_text
    keys = {tag.code.key for tag in english.tags}
    assert {"barrier.cost", "barrier.transport"} <= keys
    cost = next(tag for tag in english.tags if tag.code.key == "barrier.cost")
    start, end = cost.evidence[0]
    assert english.original_text[start:end].lower() in {"expensive", "too expensive", "far too expensive"}
    assert "barrier.cost" in _tags("הגן יקר")
    assert "barrier.transport" not in _tags("Transport is no problem")


def test_a_second_run_does_nothing_and_a_codebook_change_retags(campaign):
    run_tagging()
    before = db.session.scalar(select(func.count(Tag.id)))
    assert count_stale_items() == 0
    assert run_tagging() == {"items": 0, "tags": 0}
    assert db.session.scalar(select(func.count(Tag.id))) == before
    code = db.session.scalar(select(Code).where(Code.key == "barrier.schedule"))
    code.keywords = {**code.keywords, "fr": [*code.keywords.get("fr", []), "collent"]}
    db.session.commit()
    assert count_stale_items() == len(TEXTS)
    run_tagging()
    assert "barrier.schedule" in _tags("Les horaires")


def test_human_tags_survive_a_rerun(campaign, users):
    run_tagging()
    item = next(item for item in db.session.scalars(select(VoiceItem)) if item.original_text.startswith("Садик"))
    parks = db.session.scalar(select(Code).where(Code.key == "theme.parks"))
    db.session.add(Tag(item=item, code=parks, source="human", coder_id=users["analyst"].id))
    db.session.commit()
    code = db.session.scalar(select(Code).where(Code.key == "barrier.cost"))
    code.descriptions = {**code.descriptions, "en": "Money, changed"}
    db.session.commit()
    run_tagging()
    assert _tags("Садик")["theme.parks"] == "human"


def test_jobs_record_progress_and_failures(campaign, users, monkeypatch):
    job = queue_job("nlp_run", actor=users["analyst"])
    db.session.refresh(job)
    assert job.status == "done" and job.done == job.total == len(TEXTS) and job.percent == 100
    monkeypatch.setattr("voice.jobs.nlp_adapter.run_tagging", lambda **kw: 1 / 0)
    failed = queue_job("nlp_run", actor=users["analyst"])
    db.session.refresh(failed)
    assert failed.status == "failed" and "division by zero" in failed.error


def test_training_from_human_tags_makes_a_current_model_that_tags(campaign, users):
    run_tagging()
    row = train_model(actor=users["analyst"])  # rule tags serve as weak labels while human ones are few
    assert row.is_current and NlpModel.current().model_id == row.model_id
    model = load_model(row)
    assert model.model_id_ == row.model_id
    assert count_stale_items() == len(TEXTS)  # a new model means items are tagged again
    run_tagging()
    assert db.session.scalar(select(VoiceItem).where(VoiceItem.nlp_version.is_(None))) is None


def test_nlp_page_shows_progress_and_starts_runs(client, campaign, signed_in):
    signed_in("analyst")
    page = client.get("/coding/nlp").get_data(as_text=True)
    assert "Tag new and changed items" in page
    response = post_form(client, "/coding/nlp/run", {}, token_from="/coding/nlp")
    assert response.status_code == 302
    job = db.session.scalar(select(Job).order_by(Job.id.desc()))
    assert job.status == "done"
    status = client.get(f"/coding/jobs/{job.id}.json").get_json()
    assert status["percent"] == 100 and status["result"]["items"] == len(TEXTS)


def test_cli_run_and_train(runner, campaign):
    result = runner.invoke(args=["nlp", "run"])
    assert result.exit_code == 0, result.output
    assert f"Tagged {len(TEXTS)} items" in result.output
    again = runner.invoke(args=["nlp", "run"])
    assert "Tagged 0 items" in again.output
    trained = runner.invoke(args=["nlp", "train"])
    assert trained.exit_code == 0, trained.output
    assert "Cross-validated micro F1" in trained.output


def test_cli_refuses_an_unknown_campaign(runner, campaign):
    result = runner.invoke(args=["nlp", "run", "--campaign", "nope"])
    assert result.exit_code != 0 and "no campaign" in result.output


def test_cli_evaluate_on_the_shared_labelled_set(runner, app):
    data = SHARED_FIXTURES / "nlp" / "disaster_response_validation.csv"
    if not data.exists():
        pytest.skip(f"{data} is absent (the shared fixtures live beside the project root)")
    result = runner.invoke(args=["nlp", "evaluate", "--data", str(data), "--map",
                                 str(SHARED_FIXTURES / "nlp" / "disaster_response.map.yaml"),
                                 "--train-size", "300", "--folds", "2", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["n_items"] == 1046 and set(report["methods"]) == {"rules", "model", "combined", "baseline"}
    for method in report["methods"].values():
        assert 0 <= method["micro_f1"] <= 1 and "theme.food" in method["codes"]


def test_cli_evaluate_reports_bad_input(runner, app, tmp_path):
    data = tmp_path / "data.csv"
    data.write_text("text,food\nhungry,1\n")
    mapping = tmp_path / "map.yaml"
    mapping.write_text("text_column: message\ncodes:\n  theme.food: [food]\n")
    result = runner.invoke(args=["nlp", "evaluate", "--data", str(data), "--map", str(mapping)])
    assert result.exit_code != 0 and "message" in result.output


def test_cli_evaluate_needs_no_database(tmp_path):
    # A database file with no tables at all: scoring a CSV must not touch it.
    empty = tmp_path / "empty.sqlite3"
    app = create_app(_base_config(tmp_path / "instance", f"sqlite:///{empty}"))
    data = tmp_path / "data.csv"
    data.write_text("text,food\nwe need food,1\nno food at home,1\nthe bus is late,0\n"
                    "hungry children,1\nnice park,0\nthank you,0\n", encoding="utf-8")
    mapping = tmp_path / "map.yaml"
    mapping.write_text("text_column: text\ncodes:\n  theme.food: [food]\n", encoding="utf-8")
    with app.app_context():
        result = app.test_cli_runner().invoke(
            args=["nlp", "evaluate", "--data", str(data), "--map", str(mapping), "--folds", "2", "--json"])
        assert result.exit_code == 0, result.output
        report = json.loads(result.stdout)
        assert report["codebook"] == "shipped" and report["n_items"] == 6
        assert not sa.inspect(db.engine).get_table_names()
        db.engine.dispose()


def test_cli_evaluate_uses_the_curated_codebook_when_there_is_one(runner, app, tmp_path):
    import_codebook()
    db.session.commit()
    data = tmp_path / "data.csv"
    data.write_text("text,food\nwe need food,1\nno food at home,1\nthe bus is late,0\n"
                    "hungry children,1\nnice park,0\nthank you,0\n", encoding="utf-8")
    mapping = tmp_path / "map.yaml"
    mapping.write_text("text_column: text\ncodes:\n  theme.food: [food]\n", encoding="utf-8")
    result = runner.invoke(args=["nlp", "evaluate", "--data", str(data), "--map", str(mapping), "--folds", "2"])
    assert result.exit_code == 0, result.output
    assert "Codebook: database" in result.output and "macro vs baseline" in result.output
