"""Fixtures: an app on a fresh database per test, on SQLite always and on PostgreSQL when
``VOICE_TEST_DATABASE_URL`` is set. Nothing touches the developer's instance folder."""
from __future__ import annotations

import base64
import os
import shutil
import uuid
from pathlib import Path

import pytest
from flask.testing import FlaskClient
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from voice import create_app
from voice.extensions import db
from voice.models import ROLES

from .helpers import IN_CI, PASSWORD, POSTGRES_URL, require, sign_in

BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


def pytest_sessionstart(session):
    if IN_CI and not POSTGRES_URL:
        raise pytest.UsageError("CI=true needs VOICE_TEST_DATABASE_URL: the suite must also run on PostgreSQL.")


# A fixed data key (like the secret key above), so that no test writes a key file outside its folder.
TEST_DATA_KEY = "test:" + base64.urlsafe_b64encode(bytes(range(32))).decode()


def _base_config(instance: Path, database_url: str) -> dict:
    return {
        "TESTING": True,
        "INSTANCE_PATH": str(instance),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret-key",
        "DATA_KEYS": TEST_DATA_KEY,
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 1024,
        "REVIEW_FRESHNESS_SECONDS": 0,  # tests change data between requests
        "SERVER_NAME": "voice.test",
    }


def _migrate(config: dict) -> None:
    from flask_migrate import upgrade
    app = create_app(config)
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """One SQLite file brought to head by the real migrations, copied for every test."""
    folder = tmp_path_factory.mktemp("sqlite-template")
    path = folder / "template.sqlite3"
    _migrate(_base_config(folder, f"sqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def postgres_database():
    """A throw-away PostgreSQL database for this run, migrated once, dropped at the end."""
    url = make_url(POSTGRES_URL)
    name = f"voice_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        require(False, f"PostgreSQL at {url.render_as_string(hide_password=True)} is not reachable: {exc}")
    test_url = url.set(database=name).render_as_string(hide_password=False)
    _migrate(_base_config(Path(os.environ.get("TMPDIR", "/tmp")), test_url))
    yield test_url
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate_all(engine) -> None:
    tables = ", ".join(f'"{table.name}"' for table in db.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "voice.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    return request.getfixturevalue("postgres_database")


@pytest.fixture
def app(database_url, tmp_path):
    app = create_app(_base_config(tmp_path / "instance", database_url))
    app.test_client_class = BrowserClient
    with app.app_context():
        yield app
        db.session.remove()
        if database_url.startswith("postgresql"):
            _truncate_all(db.engine)
        db.engine.dispose()


class BrowserClient(FlaskClient):
    """Each request runs in its own app context, as in production.

    The ``app`` fixture keeps an app context open so that tests can use ``db.session``; without
    this, requests would share that context's ``g`` (and its cached CSRF token) and session.
    """

    def open(self, *args, **kwargs):
        db.session.commit()  # what the test set up is visible to the request
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.expire_all()  # and what the request stored is visible to the test
        return response


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def users(app):
    """One active user per role, all with PASSWORD; e-mail ``<role>@example.org``."""
    from voice.accounts import create_user
    return {role: create_user(email=f"{role}@example.org", password=PASSWORD,
                              display_name=f"Test {role}", role=role) for role in ROLES}


@pytest.fixture
def signed_in(client, users):
    """``signed_in("analyst")`` signs the test client in with that role."""
    def as_role(role: str):
        response = sign_in(client, f"{role}@example.org")
        assert response.status_code == 302, response.get_data(as_text=True)
        return users[role]
    return as_role
