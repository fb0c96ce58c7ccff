"""Language and time zone: Chinese first, English one tap away; times in the estate's zone."""

from __future__ import annotations

import functools
import re
from datetime import datetime

from babel.lists import format_list
from flask import current_app, has_request_context, request
from flask_babel import force_locale, format_datetime, get_locale, get_timezone, get_translations
from flask_login import current_user

from webapp import clock, phones, requestcache

LOCALE_COOKIE = "lang"
LOCALE_NAMES = {"zh_CN": "中文", "en": "English"}


def select_locale() -> str:
    if not has_request_context():  # CLI commands and services run outside a request
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    supported = current_app.config["LANGUAGES"]
    if current_user and current_user.is_authenticated and current_user.locale in supported:
        return current_user.locale
    cookie = request.cookies.get(LOCALE_COOKIE)
    if cookie in supported:
        return cookie
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    if not has_request_context():
        return current_app.config["DEFAULT_TIMEZONE"]
    if current_user and current_user.is_authenticated and current_user.is_staff:
        estates = current_user.estates
        if estates:
            return estates[0].timezone
    return current_app.config["DEFAULT_TIMEZONE"]


def html_lang() -> str:
    return "zh-CN" if str(get_locale()).startswith("zh") else "en"


# Babel's CLDR pattern letters that are digits in every language, as strftime has them.
_NUMERIC = {"yyyy": "%Y", "MM": "%m", "dd": "%d", "HH": "%H", "mm": "%M", "ss": "%S"}
_PIECES = re.compile(r"([A-Za-z])\1*|[^A-Za-z]+")


@functools.cache
def _as_strftime(fmt: str) -> str | None:
    """The strftime pattern for a pattern of digits only (yyyy-MM-dd HH:mm); None when it names
    anything a language spells (a month's or a weekday's name): Babel formats those."""
    if "'" in fmt:
        return None
    out = []
    for piece in _PIECES.finditer(fmt):
        text = piece.group(0)
        if piece.group(1):
            if text not in _NUMERIC:
                return None
            out.append(_NUMERIC[text])
        else:
            out.append(text.replace("%", "%%"))
    return "".join(out)


def format_when(value: datetime | None, fmt: str = "yyyy-MM-dd HH:mm") -> str:
    """A UTC datetime shown in the viewer's (estate's) time zone. A list shows dozens of them:
    digits-only patterns skip Babel's pattern machinery (the same result, a tenth of the time)."""
    if value is None:
        return ""
    pattern = _as_strftime(fmt)
    if pattern is None or value.tzinfo is None:
        return format_datetime(value, fmt)
    return value.astimezone(zone()).strftime(pattern)


def listing(items) -> str:
    """A list joined the way the viewer's language does it (、 in Chinese, commas in English)."""
    items = [str(i) for i in items]
    return format_list(items, style="standard", locale=get_locale()) if items else ""


# A badge counts up to here and then says "99+": counting every late ticket of a large estate
# would cost more than the number tells.
BADGE_MAX = 99


def badge(n: int | None) -> str:
    if n is None:
        return ""
    return f"{BADGE_MAX}+" if n > BADGE_MAX else str(n)


def mask_phone(phone: str | None) -> str:
    """139 **** 5678: enough to recognise, not enough to copy."""
    return phones.mask(phone)


def _translations():
    """The request's catalogue."""
    return requestcache.once("propdesk.translations", get_translations)


def locale_name() -> str:
    """The request's language ("zh_CN", "en")."""
    return requestcache.once("propdesk.locale", lambda: str(get_locale()))


def zone():
    """The request's time zone (the viewer's estate's)."""
    return requestcache.once("propdesk.zone", get_timezone)


def init_app(app) -> None:
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.jinja_env.globals.update(
        html_lang=html_lang, LOCALE_NAMES=LOCALE_NAMES, now_local=clock.now
    )
    app.jinja_env.filters.update(
        when=format_when, mask_phone=mask_phone, phone=phones.display, listing=listing, badge=badge
    )


def installation_locale():
    """Words written for everyone (a group message, an automatic reply) are in the
    installation's language, whoever's request caused them."""
    return force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "zh_CN"))
