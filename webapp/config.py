"""Configuration: defaults, then the environment, then a mapping passed to create_app()."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

# Values that must never be used as a production secret.
_PLACEHOLDER_SECRETS = {"", "dev", "secret", "changeme", "change-me", "development", "test"}
MIN_SECRET_LENGTH = 32


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str) -> int:
    value = os.environ[name].strip()
    try:
        number = int(value)
    except ValueError:
        raise RuntimeError(f"{name} must be a whole number, not {value!r}") from None
    if number < 0:
        raise RuntimeError(f"{name} must not be negative")
    return number


def defaults(instance_path: str) -> dict:
    """Settings that hold unless the environment or the caller says otherwise."""
    return {
        "SQLALCHEMY_DATABASE_URI": "sqlite:///" + os.path.join(instance_path, "propdesk.db"),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "UPLOAD_DIR": os.path.join(instance_path, "uploads"),
        # Photos on local disk (UPLOAD_DIR), or "s3" in a bucket that every app host shares.
        "PHOTO_STORAGE": "local",
        "S3_BUCKET": "",
        "S3_PREFIX": "photos",
        "S3_ENDPOINT_URL": "",
        "S3_REGION": "",
        "DEFAULT_TIMEZONE": "Asia/Shanghai",
        "BABEL_DEFAULT_LOCALE": "zh_CN",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "LANGUAGES": ["zh_CN", "en"],
        "DEMO": False,
        # Logs: "text" for a terminal, "json" (one object per line) for a log collector.
        "LOG_FORMAT": "text",
        # Sessions: an idle and an absolute timeout (RELIABILITY.md, ASVS 7.3).
        "SESSION_IDLE_TIMEOUT": timedelta(hours=12),
        "SESSION_ABSOLUTE_TIMEOUT": timedelta(days=14),
        "PERMANENT_SESSION_LIFETIME": timedelta(days=14),
        # The cookie is signed and sent again when the session changes (its last-seen time moves
        # at most once a minute), not with every answer.
        "SESSION_REFRESH_EACH_REQUEST": False,
        "FRESH_LOGIN_WINDOW": timedelta(minutes=15),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "propdesk_session",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # Flask-WTF: we run the CSRF check ourselves, after the access check.
        "WTF_CSRF_CHECK_DEFAULT": False,
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session does
        "MAX_CONTENT_LENGTH": 40 * 1024 * 1024,
        # Login throttling: storage shared between workers in production (redis://...).
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_HEADERS_ENABLED": False,
        # A store outage degrades to this process's memory instead of answering 500.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        # Failed password checks (successes are given back): per account from one client, per
        # account from all clients together (a ceiling, so that an attacker elsewhere does not
        # lock the owner out of their own phone), and per client address (one office NAT).
        "LOGIN_LIMIT_PER_ACCOUNT_AND_CLIENT": "5/minute",
        "LOGIN_LIMIT_PER_ACCOUNT": "30/minute",
        "LOGIN_LIMIT_PER_IP": "60/minute",
        # Behind a reverse proxy: how many proxies in front of the app set X-Forwarded-*.
        # 0 = none: the headers are ignored (anyone could send them).
        "TRUSTED_PROXIES": 0,
        # Where people reach the app (https://propdesk.example.cn): links that leave the app
        # (invites, tracking links, checkpoint QR codes) are built from it.
        # None: from the request's host.
        "PUBLIC_URL": None,
        "INVITE_VALID_FOR": timedelta(days=7),
        # Group robots (WeCom, DingTalk): only https to the providers' hosts, unless told
        # otherwise (ROBOT_HOSTS=127.0.0.1 and ROBOT_ALLOW_HTTP=1 for a local stand-in).
        "ROBOT_HOSTS": ["qyapi.weixin.qq.com", "oapi.dingtalk.com"],
        "ROBOT_ALLOW_HTTP": False,
        "ROBOT_TIMEOUT": 5,
        # Requests per client to a department's work-order link (no account: rate-limited).
        "DEPT_LINK_LIMIT": "60/minute",
        # Argon2id cost; the test suite may pick a cheaper profile.
        "PASSWORD_HASH_PROFILE": "strong",
        "HSTS": False,
    }


def from_environment() -> dict:
    """Settings read from the process environment (12-factor)."""
    env = os.environ
    cfg: dict = {}
    if env.get("SECRET_KEY"):
        cfg["SECRET_KEY"] = env["SECRET_KEY"]
    if env.get("DATABASE_URL"):
        cfg["SQLALCHEMY_DATABASE_URI"] = _normalise_db_url(env["DATABASE_URL"])
    if env.get("UPLOAD_DIR"):
        cfg["UPLOAD_DIR"] = env["UPLOAD_DIR"]
    for name in ("PHOTO_STORAGE", "S3_BUCKET", "S3_PREFIX", "S3_ENDPOINT_URL", "S3_REGION"):
        if env.get(name):
            cfg[name] = env[name].strip()
    if env.get("DEFAULT_TIMEZONE"):
        cfg["DEFAULT_TIMEZONE"] = env["DEFAULT_TIMEZONE"]
        cfg["BABEL_DEFAULT_TIMEZONE"] = env["DEFAULT_TIMEZONE"]
    if env.get("DEFAULT_LOCALE"):
        cfg["BABEL_DEFAULT_LOCALE"] = env["DEFAULT_LOCALE"]
    if env.get("RATELIMIT_STORAGE_URI"):
        cfg["RATELIMIT_STORAGE_URI"] = env["RATELIMIT_STORAGE_URI"]
    if env.get("RATELIMIT_KEY_PREFIX"):
        cfg["RATELIMIT_KEY_PREFIX"] = env["RATELIMIT_KEY_PREFIX"]
    if env.get("TRUSTED_PROXIES"):
        cfg["TRUSTED_PROXIES"] = _env_int("TRUSTED_PROXIES")
    if env.get("PUBLIC_URL"):
        cfg["PUBLIC_URL"] = env["PUBLIC_URL"]
    if env.get("ROBOT_HOSTS"):
        cfg["ROBOT_HOSTS"] = [h.strip().lower() for h in env["ROBOT_HOSTS"].split(",") if h.strip()]
    if "ROBOT_ALLOW_HTTP" in env:
        cfg["ROBOT_ALLOW_HTTP"] = _env_bool("ROBOT_ALLOW_HTTP", False)
    if "PROPDESK_DEMO" in env:
        cfg["DEMO"] = _env_bool("PROPDESK_DEMO", False)
    if "SESSION_COOKIE_SECURE" in env:
        cfg["SESSION_COOKIE_SECURE"] = _env_bool("SESSION_COOKIE_SECURE", True)
    if "HSTS" in env:
        cfg["HSTS"] = _env_bool("HSTS", False)
    for name in ("SENTRY_DSN", "SENTRY_ENVIRONMENT"):
        if env.get(name):
            cfg[name] = env[name].strip()
    if env.get("LOG_FORMAT"):
        cfg["LOG_FORMAT"] = env["LOG_FORMAT"].strip().lower()
    return cfg


def _normalise_db_url(url: str) -> str:
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy wants an explicit driver.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def ensure_secret_key(config: dict, instance_path: str) -> None:
    """Refuse to run without a real SECRET_KEY, except in tests and the demo."""
    key = config.get("SECRET_KEY") or ""
    if len(key) >= MIN_SECRET_LENGTH and key.lower() not in _PLACEHOLDER_SECRETS:
        return
    if config.get("TESTING") or config.get("DEMO"):
        # A per-installation random key, kept so demo sessions survive a restart.
        path = Path(instance_path) / "demo_secret_key"
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            path.write_text(secrets.token_hex(32))
        config["SECRET_KEY"] = path.read_text().strip()
        return
    raise RuntimeError(
        "SECRET_KEY is missing or too weak: set a random value of at least "
        f"{MIN_SECRET_LENGTH} characters, e.g. from: "
        "python -c 'import secrets; print(secrets.token_hex(32))'"
    )
