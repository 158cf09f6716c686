"""Where one online submission's time goes: cProfile of POST /s/<slug>/responses in-process.

    python bench/profile_intake.py [--backend sqlite|postgresql] [-n 200] [--top 25]

Publishes the intake bench's 30-question survey on a scratch database, sends ``-n`` warm-up
submissions, then profiles ``-n`` more through the Flask test client and prints the top
functions by cumulative time (the per-submission figure is the total divided by ``-n``).
"""
from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._server import scratch_database  # noqa: E402
from bench.intake import SLUG, answers, prepare  # noqa: E402
from voice import create_app  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("-n", "--count", type=int, default=200)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    rng = random.Random(5)
    with tempfile.TemporaryDirectory() as folder, scratch_database(args.backend, Path(folder), "voice_prof") as url:
        prepare(url, Path(folder))
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "INSTANCE_PATH": folder,
                          "INTAKE_PER_HOUR": 10**9})
        client = app.test_client()

        def send(count: int) -> None:
            for _ in range(count):
                body = {"uuid": str(uuid.uuid4()), "language": "en", "consent": True, "answers": answers(rng)}
                response = client.post(f"/s/{SLUG}/responses", data=json.dumps(body),
                                       content_type="application/json")
                assert response.status_code in (200, 201), (response.status_code, response.get_data()[:300])

        send(args.count)  # warm up: imports, pools, the first request's set-up
        profile = cProfile.Profile()
        began = time.perf_counter()
        profile.enable()
        send(args.count)
        profile.disable()
        elapsed = time.perf_counter() - began
        print(f"{args.backend}: {args.count} submissions in {elapsed:.2f} s under the profiler, "
              f"{1000 * elapsed / args.count:.1f} ms each")
        pstats.Stats(profile).sort_stats("cumulative").print_stats(args.top)
        with app.app_context():
            from voice.extensions import db
            db.engine.dispose()


if __name__ == "__main__":
    main()
