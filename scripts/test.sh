#!/usr/bin/env bash
# Install everything and run the whole test suite (safe to run again).
# DATABASE_URL=postgresql+psycopg://... runs the same suite on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test

# The browser tests drive Debian's Chromium (Playwright never downloads a browser here),
# with a CJK font so that Chinese pages are laid out with real glyphs.
chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ ! -x "$chromium" ] || ! fc-list 2>/dev/null | grep -qi "wqy\|noto sans cjk"; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "==> installing Debian's chromium and a CJK font for the browser tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null
  elif [ ! -x "$chromium" ]; then
    echo "!! $chromium not found: browser tests will be skipped (install the chromium package)." >&2
  fi
fi

# The reverse-proxy test runs Debian's nginx in front of the app (as a child, with its own config).
if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "==> installing Debian's nginx for the reverse-proxy test"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null
  else
    echo "!! nginx not found: the reverse-proxy test will be skipped (install the nginx package)." >&2
  fi
fi

echo "==> running the tests${DATABASE_URL:+ on $(echo "$DATABASE_URL" | sed -E 's#//[^@]*@#//#')}"
exec .venv/bin/python -m pytest "$@"
