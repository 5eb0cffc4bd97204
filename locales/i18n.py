"""gettext for every user-facing word, and Babel formatting of numbers and dates (vi_VN by default).

The catalogs are compiled in memory from every ``locales/<lang>/LC_MESSAGES/*.po`` on first use (one
file per area of the product, so parallel work never edits the same catalog), so a fresh checkout
needs no build step. The active language is carried in a ContextVar, like aiogram's
I18n middleware, so one process can serve users of both languages at once.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel.dates import format_date, format_datetime
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

DOMAIN = "baocao"
DEFAULT_LANGUAGE = "vi"
LANGUAGES = ("vi", "en")
LOCALE_DIR = Path(__file__).resolve().parent
_BABEL_LOCALES = {"vi": "vi_VN", "en": "en_US"}

_language: ContextVar[str] = ContextVar("language", default=DEFAULT_LANGUAGE)


@cache
def translations(language: str) -> NullTranslations:
    """Load and compile the catalog of ``language`` (``NullTranslations`` when it has none)."""
    po_paths = sorted((LOCALE_DIR / language / "LC_MESSAGES").glob("*.po"))
    if not po_paths:
        return NullTranslations()
    catalog = Catalog(locale=language, domain=DOMAIN)
    for po_path in po_paths:
        with po_path.open("rb") as po_file:
            part = read_po(po_file, locale=language)
        for message in part:
            if message.id and message.string:
                catalog[message.id] = message
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def set_language(language: str | None) -> None:
    """Make ``language`` the one used by ``_`` in the current context."""
    _language.set(language if language in LANGUAGES else DEFAULT_LANGUAGE)


def current_language() -> str:
    """Return the language of the current context."""
    return _language.get()


def _(message: str) -> str:
    """Translate ``message`` into the current language."""
    return translations(_language.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Translate with a plural form chosen by ``n``."""
    return translations(_language.get()).ngettext(singular, plural, n)


def babel_locale() -> str:
    """Return the Babel locale of the current language."""
    return _BABEL_LOCALES.get(_language.get(), "vi_VN")


def fmt_number(value: int | float) -> str:
    """Format a number the way the user's locale writes it (vi_VN: ``1.234``)."""
    return _formatted(value, babel_locale())


@functools.lru_cache(maxsize=4096, typed=True)
def _formatted(value: int | float, locale: str) -> str:
    # Babel takes ~40 µs per number (locale lookup, pattern, quantize); the same small counts
    # come back on every step of every report.
    return format_decimal(value, locale=locale)


def fmt_date(value: dt.date) -> str:
    """Format a date as ``dd/mm/yyyy`` in Vietnamese (and the English short form otherwise)."""
    if _language.get() == "vi":
        return format_date(value, "dd/MM/yyyy", locale="vi_VN")
    return format_date(value, "dd/MM/yyyy", locale=babel_locale())


def fmt_datetime(value: dt.datetime) -> str:
    """Format a moment as ``HH:mm dd/MM/yyyy`` in the local time of the value."""
    return format_datetime(value, "HH:mm dd/MM/yyyy", locale=babel_locale())
