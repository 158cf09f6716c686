"""What the server benchmarks share: a scratch database and a real gunicorn on loopback."""
from __future__ import annotations

import base64
import http.client
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432"
# One data key per run, for the set-up and the server alike (the server reads what the set-up wrote).
DATA_KEY = "bench:" + base64.urlsafe_b64encode(os.urandom(32)).decode()


@contextmanager
def scratch_database(backend: str, folder: Path, prefix: str) -> Iterator[str]:
    """A database URL for one run: an SQLite file in ``folder``, or a PostgreSQL database
    named ``<prefix>_<random>`` that is dropped afterwards (only that one, by its name)."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'bench.sqlite3'}"
        return
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(f"{POSTGRES}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{POSTGRES}/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(url: str, port: int, **settings: str) -> subprocess.Popen:
    """gunicorn -w 2 serving the app on ``url``; returns once /healthz answers."""
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("VOICE_")},
           "VOICE_DATABASE_URL": url, "VOICE_SECRET_KEY": "bench", "VOICE_DATA_KEY": DATA_KEY, **settings}
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level",
         "warning", "voice:create_app()"], cwd=str(ROOT), env=env)
    deadline = time.monotonic() + 300  # workers import the NLP stack: slow on a busy machine
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.5)
    process.terminate()
    raise RuntimeError("gunicorn did not start")
