"""CPU per page as machine instructions: the same count in every run, whatever else the machine
is doing, where seconds of CPU on a shared 2-core machine spread by a fifth between runs.

Each page of bench.pages is requested in-process (Flask's test client, logged in through the
form) on the generated 1k-ticket SQLite estate, under valgrind's callgrind, which counts the
instructions the process runs. With --against REV the same pages are counted again on that
revision of the code (checked out in a temporary git worktree, reading the same database), and
the table shows the ratio: the issue's target is a page's CPU halved (ratio <= 0.5).

    .venv/bin/python -m bench.instructions                      # this tree
    .venv/bin/python -m bench.instructions --against dde143f    # and the code before issue 13

Needs valgrind (Debian: apt-get install valgrind). About two minutes per revision.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = 0.5
CSRF_META = re.compile(r'name="csrf-token" content="([^"]+)"')
CSRF_INPUT = re.compile(
    r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"'
)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise SystemExit(f"{name} is needed (Debian: apt-get install {name})")
    return path


def pages(ticket: int) -> list[tuple[str, str, str, dict]]:
    """bench.pages' targets (kept here too: an older revision's bench may not have them)."""
    fragment = {"HX-Request": "true", "HX-Target": "ticket-list"}
    return [
        ("inbox page", "assistant", "/tickets", {}),
        ("inbox fragment", "assistant", "/tickets?tab=open", fragment),
        ("a ticket", "assistant", f"/tickets/{ticket}", {}),
        ("manager home", "manager", "/", {}),
        ("assistant home", "assistant", "/", {}),
        ("owner's list", "owner", "/my/tickets", {}),
        ("patrol history", "supervisor", "/patrols/history", {}),
        ("work orders", "supervisor", "/workorders", {}),
        # The floor under every page: a signed-in person's session, the layout and the hooks,
        # around nearly nothing (the account page: a name and two small forms).
        ("account page", "assistant", "/account", {}),
    ]


def child(code: str, database: str, ticket: int, requests: int) -> None:
    """Runs under callgrind: each math.lgamma() call makes callgrind dump (and zero) its counts,
    so the dumps alternate between a page's warm-up and its `requests` measured requests."""
    sys.path.insert(0, code)
    os.chdir(code)
    os.environ.update(
        DATABASE_URL=database,
        SECRET_KEY=secrets.token_hex(32),
        PROPDESK_DEMO="1",
        RATELIMIT_STORAGE_URI="memory://",
        UPLOAD_DIR=tempfile.mkdtemp(prefix="propdesk-bench-"),
    )
    from webapp import create_app  # noqa: PLC0415 - from the revision being measured

    app = create_app()
    clients = {}
    for name, account, path, headers in pages(ticket):
        if account not in clients:
            client = app.test_client()
            html = client.get("/login").get_data(as_text=True)
            found = CSRF_META.search(html) or CSRF_INPUT.search(html)
            token = next(g for g in found.groups() if g)
            client.post(
                "/login",
                data={"username": account, "password": "propdesk-demo", "csrf_token": token},
            )
            clients[account] = client
        client = clients[account]
        for _ in range(5):
            status = client.get(path, headers=headers).status_code
            if status != 200:
                raise SystemExit(f"{name}: {path} answered {status}")
        math.lgamma(1.5)  # dump: the warm-up
        for _ in range(requests):
            client.get(path, headers=headers)
        math.lgamma(2.5)  # dump: this page's requests
        print("PAGE", name, flush=True)


def count(code: Path, database: str, ticket: int, requests: int) -> dict[str, float]:
    """Millions of instructions per request for each page, on the code in `code`."""
    out = Path(tempfile.mkdtemp(prefix="propdesk-callgrind-"))
    run = subprocess.run(  # noqa: S603 - our own tools
        [
            _tool("valgrind"),
            "--tool=callgrind",
            "--dump-before=math_lgamma",
            f"--callgrind-out-file={out}/cg.%p",
            sys.executable,
            "-m",
            "bench.instructions",
            "--child",
            str(code),
            database,
            str(ticket),
            str(requests),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    names = [line[5:] for line in run.stdout.splitlines() if line.startswith("PAGE ")]
    if run.returncode != 0 or not names:
        raise SystemExit(
            f"callgrind run on {code} failed:\n{run.stdout[-2000:]}{run.stderr[-3000:]}"
        )
    dumps = sorted(out.glob("cg.*.*"), key=lambda p: int(p.suffix[1:]))
    totals = []
    for dump in dumps:
        summary = next(
            line for line in dump.read_text().splitlines() if line.startswith("summary:")
        )
        totals.append(int(summary.split()[1]))
    for dump in out.iterdir():
        dump.unlink()
    out.rmdir()
    # Dump k holds what ran before the k-th lgamma call: warm-up, page, warm-up, page, ...
    return {name: ir / requests / 1e6 for name, ir in zip(names, totals[1::2], strict=True)}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        code, database, ticket, requests = sys.argv[2:6]
        child(code, database, int(ticket), int(requests))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--against", help="a git revision to count as well (the baseline)")
    parser.add_argument("--requests", type=int, default=5, help="measured requests per page")
    args = parser.parse_args()

    from bench.pages import SEEN, dataset  # noqa: PLC0415 - only in the parent process

    database = dataset("sqlite", 1000)
    now = count(ROOT, database, SEEN["ticket"], args.requests)
    before = None
    if args.against:
        with tempfile.TemporaryDirectory(prefix="propdesk-rev-") as scratch:
            tree = Path(scratch) / "tree"
            subprocess.run(  # noqa: S603
                [_tool("git"), "worktree", "add", "--detach", str(tree), args.against],
                cwd=ROOT,
                check=True,
                capture_output=True,
            )
            try:
                subprocess.run(  # noqa: S603
                    [
                        Path(sys.executable).parent / "pybabel",
                        "compile",
                        "-d",
                        "webapp/translations",
                    ],
                    cwd=tree,
                    check=True,
                    capture_output=True,
                )
                before = count(tree, database, SEEN["ticket"], args.requests)
            finally:
                subprocess.run(  # noqa: S603
                    [_tool("git"), "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=True
                )
    print("\n== instructions per request (millions), 1000 tickets on SQLite, in-process ==")
    header = f"{'page':<16} {'now':>8}"
    if before:
        header += f" {args.against:>10} {'ratio':>6}  target <= {TARGET}"
    print(header)
    for name, value in now.items():
        line = f"{name:<16} {value:8.2f}"
        if before:
            ratio = value / before[name]
            verdict = "met" if ratio <= TARGET else "NOT met"
            line += f" {before[name]:10.2f} {ratio:6.2f}  {verdict}"
        print(line)


if __name__ == "__main__":
    main()
