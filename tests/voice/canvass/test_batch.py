"""The batch sync API: many records in one request, each stored, replayed, refused or in
conflict on its own, with the same answers as the one-record API."""
from __future__ import annotations

from sqlalchemy import func, select

from voice.canvass.records import BATCH_MAX
from voice.extensions import db
from voice.models import Response, Visit

from .field import response_payload, visit_payload


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def batch(api, entries):
    return api.client.post("/canvass/api/batch", json={"records": entries}, headers={"X-CSRFToken": api.token})


def test_each_record_succeeds_or_fails_on_its_own(api, field):
    stored = response_payload(field, door="n-2")
    assert api.post("responses", stored).status_code == 201
    visit = visit_payload(field, door="n-1", outcome="completed")
    good = {**response_payload(field, door="n-1"), "visit": visit["uuid"]}  # its visit comes later in the batch
    entries = [
        {"kind": "response", "payload": good},
        {"kind": "response", "payload": response_payload(field, language="xx")},  # refused: 422
        {"kind": "response", "payload": {**stored, "answers": {**stored["answers"], "hard": "Changed"}}},  # 409
        {"kind": "visit", "payload": {**visit_payload(field, door="s-2"), "turf": field.other_turf.id}},  # 403
        {"kind": "parcel", "payload": {}},  # neither a visit nor an interview: 422
        {"kind": "visit", "payload": visit},
    ]
    answer = batch(api, entries)
    assert answer.status_code == 200, answer.get_json()
    results = answer.get_json()["results"]
    assert [r["http_status"] for r in results] == [201, 422, 409, 403, 422, 201]
    assert [r.get("status") for r in results] == ["created", None, "conflict", None, None, "created"]
    assert "language" in results[1]["error"] and results[4]["error"] == "Record 5 is neither a visit nor an interview."
    assert count(Response) == 2 and count(Visit) == 1
    response = db.session.get(Response, results[0]["id"])
    assert response.visit_id == results[5]["id"]  # visits are stored first, so the interview links to it
    assert str(response.uuid) == good["uuid"]


def test_a_replayed_batch_changes_nothing(api, field):
    entries = [{"kind": "visit", "payload": visit_payload(field, door=f"n-{i}")} for i in (1, 2, 3)]
    entries += [{"kind": "response", "payload": response_payload(field, door="n-1", hard=f"bus {i}")}
                for i in range(3)]
    first = batch(api, entries).get_json()["results"]
    second = batch(api, entries).get_json()["results"]
    assert [r["status"] for r in first] == ["created"] * 6 and [r["status"] for r in second] == ["replayed"] * 6
    assert [r["id"] for r in first] == [r["id"] for r in second]
    assert count(Response) == 3 and count(Visit) == 3
    # The same records one by one are replays too: the two APIs share their once-only storage.
    assert {api.post("visits", entry["payload"]).status_code for entry in entries[:3]} == {200}


def test_a_batch_that_is_not_one_stores_nothing(api, field):
    too_many = [{"kind": "visit", "payload": visit_payload(field)} for _ in range(BATCH_MAX + 1)]
    answer = batch(api, too_many)
    assert answer.status_code == 422 and "at most 100 records" in answer.get_json()["error"]
    answer = api.client.post("/canvass/api/batch", json=[visit_payload(field)], headers={"X-CSRFToken": api.token})
    assert answer.status_code == 422
    assert count(Visit) == 0

