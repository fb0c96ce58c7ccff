"""A stand-in for the WeCom and DingTalk group robots: an HTTP server on loopback that records
what it is sent and answers as a test tells it to (ok, 500, a provider error, slowly, a redirect).
It checks DingTalk's signature as DingTalk does, with the secret the test gave it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit


@dataclass
class Received:
    path: str
    query: dict
    body: dict
    signature_ok: bool | None  # None: no signature was expected

    @property
    def text(self) -> str:
        markdown = self.body.get("markdown", {})
        return markdown.get("content") or markdown.get("text") or ""


@dataclass
class StandIn:
    server: ThreadingHTTPServer | None = None
    received: list[Received] = field(default_factory=list)
    status: int = 200
    errcode: int = 0
    delay: float = 0.0
    redirect_to: str | None = None
    dingtalk_secret: str = ""

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def wecom_url(self, key: str = "k") -> str:
        return f"{self.base}/cgi-bin/webhook/send?key={key}"

    def dingtalk_url(self, name: str = "t") -> str:
        return f"{self.base}/robot/send?access_token={name}"

    def wait_for(self, count: int, timeout: float = 30.0) -> list[Received]:
        end = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < end:
            time.sleep(0.1)
        return self.received

    def _verify(self, query: dict) -> bool | None:
        if not self.dingtalk_secret:
            return None
        timestamp, sign = query.get("timestamp"), query.get("sign")
        if not timestamp or not sign:
            return False
        digest = hmac.new(
            self.dingtalk_secret.encode(),
            f"{timestamp}\n{self.dingtalk_secret}".encode(),
            hashlib.sha256,
        ).digest()
        fresh = abs(time.time() * 1000 - int(timestamp)) < 3600 * 1000
        return fresh and hmac.compare_digest(base64.b64encode(digest).decode(), unquote(sign))


def start() -> StandIn:
    stand_in = StandIn()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (the http.server API)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            if stand_in.redirect_to:
                self.send_response(302)
                self.send_header("Location", stand_in.redirect_to)
                self.end_headers()
                return
            if stand_in.delay:
                time.sleep(stand_in.delay)
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                body = {"unreadable": raw.decode(errors="replace")}
            stand_in.received.append(Received(parts.path, query, body, stand_in._verify(query)))
            answer = json.dumps(
                {"errcode": stand_in.errcode, "errmsg": "ok" if not stand_in.errcode else "no"}
            ).encode()
            try:
                self.send_response(stand_in.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (a timeout test)

        def log_message(self, *args):
            pass

    stand_in.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    stand_in.server.daemon_threads = True
    threading.Thread(target=stand_in.server.serve_forever, daemon=True).start()
    return stand_in
