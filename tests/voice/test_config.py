from __future__ import annotations

import pytest

from voice import create_app
from voice.config import ConfigError, settings_from_environment


def test_defaults_are_an_sqlite_file_in_the_instance_folder_and_a_kept_secret(tmp_path, monkeypatch):
    for name in ("VOICE_DATABASE_URL", "VOICE_SECRET_KEY", "VOICE_SUPPRESSION_MIN", "VOICE_CELERY_BROKER_URL"):
        monkeypatch.delenv(name, raising=False)
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/voice.sqlite3"
    assert app.config["SUPPRESSION_MIN"] == 5
    assert app.config["CELERY_BROKER_URL"] is None
    key_file = tmp_path / "secret_key"
    assert key_file.read_text().strip() == app.config["SECRET_KEY"] and len(app.config["SECRET_KEY"]) >= 64
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    # The same key on the next start: sessions survive a restart.
    assert create_app({"INSTANCE_PATH": str(tmp_path)}).config["SECRET_KEY"] == app.config["SECRET_KEY"]


def test_environment_settings_are_parsed():
    values = settings_from_environment({
        "VOICE_DATABASE_URL": "postgresql+psycopg://u@localhost/db",
        "VOICE_SUPPRESSION_MIN": "10",
        "VOICE_CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
        "VOICE_PHONE_REGIONS": "il, us,et",
        "VOICE_TRUSTED_PROXIES": "2",
        "VOICE_HTTPS": "1",
        "PATH": "/usr/bin",
    })
    assert values == {"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://u@localhost/db", "SUPPRESSION_MIN": 10,
                      "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0", "PHONE_REGIONS": ("IL", "US", "ET"),
                      "TRUSTED_PROXIES": 2, "HTTPS": True}


@pytest.mark.parametrize("environ, fragment", [
    ({"VOICE_SUPRESSION_MIN": "5"}, "VOICE_SUPRESSION_MIN is not a Community Voice setting"),
    ({"VOICE_SUPPRESSION_MIN": "five"}, "VOICE_SUPPRESSION_MIN='five'"),
    ({"VOICE_SUPPRESSION_MIN": "0"}, "at least 1"),
    ({"VOICE_DATABASE_URL": "not a url"}, "not a database URL"),
    ({"VOICE_CELERY_BROKER_URL": "http://x"}, "redis://"),
    ({"VOICE_PHONE_REGIONS": "Israel"}, "two-letter"),
    ({"VOICE_TRUSTED_PROXIES": "-1"}, "at least 0"),
    ({"VOICE_TRUSTED_PROXIES": "yes"}, "VOICE_TRUSTED_PROXIES='yes'"),
    ({"VOICE_HTTPS": "on please"}, "must be 1 or 0"),
])
def test_bad_settings_fail_at_start_with_a_clear_message(environ, fragment, tmp_path, monkeypatch):
    with pytest.raises(ConfigError, match="Invalid configuration") as error:
        settings_from_environment(environ)
    assert fragment in str(error.value)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError):
        create_app({"INSTANCE_PATH": str(tmp_path)})


def test_all_problems_are_reported_at_once():
    with pytest.raises(ConfigError) as error:
        settings_from_environment({"VOICE_X": "1", "VOICE_SUPPRESSION_MIN": "-2"})
    assert "VOICE_X" in str(error.value) and "VOICE_SUPPRESSION_MIN" in str(error.value)


def test_test_only_variables_are_not_settings():
    assert settings_from_environment({"VOICE_TEST_DATABASE_URL": "postgresql://x/y"}) == {}


def test_a_request_larger_than_the_limit_is_refused_before_it_is_read(app, client):
    assert app.config["MAX_CONTENT_LENGTH"] == 32 * 1024 * 1024
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = client.post("/auth/sign-in", data={"email": "a@example.org", "password": "x" * 2000})
    assert response.status_code == 413
