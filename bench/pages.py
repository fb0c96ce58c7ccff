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
import io
import json
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from PIL import Image
from sqlalchemy import create_engine, event, text

from bench.generate import build, migrate
from webapp import create_app
from webapp.extensions import db as sql

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


TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(master: int) -> float:
    """User and system CPU of a gunicorn master's workers so far (from /proc)."""
    total = 0.0
    for task in Path(f"/proc/{master}/task").iterdir():
        for child in (task / "children").read_text().split():
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / TICK
    return total


SERVERS: dict[int, int] = {}  # port -> gunicorn master pid


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
        SERVERS[port] = proc.pid
        yield port
    finally:
        SERVERS.pop(port, None)
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


def wrk(port: int, path: str, seconds: int, headers: dict, post: Post | None = None) -> dict:
    """One wrk run (GETs of `path`, or the POSTs of `post`); with the workers' CPU
    milliseconds per answered request."""
    report = ROOT / "bench" / "report.lua"
    script, env = report, dict(os.environ)
    if post is not None:
        script = ROOT / "bench" / "post.lua"
        env.update(
            BENCH_BODY=post.body_file, BENCH_PATHS=" ".join(post.paths), BENCH_REPORT=str(report)
        )
        headers = {**headers, **post.headers}
        path = post.paths[0]
    command = ["wrk", "-t2", "-c8", f"-d{seconds}s", "-s", str(script)]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    cpu_before = _cpu_seconds(SERVERS[port])
    out = subprocess.run(  # noqa: S603
        [*command, f"http://127.0.0.1:{port}{path}"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout
    row = json.loads(out.strip().splitlines()[-1])
    row["cpu_ms"] = 1000 * (_cpu_seconds(SERVERS[port]) - cpu_before) / max(row["requests"], 1)
    _settle(port)
    return row


def _settle(port: int, workers: int = 2) -> None:
    """Wait until the workers are through the requests that wrk left behind (queued when it
    stopped), so that a slow page's backlog is not counted against the next page: one health
    check per worker, sent together, each answered after whatever was queued before it."""
    conns = [http.client.HTTPConnection("127.0.0.1", port, timeout=120) for _ in range(workers)]
    for conn in conns:
        conn.request("GET", "/healthz")
    for conn in conns:
        conn.getresponse().read()
        conn.close()


@dataclass
class Post:
    """What wrk sends for a write: one body to each of `paths` in turn."""

    paths: list[str]
    body_file: str
    headers: dict


START = re.compile(r'action="(/patrols/start/\d+)"')
RUNNING = re.compile(r'href="(/patrols/rounds/\d+)">[^<]*</a>\s*</div>')
ITEM = re.compile(r'action="(/patrols/rounds/\d+/items/\d+)"')


def _phone_photo() -> bytes:
    """A photo as the phone sends it after shrinking it (1600 px, JPEG 80: about 300 KB)."""
    noise = Image.effect_noise((1600, 1200), 48).convert("RGB")
    gradient = Image.linear_gradient("L").resize((1600, 1200)).convert("RGB")
    out = io.BytesIO()
    Image.blend(noise, gradient, 0.5).save(out, format="JPEG", quality=80)
    return out.getvalue()


def writes(port: int, cookie: str, folder: str) -> dict[str, Post]:
    """A patrol tap and a photo upload as the assistant's phone sends them (htmx, CSRF token
    in the form), on the items of a round started through the app."""
    _status, headers, html = _request(port, "GET", "/patrols", {"Cookie": cookie})
    token = CSRF.search(html).group(1)
    # The token is kept in the session that this answer's cookie carries.
    cookie = headers.get("Set-Cookie", cookie).split(";")[0]
    form = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
    running = RUNNING.search(html)  # a round left running by an earlier run goes on
    if running is not None:
        location = running.group(1)
    else:
        status, headers, _ = _request(
            port, "POST", START.search(html).group(1), form, f"csrf_token={token}"
        )
        if status != 303:
            raise RuntimeError(f"could not start a round ({status})")
        location = headers["Location"]
    _status, _headers, html = _request(port, "GET", location, {"Cookie": cookie})
    items = list(dict.fromkeys(ITEM.findall(html)))
    if not items:
        raise RuntimeError("the round shows no items to tap")
    htmx = {"HX-Request": "true", "HX-Target": "main"}
    tap = Path(folder) / "tap.txt"
    tap.write_text(f"csrf_token={token}&outcome=ok")
    boundary = secrets.token_hex(12)
    photo = Path(folder) / "photo.multipart"
    photo.write_bytes(
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
            f'{token}\r\n--{boundary}\r\nContent-Disposition: form-data; name="photos";'
            f' filename="IMG_0001.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
        ).encode()
        + _phone_photo()
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return {
        "a patrol tap": Post(items, str(tap), {**htmx, **form}),
        "a photo upload": Post(
            [f"{item}/photos" for item in items],
            str(photo),
            {**htmx, "Cookie": cookie, "Content-Type": f"multipart/form-data; boundary={boundary}"},
        ),
    }


def medians(runs: list[dict]) -> dict:
    """The median of each figure over the runs, and the spread of p95 (max/min)."""
    row = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
    row["p95_spread"] = max(r["p95_ms"] for r in runs) / max(min(r["p95_ms"] for r in runs), 1e-9)
    return row


def statements(database: str) -> dict[str, tuple[int, float]]:
    """Statements and SQL milliseconds of one request per page, in-process (after a warm-up)."""
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database,
            "SECRET_KEY": secrets.token_hex(32),
            "TESTING": True,
            "RATELIMIT_STORAGE_URI": "memory://",
            "UPLOAD_DIR": tempfile.mkdtemp(prefix="propdesk-bench-"),
        }
    )
    timings: list[float] = []
    with app.app_context():
        engine = sql.engine

    @event.listens_for(engine, "before_cursor_execute")
    def _start(conn, *_args):
        conn.info["bench_t"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _stop(conn, *_args):
        timings.append(time.perf_counter() - conn.info["bench_t"])

    clients, found = {}, {}
    for name, account, path, headers in _targets():
        if account not in clients:
            client = app.test_client()
            token = CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
            client.post(
                "/login",
                data={"username": account, "password": "propdesk-demo", "csrf_token": token},
            )
            clients[account] = client
        path = path.format(ticket=SEEN[database])
        clients[account].get(path, headers=headers)
        timings.clear()
        clients[account].get(path, headers=headers)
        found[name] = (len(timings), 1000 * sum(timings))
    return found


ONLY: set[str] = set()  # --pages: measure these pages only (and the bare route)


def _targets() -> list[tuple[str, str, str, dict]]:
    """(name, account, path, extra headers): the pages the issue names (those of --pages)."""
    return [t for t in _all_targets() if not ONLY or t[0] in ONLY]


def _all_targets() -> list[tuple[str, str, str, dict]]:
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
        ("dashboard", "manager", "/dashboard?period=month", {}),
        ("review queue", "manager", "/dashboard/review", {}),
    ]


def app_env(database: str) -> dict:
    """The environment of the app under gunicorn: demo accounts, Redis, a scratch photo folder
    (the caller removes env["UPLOAD_DIR"])."""
    return {
        "DATABASE_URL": database,
        "SECRET_KEY": secrets.token_hex(32),
        "PROPDESK_DEMO": "1",
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
        "RATELIMIT_KEY_PREFIX": f"bench-{secrets.token_hex(4)}",
        "UPLOAD_DIR": tempfile.mkdtemp(prefix="propdesk-bench-"),
    }


def measure(databases: dict[int, str], seconds: int, times: int) -> dict[int, dict]:
    """Every page on each size's estate ({size: database}), the sizes served side by side and
    measured one after the other, page by page: the machine's ups and downs (its cores are
    shared) then fall on both sizes alike instead of on whichever ran later."""
    envs = {size: app_env(url) for size, url in databases.items()}
    runs: dict[int, list[dict]] = {size: [] for size in databases}
    with ExitStack() as stack:
        bare = stack.enter_context(gunicorn("bench.bare:create_app()", next(iter(envs.values()))))
        ports = {
            size: stack.enter_context(gunicorn("webapp:create_app()", env))
            for size, env in envs.items()
        }
        cookies: dict[tuple[int, str], str] = {}
        posts: dict[int, dict[str, Post]] = {size: {} for size in databases}
        for _ in range(times):
            run: dict[int, dict] = {size: {} for size in databases}
            for size in databases:
                run[size]["bare route"] = wrk(bare, "/", seconds, {})
            for name, account, path, headers in _targets():
                for size, port in ports.items():
                    if (size, account) not in cookies:
                        cookies[size, account] = login(port, account)
                    here = path.format(ticket=SEEN[databases[size]])
                    cookie = {"Cookie": cookies[size, account], **headers}
                    run[size][name] = wrk(port, here, seconds, cookie)
            for size, port in ports.items():
                if not posts[size] and not ONLY:
                    assistant = cookies[size, "assistant"]
                    posts[size].update(writes(port, assistant, envs[size]["UPLOAD_DIR"]))
            for name in posts[next(iter(databases))]:
                for size, port in ports.items():
                    run[size][name] = wrk(port, "", seconds, {}, posts[size][name])
            for size in databases:
                runs[size].append(run[size])
    results: dict[int, dict] = {}
    for size, url in databases.items():
        shutil.rmtree(envs[size]["UPLOAD_DIR"], ignore_errors=True)
        results[size] = {name: medians([r[name] for r in runs[size]]) for name in runs[size][0]}
        for name, (count, sql_ms) in statements(url).items():
            results[size][name].update(statements=count, sql_ms=sql_ms)
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
    SEEN[url] = SEEN["ticket"] = _an_open_ticket(url)
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
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (the median)")
    parser.add_argument(
        "--pages", default="", help='only these pages, comma-separated (e.g. "dashboard")'
    )
    args = parser.parse_args()
    ONLY.update(p.strip() for p in args.pages.split(",") if p.strip())
    unknown = ONLY - {t[0] for t in _all_targets()}
    if unknown:
        parser.error(f"no such page: {', '.join(sorted(unknown))}")
    dbs = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    sizes = [int(s) for s in args.sizes.split(",")]
    table = {}
    for db in dbs:
        found = measure({size: dataset(db, size) for size in sizes}, args.seconds, args.repeat)
        for size in sizes:
            table[(db, size)] = found[size]
    report(table, dbs, sizes)


GROWTH_TARGET = 1.2  # p95 at the largest size within 1.2x of the smallest (lists and homes)
WRITES = ("a patrol tap", "a photo upload")
FRAGMENT_TARGET = 10.0  # the inbox fragment at the largest size: at least 10 % of the bare route


def report(table: dict, dbs: list[str], sizes: list[int]) -> None:
    for db in dbs:
        for size in sizes:
            rows = table[(db, size)]
            bare = rows["bare route"]
            print(f"\n== {db}, {size} tickets (median of the runs) ==")
            print(
                f"{'page':<16} {'req/s':>8} {'% bare':>7} {'p50':>6} {'p95':>6} {'p99':>6}"
                f" {'spread':>6} {'CPU ms':>7} {'stmts':>5} {'SQL ms':>6}"
            )
            for name, row in rows.items():
                line = (
                    f"{name:<16} {row['rps']:8.1f} {100 * row['rps'] / bare['rps']:6.2f}%"
                    f" {row['p50_ms']:6.1f} {row['p95_ms']:6.1f} {row['p99_ms']:6.1f}"
                    f" {row['p95_spread']:5.2f}x {row['cpu_ms']:7.2f}"
                )
                if "statements" in row:
                    line += f" {row['statements']:5d} {row['sql_ms']:6.2f}"
                if row["errors"] or row["non2xx"]:
                    line += f"  errors {row['errors']}, non-2xx {row['non2xx']}"
                print(line)
        if len(sizes) < 2:
            continue
        small, large = table[(db, sizes[0])], table[(db, sizes[-1])]
        print(f"\n== {db}: targets ({sizes[0]} -> {sizes[-1]} tickets) ==")
        for name in small:
            if name == "bare route":
                continue
            growth = large[name]["p95_ms"] / small[name]["p95_ms"]
            verdict = "met" if growth <= GROWTH_TARGET else "NOT met"
            if name in WRITES:
                verdict = "shown, not a target"
            print(f"{name:<16} p95 growth {growth:5.2f}x (<= {GROWTH_TARGET}x: {verdict})")
        if "inbox fragment" not in large:
            continue
        share = 100 * large["inbox fragment"]["rps"] / large["bare route"]["rps"]
        verdict = "met" if share >= FRAGMENT_TARGET else "NOT met"
        target = f">= {FRAGMENT_TARGET} %: {verdict}"
        print(f"inbox fragment   {share:5.2f} % of the bare route ({target})")


if __name__ == "__main__":
    main()
