"""Lighthouse (mobile) on the login page, a home, the inbox and a patrol round, served by
gunicorn on the 1k-ticket SQLite estate of bench/pages.py. Target: 100 for performance,
accessibility and best practices on each.

    .venv/bin/python -m bench.lighthouse

Needs Node.js with npm (Lighthouse is installed once into the temp folder from the npm registry)
and Debian's Chromium at /usr/bin/chromium (or CHROME_PATH).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.pages import _request, app_env, dataset, gunicorn, login

CATEGORIES = ("performance", "accessibility", "best-practices")
# Node 20 runs Lighthouse 12; 13 needs Node 22.
LIGHTHOUSE = "lighthouse@12"
TOOLS = Path(tempfile.gettempdir()) / "propdesk-bench-lighthouse"
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run "
    "--disable-background-networking --disable-component-update --disable-sync"
)


def _lighthouse() -> Path:
    binary = TOOLS / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        TOOLS.mkdir(parents=True, exist_ok=True)
        print(f"installing {LIGHTHOUSE} into {TOOLS} …", flush=True)
        subprocess.run(  # noqa: S603
            ["npm", "install", "--silent", "--no-audit", "--no-fund", LIGHTHOUSE],  # noqa: S607
            cwd=TOOLS,
            check=True,
        )
    return binary


def _a_round(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        found = conn.execute(text("SELECT max(id) FROM patrol_round")).scalar()
    engine.dispose()
    return found


def scores(binary: Path, address: str, cookie: str | None) -> dict[str, int]:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "report.json"
        command = [
            str(binary),
            address,
            "--quiet",
            "--output=json",
            f"--output-path={out}",
            f"--only-categories={','.join(CATEGORIES)}",
            f"--chrome-flags={CHROME_FLAGS}",
        ]
        if cookie:
            command.append(f"--extra-headers={json.dumps({'Cookie': cookie})}")
        env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
        subprocess.run(command, check=True, env=env, capture_output=True)  # noqa: S603
        report = json.loads(out.read_text())
    return {c: round(100 * (report["categories"][c]["score"] or 0)) for c in CATEGORIES}


def main() -> None:
    binary = _lighthouse()
    url = dataset("sqlite", 1000)
    env = app_env(url)
    pages = [
        ("login", None, "/login"),
        ("assistant home", "assistant", "/"),
        ("inbox", "assistant", "/tickets"),
        ("a patrol round", "supervisor", f"/patrols/rounds/{_a_round(url)}"),
    ]
    rows = []
    with gunicorn("webapp:create_app()", env) as port:
        cookies = {}
        for name, account, path in pages:
            if account and account not in cookies:
                cookies[account] = login(port, account)
            cookie = cookies.get(account)
            status, _headers, _body = _request(port, "GET", path, {"Cookie": cookie or ""})
            if status != 200:
                raise SystemExit(f"{name}: {path} answered {status}, not the page")
            found = scores(binary, f"http://127.0.0.1:{port}{path}", cookie)
            rows.append((name, found))
    shutil.rmtree(env["UPLOAD_DIR"], ignore_errors=True)
    print(f"{'page':<16} " + " ".join(f"{c:>15}" for c in CATEGORIES) + "  target 100")
    for name, found in rows:
        verdict = "met" if all(v == 100 for v in found.values()) else "NOT met"
        print(f"{name:<16} " + " ".join(f"{found[c]:>15}" for c in CATEGORIES) + f"  {verdict}")


if __name__ == "__main__":
    main()
