"""Fuzzing every JSON endpoint and every import with random, malformed and mutated input.

Whatever arrives (wrong types, huge numbers, long strings, odd timestamps, deep nesting,
bytes that are not the format), the answer is never a server error; a refusal carries a
message, and the database is exactly as before (row counts and a checksum of every table).
A mutated input that is still valid may be stored: the next refusal is compared with that.
"""
from __future__ import annotations

import copy
import io
import json
import uuid
from datetime import datetime, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from voice.accounts import create_user
from voice.extensions import db
from voice.models import ListeningSession

from ..helpers import PASSWORD, csrf_token, database_snapshot, sign_in
from .canvass.field import build_field, response_payload, visit_payload

FUZZ = settings(max_examples=30, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

ODD_TIMES = st.sampled_from([
    "9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59", "1970-01-01T00:00:00Z", "2999-01-01T00:00:00Z",
    "2026-13-45T99:99:99Z", "2026-05-01T10:00:00+24:00", "Z", "now", ""]) | st.datetimes().map(
    lambda moment: moment.isoformat()) | st.datetimes(timezones=st.just(timezone.utc)).map(lambda m: m.isoformat())
HUGE = st.sampled_from([2**31, 2**63, 2**70, -2**70, 10**400, 1e308, -0.0])
LONG = st.tuples(st.text(min_size=1, max_size=3), st.integers(500, 5_000)).map(lambda pair: pair[0] * pair[1])
SCALARS = (st.none() | st.booleans() | st.integers() | HUGE | st.floats(allow_nan=False, allow_infinity=False)
           | st.text(max_size=20) | ODD_TIMES | LONG)
JUNK = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                         max_size=4), max_leaves=12)
NOT_JSON = st.sampled_from([b'{"uuid": NaN}', b'{"a": "\\ud800"}', b'{"a": 1e999}', b"{", b"\xff\xfe",
                            b'{"a":' * 40 + b"1" + b"}" * 40])
DEEP = st.integers(10, 3000).map(lambda depth: b"[" * depth + b"]" * depth)


@st.composite
def mutated(draw, valid: dict) -> dict:
    """The valid body with one to three fields (or answers) replaced by junk or removed."""
    body = copy.deepcopy(valid)
    if "uuid" in body:
        body["uuid"] = str(draw(st.uuids()))
    for _ in range(draw(st.integers(1, 3))):
        target = body["answers"] if isinstance(body.get("answers"), dict) and draw(st.booleans()) else body
        key = draw(st.sampled_from(sorted(target)) | st.text(max_size=8)) if target else draw(st.text(max_size=8))
        if draw(st.integers(0, 4)) == 0:
            target.pop(key, None)
        else:
            target[key] = draw(JUNK)
    return body


def json_bodies(valid: dict) -> st.SearchStrategy[bytes]:
    encode = lambda value: json.dumps(value).encode()  # noqa: E731
    return st.one_of(mutated(valid).map(encode), JUNK.map(encode), st.binary(max_size=200), NOT_JSON, DEEP)


def api_accepted(answer) -> bool:
    """A JSON API stored it (2xx), or refused a reused uuid (409, which is audited)."""
    return answer.status_code < 300 or answer.status_code == 409


def refused_or_stored(answer, before, *, accepted=api_accepted, ignore=()):
    """Never a 5xx; an answer that did not accept the input says why and stored nothing.
    Returns the snapshot to compare the next answer with."""
    assert answer.status_code < 500, answer.get_data(as_text=True)[:500]
    if accepted(answer):
        return database_snapshot(ignore=ignore)
    body = answer.get_json(silent=True)
    if body is not None:  # the JSON APIs; the upload pages show the problems on the page
        assert body.get("error") or body.get("errors"), body
    assert database_snapshot(ignore=ignore) == before
    return before


# --- The JSON endpoints ---------------------------------------------------------------------------


def test_resident_json_intake(app, client, survey):
    app.config["INTAKE_PER_HOUR"] = 10_000  # the limit's own refusals are tested elsewhere
    valid = {"uuid": str(uuid.uuid4()), "language": "en", "consent": True,
             "answers": {"role": "parent", "area": "S1", "kids": 1, "needs": ["transport"], "hard": "Buses"}}
    state = {"before": database_snapshot(ignore=("rate_counters",))}

    @FUZZ
    @given(body=json_bodies(valid))
    def send(body):
        answer = client.post("/s/growing-up/responses", data=body, content_type="application/json")
        state["before"] = refused_or_stored(answer, state["before"], ignore=("rate_counters",))

    send()


@pytest.fixture
def canvass_field(users):
    other = create_user(email="canvasser2@example.org", password=PASSWORD, display_name="Second", role="canvasser")
    return build_field(users["canvasser"], other)


@pytest.mark.parametrize("kind", ["responses", "visits"])
def test_canvass_sync_api(client, canvass_field, kind):
    assert sign_in(client, "canvasser@example.org").status_code == 302
    token = client.get("/canvass/api/session").get_json()["csrf_token"]
    valid = response_payload(canvass_field) if kind == "responses" else visit_payload(canvass_field)
    state = {"before": database_snapshot()}

    @FUZZ
    @given(body=json_bodies(valid))
    def send(body):
        answer = client.post(f"/canvass/api/{kind}", data=body, content_type="application/json",
                             headers={"X-CSRFToken": token})
        state["before"] = refused_or_stored(answer, state["before"])

    send()


# --- The imports ---------------------------------------------------------------------------------


def _cell(value):
    """A value a worksheet can hold: huge numbers as their digits, no control characters."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**53:
        value = str(value)[:200]
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def _workbook(sheets: dict[str, list[list]]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append([_cell(value) for value in row])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


CELLS = st.lists(st.lists(SCALARS.filter(lambda cell: not isinstance(cell, str) or len(cell) < 2000), max_size=6),
                 max_size=6)
TEXT_LINES = st.lists(st.text(max_size=60) | LONG | ODD_TIMES | HUGE.map(str), max_size=8).map(
    lambda lines: "\n".join(lines).encode("utf-8", "surrogatepass"))


def _csv_mutations(valid: str) -> st.SearchStrategy[bytes]:
    lines = valid.splitlines()
    return st.tuples(st.integers(0, len(lines) - 1), st.integers(0, 8), st.text(max_size=30) | LONG | HUGE.map(str)
                     | ODD_TIMES).map(lambda change: "\n".join(
                         ",".join(change[2] if i == change[1] else cell for i, cell in enumerate(line.split(",")))
                         if number == change[0] else line for number, line in enumerate(lines)).encode())


def _files(*extra: st.SearchStrategy[bytes]) -> st.SearchStrategy[bytes]:
    return st.one_of(st.binary(max_size=300), TEXT_LINES, NOT_JSON, DEEP,
                     CELLS.map(lambda rows: _workbook({"survey": rows, "choices": rows})), *extra)


def redirected(answer) -> bool:
    """The import pages redirect after storing; they show a refusal on the page itself."""
    return answer.status_code == 302


def _fuzz_upload(client, path: str, field: str, contents, names, form: dict | None = None, accepted=redirected):
    token = csrf_token(client, path)
    state = {"before": database_snapshot()}

    @FUZZ
    @given(content=contents, name=st.sampled_from(names))
    def send(content, name):
        answer = client.post(path, data={**(form or {}), field: (io.BytesIO(content), name), "csrf_token": token},
                             content_type="multipart/form-data")
        state["before"] = refused_or_stored(answer, state["before"], accepted=accepted)

    send()


XLSFORM = [["type", "name", "label::English (en)"], ["text", "hard", "What is hardest?"],
           ["select_one roles", "role", "You are"]]
CHOICES = [["list_name", "name", "label::English (en)"], ["roles", "parent", "Parent"]]


def test_xlsform_upload(client, signed_in, campaign):
    signed_in("analyst")
    xlsforms = st.tuples(CELLS, st.integers(0, 2)).map(
        lambda junk: _workbook({"survey": XLSFORM[:junk[1] + 1] + junk[0], "choices": CHOICES}))
    _fuzz_upload(client, "/campaigns/north/surveys/import", "file", _files(xlsforms), ["form.xlsx"], {"slug": ""})


GEOGRAPHIES = "code,name,level,parent,population,population.language.he,name_he\nA,Alpha,city,,100,40,א\n" \
              "A-1,One,neighbourhood,A,50,20,\n"
INDICATORS = "indicator,geography,period,group,value,numerator,denominator,unit,direction,codes\n" \
             "kr,A-1,2024,,71.5,143,200,percent,higher_is_better,theme.early_learning\n" \
             "kr,A-1,2025,language=he,75,75,100,,,\n"


def test_geography_upload(client, signed_in):
    signed_in("analyst")
    features = JUNK.map(lambda junk: json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "A", "name": junk, "population": junk}, "geometry": junk}]},
    ).encode())
    _fuzz_upload(client, "/indicators/geographies/import", "upload", _files(_csv_mutations(GEOGRAPHIES), features),
                 ["places.csv", "places.geojson", "places.geojson", "places.xlsx"])


def test_indicator_upload(client, signed_in):
    signed_in("analyst")
    _fuzz_upload(client, "/indicators/import", "upload", _files(_csv_mutations(INDICATORS)),
                 ["values.csv", "values.xlsx"])


def test_listening_session_notes_upload(client, signed_in, campaign, users):
    signed_in("facilitator")
    session = ListeningSession(campaign_id=campaign.id, kind="house_party", title="Kitchen table",
                               held_at=datetime(2026, 3, 5, 19, 0, tzinfo=timezone.utc), languages=["en", "he"], facilitator_id=users["facilitator"].id, tallies={},
                               priorities=[])
    db.session.add(session)
    db.session.commit()
    _fuzz_upload(client, f"/sessions/{session.id}/import", "upload",
                 _files(_csv_mutations("text,speaker_role,language\nThe bus is late,parent,en\n")),
                 ["notes.txt", "notes.csv", "notes.docx"],
                 {"format": "auto", "language": "en", "pasted": ""}, accepted=lambda answer: False)  # a preview


def test_canvass_queue_file_upload(client, signed_in, canvass_field):
    signed_in("analyst")
    queue = {"format": "community-voice-canvass-queue", "version": 1,
             "canvasser": {"id": 1, "email": "canvasser@example.org"},
             "records": [{"kind": "response", "payload": response_payload(canvass_field)},
                         {"kind": "visit", "payload": visit_payload(canvass_field)}]}
    def as_queue(drawn) -> bytes:
        extra = drawn[2].get("records")  # a mutation may have made it anything
        return json.dumps({**drawn[2], "records": [
            {"kind": "response", "payload": drawn[0]}, {"kind": "visit", "payload": drawn[1]},
            *(extra if isinstance(extra, list) else [])]}, default=str).encode()

    records = st.tuples(mutated(queue["records"][0]["payload"]), mutated(queue["records"][1]["payload"]),
                        mutated(queue)).map(as_queue)
    _fuzz_upload(client, "/canvass/import-queue", "upload", _files(records), ["queue.json"],
                 accepted=lambda answer: answer.status_code == 200)  # the page reports what it stored


CODEBOOK = """codes:
  - key: barrier.cost
    kind: barrier
    label: {en: Cost, he: עלות}
    keywords:
      en: [afford, expensive]
"""


def test_codebook_yaml_upload(client, signed_in):
    signed_in("analyst")
    yaml_files = st.tuples(st.integers(0, 5), st.text(max_size=40) | LONG | HUGE.map(str) | ODD_TIMES).map(
        lambda change: "\n".join(line if number != change[0] else line.split(":")[0] + ": " + json.dumps(change[1])
                                 for number, line in enumerate(CODEBOOK.splitlines())).encode())
    deep_yaml = st.integers(10, 3000).map(lambda depth: b"codes: " + b"[" * depth + b"]" * depth)
    _fuzz_upload(client, "/coding/codebook/import", "file", _files(yaml_files, deep_yaml), ["codebook.yaml"])
