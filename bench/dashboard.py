"""Latency of the committee's dashboard requests on a large PostgreSQL database.

    python bench/dashboard.py [--items 1000000] [--values 50000] [--repeat 15]
        [--url postgresql+psycopg://postgres@127.0.0.1:5432/postgres] [--keep]

Creates a scratch database, brings it to the newest schema with the real migrations, loads
synthetic residents with COPY (responses with one or two open answers, a tenth of them
session comments; 1-3 tags per item; groups language/role/age_band; 20 neighbourhoods over
two years), and indicator values, then times each dashboard request through the Flask test
client signed in as a committee member. The database is dropped at the end unless --keep.

It first times the rebuild of the summary tables (what the tagging job does after a run),
then prints for each request its first call in the process ("first": quotes not cached yet)
and p50/p95 of the repeats.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

LANGUAGES = ["he", "ar", "ru", "am", "en", "es", "fr"]
ROLES = ["parent", "resident", "youth", "provider"]
AGES = ["under_18", "18_29", "30_44", "45_64", "65_plus"]
CHANNELS = ["online", "canvass"]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--values", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--url", default=os.environ.get("VOICE_BENCH_URL",
                                                        "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--explain", action="store_true", help="print the slowest SQL statements of each request")
    return parser.parse_args()


def square(i: int) -> dict:
    west, south = 34.8 + (i % 5) * 0.02, 32.0 + (i // 5) * 0.02
    ring = [[west, south], [west + 0.02, south], [west + 0.02, south + 0.02], [west, south + 0.02], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def load(app, items: int, values: int, rng: random.Random) -> dict:
    from voice.accounts import create_user
    from voice.extensions import db
    from voice.models import Campaign, Code, Geography, Indicator, Survey, SurveyVersion
    from voice.nlp_adapter import import_codebook

    import_codebook()
    create_user(email="committee@bench.example.org", password="bench-password-1", display_name="Bench",
                role="committee")
    cities = [Geography(code=f"C{i}", name=f"City {i}", level="city") for i in range(2)]
    db.session.add_all(cities)
    hoods = [Geography(code=f"N{i:02d}", name=f"Neighbourhood {i}", level="neighbourhood", parent=cities[i % 2],
                       population=5000 + 100 * i, geometry=square(i)) for i in range(20)]
    campaign = Campaign(slug="bench", name="Bench", languages=LANGUAGES, group_keys=["language", "role", "age_band"])
    db.session.add_all(hoods + [campaign])
    db.session.flush()
    survey = Survey(campaign=campaign, slug="bench", title={"en": "Bench"}, draft={}, is_open=True)
    version = SurveyVersion(survey=survey, number=1, definition={})
    db.session.add_all([survey, version])
    db.session.flush()
    code_ids = [code.id for code in db.session.query(Code)]
    codes = {code.key: code.id for code in db.session.query(Code)}
    indicators = []
    for i in range(10):
        indicator = Indicator(code=f"ind{i}", name={"en": f"Indicator {i}", "he": f"מדד {i}"},
                              linked_codes=["barrier.cost", "barrier.capacity", "theme.early_learning"][: 1 + i % 3])
        db.session.add(indicator)
        indicators.append(indicator)
    db.session.commit()
    hood_ids = [h.id for h in hoods]
    ids = {"campaign": campaign.id, "survey": survey.id, "version": version.id}

    raw = db.engine.raw_connection()
    cursor = raw.cursor()
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    t0 = time.perf_counter()
    next_item = next_tag = 1
    answer_id = comment_id = response_id = 0
    plan, answer_rows = [], []
    with cursor.copy("COPY responses (id, uuid, survey_id, survey_version_id, channel, language, geography_id, "
                     "groups, consent, content_hash, received_at) FROM STDIN") as responses:
        while next_item <= items:
            language = rng.choice(LANGUAGES)
            groups = {"language": language, "role": rng.choice(ROLES), "age_band": rng.choice(AGES)}
            geography = rng.choice(hood_ids)
            when = start + timedelta(minutes=rng.randrange(0, 2 * 365 * 24 * 60))
            if rng.random() < 0.1:
                comment_id += 1
                plan.append(("comment", comment_id, geography, language, groups, when,
                             rng.choice(["forum", "town_hall"])))
                next_item += 1
                continue
            response_id += 1
            channel = rng.choice(CHANNELS)
            responses.write_row((response_id, str(uuid.UUID(int=rng.getrandbits(128))), ids["survey"], ids["version"],
                                 channel, language, geography, json.dumps(groups), True, "0" * 64, when))
            for question in range(1 if rng.random() < 0.6 else 2):
                answer_id += 1
                answer_rows.append((answer_id, response_id, f"q{question}", "text"))
                plan.append(("answer", answer_id, geography, language, groups, when, channel))
                next_item += 1
                if next_item > items:
                    break
    with cursor.copy("COPY answers (id, response_id, question, value) FROM STDIN") as answers:
        for row in answer_rows:
            answers.write_row(row)
    tag_rows = []
    with cursor.copy("COPY voice_items (id, campaign_id, source, source_id, channel, original_text, language, "
                     "redacted_text, geography_id, groups, created_at) FROM STDIN") as voice_items:
        weights = [3 if key in ("barrier.cost", "barrier.capacity", "theme.early_learning", "theme.housing") else 1
                   for key in codes]
        for item_id, (source, source_id, geography, language, groups, when, channel) in enumerate(plan, start=1):
            voice_items.write_row((item_id, ids["campaign"], source, source_id, channel, "original text", language,
                                   f"redacted text {item_id % 997} about the neighbourhood", geography,
                                   json.dumps(groups), when))
            for code_id in set(rng.choices(code_ids, weights=weights, k=rng.choice((1, 1, 2, 3)))):
                tag_rows.append((next_tag, item_id, code_id, "rule", 1.0, "[]", True, when))
                next_tag += 1
    with cursor.copy("COPY tags (id, item_id, code_id, source, confidence, evidence, applies, created_at) "
                     "FROM STDIN") as tags:
        for row in tag_rows:
            tags.write_row(row)
    raw.commit()
    per = max(1, values // (len(indicators) * len(hood_ids) * (1 + len(LANGUAGES))))
    periods = [str(2025 - p) for p in range(per)]
    written = 0
    with cursor.copy("COPY indicator_values (indicator_id, geography_id, period, group_key, group_value, value, "
                     "numerator, denominator, source) FROM STDIN") as copy:
        for indicator in indicators:
            for geography in hood_ids:
                for period in periods:
                    for key, value in [("", "")] + [("language", lang) for lang in LANGUAGES]:
                        copy.write_row((indicator.id, geography, period, key, value, round(rng.uniform(30, 90), 1),
                                        None, rng.choice((3, 40, 80, 200)), "bench"))
                        written += 1
    raw.commit()
    for table, column in (("responses", "id"), ("answers", "id"), ("voice_items", "id"), ("tags", "id")):
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), (SELECT max({column}) FROM {table}))")
    cursor.execute("ANALYZE")
    raw.commit()
    raw.close()
    print(f"loaded {len(plan):,} voice items ({response_id:,} responses, {comment_id:,} comments), "
          f"{next_tag - 1:,} tags, {written:,} indicator values in {time.perf_counter() - t0:.0f} s")
    return ids


def timed(client, url: str, repeat: int) -> tuple[float, float, float]:
    t0 = time.perf_counter()
    client.get(url)  # the first call fills the quote cache
    first = 1000 * (time.perf_counter() - t0)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        response = client.get(url)
        times.append(1000 * (time.perf_counter() - t0))
        assert response.status_code == 200, (url, response.status_code)
    times.sort()
    return first, statistics.median(times), times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]


def main() -> None:
    args = parse_args()
    from flask_migrate import upgrade
    from voice import create_app
    url = make_url(args.url)
    name = f"voice_bench_{os.getpid()}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    bench_url = url.set(database=name).render_as_string(hide_password=False)
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": bench_url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                          "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024,
                          "INSTANCE_PATH": f"/tmp/{name}"})
        with app.app_context():
            upgrade()
            ids = load(app, args.items, args.values, random.Random(7))
            client = app.test_client()
            assert client.post("/auth/sign-in", data={"email": "committee@bench.example.org",
                                                      "password": "bench-password-1"}).status_code == 302
            requests = [
                ("dashboard, one year", "/review/bench?period=2026"),
                ("dashboard, whole campaign", "/review/bench?period=all"),
                ("dashboard, neighbourhood", "/review/bench?period=2026&geography=N03"),
                ("dashboard, city + language", "/review/bench?period=2026&geography=C1&language=he"),
                ("dashboard, channel + role", "/review/bench?period=2026&channel=online&group=role%3Dparent"),
                ("joined view", "/review/bench/indicators?period=2026&indicator=ind2"),
                ("joined view, map by code", "/review/bench/indicators?period=2026&indicator=ind2&shade=barrier.cost"),
                ("export codes (CSV)", "/review/bench/export?table=codes&format=csv&period=2026"),
                ("export joined (XLSX)", "/review/bench/export?table=joined&format=xlsx&period=2026"),
            ]
            from voice.extensions import db
            statements: list[tuple[float, str]] = []
            if args.explain:
                @sa.event.listens_for(db.engine, "before_cursor_execute")
                def before(conn, cursor, statement, parameters, context, executemany):
                    conn.info["t0"] = time.perf_counter()

                @sa.event.listens_for(db.engine, "after_cursor_execute")
                def after(conn, cursor, statement, parameters, context, executemany):
                    statements.append((1000 * (time.perf_counter() - conn.info["t0"]), statement))
            from voice.review.facts import rebuild
            t0 = time.perf_counter()
            rebuild(ids["campaign"])
            print(f"summary tables rebuilt in {time.perf_counter() - t0:.1f} s")
            print(f"{'request':<32} {'first ms':>8} {'p50 ms':>8} {'p95 ms':>8}")
            for label, path in requests:
                if args.explain:
                    statements.clear()
                    client.get(path)
                    total = sum(ms for ms, _ in statements)
                    print(f"  {label}: {len(statements)} statements, {total:.0f} ms in SQL")
                    for ms, statement in sorted(statements, reverse=True)[:3]:
                        print(f"    {ms:6.0f} ms  {' '.join(statement.split())[:160]}")
                first, p50, p95 = timed(client, path, args.repeat)
                print(f"{label:<32} {first:8.0f} {p50:8.0f} {p95:8.0f}{'  (p95 over 500 ms)' if p95 > 500 else ''}")
            db.session.remove()
            db.engine.dispose()
    finally:
        if not args.keep:
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
