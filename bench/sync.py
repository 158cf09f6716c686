"""Tablets syncing their queues: a real gunicorn (2 workers) on SQLite and on PostgreSQL.

Each simulated tablet signs in as its own canvasser and sends its queue (visits and finished
interviews, alternately) one record at a time, as the app does: a record is dropped only
after 200/201; a failure (network error, 5xx, 429, CSRF) is retried with exponential
back-off; one reply in ten is "lost" and the record is sent again (a replay). Afterwards the
database is compared with what the tablets queued. Prints records/s, p50/p95/max latency,
errors, lost and duplicated records.

    .venv/bin/python bench/sync.py [--tablets 50] [--records 200] [--backend sqlite|postgresql|both]

Loopback only; PostgreSQL at postgresql+psycopg://postgres@127.0.0.1:5432 (a scratch database
is created and dropped).
"""
from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests
import sqlalchemy as sa
from flask_migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._server import DATA_KEY, free_port, scratch_database, start_gunicorn  # noqa: E402
from tests.voice.canvass.field import DEFINITION  # noqa: E402  (the canvass tests' three-language survey)
from voice import create_app  # noqa: E402
from voice.accounts import create_user  # noqa: E402
from voice.extensions import db  # noqa: E402
from voice.models import Campaign, Geography, Survey, SurveyVersion, Turf  # noqa: E402

PASSWORD = "bench password 2026"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
MAX_ATTEMPTS = 8
LOST_REPLY = 0.10


def prepare(url: str, instance: Path, tablets: int, records: int) -> tuple[int, int]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "DATA_KEYS": DATA_KEY,
                      "INSTANCE_PATH": str(instance),
                      "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024})
    with app.app_context():
        upgrade()
        north = Geography(code="N1", name="North", level="neighbourhood", population=2000,
                          population_by_group={"language": {"he": 1200, "am": 800}})
        campaign = Campaign(slug="bench", name="Bench", languages=["en", "he", "am"], group_keys=["role"])
        survey = Survey(campaign=campaign, slug="door-survey", title=DEFINITION["title"], draft=DEFINITION,
                        is_open=True)
        version = SurveyVersion(survey=survey, number=1, definition=DEFINITION)
        db.session.add_all([north, campaign, survey, version])
        db.session.commit()
        for number in range(tablets):
            user = create_user(email=f"tablet{number}@bench.example.org", password=PASSWORD,
                               display_name=f"Tablet {number}", role="canvasser")
            db.session.add(Turf(campaign=campaign, name=f"Turf {number}", geography=north, canvasser=user,
                                doors=[{"id": f"t{number}-d{door}", "address": f"{door} Bench Street",
                                        "geography": "N1"} for door in range(records)]))
        db.session.commit()
        turfs = dict(db.session.execute(sa.select(Turf.name, Turf.id)).all())
        ids = (version.id, turfs)
        db.engine.dispose()
    return ids


def queue_for(number: int, turf_id: int, version_id: int, records: int, rng: random.Random) -> list[tuple[str, dict]]:
    queue = []
    for index in range(records):
        door = f"t{number}-d{index}"
        visit = {"uuid": str(uuid.uuid4()), "turf": turf_id, "door": door, "recorded_at": "2026-05-01T09:00:00Z",
                 "outcome": "completed" if index % 2 else rng.choice(["not_home", "refused", "moved"]), "note": ""}
        queue.append(("visits", visit))
        if index % 2:
            kids = rng.randint(0, 3)
            answers = {"consent": "yes", "area": "N1", "role": rng.choice(["parent", "youth"]), "kids": str(kids),
                       "hard": f"Tablet {number} door {index}: buses, rent and waiting lists"}
            if kids:
                answers["needs"] = rng.sample(["care", "transport"], rng.randint(1, 2))
            queue.append(("responses", {"uuid": str(uuid.uuid4()), "visit": visit["uuid"], "survey": "door-survey",
                                        "version": version_id, "turf": turf_id, "door": door,
                                        "language": rng.choice(["en", "he", "am"]), "consent": True,
                                        "answers": answers, "started_at": "2026-05-01T09:01:00Z",
                                        "submitted_at": "2026-05-01T09:06:00Z"}))
    return queue[:records]


class Tablet(threading.Thread):
    def __init__(self, base: str, number: int, queue: list[tuple[str, dict]], start: threading.Barrier, seed: int):
        super().__init__(daemon=True)
        self.base, self.number, self.queue, self.start_line = base, number, queue, start
        self.rng = random.Random(seed)
        self.latencies: list[float] = []
        self.statuses: dict[int | str, int] = {}
        self.acknowledged: set[str] = set()
        self.gave_up: list[str] = []
        self.replays = 0

    def _post(self, session: requests.Session, kind: str, payload: dict, token: str) -> int | str:
        began = time.perf_counter()
        try:
            answer = session.post(f"{self.base}/canvass/api/{kind}", json=payload, headers={"X-CSRFToken": token},
                                  timeout=60, allow_redirects=False)
            status: int | str = answer.status_code
        except requests.RequestException as exc:
            status = type(exc).__name__
        self.latencies.append(time.perf_counter() - began)
        self.statuses[status] = self.statuses.get(status, 0) + 1
        return status

    def run(self) -> None:
        with requests.Session() as session:
            page = session.get(f"{self.base}/auth/sign-in").text
            match = CSRF.search(page)
            session.post(f"{self.base}/auth/sign-in", allow_redirects=False,
                         data={"email": f"tablet{self.number}@bench.example.org", "password": PASSWORD,
                               "csrf_token": match.group(1) or match.group(2)})
            token = session.get(f"{self.base}/canvass/api/session").json()["csrf_token"]
            self.start_line.wait()
            for kind, payload in self.queue:
                for attempt in range(MAX_ATTEMPTS):
                    status = self._post(session, kind, payload, token)
                    if status in (200, 201) and self.rng.random() < LOST_REPLY:
                        self.replays += 1  # the reply was lost: the record stays queued and goes again
                        continue
                    if status in (200, 201):
                        self.acknowledged.add(payload["uuid"])
                        break
                    if status in (409, 422, 403):
                        self.gave_up.append(payload["uuid"])
                        break
                    time.sleep(min(5.0, 0.05 * 2 ** attempt) * (0.8 + 0.4 * self.rng.random()))
                else:
                    self.gave_up.append(payload["uuid"])


def bench(backend: str, tablets: int, records: int) -> None:
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as folder, \
            scratch_database(backend, Path(folder), "canvass_sync_bench") as url:
        instance = Path(folder)
        version_id, turfs = prepare(url, instance, tablets, records)
        port = free_port()
        server = start_gunicorn(url, port)
        try:
            start = threading.Barrier(tablets + 1)
            queues = [queue_for(n, turfs[f"Turf {n}"], version_id, records, rng) for n in range(tablets)]
            workers = [Tablet(f"http://127.0.0.1:{port}", n, queues[n], start, seed=n) for n in range(tablets)]
            for worker in workers:
                worker.start()
            start.wait()
            began = time.perf_counter()
            for worker in workers:
                worker.join(1800)
            wall = time.perf_counter() - began
        finally:
            server.terminate()
            server.wait(60)
        expected = {payload["uuid"] for queue in queues for _, payload in queue}
        engine = sa.create_engine(url)
        with engine.connect() as connection:
            stored, duplicated = set(), 0
            for table in ("responses", "visits"):
                rows = [str(value) for value in connection.execute(sa.text(f"SELECT uuid FROM {table}")).scalars()]
                duplicated += len(rows) - len(set(rows))
                stored |= {value if "-" in value else str(uuid.UUID(value)) for value in rows}
        engine.dispose()
        latencies = sorted(latency for worker in workers for latency in worker.latencies)
        statuses: dict = {}
        for worker in workers:
            for status, count in worker.statuses.items():
                statuses[status] = statuses.get(status, 0) + count
        errors = sum(count for status, count in statuses.items() if status not in (200, 201))
        acknowledged = set().union(*(worker.acknowledged for worker in workers))
        p95 = latencies[int(0.95 * (len(latencies) - 1))]
        print(f"{backend}: {tablets} tablets x {records} records = {len(expected)} records, gunicorn -w 2 "
              f"(sync workers), {sum(w.replays for w in workers)} lost replies resent")
        print(f"  records/s    {len(acknowledged) / wall:8.1f}   ({len(latencies)} requests in {wall:.1f} s,"
              f" {len(latencies) / wall:.1f} requests/s)")
        print(f"  latency      p50 {1000 * statistics.median(latencies):.0f} ms, p95 {1000 * p95:.0f} ms, "
              f"max {1000 * latencies[-1]:.0f} ms")
        print(f"  statuses     {dict(sorted(statuses.items(), key=str))}; errors (non-2xx, retried) {errors}")
        print(f"  stored       {len(stored & expected)} of {len(expected)}; lost {len(expected - stored)}, "
              f"duplicated {duplicated}, unexpected {len(stored - expected)}, gave up "
              f"{sum(len(w.gave_up) for w in workers)}: "
              f"{'OK' if stored == expected and duplicated == 0 else 'MISMATCH'}")

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tablets", type=int, default=50)
    parser.add_argument("--records", type=int, default=200)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    for backend in (["sqlite", "postgresql"] if args.backend == "both" else [args.backend]):
        bench(backend, args.tablets, args.records)


if __name__ == "__main__":
    main()
