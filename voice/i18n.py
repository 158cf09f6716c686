"""Locale choice and text direction.

The locale comes from ``?lang=``, then a choice made while signed in, then the signed-in user's
setting, then a cookie, then the browser's Accept-Language. Choosing a language with ``?lang=``
is remembered for the next pages (cookie, and the sign-in session when signed in) but never
changes the user's saved setting: only the account settings page does.
"""
from __future__ import annotations

import re
from copy import copy
from dataclasses import dataclass
from pathlib import Path

from babel import Locale
from babel.numbers import get_minus_sign_symbol, get_plus_sign_symbol
from flask import Flask, current_app, g, request, session
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup, escape

LOCALE_COOKIE = "voice_lang"
# The language chosen during this sign-in; signing in or out clears the session, and with it this.
SESSION_LOCALE = "lang"


@dataclass(frozen=True)
class LocaleInfo:
    code: str
    name: str  # the language's name in itself, for the switcher
    dir: str  # "rtl" or "ltr"

    @classmethod
    def of(cls, code: str) -> LocaleInfo:
        locale = Locale.parse(code)
        rtl = locale.character_order == "right-to-left"
        return cls(code=code, name=locale.get_display_name(locale).capitalize(),
                   dir="rtl" if rtl else "ltr")


def _supported(code: str | None) -> str | None:
    if code and code in current_app.config["LANGUAGES"]:
        return code
    return None


def requested_locale() -> str | None:
    return _supported(request.args.get("lang"))


def select_locale() -> str:
    chosen = requested_locale()
    if chosen:
        return chosen
    if current_user and current_user.is_authenticated:
        signed_in_choice = _supported(session.get(SESSION_LOCALE)) or _supported(current_user.locale)
        if signed_in_choice:
            return signed_in_choice
    cookie = _supported(request.cookies.get(LOCALE_COOKIE))
    if cookie:
        return cookie
    return request.accept_languages.best_match(current_app.config["LANGUAGES"]) or \
        current_app.config["BABEL_DEFAULT_LOCALE"]


def available_locales() -> list[LocaleInfo]:
    return [LocaleInfo.of(code) for code in current_app.config["LANGUAGES"]]


def check_catalogs(app: Flask, root: Path) -> None:
    """Every configured locale but the source language must ship a compiled catalog in ``root``."""
    missing = [code for code in app.config["LANGUAGES"] if code != "en"
               and not (root / code / "LC_MESSAGES" / "messages.mo").exists()]
    if missing:
        raise RuntimeError(
            f"No compiled catalog for {', '.join(missing)} in {root}: run `make translations`.")


def locale_info() -> LocaleInfo:
    if "locale_info" not in g:
        g.locale_info = LocaleInfo.of(str(get_locale()))
    return g.locale_info


def remember_requested_locale(response):
    """Keep a ``?lang=`` choice for the next pages, signed in or not; the user's setting stays."""
    chosen = requested_locale()
    if chosen:
        if current_user.is_authenticated:
            # The cookie ranks below the user's setting, so a signed-in choice also lives in the session.
            session[SESSION_LOCALE] = chosen
        response.set_cookie(LOCALE_COOKIE, chosen, max_age=365 * 24 * 3600, samesite="Lax",
                            secure=request.is_secure, httponly=True)
    return response


def language_choices(codes, *, blank: str | None = None) -> list[tuple[str, str]]:
    """(code, name in its own language) pairs for a language picker."""
    choices = [(code, LocaleInfo.of(code).name) for code in codes]
    return ([("", blank)] if blank is not None else []) + choices


def language_name(code: str) -> str:
    """A language's name in itself (Hebrew is עברית whatever the page's language)."""
    try:
        return LocaleInfo.of(code).name
    except (ValueError, TypeError):
        return code


def language_name_for_reader(code: str) -> str:
    """A language's name in the reader's language (Amharic, not አማርኛ, for an English reader)."""
    try:
        return Locale.parse(code).get_display_name(get_locale()).capitalize()
    except (ValueError, TypeError):
        return code


# Latin, Arabic (،), Ethiopic (፣) and ideographic (、) commas: people type their keyboard's own.
_COMMAS = re.compile(r"[,،፣、]")


def split_commas(text: str | None) -> list[str]:
    """The non-empty, stripped, de-duplicated parts of a comma-separated field, in order."""
    return list(dict.fromkeys(part.strip() for part in _COMMAS.split(text or "") if part.strip()))


# --- Numbers in the reader's locale -------------------------------------------------------


def _number_pattern(kind: str, digits: int):
    """The locale's own decimal or percent pattern with exactly ``digits`` decimals."""
    pattern = copy(getattr(get_locale(), f"{kind}_formats")[None])
    pattern.frac_prec = (digits, digits)
    return pattern


def format_number(value: float, digits: int = 0) -> str:
    return _number_pattern("decimal", digits).apply(value, get_locale())


def format_points(points: float, digits: int = 0) -> str:
    """A share given in points (0–100) as the locale writes a percentage (55%, 55 %)."""
    return _number_pattern("percent", digits).apply(points / 100, get_locale())


def format_signed(value: float, digits: int = 1) -> str:
    """A change with its sign always written, in the locale's symbols."""
    text = format_number(abs(value), digits)
    if text == format_number(0, digits):  # rounds to nothing: no sign
        return text
    return (get_plus_sign_symbol if value > 0 else get_minus_sign_symbol)(get_locale()) + text


def isolated(text: str) -> Markup:
    """A number kept in one left-to-right run, whatever the page's direction: "+11.4", never "11.4+"."""
    return Markup('<bdi dir="ltr">%s</bdi>') % escape(text)
