"""Bytes on a phone network: the first load of the login page, the home and the inbox (the page
and every script, stylesheet and icon it names), and an htmx fragment, as a browser that accepts
zstd, brotli and gzip receives them. Targets: a first load at most 40 KB, a fragment at most 8 KB.

    .venv/bin/python -m bench.bytes            # on the 1k-ticket SQLite estate of bench/pages.py
"""

from __future__ import annotations

import re
import shutil

from bench.pages import _request, app_env, dataset, gunicorn, login

ACCEPT = {"Accept-Encoding": "zstd, br, gzip, deflate"}
ASSETS = re.compile(r'<(?:link[^>]+href|script[^>]+src|img[^>]+src)="(/[^"]+)"')


def _size(port: int, path: str, headers: dict) -> int:
    _status, _headers, body = _request(port, "GET", path, {**ACCEPT, **headers}, raw=True)
    return len(body)


def first_load(port: int, path: str, cookie: str | None) -> tuple[int, int]:
    headers = {"Cookie": cookie} if cookie else {}
    _s, _h, html = _request(port, "GET", path, headers)
    assets = sorted(set(ASSETS.findall(html)))
    total = _size(port, path, headers) + sum(_size(port, a, headers) for a in assets)
    return total, len(assets)


def main() -> None:
    url = dataset("sqlite", 1000)
    env = app_env(url)
    with gunicorn("webapp:create_app()", env) as port:
        cookie = login(port, "assistant")
        rows = [
            ("login, first load", *first_load(port, "/login", None), 40),
            ("home, first load", *first_load(port, "/", cookie), 40),
            ("inbox, first load", *first_load(port, "/tickets", cookie), 40),
        ]
        fragment = _size(
            port,
            "/tickets?tab=open",
            {"Cookie": cookie, "HX-Request": "true", "HX-Target": "ticket-list"},
        )
    shutil.rmtree(env["UPLOAD_DIR"], ignore_errors=True)
    print(f"{'what':<20} {'KB on the wire':>14} {'files':>6}  target")
    for name, total, files, target in rows:
        verdict = "met" if total <= target * 1024 else "NOT met"
        print(f"{name:<20} {total / 1024:14.1f} {files + 1:6d}  ≤ {target} KB: {verdict}")
    verdict = "met" if fragment <= 8 * 1024 else "NOT met"
    print(f"{'inbox fragment':<20} {fragment / 1024:14.1f} {1:6d}  ≤ 8 KB: {verdict}")


if __name__ == "__main__":
    main()
