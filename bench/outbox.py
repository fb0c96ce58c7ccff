"""Outbox benchmark: taking a major complaint while the customer-service group's robot is up,
and while it is down (answering 500, or not answering until the timeout), with the job queue's
consumer running beside the app. The message is delivered after commit by the consumer, so the
desk should not feel the robot at all: prints each case's latency and the ratios down / up, and
the bare Flask route of the same run as the yardstick.

    .venv/bin/python -m bench.outbox                 # 200 complaints per case
    .venv/bin/python -m bench.outbox --requests 50   # a quick look

Runs on SQLite in a temporary folder: the app and bench/bare.py under gunicorn (2 sync workers),
the consumer (`huey_consumer webapp.worker.huey`), and tests/robots.py as the group robot.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from flask_migrate import upgrade

from bench.pages import CSRF, _request, gunicorn, login
from tests import robots
from webapp import create_app, demo
from webapp.extensions import db
from webapp.models import Estate, EstateDepartment, OutboxMessage, Unit

ROOT = Path(__file__).resolve().parent.parent


def prepare(env: dict, robot_url: str) -> dict:
    """The demo estate with its customer-service group on the stand-in; the form's unit."""
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"],
            "SECRET_KEY": env["SECRET_KEY"],
            "DEMO": True,
        }
    )
    with app.app_context():
        upgrade()
        demo.load()
        estate = db.session.scalars(db.select(Estate).order_by(Estate.id)).first()
        service = db.session.scalar(
            db.select(EstateDepartment).where(
                EstateDepartment.estate_id == estate.id, EstateDepartment.department == "service"
            )
        )
        service.robot_kind, service.webhook_url = "wecom", robot_url
        unit = db.session.scalars(db.select(Unit).order_by(Unit.id)).first()
        db.session.commit()
        return {"building": unit.building_id, "number": unit.number}


def complaints(port: int, cookie: str, unit: dict, count: int, tag: str) -> list[float]:
    """`count` major complaints through the desk's form, one after another; seconds each."""
    _s, headers, html = _request(port, "GET", "/tickets/new", {"Cookie": cookie})
    token = CSRF.search(html).group(1)
    if headers.get("Set-Cookie"):  # the form's CSRF token now lives in the session
        cookie = headers["Set-Cookie"].split(";")[0]
    times = []
    for i in range(count):
        body = urlencode(
            {
                "csrf_token": token,
                "kind": "complaint",
                "channel": "phone",
                "category": "security",
                "severity": "major",
                "reporter_name": "王先生",
                "reporter_phone": "13900001111",
                "building": unit["building"],
                "number": unit["number"],
                "description": f"保安态度恶劣 {tag} {i}",
            }
        )
        start = time.perf_counter()
        status, _h, _b = _request(
            port,
            "POST",
            "/tickets/new",
            {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
            body,
        )
        times.append(time.perf_counter() - start)
        if status not in (200, 303):
            raise RuntimeError(f"the complaint was refused ({status})")
    return times


def bare(port: int, count: int) -> list[float]:
    times = []
    for _ in range(count):
        start = time.perf_counter()
        _request(port, "GET", "/")
        times.append(time.perf_counter() - start)
    return times


def summary(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.95) - 1] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    robot = robots.start()
    folder = Path(tempfile.mkdtemp(prefix="propdesk-outbox-bench-"))
    env = {
        "DATABASE_URL": f"sqlite:///{folder / 'propdesk.db'}",
        "JOB_QUEUE_URL": f"sqlite:///{folder / 'jobs.db'}",
        "INSTANCE_PATH": str(folder),
        "UPLOAD_DIR": str(folder / "uploads"),
        "SECRET_KEY": secrets.token_hex(32),
        "PROPDESK_DEMO": "1",
        "ROBOT_HOSTS": "127.0.0.1",
        "ROBOT_ALLOW_HTTP": "1",
        "ROBOT_TIMEOUT": "5",
        "PUBLIC_URL": "http://127.0.0.1",
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
        "RATELIMIT_KEY_PREFIX": f"bench-outbox-{secrets.token_hex(4)}",
    }
    os.environ.update(env)
    unit = prepare(env, robot.wecom_url("bench"))
    consumer = subprocess.Popen(  # noqa: S603 - our own consumer
        [
            sys.executable,
            "-m",
            "huey.bin.huey_consumer",
            "webapp.worker.huey",
            "-w",
            "2",
            "-k",
            "thread",
            "--no-periodic",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    results = {}
    try:
        with (
            gunicorn("webapp:create_app()", env) as app_port,
            gunicorn("bench.bare:create_app()", env) as bare_port,
        ):
            cookie = login(app_port, "assistant")
            complaints(app_port, cookie, unit, 10, "warm-up")
            bare(bare_port, 10)
            results["bare route"] = bare(bare_port, args.requests)
            robot.status, robot.delay = 200, 0.0
            results["robot up"] = complaints(app_port, cookie, unit, args.requests, "up")
            robot.status, robot.delay = 500, 0.0
            results["robot answers 500"] = complaints(app_port, cookie, unit, args.requests, "500")
            robot.status, robot.delay = 200, 6.0
            results["robot times out"] = complaints(
                app_port, cookie, unit, args.requests, "timeout"
            )
    finally:
        consumer.terminate()
        consumer.wait(10)
        robot.server.shutdown()

    app = create_app({"SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"], "DEMO": True})
    with app.app_context():
        queued = db.session.scalar(db.select(db.func.count(OutboxMessage.id)))
        failed = db.session.scalar(
            db.select(db.func.count(OutboxMessage.id)).where(OutboxMessage.attempts > 0)
        )
    up = summary(results["robot up"])
    print(f"{args.requests} major complaints per case, taken one after another (ms)")
    print(f"{'case':<22}{'p50':>8}{'p95':>8}{'p50 / up':>10}")
    for name, times in results.items():
        p50, p95 = summary(times)
        print(f"{name:<22}{p50:>8.1f}{p95:>8.1f}{p50 / up[0]:>10.2f}")
    print(f"messages queued to the group: {queued}; tried by the consumer: {failed}")
    print(f"posts the robot received: {len(robot.received)}")


if __name__ == "__main__":
    main()
