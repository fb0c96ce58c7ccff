#!/usr/bin/env bash
# Shared set-up for scripts/run.sh and scripts/test.sh: a virtualenv in .venv with the app
# and the given extras installed, and the translations compiled. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
python="${PYTHON:-python3}"

"$python" - <<'PY' || { echo "PropDesk needs Python 3.11 or newer (set PYTHON=/path/to/python3.11)." >&2; exit 1; }
import sys
sys.exit(0 if sys.version_info >= (3, 11) else 1)
PY

if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  "$python" -m venv .venv
fi
# Exact versions with their hashes from the lock file (scripts/lock.sh refreshes it), then the
# app itself without resolving anything again.
lock="requirements/app.txt"
if [ "$extras" = test ]; then lock="requirements/test.txt"; fi
echo "==> installing PropDesk from $lock"
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes -r "$lock"
.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
echo "==> compiling translations"
.venv/bin/pybabel compile --statistics -d webapp/translations 2>&1 | sed 's/^/    /'
