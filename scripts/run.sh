#!/usr/bin/env bash
# Install everything and start PropDesk on SQLite with demo data (safe to run again).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

export FLASK_APP=webapp
export PROPDESK_DEMO=1          # allows a generated SECRET_KEY and cookies over plain http
host="${HOST:-127.0.0.1}"
port="${PORT:-5000}"
# Links in group messages point here; the demo's robots may be any URL you set (in production
# only https to WeCom's and DingTalk's own hosts).
export PUBLIC_URL="${PUBLIC_URL:-http://$host:$port}"
export ROBOT_HOSTS="${ROBOT_HOSTS:-*}"
export ROBOT_ALLOW_HTTP="${ROBOT_ALLOW_HTTP:-1}"

echo "==> migrating the database"
.venv/bin/flask db upgrade
echo "==> loading demo data"
.venv/bin/flask demo

echo "==> starting the job queue's consumer (group messages, the sweep)"
bash scripts/worker.sh --logfile instance/worker.log >/dev/null 2>&1 &
worker=$!
# Ctrl-C reaches both (the consumer handles it itself); should the app stop otherwise, the
# consumer is stopped with it.
trap 'kill $worker 2>/dev/null || true' EXIT

cat <<MSG

  PropDesk is running at http://$host:$port/
  Demo accounts (password: propdesk-demo): assistant, supervisor, manager, owner
  Stop with Ctrl-C.

MSG
.venv/bin/flask run --host "$host" --port "$port" --no-reload
