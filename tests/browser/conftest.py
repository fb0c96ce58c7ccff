"""Real-browser tests: Debian's Chromium through Playwright, against the app served on loopback."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from tests.fixtures.app import make_app
from webapp import demo
from webapp.extensions import db

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENS = Path(__file__).resolve().parents[2] / "test-results" / "screens"
PHONE = {"width": 360, "height": 780}


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    if not os.path.exists(CHROMIUM):
        reason = (
            f"no Chromium at {CHROMIUM}: install Debian's chromium package "
            "(scripts/test.sh does it as root) or set CHROMIUM_PATH"
        )
        if os.environ.get("CI"):
            pytest.fail(f"browser tests cannot run in CI: {reason}")
        pytest.skip(reason)
    return CHROMIUM


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, chromium_executable):
    return {
        **browser_type_launch_args,
        "executable_path": chromium_executable,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {
        **browser_context_args,
        "viewport": PHONE,
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
        "locale": "zh-CN",
        "service_workers": "allow",
    }


@pytest.fixture(scope="module")
def live_app(database, tmp_path_factory):
    """The app with demo data (one per test module)."""
    app = make_app(database, tmp_path_factory.mktemp("live"))
    with app.app_context():
        demo.load()
        db.session.commit()
        db.session.remove()
    return app


@pytest.fixture(scope="module")
def live_server(live_app):
    """The app served on 127.0.0.1 from a thread of the test process."""
    app = live_app
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def screenshot(request):
    """Save a screenshot under test-results/screens (of `target`, or of the test's own page)."""
    SCREENS.mkdir(parents=True, exist_ok=True)

    def take(name: str, full_page: bool = True, target=None) -> Path:
        path = SCREENS / f"{name}.png"
        (target or request.getfixturevalue("page")).screenshot(path=str(path), full_page=full_page)
        return path

    return take


def no_axe_violations(page) -> None:
    """The page as it stands passes axe (the violations named with their first element)."""
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page)
    assert not result.violations_count, [
        (v["id"], v["nodes"][0]["target"]) for v in result.response["violations"]
    ]


def arrived(page, url) -> None:
    """Wait for a tapped link's page as a person sees it: at its address, and listening.

    A boosted page's address changes before its content is swapped in, and htmx attaches the new
    content's triggers only when it settles (20 ms later): a person's first keystroke comes long
    after that, a test's may not, and an input it types before then goes unheard.
    """
    page.wait_for_url(url)
    settled(page)


def settled(page) -> None:
    """Wait until what htmx swapped in listens (see arrived()): a card re-drawn by a tap takes
    typing only once it has settled, as a person sees it before typing."""
    expect(page.locator(".htmx-swapping, .htmx-settling")).to_have_count(0)


def log_in(page, base: str, username: str, password: str = demo.DEMO_PASSWORD) -> None:
    """Log in (a page still logged in is sent home by /login and stays as it is)."""
    page.goto(f"{base}/login")
    if not page.url.startswith(f"{base}/login"):
        return
    # As a person would: once the page has settled (a first visit installs the service worker).
    page.wait_for_load_state("networkidle")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/")
