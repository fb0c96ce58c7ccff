"""Export benchmark: how much memory a worker needs to send every ticket of a generated estate as
an .xlsx workbook, beside what the same worker holds after answering a page.

The app runs under gunicorn with one sync worker; the manager logs in through the form and asks
for the inbox's "all" tab as a workbook. The worker's peak resident memory (VmHWM, from /proc)
is read before and after; the export streams (rows read in batches, a write-only workbook), so the
peak should not grow with the number of tickets.

    .venv/bin/python -m bench.exports                      # SQLite, 1k and 100k tickets
    .venv/bin/python -m bench.exports --db postgresql --sizes 100000
"""

from __future__ import annotations

import argparse
import http.client
import io
import os
import shutil
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

from openpyxl import load_workbook

from bench.pages import GUNICORN, ROOT, _free_port, _request, _wait, app_env, dataset, login

LIMIT_MB = 200  # the bound for a worker exporting 100,000 tickets
EXPORT = "/tickets.xlsx?tab=all"


@contextmanager
def one_worker(env: dict):
    """gunicorn with a single sync worker (so its memory is the export's), and that worker's pid."""
    port = _free_port()
    proc = subprocess.Popen(  # noqa: S603 - our own server
        [
            GUNICORN,
            "-w",
            "1",
            "--timeout",
            "600",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "webapp:create_app()",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
    )
    try:
        _wait(port)
        children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
        yield port, int(children[0])
    finally:
        proc.terminate()
        proc.wait(10)


def _download(port: int, path: str, cookie: str) -> tuple[int, dict, bytes]:
    """One long GET (a large workbook takes longer than a page's 30 s timeout)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=900)
    conn.request("GET", path, headers={"Cookie": cookie})
    response = conn.getresponse()
    return response.status, dict(response.getheaders()), response.read()


def _memory_mb(pid: int) -> tuple[float, float]:
    """(resident now, peak resident so far) of a process, in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _sep, value = line.partition(":")
        fields[key] = value.strip()
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def measure(database: str) -> dict:
    env = app_env(database)
    try:
        with one_worker(env) as (port, worker):
            cookie = login(port, "manager")
            for _ in range(3):  # warm: the inbox page and its imports, caches, connections
                _request(port, "GET", "/tickets?tab=all", {"Cookie": cookie})
            _rss, warm_peak = _memory_mb(worker)
            start = time.perf_counter()
            status, headers, body = _request(port, "GET", EXPORT, {"Cookie": cookie}, raw=True)
            seconds = time.perf_counter() - start
            _rss, export_peak = _memory_mb(worker)
    finally:
        shutil.rmtree(env["UPLOAD_DIR"], ignore_errors=True)
    if status != 200:
        raise RuntimeError(f"the export answered {status}")
    sheet = load_workbook(io.BytesIO(body), read_only=True).active
    rows = sum(1 for _ in sheet.iter_rows(values_only=True)) - 1
    return {
        "rows": rows,
        "bytes": len(body),
        "seconds": seconds,
        "warm_mb": warm_peak,
        "peak_mb": export_peak,
        "type": headers.get("Content-Type", ""),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--sizes", default="1000,100000")
    args = parser.parse_args()
    dbs = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    print(
        f"{'database':<11} {'tickets':>8} {'rows':>8} {'MB sent':>8} {'s':>6}"
        f" {'worker peak before':>19} {'during export':>14}  verdict"
    )
    for db in dbs:
        for size in (int(s) for s in args.sizes.split(",")):
            r = measure(dataset(db, size))
            verdict = "met" if r["peak_mb"] < LIMIT_MB else "NOT met"
            print(
                f"{db:<11} {size:>8} {r['rows']:>8} {r['bytes'] / 1e6:8.1f} {r['seconds']:6.1f}"
                f" {r['warm_mb']:16.0f} MB {r['peak_mb']:11.0f} MB  < {LIMIT_MB} MB: {verdict}"
            )


if __name__ == "__main__":
    main()
