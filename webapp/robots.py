"""Group robots of WeCom (企业微信) and DingTalk (钉钉): what their webhooks accept and how we post.

Only the outbox calls `send()`, from the job queue, never inside a request. A webhook URL and a
DingTalk signing secret are secrets: pages show them masked and errors never carry them. In
production only https to the providers' own hosts is allowed (ROBOT_HOSTS); redirects are never
followed, so a webhook cannot send us anywhere else.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from urllib.parse import quote, urlsplit

from flask import current_app

WECOM = "wecom"
DINGTALK = "dingtalk"
KINDS = (WECOM, DINGTALK)
PROVIDER_HOSTS = ("qyapi.weixin.qq.com", "oapi.dingtalk.com")
# WeCom's markdown holds up to 4,096 bytes; DingTalk takes more, the smaller limit serves both.
MAX_BYTES = 4096
# Posts a robot accepts per minute (WeCom and DingTalk both say 20).
PER_MINUTE = 20


class RobotError(Exception):
    """A post that did not arrive. `retry`: worth another attempt later (5xx, timeout, limit)."""

    def __init__(self, message: str, retry: bool = True):
        super().__init__(message[:400])
        self.retry = retry


def allowed_hosts() -> tuple[str, ...]:
    return tuple(current_app.config.get("ROBOT_HOSTS") or PROVIDER_HOSTS)


def url_problem(url: str) -> str | None:
    """Why this webhook URL may not be used here (None: it may)."""
    parts = urlsplit(url.strip())
    hosts = allowed_hosts()
    if parts.scheme != "https" and not (
        parts.scheme == "http" and current_app.config.get("ROBOT_ALLOW_HTTP")
    ):
        return "https"
    if not parts.hostname or parts.username or parts.password:
        return "host"
    if "*" not in hosts and parts.hostname.lower() not in hosts:
        return "host"
    return None


def mask(url: str) -> str:
    """`https://qyapi.weixin.qq.com/…?key=abcd…wxyz`: enough to tell two apart, not to use."""
    if not url:
        return ""
    parts = urlsplit(url)
    secret = parts.query or parts.path
    tail = secret[-4:] if len(secret) > 12 else ""
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    return f"{parts.scheme}://{parts.hostname or ''}{port}/…{tail}"


def fit(text: str, limit: int = MAX_BYTES) -> str:
    """`text` cut to `limit` bytes of UTF-8 without splitting a character."""
    data = text.encode()
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode(errors="ignore") + "…"


def plain(text: str, limit: int = 200) -> str:
    """Typed text made safe in our markdown: one line, no links or markup of its own."""
    table = str.maketrans(
        {"[": "【", "]": "】", "<": "‹", ">": "›", "`": "'", "*": "＊", "#": "＃"}
    )
    one_line = " ".join(str(text or "").split()).translate(table)
    return one_line if len(one_line) <= limit else one_line[: limit - 1] + "…"


def payload(kind: str, title: str, text: str) -> dict:
    text = fit(text)
    if kind == DINGTALK:
        return {"msgtype": "markdown", "markdown": {"title": title[:60], "text": text}}
    return {"msgtype": "markdown", "markdown": {"content": text}}


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's signature: base64(HMAC-SHA256(secret, "timestamp\\nsecret")), URL-quoted."""
    digest = hmac.new(
        secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return quote(base64.b64encode(digest).decode(), safe="")


def signed_url(kind: str, url: str, secret: str, timestamp_ms: int | None = None) -> str:
    if kind != DINGTALK or not secret:
        return url
    ts = timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}timestamp={ts}&sign={dingtalk_sign(secret, ts)}"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        raise RobotError(f"redirect {code} refused", retry=False)


_opener = urllib.request.build_opener(_NoRedirects)


def send(kind: str, url: str, secret: str, title: str, text: str) -> None:
    """Post one markdown message; RobotError when it did not arrive."""
    if kind not in KINDS:
        raise RobotError("unknown robot kind", retry=False)
    problem = url_problem(url)
    if problem is not None:
        raise RobotError(f"webhook not allowed here ({problem})", retry=False)
    body = json.dumps(payload(kind, title, text), ensure_ascii=False).encode()
    request = urllib.request.Request(  # noqa: S310 (scheme and host checked above)
        signed_url(kind, url, secret),
        data=body,
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    timeout = float(current_app.config.get("ROBOT_TIMEOUT", 5))
    try:
        with _opener.open(request, timeout=timeout) as response:
            answer = response.read(65536)
    except RobotError:
        raise
    except urllib.error.HTTPError as error:
        raise RobotError(
            f"HTTP {error.code}", retry=error.code >= 500 or error.code == 429
        ) from None
    except TimeoutError:
        raise RobotError("timed out") from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise RobotError(f"unreachable: {type(reason).__name__}") from None
    try:
        result = json.loads(answer or b"{}")
    except ValueError:
        raise RobotError("answer is not JSON") from None
    code = result.get("errcode", 0) if isinstance(result, dict) else 0
    if code:
        message = str(result.get("errmsg", ""))[:120]
        # 45009 (WeCom) and 130101 (DingTalk): too many messages; worth retrying later.
        raise RobotError(f"errcode {code}: {message}", retry=code in (45009, 130101, -1))
