"""The same submission 20 times at once against a real threaded server on PostgreSQL:
one row, one 201, the rest 200 with the same id, never a 5xx."""
from __future__ import annotations

import threading
import uuid

import pytest
import requests
from sqlalchemy import func, select

from voice import create_app
from voice.accounts import create_user
from voice.extensions import db
from voice.models import Response, Visit

from ...browser.conftest import LiveServer
from ...conftest import _base_config, _truncate_all
from ...helpers import CSRF_INPUT, PASSWORD, POSTGRES_URL, require
from .field import build_field, response_payload, visit_payload

PARALLEL = 20


@pytest.fixture
def pg_server(tmp_path):
    require(bool(POSTGRES_URL), "VOICE_TEST_DATABASE_URL is not set: the concurrency test needs PostgreSQL")
    return tmp_path


def _burst(url: str, cookies, token: str, payload: dict) -> list[tuple[int, dict]]:
    barrier = threading.Barrier(PARALLEL)
    results: list[tuple[int, dict]] = []
    lock = threading.Lock()

    def one():
        with requests.Session() as session:
            session.cookies.update(cookies)
            barrier.wait()
            answer = session.post(url, json=payload, headers={"X-CSRFToken": token}, timeout=30)
            with lock:
                results.append((answer.status_code, answer.json() if answer.headers.get("Content-Type", "").startswith(
                    "application/json") else {}))

    threads = [threading.Thread(target=one) for _ in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_twenty_parallel_replays_store_one_row(pg_server, request):
    url = request.getfixturevalue("postgres_database")
    config = _base_config(pg_server / "instance", url)
    config.pop("SERVER_NAME")
    app = create_app(config)
    try:
        with app.app_context():
            field = build_field(create_user(email="canvasser@example.org", password=PASSWORD, display_name="C",
                                            role="canvasser"),
                                create_user(email="c2@example.org", password=PASSWORD, display_name="C2",
                                            role="canvasser"))
            response = response_payload(field, key=str(uuid.uuid4()))
            visit = visit_payload(field, key=str(uuid.uuid4()), outcome="completed")
        with LiveServer(app) as server, requests.Session() as browser:
            page = browser.get(f"{server.url}/auth/sign-in").text
            match = CSRF_INPUT.search(page)
            token = match.group(1) or match.group(2)
            signed = browser.post(f"{server.url}/auth/sign-in", data={"email": "canvasser@example.org",
                                                                      "password": PASSWORD, "csrf_token": token},
                                  allow_redirects=False)
            assert signed.status_code == 302
            api_token = browser.get(f"{server.url}/canvass/api/session").json()["csrf_token"]
            for path, payload, model in (("visits", visit, Visit), ("responses", response, Response)):
                results = _burst(f"{server.url}/canvass/api/{path}", browser.cookies, api_token, payload)
                statuses = sorted(status for status, _ in results)
                assert len(results) == PARALLEL
                assert statuses == [200] * (PARALLEL - 1) + [201], statuses
                assert len({body["id"] for _, body in results}) == 1
                with app.app_context():
                    assert db.session.scalar(select(func.count()).select_from(model)) == 1
    finally:
        with app.app_context():
            db.session.remove()
            _truncate_all(db.engine)
            db.engine.dispose()
