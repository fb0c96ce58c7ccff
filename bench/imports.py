"""Import benchmark: how much memory a worker needs to preview and apply a workbook of 5,000
owner and unit rows (业户档案), beside what it holds after answering a page.

The app runs under gunicorn with one sync worker on a generated estate; the manager logs in
through the form, uploads the workbook (one new building, 5,000 rows of units and people, a few
deliberately bad), opens the preview and confirms. The worker's peak resident memory (VmHWM, from
/proc) is read after warming up, after the preview and after the import.

    .venv/bin/python -m bench.imports                  # SQLite, the 1k estate
    .venv/bin/python -m bench.imports --db postgresql
"""

from __future__ import annotations

import argparse
import io
import re
import secrets
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import create_engine, text

from bench.exports import _memory_mb, one_worker
from bench.pages import CSRF, PG, _request, app_env, dataset, login

LIMIT_MB = 200  # the bound for previewing and applying a 5,000-row file
ROWS = 5000
PREVIEW = re.compile(r"^/owners/import/(\d+)$")


def workbook(rows: int = ROWS) -> bytes:
    """A building to create and `rows` units with one person each; every 100th phone is bad."""
    book = Workbook()
    sheet = book.active
    sheet.title = "楼栋"
    sheet.append(["楼栋"])
    sheet.append(["20栋"])
    people = book.create_sheet("房屋与住户")
    people.append(["楼栋", "房号", "姓名", "电话", "身份"])
    for i in range(rows):
        phone = "12345" if i % 100 == 7 else f"1{36 + i % 3}{i:08d}"
        people.append(["20栋", str(10000 + i), f"住户{i}", phone, ("业主", "租户", "家属")[i % 3]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _multipart(fields: dict, filename: str, content: bytes) -> tuple[str, bytes]:
    boundary = secrets.token_hex(12)
    body = b""
    for name, value in fields.items():
        body += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        ).encode()
    body += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n"
    ).encode()
    body += content + f"\r\n--{boundary}--\r\n".encode()
    return f"multipart/form-data; boundary={boundary}", body


def measure(database: str) -> dict:
    env = app_env(database)
    content = workbook()
    try:
        with one_worker(env) as (port, worker):
            cookie = login(port, "manager")
            for _ in range(3):  # warm: a page and its imports, caches, connections
                _status, headers, html = _request(port, "GET", "/owners/import", {"Cookie": cookie})
            cookie = headers.get("Set-Cookie", cookie).split(";")[0]
            token = CSRF.search(html).group(1)
            estate = re.search(r'<option[^>]*value="(\d+)"', html).group(1)
            _rss, warm = _memory_mb(worker)

            kind, body = _multipart({"csrf_token": token, "estate": estate}, "档案.xlsx", content)
            start = time.perf_counter()
            status, headers, _ = _request(
                port, "POST", "/owners/import", {"Cookie": cookie, "Content-Type": kind}, body
            )
            if status != 303:
                raise RuntimeError(f"the upload answered {status}")
            location = headers["Location"]
            status, _headers, page = _request(port, "GET", location, {"Cookie": cookie})
            preview_s = time.perf_counter() - start
            _rss, preview_peak = _memory_mb(worker)
            refused = int(re.search(r'id="refused".*?class="badge">(\d+)<', page, re.S).group(1))

            form = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
            start = time.perf_counter()
            status, _headers, _ = _request(
                port, "POST", f"{location}/apply", form, f"csrf_token={token}"
            )
            apply_s = time.perf_counter() - start
            if status != 303:
                raise RuntimeError(f"the import answered {status}")
            _rss, apply_peak = _memory_mb(worker)
    finally:
        shutil.rmtree(env["UPLOAD_DIR"], ignore_errors=True)
    return {
        "refused": refused,
        "warm_mb": warm,
        "preview_mb": preview_peak,
        "apply_mb": apply_peak,
        "preview_s": preview_s,
        "apply_s": apply_s,
        "kb": len(content) / 1024,
    }


@contextmanager
def scratch(db: str, size: int):
    """A throwaway copy of the generated estate (the import changes it), removed afterwards."""
    source = dataset(db, size)
    if db == "sqlite":
        folder = tempfile.mkdtemp(prefix="propdesk-bench-import-")
        copy = Path(folder) / "estate.db"
        shutil.copyfile(source.removeprefix("sqlite:///"), copy)
        try:
            yield f"sqlite:///{copy}"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    name = f"propdesk_bench_import_{secrets.token_hex(4)}"
    admin = create_engine(PG.format(name="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        # A template must have no sessions: close this process's own (left by the migration).
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": f"propdesk_bench_{size}"},
        )
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "propdesk_bench_{size}"'))
    try:
        yield PG.format(name=name)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--size", type=int, default=1000, help="the generated estate's tickets")
    args = parser.parse_args()
    dbs = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    print(
        f"{'database':<11} {'rows':>5} {'KB':>5} {'refused':>7} {'preview s':>9} {'apply s':>7}"
        f" {'peak warm':>9} {'preview':>8} {'import':>7}  verdict"
    )
    for db in dbs:
        with scratch(db, args.size) as database:
            r = measure(database)
        verdict = "met" if max(r["preview_mb"], r["apply_mb"]) < LIMIT_MB else "NOT met"
        print(
            f"{db:<11} {ROWS:>5} {r['kb']:5.0f} {r['refused']:>7} {r['preview_s']:9.1f}"
            f" {r['apply_s']:7.1f} {r['warm_mb']:6.0f} MB {r['preview_mb']:5.0f} MB"
            f" {r['apply_mb']:4.0f} MB  < {LIMIT_MB} MB: {verdict}"
        )


if __name__ == "__main__":
    main()
