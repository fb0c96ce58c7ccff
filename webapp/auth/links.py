"""One-time set-password links as staff hand them out: made, then shown once with a QR code."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from webapp import phones
from webapp.auth import services
from webapp.links import external_url, qr_data_uri


def issue(person, purpose: str, issued_by) -> str:
    """A new one-time link token for `person` (earlier unused links stop working)."""
    return services.issue_setup_link(
        person,
        purpose=purpose,
        issued_by=issued_by,
        valid_for=current_app.config["INVITE_VALID_FOR"],
    )


def link_context(person, token: str, purpose: str) -> dict:
    """What the link page shows: the URL, a QR code of it, and a message ready to send."""
    url = url_of(token)
    return {
        "person": person,
        "purpose": purpose,
        "link": url,
        "login": login_shown(person),
        "qr_data_uri": qr_data_uri(url, scale=5),
        "message": message(person, url),
        "expires_days": valid_days(),
    }


def url_of(token: str) -> str:
    return external_url("auth.invite", token=token)


def valid_days() -> int:
    return current_app.config["INVITE_VALID_FOR"].days


def login_shown(person) -> str:
    """The login as the person would type it (a phone the local way)."""
    return phones.display(person.username)


def message(person, url: str) -> str:
    """The text staff send with the link (WeChat, SMS)."""
    return _(
        "【物业客服】%(name)s您好，请打开以下链接设置 PropDesk 登录密码"
        "（用户名 %(u)s，%(d)d 天内有效）：%(link)s",
        name=person.display_name,
        u=login_shown(person),
        d=valid_days(),
        link=url,
    )
