"""The codebook editor: edit, preview, merge, split, YAML import and export, all audited."""
from __future__ import annotations

from sqlalchemy import func, select

from nlp import load_codebook
from voice.extensions import db
from voice.models import AuditEvent, Code, Tag, VoiceItem
from voice.nlp_adapter import codebook_from_database, count_stale_items, run_tagging

from ...helpers import post_form


def _code(key: str) -> Code:
    return db.session.scalar(select(Code).where(Code.key == key))


def _item(start: str) -> VoiceItem:
    # The original is encrypted at rest: it is compared here, not by SQL.
    return next(item for item in db.session.scalars(select(VoiceItem)) if item.original_text.startswith(start))


def test_codebook_page_shows_the_tree_and_labels_in_the_ui_language(client, tagged, signed_in):
    signed_in("analyst")
    page = client.get("/coding/codebook").get_data(as_text=True)
    assert "Themes" in page and "Barriers" in page and "barrier.cost" in page
    cost = _code("barrier.cost")
    hebrew = client.get("/coding/codebook?lang=he").get_data(as_text=True)
    assert cost.labels["he"] in hebrew


def test_editing_keywords_is_audited_and_makes_items_stale(client, tagged, signed_in):
    signed_in("analyst")
    code = _code("barrier.schedule")
    assert count_stale_items() == 0
    page = client.get(f"/coding/codebook/{code.id}").get_data(as_text=True)
    assert 'name="keywords_fr"' in page and 'name="label_he"' in page  # every campaign language
    data = {"key": code.key, "kind": code.kind, "parent": "0"}
    for language in ("en", "es", "he", "fr", "ar", "ru", "am"):
        data[f"label_{language}"] = code.labels.get(language, "")
        data[f"description_{language}"] = code.descriptions.get(language, "")
        data[f"keywords_{language}"] = ", ".join(code.keywords.get(language, []))
    data["keywords_fr"] += ", collent"
    response = post_form(client, f"/coding/codebook/{code.id}", data)
    assert response.status_code == 302
    db.session.refresh(code)
    assert "collent" in code.keywords["fr"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "code.update"))
    assert "collent" not in event.details["before"]["keywords"].get("fr", [])
    assert "collent" in event.details["after"]["keywords"]["fr"]
    assert event.details["codebook_before"] != event.details["codebook_after"]
    assert count_stale_items() == len(db.session.scalars(select(VoiceItem)).all())
    page = client.get("/coding/codebook").get_data(as_text=True)
    assert "will be re-tagged" in page
    run_tagging()
    assert "barrier.schedule" in {tag.code.key for tag in _item("Les horaires").tags}


def test_new_code_with_a_bad_key_is_refused(client, tagged, signed_in):
    signed_in("analyst")
    before = db.session.scalar(select(func.count(Code.id)))
    response = post_form(client, "/coding/codebook/new", {"key": "Not A Key", "kind": "theme", "parent": "0",
                                                          "label_en": "Bad"})
    assert response.status_code == 200 and "lower-case words joined by dots" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Code.id))) == before


def test_refusals_are_shown_in_the_readers_language(client, tagged, signed_in):
    signed_in("analyst")
    taken = post_form(client, "/coding/codebook/new?lang=es", {"key": "barrier.cost", "kind": "barrier",
                                                               "parent": "0", "label_en": "Again"})
    assert "La clave barrier.cost ya está en uso." in taken.get_data(as_text=True)
    report = post_form(client, "/coding/codebook/import?lang=es", {"text": "- just a list\n"})
    assert "Línea 1: El archivo debe ser un mapeo" in report.get_data(as_text=True)


def test_keyword_preview_marks_matching_items(client, tagged, signed_in):
    signed_in("analyst")
    preview = client.get("/coding/codebook/preview.json?language=en&keywords=playground,%20river").get_json()
    assert preview["matched"] == 1 and preview["sample"] == 5
    parts = preview["items"][0]["parts"]
    assert ["playground", True] in parts and ["river", True] in parts
    # The no-script fallback: the same preview rendered in the page.
    code = _code("theme.parks")
    page = post_form(client, f"/coding/codebook/{code.id}", {"preview": "1", "keywords_en": "playground"}).get_data(
        as_text=True)
    assert "<mark>playground</mark>" in page


def test_merge_moves_tags_and_retires_the_merged_code(client, tagged, signed_in, users):
    analyst = signed_in("analyst")
    fees, cost = _code("barrier.transport"), _code("barrier.cost")
    item = _item("The fees")
    db.session.add(Tag(item_id=item.id, code_id=fees.id, source="human", applies=True, coder_id=analyst.id))
    db.session.commit()
    fee_tags = db.session.scalar(select(func.count(Tag.id)).where(Tag.code_id == fees.id))
    assert fee_tags >= 2
    response = post_form(client, f"/coding/codebook/{fees.id}/merge", {"into": str(cost.id)},
                         token_from=f"/coding/codebook/{fees.id}")
    assert response.status_code == 302
    db.session.refresh(fees)
    assert fees.retired and db.session.get(Code, fees.id) is not None  # kept, not deleted
    assert db.session.scalar(select(func.count(Tag.id)).where(Tag.code_id == fees.id)) == 0
    human = db.session.scalar(select(Tag).where(Tag.item_id == item.id, Tag.code_id == cost.id, Tag.source == "human"))
    assert human is not None and human.applies
    assert set(fees.keywords["en"]) <= set(_code("barrier.cost").keywords["en"])
    assert "barrier.transport" not in codebook_from_database()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "code.merge"))
    assert event.details["before"]["merged"]["retired"] is False and event.details["after"]["merged"]["retired"]


def test_split_moves_chosen_human_tags_to_a_new_code(client, tagged, signed_in):
    analyst = signed_in("analyst")
    cost = _code("barrier.cost")
    first, second = _item("The kindergarten"), _item("The fees")
    for item in (first, second):
        db.session.add(Tag(item_id=item.id, code_id=cost.id, source="human", applies=True, coder_id=analyst.id))
    db.session.commit()
    page = client.get(f"/coding/codebook/{cost.id}/split").get_data(as_text=True)
    assert "The fees are expensive" in page
    response = post_form(client, f"/coding/codebook/{cost.id}/split",
                         {"key": "barrier.fees", "label": "Fees", "items": [str(second.id)]})
    assert response.status_code == 302
    fees = _code("barrier.fees")
    assert fees.kind == "barrier" and fees.labels == {"en": "Fees"}
    moved = db.session.scalar(select(Tag).where(Tag.item_id == second.id, Tag.source == "human"))
    assert moved.code_id == fees.id
    kept = db.session.scalar(select(Tag).where(Tag.item_id == first.id, Tag.source == "human"))
    assert kept.code_id == cost.id
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "code.split")).details["items"] == [second.id]


def test_export_then_import_roundtrips(client, tagged, signed_in):
    signed_in("analyst")
    exported = client.get("/coding/codebook/export.yaml")
    assert exported.headers["Content-Disposition"].startswith("attachment")
    text = exported.get_data(as_text=True)
    assert load_codebook(__import__("yaml").safe_load(text)).content_hash() == codebook_from_database().content_hash()
    changed = text.replace("key: theme.parks", "key: theme.parks_and_play", 1)
    response = post_form(client, "/coding/codebook/import", {"text": changed})
    assert response.status_code == 302
    assert _code("theme.parks_and_play") is not None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "codebook.import_yaml"))
    assert event.details["codebook_before"] != event.details["codebook_after"]


BROKEN = """codes:
  - key: theme.good
    kind: theme
    label: {en: Good}
  - key: theme.bad
    kind: colour
    label: {en: Bad}
  - key: barrier.orphan
    kind: barrier
    label: {en: Orphan}
    keywords:
      en: nope
"""


def test_a_broken_import_stores_nothing_and_names_every_line(client, tagged, signed_in):
    signed_in("analyst")
    codes_before = db.session.scalar(select(func.count(Code.id)))
    hash_before = codebook_from_database().content_hash()
    response = post_form(client, "/coding/codebook/import", {"text": BROKEN})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Nothing was imported" in page
    assert "Line 6:" in page and "colour" in page  # the kind line of the second code
    assert "Line 11:" in page  # the keywords line of the third
    assert _code("theme.good") is None
    assert db.session.scalar(select(func.count(Code.id))) == codes_before
    assert codebook_from_database().content_hash() == hash_before
    bad_yaml = post_form(client, "/coding/codebook/import", {"text": "codes:\n  - key: [unclosed\n"})
    assert "Line 3:" in bad_yaml.get_data(as_text=True) or "Line 2:" in bad_yaml.get_data(as_text=True)
    parent = post_form(client, "/coding/codebook/import",
                       {"text": "codes:\n  - key: theme.child\n    kind: theme\n    label: {en: C}\n"
                                "    parent: theme.nowhere\n"})
    assert "Line 5:" in parent.get_data(as_text=True)


def test_an_import_retires_the_codes_left_out_of_the_file_only_when_asked(client, tagged, signed_in):
    analyst = signed_in("analyst")
    transport = _code("barrier.transport")
    item = db.session.scalar(select(Tag.item_id).where(Tag.code_id == transport.id))
    db.session.add(Tag(item_id=item, code_id=transport.id, source="human", applies=True, coder_id=analyst.id))
    db.session.commit()
    data = __import__("yaml").safe_load(client.get("/coding/codebook/export.yaml").get_data(as_text=True))
    data["codes"] = [code for code in data["codes"] if code["key"] != "barrier.transport"]
    text = __import__("yaml").safe_dump(data, allow_unicode=True)
    assert 'name="retire_missing"' in client.get("/coding/codebook/import").get_data(as_text=True)

    post_form(client, "/coding/codebook/import", {"text": text})  # the box left unticked: nothing retired
    assert not _code("barrier.transport").retired
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "code.retire")) == 0

    page = post_form(client, "/coding/codebook/import", {"text": text, "retire_missing": "y"}, follow_redirects=True)
    assert "1 codes not in the file were retired." in page.get_data(as_text=True)
    db.session.expire_all()
    transport = _code("barrier.transport")
    assert transport.retired and transport not in Code.active()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "code.retire"))
    assert event.record_id == str(transport.id) and event.actor_id == analyst.id
    assert (event.details["before"]["retired"], event.details["after"]["retired"]) == (False, True)
    run_tagging()  # no longer tagged by the machine; the coder's tag and the code's row stay
    sources = set(db.session.scalars(select(Tag.source).where(Tag.code_id == transport.id)))
    assert sources == {"human"}
    assert "barrier.transport" not in {entry.key for entry in codebook_from_database()}


def test_a_deeply_nested_codebook_is_refused_on_its_line(client, tagged, signed_in):
    """Found by the fuzz test: PyYAML built a few thousand nested brackets recursively (a 500)."""
    signed_in("analyst")
    hash_before = codebook_from_database().content_hash()
    response = post_form(client, "/coding/codebook/import",
                         {"text": "codes:\n  - key: theme.deep\n    kind: " + "[" * 3000 + "]" * 3000 + "\n"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Line 3:" in page and "nested too deeply" in page
    assert codebook_from_database().content_hash() == hash_before
