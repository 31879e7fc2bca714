"""Every page in the reader's language: which language a request gets, and how text is translated.

The portal speaks English and Welsh (``LANGUAGES``). Text is marked for translation with the
functions re-exported here, so the core and every plugin use one set of names:

* ``_("Save")`` in Python code that runs in a request, and ``{{ _("Save") }}`` or
  ``{% trans %}…{% endtrans %}`` in templates;
* ``_l("Save")`` where the text is defined once at import time (form labels, choices, constants):
  it is translated when shown, in the language of the person it is shown to;
* ``ngettext("%(num)d member", "%(num)d members", n)`` for plurals (Welsh has six forms).

Each package keeps its own catalogue, ``<package>/translations/<locale>/LC_MESSAGES/<domain>.po``:
the core's domain is ``coprod_portal``, a plugin's domain is its plugin name. The core finds a
plugin's folder from the module the plugin host loaded, so an outside plugin's translations travel
inside its own package. The catalogues are merged into one per language; where two packages
translate the same English text differently, the core's wording wins, so the shell reads the same
on every page.

Which language a request gets, first match wins: the language the person chose and stored on their
account; the language chosen in this browser (the switch link, or the LMS's
``launch_presentation.locale`` for a learner); the browser's ``Accept-Language``; English. An
unknown or malformed code is ignored, never an error.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from babel.support import NullTranslations
from flask import Flask, current_app, g, has_request_context, request, session, url_for
from flask_babel import Babel, force_locale, get_locale, get_translations, pgettext
from flask_babel.speaklater import LazyString
from flask_login import current_user, user_logged_in
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup

__all__ = [
    "LANGUAGES", "_", "_l", "ngettext", "lazy_ngettext", "pgettext", "language", "locale_code",
    "remember_language", "choose_language", "in_language_of", "in_english", "long_date", "money", "number",
    "init_app",
]


def catalogue() -> NullTranslations:
    """The catalogue of the language this request (or this ``in_language_of`` block) is shown in.

    Flask-Babel finds the catalogue again for every text, about 10 µs (the locale's name rebuilt
    and the request's globals reached through proxies six times), and a list page shows a few
    hundred texts. Here the catalogue found is kept in Flask-Babel's own per-request space beside
    the locale it was found for, and reused while that space still holds the same locale object:
    ``force_locale`` (an e-mail in its reader's language) and ``refresh`` (after a switch) put a
    different locale object there, so the next text finds the catalogue for it. Should a later
    Flask-Babel keep its locale under another name, nothing is reused: slower, never wrong."""
    space = _babel_space()
    kept = getattr(space, "portal_catalogue", None)
    if kept is not None and kept[0] is not None and kept[0] is getattr(space, "babel_locale", None):
        return kept[1]
    found = get_translations()
    space = _babel_space()
    if space is not None:
        space.portal_catalogue = (getattr(space, "babel_locale", None), found)
    return found


def _babel_space() -> Any:
    try:
        return vars(g._get_current_object()).get("_flask_babel")
    except RuntimeError:  # no application context: nothing to keep
        return None


def _(text: str, /, **variables: Any) -> str:
    """``text`` in the reader's language, with ``%(name)s`` filled from ``variables``."""
    found = catalogue().ugettext(text)
    return found % variables if variables else found


def ngettext(singular: str, plural: str, num: int, /, **variables: Any) -> str:
    """The form of ``singular``/``plural`` that ``num`` takes in the reader's language (Welsh has
    six); ``%(num)d`` and ``variables`` are filled in."""
    variables.setdefault("num", num)
    return catalogue().ungettext(singular, plural, num) % variables


@pass_eval_context
def _in_template(context: EvalContext, text: str, /, **variables: Any) -> str:
    """``_`` and ``{% trans %}`` in templates, as Jinja's own i18n extension does them, in one
    call instead of the extension's three: a page shows a hundred texts."""
    return _filled(context, catalogue().ugettext(text), variables)


@pass_eval_context
def _plural_in_template(context: EvalContext, singular: str, plural: str, num: int, /,
                        **variables: Any) -> str:
    """``ngettext`` and ``{% trans count=… %}`` in templates (see ``_in_template``)."""
    variables.setdefault("num", num)
    return _filled(context, catalogue().ungettext(singular, plural, num), variables)


@pass_eval_context
def _with_context_in_template(context: EvalContext, meaning: str, text: str, /, **variables: Any) -> str:
    """``pgettext("content note", "Yes")`` in templates (see ``_in_template``)."""
    return _filled(context, catalogue().upgettext(meaning, text), variables)


def _filled(context: EvalContext, found: str, variables: dict[str, Any]) -> str:
    """Jinja's rules for a translation: trusted markup in an HTML template, with the values put
    into it escaped; plain text in a text e-mail; "%%" means "%"."""
    if context.autoescape:
        found = Markup(found)
    return found % variables if variables or "%" in found else found


def _l(text: str, /, **variables: Any) -> LazyString:
    """``_`` for a text defined at import time: translated each time it is shown."""
    return LazyString(_, text, **variables)


def lazy_ngettext(singular: str, plural: str, num: int, /, **variables: Any) -> LazyString:
    """``ngettext`` for a text defined at import time."""
    return LazyString(ngettext, singular, plural, num, **variables)


# code -> the language's name in that language (what the switch link says)
LANGUAGES: dict[str, str] = {"en": "English", "cy": "Cymraeg"}
DEFAULT_LANGUAGE = "en"
# the territory used for dates, numbers and money
TERRITORY = "GB"
CORE_DOMAIN = "coprod_portal"
SESSION_KEY = "language"
STORED_LANGUAGE = "coprod_stored_language"  # app.extensions: account id -> its chosen language
# the longest address of "this page" the language link carries back (a search with its words fits)
MAX_RETURN_ADDRESS = 300
_CODE = re.compile(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$")


def language_of(code: Any) -> str | None:
    """The portal language a code such as ``cy``, ``cy-GB`` or ``en_US`` asks for, or None.

    Anything else (an unknown language, a malformed or over-long code, not a string) is None, so a
    bad code from a browser, a link or an LMS falls back quietly instead of failing a page."""
    if not isinstance(code, str) or len(code) > 35 or not _CODE.match(code.strip()):
        return None
    primary = re.split(r"[-_]", code.strip(), maxsplit=1)[0].lower()
    return primary if primary in LANGUAGES else None


def choose_language() -> str:
    """The language this request is shown in (see the module docstring for the order)."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    stored = language_of(getattr(current_user, "language", None)) \
        if current_user and current_user.is_authenticated else None
    if stored:
        return stored
    chosen = language_of(session.get(SESSION_KEY))
    if chosen:
        return chosen
    return request.accept_languages.best_match(list(LANGUAGES)) or DEFAULT_LANGUAGE


def _select_locale() -> str:
    return locale_code(choose_language())


def locale_code(language: str) -> str:
    """The Babel locale for a portal language: ``cy`` -> ``cy_GB``."""
    return f"{language}_{TERRITORY}"


def language() -> str:
    """The active language code (``en`` or ``cy``), for ``<html lang>`` and links."""
    found = get_locale()
    return found.language if found is not None and found.language in LANGUAGES \
        else DEFAULT_LANGUAGE


def remember_language(code: Any) -> str | None:
    """Remember a language for this browser, as asked by a link or an outside system (an LMS).

    Returns the language remembered, or None when ``code`` names none the portal speaks (then the
    earlier choice stands). A person's stored choice on their account still wins over it."""
    chosen = language_of(code)
    if chosen:
        session[SESSION_KEY] = chosen
        from flask_babel import refresh

        refresh()
    return chosen


@contextmanager
def in_language_of(person: Any) -> Iterator[str]:
    """Render inside in the language ``person`` stored on their account (English until they choose).

    E-mails and notifications reach someone other than the person whose request builds them
    (or no request at all, in a background job), so the reader's own choice must decide, not
    the browser that happens to be asking. ``person`` may be an account, an account's id, or None
    (a message to many people at once: the portal's default language). Yields the language used."""
    stored = _stored_language(person) if isinstance(person, str) else getattr(person, "language", None)
    chosen = language_of(stored) or DEFAULT_LANGUAGE
    with force_locale(locale_code(chosen)):
        yield chosen


def in_english(text: Any) -> str:
    """A translatable text in English, whatever language the reader uses: for what is stored (the
    audit log, a checklist's history), which records what happened in one language for every
    later reader."""
    with force_locale(locale_code(DEFAULT_LANGUAGE)):
        return str(text)


def _locale() -> Locale:
    """The active locale; read straight from Flask-Babel's per-request space once it is there
    (every date on a list asks), else through ``get_locale``."""
    found = getattr(_babel_space(), "babel_locale", None) or get_locale()
    return found or Locale.parse(locale_code(DEFAULT_LANGUAGE))


def long_date(value: date | datetime) -> str:
    """A date as people write it in the active language: 27 March 2027, 27 Mawrth 2027."""
    return _long_date(value.date() if isinstance(value, datetime) else value, _locale())


@lru_cache(maxsize=4096)
def _long_date(day: date, locale: Locale) -> str:
    """Babel's formatting of one day in one locale (about 8 µs), kept: a list shows a date on every
    row, and the answer depends on nothing else."""
    return format_date(day, "d MMMM y", locale=locale)


def money(pence: int) -> str:
    """An amount of money held in pence, in pounds for the active language: £1,234.50."""
    return format_currency(pence / 100, "GBP", locale=_locale())


def number(value: int | float) -> str:
    """A number with the active language's grouping: 12,345."""
    return format_decimal(value, locale=_locale())


def translation_folder(module: ModuleType) -> Path | None:
    """The ``translations`` folder beside a plugin's code, or None when it has none."""
    paths = list(getattr(module, "__path__", []) or [])
    base = Path(paths[0]) if paths else Path(getattr(module, "__file__", "") or ".").parent
    folder = base / "translations"
    return folder if folder.is_dir() else None


def _stored_language(account_id: str) -> str | None:
    """The language an account chose, found by ``init_app``'s ``stored_language``: this module
    sits below accounts and never imports them."""
    return current_app.extensions[STORED_LANGUAGE](account_id)


def init_app(app: Flask, stored_language: Callable[[str], str | None]) -> None:
    """Set up Flask-Babel with the core's catalogue and every enabled plugin's own.

    ``stored_language(account_id)`` answers the language an account chose (None if it chose
    none): ``in_language_of`` asks it when given an account's id."""
    app.extensions[STORED_LANGUAGE] = stored_language
    folders: list[str] = []
    domains: list[str] = []
    host = app.extensions["coprod_plugins"]
    for name, info in host.plugins.items():
        module = host.pm.get_plugin(name) if info.enabled and info.source != "core" else None
        folder = translation_folder(module) if module is not None else None
        if folder is not None:
            folders.append(str(folder))
            domains.append(name)
    folders.append(str(Path(__file__).parent / "translations"))  # last: the core's wording wins
    domains.append(CORE_DOMAIN)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(folders)
    app.config["BABEL_DOMAIN"] = ";".join(domains)
    app.config.setdefault("BABEL_DEFAULT_LOCALE", locale_code(DEFAULT_LANGUAGE))
    Babel(app, locale_selector=_select_locale)  # also installs Jinja's i18n extension
    app.jinja_env.globals.update(_=_in_template, gettext=_in_template, ngettext=_plural_in_template,
                                 pgettext=_with_context_in_template)
    app.jinja_env.globals.update(language=language, language_links=language_links)
    user_logged_in.connect(_keep_choice_made_before_sign_in, app)
    for name, function in (("day", _day), ("moment", _moment), ("money", money),
                           ("number", number)):
        app.add_template_filter(function, name)


def language_links() -> list[tuple[str, str, str]]:
    """(code, name, address) of a link to this same page in each other language."""
    here = request.full_path.rstrip("?") if has_request_context() else "/"
    if len(here) > MAX_RETURN_ADDRESS:  # a hostile or odd address is not echoed into every link
        here = request.path if len(request.path) <= MAX_RETURN_ADDRESS else "/"
    active = language()
    return [(code, name, url_for("core.switch_language", code=code, next=here))
            for code, name in LANGUAGES.items() if code != active]


def _keep_choice_made_before_sign_in(sender: Flask, user: Any) -> None:
    """A language chosen on the sign-in page becomes the account's choice (saved with the sign-in
    itself): otherwise an older stored choice would undo it the moment the person signs in."""
    chosen = language_of(session.get(SESSION_KEY))
    if chosen and hasattr(user, "language") and user.language != chosen:
        user.language = chosen


def local_time(moment: datetime) -> datetime:
    """A stored moment (aware UTC) in the organisation's time zone (COPROD_TIMEZONE, default
    Europe/London), for showing to people. Naive values are taken to be UTC.
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(current_app.config["TIMEZONE"]))


def _day(value: Any) -> str:
    """A date, or the local date of a moment: 27 March 2027."""
    if not value:
        return ""
    return long_date(local_time(value) if isinstance(value, datetime) else value)


def _moment(value: Any) -> str:
    """A moment in the organisation's time zone, with the zone: 27 March 2027, 14:05 BST."""
    if not value:
        return ""
    here = local_time(value)
    return f"{long_date(here)}, {here:%H:%M %Z}"
