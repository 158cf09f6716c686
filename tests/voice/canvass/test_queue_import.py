"""A tablet's exported queue imported by an analyst (page and command): the same dedupe as the API."""
from __future__ import annotations

import io
import json

from sqlalchemy import func, select

from voice.extensions import db
from voice.models import Answer, Response, Visit

from ...helpers import post_form
from .field import response_payload, visit_payload


def queue_file(field, records) -> bytes:
    return json.dumps({"format": "community-voice-canvass-queue", "version": 1,
                       "canvasser": {"id": 1, "email": "canvasser@example.org"},
                       "records": [{"kind": kind, "uuid": payload["uuid"], "state": "waiting", "payload": payload}
                                   for kind, payload in records]}).encode("utf-8")


def snapshot():
    return (db.session.scalar(select(func.count()).select_from(Response)),
            db.session.scalar(select(func.count()).select_from(Visit)),
            sorted(db.session.execute(select(Answer.response_id, Answer.question, Answer.value)).all()))


def test_import_after_sync_changes_nothing(api, field, runner, tmp_path, users):
    visit = visit_payload(field, outcome="completed")
    interview = {**response_payload(field), "visit": visit["uuid"]}
    other = response_payload(field, door="n-2", language="am", hard="ምንም")
    assert api.post("visits", visit).status_code == 201
    assert api.post("responses", interview).status_code == 201
    before = snapshot()
    path = tmp_path / "queue.json"
    path.write_bytes(queue_file(field, [("response", other), ("visit", visit), ("response", interview)]))
    result = runner.invoke(args=["canvass", "import-queue", str(path)])
    assert result.exit_code == 0, result.output
    assert "1 stored, 2 already stored, 0 conflicts" in result.output
    after = snapshot()
    assert after[0] == before[0] + 1 and after[1] == before[1]
    stored = db.session.scalar(select(Response).where(Response.uuid == __import__("uuid").UUID(other["uuid"])))
    assert stored.canvasser_id == users["canvasser"].id and stored.channel == "canvass"
    again = runner.invoke(args=["canvass", "import-queue", str(path)])
    assert "0 stored, 3 already stored" in again.output
    assert snapshot() == after


def test_import_page_reports_conflicts_and_refusals(client, signed_in, field):
    signed_in("analyst")
    good = response_payload(field)
    first = post_form(client, "/canvass/import-queue",
                      {"upload": (io.BytesIO(queue_file(field, [("response", good)])), "q.json")},
                      content_type="multipart/form-data")
    assert first.status_code == 200 and db.session.scalar(select(func.count()).select_from(Response)) == 1
    changed = {**good, "answers": {**good["answers"], "hard": "changed"}}
    conflict = post_form(client, "/canvass/import-queue",
                         {"upload": (io.BytesIO(queue_file(field, [("response", changed)])), "q.json")},
                         content_type="multipart/form-data")
    assert "Refused as conflicts" in conflict.get_data(as_text=True)
    broken = post_form(client, "/canvass/import-queue", {"upload": (io.BytesIO(queue_file(field, [
        ("response", response_payload(field, door="n-3")), ("visit", visit_payload(field, door="nowhere"))])), "q.json")},
        content_type="multipart/form-data")
    assert broken.status_code == 422
    page = broken.get_data(as_text=True)
    assert "Record 2:" in page and "Nothing was stored" in page
    assert db.session.scalar(select(func.count()).select_from(Response)) == 1  # record 1 was good: still not stored
    junk = post_form(client, "/canvass/import-queue", {"upload": (io.BytesIO(b"[1, 2]"), "q.json")},
                     content_type="multipart/form-data")
    assert junk.status_code == 422


def test_import_refuses_implausible_times_and_huge_ids_line_by_line(client, signed_in, field):
    """Hole 1 in the queue file: nothing stored, each record's problem on its line."""
    signed_in("analyst")
    far = {**response_payload(field), "started_at": "9999-12-31T23:59:59-23:59"}
    huge = {**visit_payload(field), "turf": 2**70}
    answer = post_form(client, "/canvass/import-queue",
                       {"upload": (io.BytesIO(queue_file(field, [("response", response_payload(field)),
                                                                 ("response", far), ("visit", huge)])), "q.json")},
                       content_type="multipart/form-data")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "Record 2:" in page and "Record 3:" in page and "Record 1:" not in page
    assert snapshot() == (0, 0, [])
    deep = post_form(client, "/canvass/import-queue",
                     {"upload": (io.BytesIO(b"[" * 5000 + b"]" * 5000), "q.json")}, content_type="multipart/form-data")
    assert deep.status_code == 422 and "nested too deeply" in deep.get_data(as_text=True)


def test_a_nul_in_the_queue_owners_address_is_no_server_error(client, signed_in, field):
    signed_in("analyst")
    content = json.dumps({"format": "community-voice-canvass-queue", "canvasser": {"email": "canvasser\x00@x"},
                          "records": [{"kind": "visit", "payload": visit_payload(field)}]}).encode()
    answer = post_form(client, "/canvass/import-queue", {"upload": (io.BytesIO(content), "q.json")},
                       content_type="multipart/form-data")
    assert answer.status_code == 200  # the turf's canvasser is the owner, as without an address
    assert snapshot()[1] == 1
