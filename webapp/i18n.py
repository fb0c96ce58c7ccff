"""Language and time zone: Chinese first, English one tap away; times in the estate's zone."""

from __future__ import annotations

from datetime import datetime

from babel.lists import format_list
from flask import current_app, has_request_context, request
from flask_babel import format_datetime, get_locale
from flask_login import current_user

from webapp import clock

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


def format_when(value: datetime | None, fmt: str = "yyyy-MM-dd HH:mm") -> str:
    """A UTC datetime shown in the viewer's (estate's) time zone."""
    if value is None:
        return ""
    return format_datetime(value, fmt)


def listing(items) -> str:
    """A list joined the way the viewer's language does it (、 in Chinese, commas in English)."""
    items = [str(i) for i in items]
    return format_list(items, style="standard", locale=get_locale()) if items else ""


def mask_phone(phone: str | None) -> str:
    """138****1234: enough to recognise, not enough to copy."""
    if not phone:
        return ""
    if len(phone) < 7:
        return phone[:1] + "*" * (len(phone) - 1)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def init_app(app) -> None:
    app.jinja_env.globals.update(
        html_lang=html_lang, LOCALE_NAMES=LOCALE_NAMES, now_local=clock.now
    )
    app.jinja_env.filters.update(when=format_when, mask_phone=mask_phone, listing=listing)
