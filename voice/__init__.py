"""Community Voice: hear a community's residents and act on what they say."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping

from flask import Flask, render_template
from flask_babel import gettext as _
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from . import auth, campaigns, canvass, cli, coding, home, indicators, jobs, keys, resident, review, sessions, surveys
from .config import build_config
from .crypto import forbid_decryption_for_committee
from .extensions import babel, csrf, db, login_manager, migrate
from .i18n import (available_locales, check_catalogs, format_number, format_points, format_signed, isolated,
                   language_name, language_name_for_reader, locale_info, remember_requested_locale,
                   select_locale)
from .labels import channel_label, role_choices
from .security import add_security_headers, check_every_route_declares_access
from .timezones import format_local, site_zone

PACKAGE_DIR = Path(__file__).resolve().parent
MIGRATIONS = str(PACKAGE_DIR / "migrations")


def _shipped_folder(name: str) -> Path:
    """A wheel carries templates/ and translations/ inside the package (setup.py puts them there);
    a source checkout, editable installs included, keeps them at the project root."""
    inside = PACKAGE_DIR / name
    return inside if inside.is_dir() else PACKAGE_DIR.parent / name


TEMPLATES = _shipped_folder("templates")
TRANSLATIONS = _shipped_folder("translations")


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: settings from VOICE_* variables, then ``config`` on top (tests)."""
    app = Flask(__name__, instance_relative_config=True,
                template_folder=str(TEMPLATES))
    instance_path = (config or {}).get("INSTANCE_PATH", app.instance_path)
    app.instance_path = instance_path
    os.makedirs(instance_path, exist_ok=True)
    app.config.from_mapping(build_config(instance_path, os.environ, config))
    if app.config["TRUSTED_PROXIES"]:
        # The client's address and scheme as the trusted proxies saw them (rate limits, HTTPS).
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    db.init_app(app)
    keys.init_app(app)  # a missing or wrong data key stops the app here
    migrate.init_app(app, db, directory=MIGRATIONS, render_as_batch=True)
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(TRANSLATIONS))
    csrf.init_app(app)
    login_manager.init_app(app)
    jobs.init_app(app)

    for blueprint_module in (auth, home, campaigns, coding, sessions, surveys, resident, canvass, indicators, review):
        blueprint_module.init_app(app)
    cli.init_app(app)

    app.before_request(forbid_decryption_for_committee)
    app.after_request(add_security_headers)
    app.after_request(remember_requested_locale)
    app.jinja_env.add_extension("jinja2.ext.do")
    app.add_template_filter(format_local, "localtime")  # |localtime(campaign.time_zone)
    # Numbers in the reader's locale, each isolated in one left-to-right run: {{ 55.2|points }}.
    app.add_template_filter(lambda value, digits=0: isolated(format_number(value, digits)), "number")
    app.add_template_filter(lambda value, digits=0: isolated(format_points(value, digits)), "points")
    app.add_template_filter(lambda value, digits=1: isolated(format_signed(value, digits)), "signed")
    app.context_processor(template_globals)
    _register_error_pages(app)

    check_every_route_declares_access(app)
    check_catalogs(app, TRANSLATIONS)
    return app


def template_globals() -> dict[str, Any]:
    return {"locale_info": locale_info(), "locales": available_locales(),
            "role_names": dict(role_choices()), "language_name": language_name,
            "language_name_for_reader": language_name_for_reader,
            "channel_label": channel_label, "site_zone": site_zone}


def _register_error_pages(app: Flask) -> None:
    messages = {
        400: lambda: _("The request could not be understood. Please go back and try again."),
        403: lambda: _("Your role does not give access to this page."),
        404: lambda: _("There is no page at this address."),
        405: lambda: _("This page cannot be used that way."),
        409: lambda: _("This conflicts with something already stored. Nothing was changed."),
        413: lambda: _("The file is too large."),
        429: lambda: _("Too many requests. Please wait a minute and try again."),
        500: lambda: _("Something went wrong on our side. Nothing you sent was lost; please try again."),
    }
    for status, message in messages.items():
        def handler(error, status=status, message=message):
            return render_template("error.html", status=status, message=message()), status
        app.register_error_handler(status, handler)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """WAL for concurrent readers and a writer; foreign keys, which SQLite leaves off."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()
