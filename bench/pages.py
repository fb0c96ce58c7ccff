"""Page benchmark: the app under gunicorn (2 sync workers) beside a bare Flask route answering
5 KB, measured from outside with wrk in one run, on generated estates of 1k and 100k tickets,
on SQLite and on PostgreSQL. Prints throughput as a share of the bare route, p50/p95/p99, and
how much p95 grows from 1k to 100k.

    .venv/bin/python bench/pages.py                # SQLite and PostgreSQL, 1k and 100k
    .venv/bin/python bench/pages.py --db sqlite --sizes 1000 --seconds 3   # a quick look

Needs wrk (Debian: apt-get install wrk), Redis at 127.0.0.1:6379 (the login throttle shared by
the workers) and, for --db postgresql, PostgreSQL at 127.0.0.1:5432 with trust auth.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.generate import build, migrate

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
PG = "postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')
SEEN = {}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(port: int, timeout: float = 30) -> None:
    end = time.time() + timeout
    while time.time() < end:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"nothing answered on port {port}")


@contextmanager
def gunicorn(app: str, env: dict):
    port = _free_port()
    proc = subprocess.Popen(  # noqa: S603 - our own server
        [GUNICORN, "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning", app],
        cwd=ROOT,
        env={**os.environ, **env},
    )
    try:
        _wait(port)
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


def _request(port, method, path, headers=None, body=None, *, raw: bool = False):
    """One request; the body as text, or as the bytes that came over the wire (`raw`)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    data = response.read()
    return (
        response.status,
        dict(response.getheaders()),
        data if raw else data.decode(errors="replace"),
    )


def login(port: int, username: str) -> str:
    """The session cookie of a demo account, logged in through the form."""
    _status, headers, html = _request(port, "GET", "/login")
    cookie = headers.get("Set-Cookie", "").split(";")[0]
    token = CSRF.search(html).group(1)
    body = f"csrf_token={token}&username={username}&password=propdesk-demo"
    status, headers, _ = _request(
        port,
        "POST",
        "/login",
        {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
        body,
    )
    if status != 303:
        raise RuntimeError(f"{username} could not log in ({status})")
    return headers["Set-Cookie"].split(";")[0]


def wrk(port: int, path: str, seconds: int, headers: dict) -> dict:
    command = ["wrk", "-t2", "-c8", f"-d{seconds}s", "-s", str(ROOT / "bench" / "report.lua")]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run(  # noqa: S603
        [*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def _targets() -> list[tuple[str, str, str, dict]]:
    """(name, account, path, extra headers): the pages the issue names."""
    return [
        ("inbox page", "assistant", "/tickets", {}),
        (
            "inbox fragment",
            "assistant",
            "/tickets?tab=open",
            {"HX-Request": "true", "HX-Target": "ticket-list"},
        ),
        ("a ticket", "assistant", "/tickets/{ticket}", {}),
        ("manager home", "manager", "/", {}),
        ("assistant home", "assistant", "/", {}),
        ("owner's list", "owner", "/my/tickets", {}),
        ("patrol history", "supervisor", "/patrols/history", {}),
        ("work orders", "supervisor", "/workorders", {}),
    ]


def measure(database: str, seconds: int) -> dict:
    env = {
        "DATABASE_URL": database,
        "SECRET_KEY": secrets.token_hex(32),
        "PROPDESK_DEMO": "1",
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
        "RATELIMIT_KEY_PREFIX": f"bench-{secrets.token_hex(4)}",
        "UPLOAD_DIR": tempfile.mkdtemp(prefix="propdesk-bench-"),
    }
    results = {}
    with (
        gunicorn("bench.bare:create_app()", env) as bare,
        gunicorn("webapp:create_app()", env) as port,
    ):
        results["bare route"] = wrk(bare, "/", seconds, {})
        cookies = {}
        for name, account, path, headers in _targets():
            if account not in cookies:
                cookies[account] = login(port, account)
            path = path.format(ticket=SEEN["ticket"])
            results[name] = wrk(port, path, seconds, {"Cookie": cookies[account], **headers})
    shutil.rmtree(env["UPLOAD_DIR"], ignore_errors=True)
    return results


def dataset(db: str, size: int) -> str:
    """A generated estate of `size` tickets (made once, kept for later runs)."""
    if db == "sqlite":
        path = Path(tempfile.gettempdir()) / f"propdesk-bench-{size}.db"
        url = f"sqlite:///{path}"
        if not path.exists():
            print(f"generating {size} tickets on SQLite …", flush=True)
            build(url, size, tempfile.mkdtemp(prefix="propdesk-bench-"))
    else:
        name = f"propdesk_bench_{size}"
        url = PG.format(name=name)
        admin = create_engine(PG.format(name="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            ).scalar()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        if not exists:
            print(f"generating {size} tickets on PostgreSQL …", flush=True)
            build(url, size, tempfile.mkdtemp(prefix="propdesk-bench-"))
    migrate(url)
    SEEN["ticket"] = _an_open_ticket(url)
    return url


def _an_open_ticket(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        found = conn.execute(
            text("SELECT max(id) FROM ticket WHERE status IN ('received', 'in_progress')")
        ).scalar()
    engine.dispose()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--seconds", type=int, default=8)
    args = parser.parse_args()
    dbs = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    sizes = [int(s) for s in args.sizes.split(",")]
    table = {}
    for db in dbs:
        for size in sizes:
            table[(db, size)] = measure(dataset(db, size), args.seconds)
    report(table, dbs, sizes)


def report(table: dict, dbs: list[str], sizes: list[int]) -> None:
    for db in dbs:
        print(f"\n== {db} ==")
        header = f"{'page':<16}"
        for size in sizes:
            header += f" | {size:>7} tickets: req/s  % bare   p50    p95    p99"
        if len(sizes) > 1:
            header += " | p95 growth"
        print(header)
        names = list(table[(db, sizes[0])])
        for name in names:
            line = f"{name:<16}"
            for size in sizes:
                row, bare = table[(db, size)][name], table[(db, size)]["bare route"]
                share = 100 * row["rps"] / bare["rps"]
                line += (
                    f" | {'':>7}  {row['rps']:7.1f} {share:6.2f}% {row['p50_ms']:6.1f}"
                    f" {row['p95_ms']:6.1f} {row['p99_ms']:6.1f}"
                )
                if row["errors"] or row["non2xx"]:
                    line += f" !{row['errors']}/{row['non2xx']}"
            if len(sizes) > 1:
                first, last = table[(db, sizes[0])][name], table[(db, sizes[-1])][name]
                line += f" | {last['p95_ms'] / first['p95_ms']:5.2f}×"
            print(line)


if __name__ == "__main__":
    main()
