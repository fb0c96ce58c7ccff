#!/usr/bin/env bash
# Install everything and start PropDesk on SQLite with demo data (safe to run again).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

export FLASK_APP=webapp
export PROPDESK_DEMO=1          # allows a generated SECRET_KEY and cookies over plain http
host="${HOST:-127.0.0.1}"
port="${PORT:-5000}"

echo "==> migrating the database"
.venv/bin/flask db upgrade
echo "==> loading demo data"
.venv/bin/flask demo

cat <<MSG

  PropDesk is running at http://$host:$port/
  Demo accounts (password: propdesk-demo): assistant, supervisor, manager, owner
  Stop with Ctrl-C.

MSG
exec .venv/bin/flask run --host "$host" --port "$port" --no-reload
