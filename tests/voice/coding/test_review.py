"""The review queue, emerging themes, double coding and model health through the test client."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from voice.coding import double_coding, health, review_queue
from voice.extensions import db
from voice.models import (AuditEvent, Code, CodingAssignment, CodingRound, Comment, ListeningSession, Tag,
                          VoiceItem)
from voice.models.base import utcnow
from voice.nlp_adapter import current_pipeline, run_tagging

from ...helpers import post_form


def _code(key: str) -> Code:
    return db.session.scalar(select(Code).where(Code.key == key))


def _item(start: str) -> VoiceItem:
    # The original is encrypted at rest: it is compared here, not by SQL.
    return next(item for item in db.session.scalars(select(VoiceItem)) if item.original_text.startswith(start))


def test_the_queue_shows_machine_tags_with_evidence_marked(client, tagged, signed_in):
    signed_in("analyst")
    item = _item("The kindergarten")
    page = client.get(f"/coding/review?item={item.id}").get_data(as_text=True)
    assert "<mark>" in page and "expensive</mark>" in page
    # No model yet: a keyword tag says so, without a made-up figure (its stored 0.6 is a constant).
    assert "keywords" in page and "confidence" not in page and "<meter" not in page and 'data-current' in page
    assert "js/coding.js" in page and "<kbd>a</kbd>" in page
    hebrew = client.get(f"/coding/review?item={item.id}&lang=he").get_data(as_text=True)
    assert _code("barrier.cost").labels["he"] in hebrew  # code labels in the UI language
    assert "blockquote class=\"original\" lang=\"en\"" in hebrew and "too <mark>expensive</mark>" in hebrew


def test_the_queue_is_ranked_and_filtered(client, tagged, signed_in):
    signed_in("analyst")
    assert client.get("/coding/review").status_code == 200
    page = client.get("/coding/review?language=he").get_data(as_text=True)
    assert "class=\"original\" lang=\"he\"" in page and "class=\"original\" lang=\"en\"" not in page
    cost = _code("barrier.cost")
    filters = review_queue.ReviewFilters(code_id=cost.id, min_confidence=0.5, max_confidence=1.0)
    ids = set(db.session.scalars(review_queue.review_query(filters)))
    assert _item("The kindergarten").id in ids and _item("We love the library").id not in ids
    assert review_queue.count_to_review(review_queue.ReviewFilters(channel="online")) == 0


def test_decisions_become_human_tags_that_survive_a_run(client, tagged, signed_in):
    analyst = signed_in("analyst")
    item = _item("The kindergarten")
    cost, transport = _code("barrier.cost"), _code("barrier.transport")
    back = "language=en"
    for code, decision in ((cost, "accept"), (transport, "reject")):
        response = post_form(client, f"/coding/review/{item.id}/decide",
                             {"code": str(code.id), "decision": decision, "back": back},
                             token_from=f"/coding/review?item={item.id}")
        assert response.status_code == 302 and "language=en" in response.headers["Location"]
    parks = _code("theme.parks")
    post_form(client, f"/coding/review/{item.id}/add", {"code": str(parks.id)}, token_from=f"/coding/review?item={item.id}")
    human = {tag.code.key: tag.applies for tag in db.session.scalars(
        select(Tag).where(Tag.item_id == item.id, Tag.source == "human"))}
    assert human == {"barrier.cost": True, "barrier.transport": False, "theme.parks": True}
    assert all(tag.coder_id == analyst.id for tag in db.session.scalars(select(Tag).where(Tag.source == "human")))
    actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.startswith("tag."))))
    assert sorted(actions) == ["tag.accept", "tag.accept", "tag.reject"]
    cost.descriptions = {**cost.descriptions, "en": "Money, reworded"}  # any change re-tags every item
    db.session.commit()
    run_tagging()
    again = {tag.code.key: tag.applies for tag in db.session.scalars(
        select(Tag).where(Tag.item_id == item.id, Tag.source == "human"))}
    assert again == human
    assert item.id not in set(db.session.scalars(review_queue.review_query(review_queue.ReviewFilters())))


def test_next_skips_an_undecided_item(client, tagged, signed_in):
    signed_in("analyst")
    first = review_queue.next_item(review_queue.ReviewFilters(order="oldest"))
    response = post_form(client, f"/coding/review/{first.id}/next", {"back": "order=oldest"},
                         token_from="/coding/review?order=oldest")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"#{first.id}<" not in page


def test_emerging_themes_become_codes_in_one_click(client, app, tagged, signed_in):
    signed_in("analyst")
    endings = ["near the beach", "for the kids", "every summer", "since May", "by volunteers", "in bright blue"]
    session_items = [("en", f"Dolphins painted on the lifeguard tower {ending}") for ending in endings]
    campaign_id = tagged.id
    for i, (language, text) in enumerate(session_items):
        db.session.add(VoiceItem(campaign_id=campaign_id, source="answer", source_id=1000 + i, channel="online",
                                 original_text=text, language=language))
    db.session.commit()
    run_tagging()
    page = client.get("/coding/themes").get_data(as_text=True)
    assert "dolphins" in page and "Make it a code" in page
    response = post_form(client, "/coding/themes/adopt", {"language": "en", "keywords": "dolphins, lifeguard"},
                         token_from="/coding/themes")
    assert response.status_code == 302
    code = db.session.scalar(select(Code).where(Code.key.startswith("theme.emerging_dolphins")))
    assert code.keywords == {"en": ["dolphins", "lifeguard"]} and code.kind == "theme"
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "code.create")).record_id == str(code.id)


def test_double_coding_kappa_matches_a_hand_computation(client, tagged, signed_in, users):
    signed_in("analyst")
    analyst, admin = users["analyst"], users["admin"]
    response = post_form(client, "/coding/rounds", {"name": "Round one", "size": "4",
                                                    "coders": [str(analyst.id), str(admin.id)]})
    assert response.status_code == 302
    round_ = db.session.scalar(select(CodingRound))
    items = round_.item_ids()
    assert len(items) == 4 and len(round_.assignments) == 8
    # Blind: the coding page shows no machine tag.
    page = client.get(f"/coding/rounds/{round_.id}/code").get_data(as_text=True)
    assert "confidence" not in page and "<mark>" not in page
    # Analyst says cost on items 0 and 1; admin only on item 0. Transport: both on item 2.
    choices = {analyst.id: [["barrier.cost"], ["barrier.cost"], ["barrier.transport"], []],
               admin.id: [["barrier.cost"], [], ["barrier.transport"], []]}
    for position in range(4):
        assignment = db.session.scalar(select(CodingAssignment).where(
            CodingAssignment.round_id == round_.id, CodingAssignment.coder_id == analyst.id,
            CodingAssignment.item_id == items[position]))
        response = post_form(client, f"/coding/rounds/{round_.id}/code",
                             {"assignment": str(assignment.id), "codes": choices[analyst.id][position]})
        assert response.status_code == 302
    for position in range(4):
        assignment = db.session.scalar(select(CodingAssignment).where(
            CodingAssignment.round_id == round_.id, CodingAssignment.coder_id == admin.id,
            CodingAssignment.item_id == items[position]))
        double_coding.save_assignment(assignment, choices[admin.id][position], actor=admin)
    # Cost: p_o = 3/4; p_e = (2/4)(1/4) + (2/4)(3/4) = 1/2; kappa = (3/4 - 1/2) / (1/2) = 0.5.
    result = double_coding.agreement(round_)
    assert result.kappa["barrier.cost"] == pytest.approx(0.5)
    assert result.kappa["barrier.transport"] == pytest.approx(1.0)
    page = client.get(f"/coding/rounds/{round_.id}").get_data(as_text=True)
    assert "0.50" in page and "Cohen" in page
    assert len(result.disagreements) == 1 and result.disagreements[0][0].id == items[1]
    response = post_form(client, f"/coding/rounds/{round_.id}/settle", {"item": str(items[1]), "codes": []},
                         token_from=f"/coding/rounds/{round_.id}")
    assert response.status_code == 302
    final = db.session.scalar(select(Tag).where(Tag.item_id == items[1], Tag.source == "human"))
    assert final.code.key == "barrier.cost" and final.applies is False
    assert double_coding.agreement(db.session.get(CodingRound, round_.id)).disagreements == []


def test_alpha_for_three_coders(app, tagged, users):
    coders = [users["analyst"], users["admin"], users["facilitator"]]
    round_ = double_coding.start_round("Three", 3, coders, actor=users["admin"], seed=1)
    for coder in coders:
        for assignment in [a for a in round_.assignments if a.coder_id == coder.id]:
            double_coding.save_assignment(assignment, ["barrier.cost"], actor=coder)
    result = double_coding.agreement(round_)
    assert result.kappa == {} and result.alpha["barrier.cost"] == pytest.approx(1.0)


def test_model_health_shows_metrics_agreement_and_flags(client, tagged, signed_in):
    analyst = signed_in("analyst")
    cost = _code("barrier.cost")
    for item in db.session.scalars(select(VoiceItem)):
        applies = "expensive" in item.original_text or "יקר" in item.original_text
        db.session.add(Tag(item_id=item.id, code_id=cost.id, source="human", applies=applies, coder_id=analyst.id))
    db.session.commit()
    page = client.get("/coding/model").get_data(as_text=True)
    assert "No model yet" in page and "more examples" in page
    response = post_form(client, "/coding/nlp/train", {"next": "/coding/model"}, token_from="/coding/model")
    assert response.status_code == 302 and response.headers["Location"].endswith("/coding/model")
    page = client.get("/coding/model").get_data(as_text=True)
    assert "trained on 8 items coded by people" in page
    model, rows, coded = health.model_health("en")
    row = next(row for row in rows if row.code.key == "barrier.cost")
    assert coded == 8 and row.human_positives == 3 and row.needs_examples
    # Three examples: a kappa would be 1.00 or 0.00 by chance, so none is shown.
    assert row.agreement is None and "not enough coded yet (3)" in page
    # A code nobody said applies gets no figure either.
    assert "not enough coded yet (0)" in page


def _more_items(campaign, texts: list[str]) -> None:
    session = ListeningSession(campaign=campaign, kind="forum", title="More", held_at=utcnow())
    session.comments = [Comment(position=i, text=text, language="en") for i, text in enumerate(texts)]
    db.session.add(session)
    db.session.flush()
    db.session.add_all(VoiceItem.for_comment(comment, session) for comment in session.comments)
    db.session.commit()
    run_tagging()


def _code_by_hand(coder, code: Code) -> None:
    for item in db.session.scalars(select(VoiceItem)):
        applies = "expensive" in item.original_text or "יקר" in item.original_text
        db.session.add(Tag(item_id=item.id, code_id=code.id, source="human", applies=applies, coder_id=coder.id))
    db.session.commit()


def test_model_health_measures_agreement_once_enough_is_coded(client, tagged, signed_in):
    analyst = signed_in("analyst")
    _more_items(tagged, ["Rent is expensive here.", "Shoes for school are expensive.", "The park is lovely."])
    cost = _code("barrier.cost")
    _code_by_hand(analyst, cost)
    _model, rows, coded = health.model_health("en")
    row = next(row for row in rows if row.code.key == "barrier.cost")
    assert (coded, row.human_positives) == (11, 5)
    # The keyword "expensive" found exactly the items people coded: full agreement.
    assert row.agreement == pytest.approx(1.0)
    page = client.get("/coding/model").get_data(as_text=True)
    assert "1.00" in page


def test_machine_tags_show_the_models_confidence_for_that_item(client, tagged, signed_in):
    analyst = signed_in("analyst")
    _code_by_hand(analyst, _code("barrier.cost"))
    response = post_form(client, "/coding/nlp/train", {"next": "/coding/model"}, token_from="/coding/model")
    assert response.status_code == 302
    model = current_pipeline().model
    assert model is not None
    shown = {}
    for start in ("The kindergarten", "The fees are expensive"):
        item = _item(start)
        machine, _extra = review_queue.item_tags(item, "en")
        probabilities = model.predict_proba([item.redacted_text])[0]
        for view in machine:
            assert view.confidence == pytest.approx(probabilities[view.code.key])
        cost = next(view for view in machine if view.code.key == "barrier.cost")
        shown[start] = round(cost.confidence * 100)
        page = client.get(f"/coding/review?item={item.id}").get_data(as_text=True)
        assert f"confidence {shown[start]}%" in page
    assert len(set(shown.values())) == 2  # keyword tags, each with its own figure, not a constant
