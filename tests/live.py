"""The app served over a real socket, and a small HTTP client, for tests of parallel requests."""

from __future__ import annotations

import http.client
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from werkzeug.serving import make_server

from tests.fixtures.app import PASSWORD

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def serve(app) -> Iterator[str]:
    """The app on a free loopback port, one thread per request (as under real load)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


class Browser:
    """A minimal HTTP client over a real socket: cookies, the CSRF token, a source address."""

    def __init__(self, base: str, source: str = "127.0.0.1", headers: dict | None = None):
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.source = source
        self.headers = dict(headers or {})
        self.cookies: dict[str, str] = {}
        self.csrf: str | None = None

    def post_multipart(self, path: str, form: dict, files: dict, **kwargs):
        """A form with files, as a phone's upload sends it."""
        boundary = "propdesk" + uuid.uuid4().hex
        parts = []
        for name, value in {**form, "csrf_token": self.csrf or ""}.items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                f"{value}\r\n".encode()
            )
        for name, (filename, data) in files.items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{filename}"\r\nContent-Type: image/jpeg\r\n\r\n'.encode()
                + data
                + b"\r\n"
            )
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        return self.request(
            "POST", path, body=body, headers={**headers, **kwargs.get("headers", {})}
        )

    def request(
        self,
        method: str,
        path: str,
        form: dict | None = None,
        headers: dict | None = None,
        body: bytes | None = None,
    ):
        conn = http.client.HTTPConnection(
            self.host, self.port, timeout=30, source_address=(self.source, 0)
        )
        sent = {**self.headers, **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if form is not None:
            body = urlencode({**form, "csrf_token": self.csrf or ""})
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            conn.close()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                cookie_value = rest.split(";", 1)[0]
                if cookie_value and "max-age=0" not in value.lower():
                    self.cookies[key] = cookie_value
                else:
                    self.cookies.pop(key, None)
        return response.status, dict(response.getheaders()), text

    def get(self, path: str, **kwargs):
        status, headers, text = self.request("GET", path, **kwargs)
        match = _CSRF.search(text)
        if match:
            self.csrf = match.group(1)
        return status, headers, text

    def post(self, path: str, form: dict, **kwargs):
        return self.request("POST", path, form=form, **kwargs)

    def login(self, username: str, password: str = PASSWORD) -> int:
        self.get("/login")
        status, _, _ = self.post("/login", {"username": username, "password": password})
        if status == 303:
            self.get("/account")  # a new session after login: a new CSRF token
        return status


def free_port() -> int:
    """A port nothing listens on, below the kernel's range of ephemeral ports: a port from
    that range (what bind(0) gives) can be taken as the source port of the readiness probe
    itself, and a probe to a server not yet listening then connects to itself and reads its
    own request back (TCP simultaneous open)."""
    low = _ephemeral_low()
    for _ in range(200):
        port = random.randrange(max(1024, low - 12000), low)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError("no free port below the ephemeral range")


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


@contextmanager
def running(
    proc: subprocess.Popen,
    base: str,
    *,
    ready: Callable[[], bool],
    what: str,
    log: Callable[[], str],
    timeout: float,
) -> Iterator[str]:
    """A server process started for the test (nginx, gunicorn): yields `base` once `ready()`
    says it answers, fails with its log if it dies or takes longer than `timeout`, and stops it
    afterwards."""
    try:
        deadline = time.monotonic() + timeout
        while not _answers(ready):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"{what} did not start:\n{log()}")
            time.sleep(0.05)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _answers(ready: Callable[[], bool]) -> bool:
    try:
        return ready()
    except OSError:
        return False


def accepts(port: int) -> bool:
    """Whether something listens on 127.0.0.1:`port`."""
    with socket.create_connection(("127.0.0.1", port), timeout=1):
        return True


@contextmanager
def gunicorn(config: dict, tmp_path: Path, workers: int = 4) -> Iterator[tuple[str, Path]]:
    """`gunicorn -w N "webapp:create_app({...})"` as the README runs it, on a free port;
    yields its address and the file that collects its output."""
    port = free_port()
    log_path = tmp_path / f"gunicorn-{port}.log"
    env = {**os.environ, "INSTANCE_PATH": str(tmp_path / "instance")}
    env.pop("WEB_CONCURRENCY", None)
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-w",
                str(workers),
                "-b",
                f"127.0.0.1:{port}",
                "--no-control-socket",
                f"webapp:create_app({config!r})",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    with running(
        proc,
        base,
        ready=lambda: Browser(base).get("/login")[0] == 200,
        what="gunicorn",
        log=log_path.read_text,
        timeout=30,
    ):
        yield base, log_path
