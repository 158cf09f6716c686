"""Online intake under load: a real gunicorn (2 workers) on SQLite and on PostgreSQL.

Sends N concurrent JSON submissions of a 30-question survey (10% of them replays of an
earlier submission), then the same number of requests to the no-op ``/healthz`` route as
the ratio to beat, and prints submissions/s, p50 and p99 latency, and stored vs sent.

    .venv/bin/python bench/intake.py [-n 1000] [-c 16] [--backend sqlite|postgresql|both]

Loopback only; PostgreSQL at postgresql+psycopg://postgres@127.0.0.1:5432 (a scratch
database is created and dropped).
"""
from __future__ import annotations

import argparse
import http.client
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._server import DATA_KEY, free_port, scratch_database, start_gunicorn  # noqa: E402
from voice import create_app  # noqa: E402
from voice.extensions import db  # noqa: E402
from voice.models import Campaign, Response  # noqa: E402
from voice.surveys import operations  # noqa: E402

SLUG = "bench"


def definition() -> dict:
    kinds = ["text", "select_one", "integer", "select_multiple", "date", "decimal"]
    items = []
    for number in range(30):
        kind = kinds[number % len(kinds)]
        question = {"kind": "question", "name": f"q{number}", "type": kind,
                    "label": {"en": f"Question {number}", "he": f"שאלה {number}"}}
        if kind in ("select_one", "select_multiple"):
            question["choice_list"] = "abc"
        if kind == "integer":
            question["constraint"] = ". >= 0 and . <= 100"
        if number % 10 == 9:
            question["relevant"] = f"${{q{number - 7}}} > 3"
        items.append(question)
    return {"format": 1, "form_id": SLUG, "version": "1", "title": {"en": "Bench", "he": "מדידה"},
            "default_language": "en", "languages": ["en", "he"], "items": items,
            "choice_lists": {"abc": [{"name": n, "label": {"en": n, "he": n}, "attributes": {}} for n in "abc"]}}


def answers(rng: random.Random) -> dict:
    values = {}
    for number in range(30):
        kind = number % 6
        values[f"q{number}"] = [
            lambda: "The bus is late and daycare is far " * rng.randint(1, 3),
            lambda: rng.choice("abc"), lambda: rng.randint(0, 100), lambda: rng.sample("abc", 2),
            lambda: "2025-10-0%d" % rng.randint(1, 9), lambda: round(rng.random() * 10, 2)][kind]()
    return values


def prepare(url: str, instance: Path) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "DATA_KEYS": DATA_KEY,
                      "INSTANCE_PATH": str(instance)})
    with app.app_context():
        upgrade()
        campaign = Campaign(slug="bench", name="Bench", languages=["en", "he"], group_keys=[])
        db.session.add(campaign)
        db.session.commit()
        survey = operations.create_survey(campaign, slug=SLUG, title={}, languages=["en", "he"], actor=None,
                                          definition=definition())
        operations.publish(survey, actor=None)
        db.engine.dispose()


def run(port: int, requests: list[tuple[str, str, bytes | None]], concurrency: int) -> tuple[list[float], float, dict]:
    """Each worker thread keeps one connection; returns latencies, wall time and status counts."""
    chunks = [requests[i::concurrency] for i in range(concurrency)]
    statuses: dict[int, int] = {}

    def worker(chunk):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        latencies = []
        for method, path, body in chunk:
            headers = {"Content-Type": "application/json"} if body else {}
            began = time.perf_counter()
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            latencies.append(time.perf_counter() - began)
            statuses[response.status] = statuses.get(response.status, 0) + 1
        connection.close()
        return latencies

    began = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        latencies = [value for result in pool.map(worker, chunks) for value in result]
    return latencies, time.perf_counter() - began, statuses


def report(label: str, latencies: list[float], wall: float, statuses: dict) -> float:
    ordered = sorted(latencies)
    rate = len(latencies) / wall
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    print(f"  {label:<12} {rate:8.1f} req/s   p50 {statistics.median(ordered) * 1000:7.1f} ms   "
          f"p99 {p99 * 1000:7.1f} ms   statuses {dict(sorted(statuses.items()))}")
    return rate


def bench(backend: str, count: int, concurrency: int) -> None:
    rng = random.Random(5)
    with tempfile.TemporaryDirectory() as folder, scratch_database(backend, Path(folder), "voice_bench") as url:
        instance = Path(folder)
        prepare(url, instance)
        port = free_port()
        server = start_gunicorn(url, port, VOICE_INTAKE_PER_HOUR="100000000")
        try:
            originals = [json.dumps({"uuid": str(uuid.uuid4()), "language": rng.choice(["en", "he"]),
                                     "consent": True, "answers": answers(rng)}).encode()
                         for _ in range(count - count // 10)]
            bodies = originals + [rng.choice(originals) for _ in range(count // 10)]
            rng.shuffle(bodies)
            path = f"/s/{SLUG}/responses"
            run(port, [("GET", "/healthz", None)] * 50, concurrency)  # warm up both workers
            print(f"{backend}: {count} submissions ({count // 10} replays), {concurrency} concurrent, "
                  "gunicorn -w 2")
            submit = report("submissions", *run(port, [("POST", path, b) for b in bodies], concurrency))
            noop = report("/healthz", *run(port, [("GET", "/healthz", None)] * count, concurrency))
            print(f"  ratio        submissions are {noop / submit:.1f}x slower than the no-op route")
        finally:
            server.terminate()
            server.wait(60)
        engine = sa.create_engine(url)
        with engine.connect() as connection:
            stored = connection.execute(sa.select(sa.func.count()).select_from(Response.__table__)).scalar()
            duplicates = connection.execute(sa.text(
                "SELECT COUNT(*) FROM (SELECT uuid FROM responses GROUP BY uuid HAVING COUNT(*) > 1) d")).scalar()
        engine.dispose()
        distinct = len(set(originals))
        print(f"  stored {stored} of {distinct} distinct sent ({count} requests), duplicates {duplicates}: "
              f"{'OK' if stored == distinct and duplicates == 0 else 'MISMATCH'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--count", type=int, default=1000)
    parser.add_argument("-c", "--concurrency", type=int, default=16)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    for backend in (["sqlite", "postgresql"] if args.backend == "both" else [args.backend]):
        bench(backend, args.count, args.concurrency)


if __name__ == "__main__":
    main()
