"""Seven languages, complete catalogs, and the locale chosen in the documented order."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest
from babel.messages.pofile import read_po

from voice import create_app
from voice.extensions import db

from ..helpers import ROOT, post_form, sign_in

LOCALES = ("es", "he", "ar", "ru", "am", "fr")
PLACEHOLDER = re.compile(r"%\(\w+\)s|\{\w*\}")


def _catalog(locale):
    with open(ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=locale)


@pytest.mark.parametrize("locale", LOCALES)
def test_every_string_is_translated(locale):
    catalog = _catalog(locale)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            problems.append(f"untranslated or fuzzy: {message.id!r}")
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = set(PLACEHOLDER.findall(ids[0]))
        for string in strings:
            if set(PLACEHOLDER.findall(string)) != wanted:
                problems.append(f"placeholders differ in {message.id!r}: {string!r}")
    assert not problems, f"{locale}:\n" + "\n".join(problems)


def test_catalogs_cover_every_string_in_the_code(tmp_path):
    """The template is current: a fresh extraction finds no string that the catalogs lack."""
    fresh = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
                    "-k", "_l", "-k", "lazy_gettext", "-o", str(fresh), "."], cwd=ROOT, check=True,
                   capture_output=True)
    with open(fresh, "rb") as handle:
        extracted = {message.id for message in read_po(handle) if message.id}
    for locale in LOCALES:
        known = {message.id for message in _catalog(locale) if message.id}
        assert extracted - known == set(), f"{locale} lacks strings: run `make translations`"


@pytest.mark.parametrize("locale, direction", [("he", "rtl"), ("ar", "rtl"), ("ru", "ltr"), ("am", "ltr")])
def test_html_carries_lang_and_direction(client, locale, direction):
    page = client.get(f"/auth/sign-in?lang={locale}").get_data(as_text=True)
    assert f'<html lang="{locale}" dir="{direction}">' in page


def test_every_page_offers_every_language_named_in_itself(client):
    page = client.get("/auth/sign-in").get_data(as_text=True)
    for name in ("English", "Español", "עברית", "العربية", "Русский", "አማርኛ", "Français"):
        assert name in page


def test_locale_order_url_then_user_then_cookie_then_browser(app, users):
    browser = app.test_client()
    assert 'lang="fr"' in browser.get("/auth/sign-in", headers={"Accept-Language": "fr,en;q=0.5"}).get_data(True)
    browser.set_cookie("voice_lang", "ru", domain="voice.test")
    assert 'lang="ru"' in browser.get("/auth/sign-in", headers={"Accept-Language": "fr"}).get_data(True)
    users["analyst"].locale = "am"
    db.session.commit()
    sign_in(browser, "analyst@example.org")
    assert 'lang="am"' in browser.get("/").get_data(True)
    assert 'lang="ar"' in browser.get("/?lang=ar").get_data(True)


def test_choosing_a_language_is_remembered(client):
    client.get("/auth/sign-in?lang=he")
    assert 'lang="he"' in client.get("/auth/sign-in").get_data(as_text=True)


def test_a_signed_in_users_choice_keeps_the_pages_but_not_their_setting(app, client, users, signed_in):
    users["committee"].locale = "am"
    db.session.commit()
    signed_in("committee")
    assert 'lang="ar"' in client.get("/?lang=ar").get_data(as_text=True)
    db.session.refresh(users["committee"])
    assert users["committee"].locale == "am"
    # The choice holds for the rest of this sign-in, over the saved setting...
    assert 'lang="ar"' in client.get("/").get_data(as_text=True)
    # ...and the next sign-in, here on another device, opens in the saved language.
    other_device = app.test_client()
    sign_in(other_device, "committee@example.org")
    assert 'lang="am"' in other_device.get("/").get_data(as_text=True)


def test_the_user_settings_page_saves_the_language(client, users, signed_in):
    admin = signed_in("admin")
    post_form(client, f"/auth/users/{admin.id}?lang=fr", {
        "email": "admin@example.org", "display_name": "Test admin", "role": "admin", "locale": "he", "active": "y"},
        token_from=f"/auth/users/{admin.id}")
    db.session.refresh(admin)
    assert admin.locale == "he"


def test_the_app_refuses_to_start_without_a_catalog(tmp_path, monkeypatch):
    with pytest.raises(RuntimeError, match="No compiled catalog for xx"):
        create_app({"INSTANCE_PATH": str(tmp_path), "LANGUAGES": ("en", "xx")})


def test_translations_are_used(client):
    assert "Iniciar sesión" in client.get("/auth/sign-in?lang=es").get_data(as_text=True)
    assert "כניסה" in client.get("/auth/sign-in?lang=he").get_data(as_text=True)
