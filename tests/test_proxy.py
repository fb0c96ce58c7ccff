"""Behind a reverse proxy (RELIABILITY.md): X-Forwarded-* believed from TRUSTED_PROXIES hops only,
and every link that leaves the app built from PUBLIC_URL. The last test puts Debian's nginx,
configured with the server block from the README, in front of the app."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import segno

from tests import test_throttle
from tests.fixtures.patrols import make_template
from tests.fixtures.tickets import ticket_form
from tests.live import ROOT, Browser, accepts, free_port, running, serve
from tests.test_throttle import REDIS_URL, throttle_warnings
from webapp.links import external_url, normalise_public_url

PUBLIC = "https://propdesk.example.cn"

# The same fixtures as there: an app built with this test's `overrides`.
app_config = test_throttle.app_config
overrides = test_throttle.overrides


def _qr(url: str) -> str:
    """The QR code the checkpoint sheet prints for `url` (segno's output is deterministic)."""
    return segno.make(url, error="m").svg_data_uri(scale=6, border=2)


# --- the public URL ----------------------------------------------------------------------------


def test_public_url_is_checked_and_normalised():
    assert normalise_public_url(None) is None and normalise_public_url("  ") is None
    assert normalise_public_url("https://propdesk.example.cn/") == PUBLIC
    assert normalise_public_url("https://x.example.cn:8443/pd/") == "https://x.example.cn:8443/pd"
    for bad in (
        "propdesk.example.cn",
        "ftp://x.cn",
        "https://",
        "https://x.cn/?a=1",
        "https://u:p@x.cn",
    ):
        with pytest.raises(RuntimeError, match="PUBLIC_URL"):
            normalise_public_url(bad)


@pytest.mark.parametrize("overrides", [{"PUBLIC_URL": PUBLIC + "/"}], ids=["public"])
def test_external_links_use_the_public_url_whatever_the_host_header(app):
    with app.test_request_context("/", base_url="http://127.0.0.1:8000"):
        assert external_url("auth.invite", token="abc") == f"{PUBLIC}/invite/abc"
        assert external_url("tickets.track", number="T1", code="c d") == f"{PUBLIC}/t/T1?code=c+d"
    app.config["PUBLIC_URL"] = "https://x.example.cn/pd"
    with app.test_request_context("/", base_url="http://evil.example/mounted"):
        assert external_url("auth.invite", token="abc") == "https://x.example.cn/pd/invite/abc"
    with app.app_context():  # no request at all (a command line job)
        assert external_url("auth.invite", token="abc") == "https://x.example.cn/pd/invite/abc"


def test_without_a_public_url_links_follow_the_request(app):
    with app.test_request_context("/", base_url="http://desk.local:8000"):
        assert external_url("auth.invite", token="abc") == "http://desk.local:8000/invite/abc"


@pytest.mark.parametrize("overrides", [{"PUBLIC_URL": PUBLIC}], ids=["public"])
def test_invite_tracking_and_qr_links_use_the_public_url(app, world, login_as, new_client):
    manager = login_as("manager")
    html = manager.post(f"/admin/users/{world.assistant.id}/reset").get_data(as_text=True)
    assert f"{PUBLIC}/invite/" in html and "http://localhost" not in html
    html = (
        login_as("assistant").post("/tickets/new", data=ticket_form(world)).get_data(as_text=True)
    )
    assert re.search(re.escape(PUBLIC) + r"/t/[^?\s\"]+\?code=", html), html[:2000]
    template = make_template(world.estate)
    html = manager.get(f"/patrols/templates/{template.id}/qr").get_data(as_text=True)
    token = template.checkpoints[0].qr_token
    assert _qr(f"{PUBLIC}/patrols/scan/{token}") in html


@pytest.mark.parametrize("overrides", [{"PUBLIC_URL": "ftp://x"}, {"TRUSTED_PROXIES": -1}])
def test_bad_proxy_settings_refuse_to_start(database, tmp_path, overrides):
    from tests.fixtures.app import make_app

    with pytest.raises(RuntimeError):
        make_app(database, tmp_path, **overrides)


def test_trusted_proxies_from_the_environment(monkeypatch):
    from webapp.config import from_environment

    monkeypatch.setenv("TRUSTED_PROXIES", "1")
    monkeypatch.setenv("PUBLIC_URL", PUBLIC)
    assert from_environment()["TRUSTED_PROXIES"] == 1
    assert from_environment()["PUBLIC_URL"] == PUBLIC
    monkeypatch.setenv("TRUSTED_PROXIES", "one")
    with pytest.raises(RuntimeError, match="TRUSTED_PROXIES"):
        from_environment()


# --- X-Forwarded-* -----------------------------------------------------------------------------


def _fail(client, username: str, headers: dict) -> int:
    return client.post(
        "/login", data={"username": username, "password": "wrong-password-1"}, headers=headers
    ).status_code


FORWARDED = {
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "desk.example.cn",
    "X-Forwarded-Port": "443",
}


def _invite_link_html(login_as, world, headers: dict) -> str:
    manager = login_as("manager")
    response = manager.post(f"/admin/users/{world.assistant.id}/reset", headers=headers)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_forwarded_headers_are_ignored_without_a_trusted_proxy(app, world, new_client, login_as):
    # TRUSTED_PROXIES = 0: a client cannot escape the throttle by inventing addresses ...
    c = new_client()
    c.refresh_csrf()
    codes = [_fail(c, "assistant", {"X-Forwarded-For": f"10.0.0.{i}"}) for i in range(6)]
    assert codes == [422] * 5 + [429]
    # ... nor choose the scheme and host of the links the app builds.
    html = _invite_link_html(login_as, world, FORWARDED)
    assert "http://localhost/invite/" in html and "desk.example.cn" not in html


@pytest.mark.parametrize("overrides", [{"TRUSTED_PROXIES": 1}], ids=["one-proxy"])
def test_one_trusted_proxy_gives_the_clients_address_scheme_and_host(
    app, world, new_client, login_as
):
    c = new_client()
    c.refresh_csrf()
    # The proxy appends the real address; only the last value is believed.
    spoofed = [f"10.0.0.{i}, 198.51.100.4" for i in range(6)]
    codes = [_fail(c, "assistant", {"X-Forwarded-For": xff}) for xff in spoofed]
    assert codes == [422] * 5 + [429]
    # Another client behind the same proxy is another client.
    assert _fail(c, "assistant", {"X-Forwarded-For": "198.51.100.5"}) == 422
    # Without PUBLIC_URL, links follow what the proxy says of the scheme and host (over HTTPS,
    # Flask-WTF wants a same-origin Referer, as a browser sends it).
    referer = {"Referer": "https://desk.example.cn/admin/users"}
    html = _invite_link_html(login_as, world, {**FORWARDED, **referer})
    assert "https://desk.example.cn/invite/" in html


# --- a real nginx in front -----------------------------------------------------------------------


def _nginx_binary() -> str:
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None
    )
    if found:
        return found
    reason = "nginx is not installed (scripts/test.sh installs Debian's nginx package)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def readme_server_block() -> str:
    """The nginx server block of the README's production section, as written there."""
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```nginx\n(.*?)```", text, re.S)
    assert len(blocks) == 1, "the README should hold one nginx server block"
    return blocks[0]


@contextmanager
def nginx_in_front(app_base: str, tmp_path: Path) -> Iterator[str]:
    """nginx as a child process, with the README's server block: only the listen address (plain
    HTTP on loopback instead of 443 with a certificate) and the upstream differ."""
    binary = _nginx_binary()
    port = free_port()
    block = readme_server_block()
    assert "listen 443 ssl;" in block and "proxy_pass http://127.0.0.1:8000;" in block
    block = block.replace("listen 443 ssl;", f"listen 127.0.0.1:{port};")
    block = block.replace("proxy_pass http://127.0.0.1:8000;", f"proxy_pass {app_base};")
    block = "\n".join(line for line in block.splitlines() if "ssl_" not in line)
    work = tmp_path / "nginx"
    work.mkdir()
    # As root, nginx would hand its workers to "nobody", who cannot enter pytest's private tmp.
    user = "user root;" if os.geteuid() == 0 else ""
    conf = work / "nginx.conf"
    conf.write_text(
        f"""
{user}
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 128; }}
http {{
    access_log {work}/access.log;
    client_body_temp_path {work}/client_body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
{block}
}}
"""
    )
    proc = subprocess.Popen(  # noqa: S603
        [
            binary,
            "-p",
            str(work),
            "-e",
            str(work / "error.log"),
            "-c",
            str(conf),
            "-g",
            "daemon off;",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"

    def log() -> str:
        err = proc.stderr.read().decode() if proc.stderr else ""
        errors = work / "error.log"
        return err + "\n" + (errors.read_text() if errors.exists() else "")

    with running(proc, base, ready=lambda: accepts(port), what="nginx", log=log, timeout=10):
        yield base


@pytest.mark.parametrize(
    "overrides",
    [{"TRUSTED_PROXIES": 1, "PUBLIC_URL": PUBLIC, "RATELIMIT_STORAGE_URI": REDIS_URL}],
    ids=["nginx"],
)
def test_behind_nginx_links_use_the_public_url_and_the_throttle_sees_the_client(
    app, world, tmp_path, caplog
):
    import logging

    caplog.set_level(logging.INFO, logger="webapp.auth.throttle")
    template = make_template(world.estate)
    with serve(app) as app_base, nginx_in_front(app_base, tmp_path) as base:
        # Clients on other loopback addresses, so that nginx sees them as others than itself
        # (nginx reaches the app from 127.0.0.1).
        attacker = Browser(base, source="127.0.0.2", headers={"X-Forwarded-For": "10.9.9.9"})
        attacker.get("/login")
        codes = [
            attacker.post("/login", {"username": "assistant", "password": f"wrong-{i}-xx"})[0]
            for i in range(6)
        ]
        assert codes == [422] * 5 + [429]  # the invented X-Forwarded-For did not help
        # The real person, on another address, is not locked out.
        assistant = Browser(base, source="127.0.0.3", headers={"Host": "evil.example"})
        assert assistant.login("assistant") == 303
        status, _, html = assistant.post("/tickets/new", ticket_form(world))
        assert status == 200 and re.search(re.escape(PUBLIC) + r"/t/[^?\s\"]+\?code=", html)

        manager = Browser(base, source="127.0.0.4")
        assert manager.login("manager") == 303
        manager.get("/admin/users")
        status, _, html = manager.post(f"/admin/users/{world.supervisor.id}/reset", {})
        assert status == 200 and f"{PUBLIC}/invite/" in html
        assert "127.0.0.1" not in html and "evil.example" not in html
        status, _, html = manager.get(f"/patrols/templates/{template.id}/qr")
        assert status == 200
        assert _qr(f"{PUBLIC}/patrols/scan/{template.checkpoints[0].qr_token}") in html
        # nginx's request id reaches the app and comes back: one id in both logs.
        status, headers, _ = Browser(base, source="127.0.0.5").get("/healthz")
        assert status == 200
        request_id = dict((k.lower(), v) for k, v in headers.items())["x-request-id"]
        assert re.fullmatch(r"[0-9a-f]{32}", request_id), request_id
    warnings = throttle_warnings(caplog)
    assert len(warnings) == 1 and "from 127.0.0.2" in warnings[0], warnings
    access_log = (tmp_path / "nginx" / "access.log").read_text()
    assert "127.0.0.2" in access_log and "127.0.0.4" in access_log  # it all went through nginx


def test_the_readme_asks_for_what_the_app_needs():
    block = readme_server_block()
    for line in (
        "client_max_body_size 40m;",
        "proxy_set_header Host $host;",
        "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "proxy_set_header X-Forwarded-Proto $scheme;",
        # Overwritten, so that a client cannot choose them (ProxyFix believes one hop of each).
        "proxy_set_header X-Forwarded-Host $host;",
        "proxy_set_header X-Forwarded-Port $server_port;",
        "proxy_set_header X-Request-ID $request_id;",
    ):
        assert line in block, line
    readme = (ROOT / "README.md").read_text()
    for setting in ("TRUSTED_PROXIES=1", "PUBLIC_URL=https://", "RATELIMIT_STORAGE_URI=redis://"):
        assert setting in readme, setting
