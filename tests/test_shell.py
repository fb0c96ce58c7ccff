"""The app shell: manifest, icons, service worker, offline page, htmx from our origin, headers."""

from __future__ import annotations

import io
import json
import re

import pytest
from PIL import Image

from tests.fixtures.app import PASSWORD


def test_manifest_is_installable(client):
    r = client.get("/manifest.webmanifest")
    assert r.mimetype == "application/manifest+json"
    m = json.loads(r.data)
    assert m["display"] == "standalone" and m["start_url"].startswith("/") and m["scope"] == "/"
    assert m["name"] and m["short_name"] and m["theme_color"].startswith("#")
    sizes = {}
    for icon in m["icons"]:
        res = client.get(icon["src"])
        assert res.status_code == 200, icon["src"]
        if icon["type"] == "image/png":
            img = Image.open(io.BytesIO(res.data))
            w, h = (int(x) for x in icon["sizes"].split("x"))
            assert img.size == (w, h)
            sizes[(w, icon.get("purpose", "any"))] = True
    assert (192, "any") in sizes and (512, "any") in sizes and (512, "maskable") in sizes


def test_pages_link_manifest_icons_and_theme(client):
    html = client.get("/login").get_data(as_text=True)
    assert 'rel="manifest"' in html and 'name="theme-color"' in html and "apple-touch-icon" in html
    assert 'name="viewport"' in html


def test_service_worker_caches_the_shell_and_versions_it(client):
    r = client.get("/sw.js")
    assert r.mimetype == "text/javascript"
    assert r.headers["Service-Worker-Allowed"] == "/"
    assert r.headers["Cache-Control"] == "no-cache"
    body = r.get_data(as_text=True)
    shell = json.loads(re.search(r"const SHELL = (\[.*?\]);", body).group(1))
    assert "/offline" in shell
    assert any(u.startswith("/vendor/htmx.min.js") for u in shell)
    for url in shell:
        assert client.get(url).status_code == 200, url
    assert re.search(r'const VERSION = "[0-9a-f]{12}"', body)


def test_service_worker_version_changes_when_the_shell_changes(app, client, tmp_path):
    import os
    import shutil

    from webapp.pwa.views import cache_version

    css = os.path.join(app.static_folder, "css", "app.css")
    backup = tmp_path / "app.css"
    shutil.copyfile(css, backup)
    with app.test_request_context():
        before = cache_version()
    try:
        with open(css, "a") as fh:
            fh.write("\n/* a new deployment */\n")
        os.utime(css, (os.path.getatime(css), os.path.getmtime(css) + 5))
        with app.test_request_context():
            after = cache_version()
    finally:
        shutil.copyfile(backup, css)
        os.utime(css, (os.path.getatime(css), os.path.getmtime(css) + 10))
    assert before != after


def test_offline_page_works_in_both_languages_without_a_session(client):
    html = client.get("/offline").get_data(as_text=True)
    assert "现在没有网络" in html and "You are offline" in html
    assert "csrf" not in html.lower()


def test_htmx_2_is_served_from_our_origin_with_long_cache(client):
    html = client.get("/login").get_data(as_text=True)
    src = re.search(r'<script src="(/vendor/htmx\.min\.js\?v=[0-9a-f]+)"', html).group(1)
    r = client.get(src)
    assert r.status_code == 200
    assert (
        "immutable" in r.headers["Cache-Control"]
        and "max-age=31536000" in r.headers["Cache-Control"]
    )
    assert re.search(rb'version:\s*"2\.0\.\d+"', r.data) or b'"2.0.' in r.data
    assert "http" not in "".join(re.findall(r'<script src="([^"]+)"', html))


def test_static_files_with_a_version_are_cached_for_a_year(client):
    html = client.get("/login").get_data(as_text=True)
    css = re.search(r'href="(/static/css/app\.css\?v=[0-9a-f]+)"', html).group(1)
    assert "immutable" in client.get(css).headers["Cache-Control"]


# Pages are never stored; the offline page holds no personal data and the service worker keeps it.
@pytest.mark.parametrize(("path", "cache"), [("/login", "no-store"), ("/offline", "no-cache")])
def test_security_headers(client, path, cache):
    r = client.get(path)
    csp = r.headers["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "same-origin"
    assert r.headers["Cache-Control"] == cache


def test_no_inline_scripts_or_styles_in_pages(login_as, world):
    c = login_as("manager")
    for url in ("/", "/admin/users", f"/admin/estates/{world.estate.id}", "/owners", "/account"):
        html = c.get(url).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert " style=" not in html and "<style" not in html, url
        assert not re.search(r"\son[a-z]+=", html), url  # no inline event handlers


def test_htmx_config_is_locked_down(client):
    html = client.get("/login").get_data(as_text=True)
    config = json.loads(re.search(r"name=\"htmx-config\" content='([^']+)'", html).group(1))
    assert config["allowEval"] is False and config["allowScriptTags"] is False
    assert config["historyCacheSize"] == 0 and config["selfRequestsOnly"] is True
    swapped = {r["code"] for r in config["responseHandling"] if r.get("swap")}
    assert "(409|422|429)" in swapped


def test_owner_pages_are_kept_out_of_htmx_history(login_as, world):
    assert 'hx-history="false"' in login_as("owner_a").get("/").get_data(as_text=True)


def test_error_page_has_an_id_and_no_traceback(app, client, caplog):
    def boom():
        raise RuntimeError("secret internals")

    from webapp.access import PUBLIC, allow

    app.add_url_rule("/boom", "boom", allow(PUBLIC)(boom))
    r = client.get("/boom")
    html = r.get_data(as_text=True)
    assert r.status_code == 500
    assert "secret internals" not in html and "Traceback" not in html
    error_id = re.search(r"错误编号：([0-9a-f]+)", html).group(1)
    assert error_id in caplog.text


def test_logs_redact_phone_numbers_and_secrets():
    from webapp.security import redact

    line = "GET /owners?q=13912345678&password=hunter2&csrf_token=abc HTTP/1.1"
    out = redact(line)
    assert "13912345678" not in out and "139****5678" in out
    assert "hunter2" not in out and "abc" not in out


def test_refuses_to_start_without_a_real_secret_key(monkeypatch, tmp_path):
    from webapp import create_app

    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("PROPDESK_DEMO", raising=False)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    for key in (None, "dev", "short-key"):
        config = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"}
        if key:
            config["SECRET_KEY"] = key
        with pytest.raises(RuntimeError, match="SECRET_KEY"):
            create_app(config)
    app = create_app(
        {"SECRET_KEY": "k" * 40, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"}
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True  # production default
    demo = create_app({"DEMO": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    assert len(demo.config["SECRET_KEY"]) >= 32


def test_configuration_from_the_environment(monkeypatch, tmp_path):
    from webapp.config import from_environment

    monkeypatch.setenv("DATABASE_URL", "postgres://u@db/propdesk")
    monkeypatch.setenv("UPLOAD_DIR", str(tmp_path / "photos"))
    monkeypatch.setenv("DEFAULT_TIMEZONE", "Asia/Hong_Kong")
    cfg = from_environment()
    assert cfg["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/propdesk"
    assert cfg["UPLOAD_DIR"] == str(tmp_path / "photos")
    assert cfg["BABEL_DEFAULT_TIMEZONE"] == "Asia/Hong_Kong"


# --- the shell: a page reached through htmx is the same document as the page loaded fresh -----


def _shell(client, path: str = "/login") -> str:
    """The shell the page at `path` was drawn for, as the browser would send it back."""
    return re.search(r'data-shell="([^"]+)"', client.get(path).get_data(as_text=True))[1]


def _boosted(shell: str) -> dict:
    return {"HX-Request": "true", "HX-Boosted": "true", "X-PropDesk-Shell": shell}


def test_a_boosted_login_loads_the_signed_in_page_whole(client, world):
    """The form posts through htmx; the page it reaches was drawn for nobody: a full load."""
    client.refresh_csrf("/login")
    anon = _shell(client)
    login = client.post(
        "/login",
        data={"username": "assistant", "password": PASSWORD},
        headers=_boosted(anon),
    )
    assert login.status_code == 303
    home = client.get(login.headers["Location"], headers=_boosted(anon))
    assert home.status_code == 204 and home.headers["HX-Redirect"] == "/"
    assert "X-PropDesk-Shell" in home.headers["Vary"]
    # Loaded whole, the page says whose shell it is; htmx requests from it swap as usual.
    page = client.get("/")
    shell = _shell(client, "/")
    assert shell.startswith(f"{world.assistant.id}.") and shell != anon
    assert "js/queue.js" in page.get_data(as_text=True)
    same = client.get("/patrols", headers=_boosted(shell))
    assert same.status_code == 200 and "HX-Redirect" not in same.headers


def test_logout_and_a_language_switch_change_the_shell(login_as, world):
    client = login_as("assistant")
    shell = _shell(client, "/")
    client.post("/locale", data={"locale": "en", "next": "/patrols"})
    switched = client.get("/patrols", headers=_boosted(shell))
    assert switched.headers["HX-Redirect"] == "/patrols"
    fragment = client.htmx("GET", "/tickets?tab=open", headers={"X-PropDesk-Shell": shell})
    assert fragment.headers["HX-Refresh"] == "true"
    client.post("/logout")
    signed_out = client.get("/login", headers=_boosted(shell))
    assert signed_out.headers["HX-Redirect"] == "/login"


def test_a_boosted_link_to_a_download_is_fetched_by_the_browser(login_as, world):
    client = login_as("manager")
    shell = _shell(client, "/")
    answer = client.get("/tickets/summary.xlsx?month=2026-11", headers=_boosted(shell))
    assert answer.status_code == 204
    assert answer.headers["HX-Redirect"] == "/tickets/summary.xlsx?month=2026-11"
    page = client.get("/tickets/summary").get_data(as_text=True)
    link = re.search(r"<a [^>]*summary\.xlsx[^>]*>", page)[0]
    assert 'hx-boost="false"' in link and "download" in link
