#!/usr/bin/env bash
# Refresh the lock files from pyproject.toml, each version with the hashes of its files: pins
# already there are kept (a new dependency is added), UPGRADE=1 takes the newest versions the
# ranges allow. Review the diff, run ./scripts/test.sh, and commit the lock files.
#   requirements/app.txt   the app and its production extras (scripts/run.sh, servers)
#   requirements/test.txt  the same plus the test tools (scripts/test.sh, CI)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test >/dev/null
.venv/bin/python -m pip install --quiet --disable-pip-version-check "pip-tools>=7.4"
for target in app test; do
  extras=(--extra prod)
  if [ "$target" = test ]; then extras+=(--extra test); fi
  .venv/bin/pip-compile --quiet ${UPGRADE:+--upgrade} --strip-extras --generate-hashes --allow-unsafe \
    --no-emit-index-url --no-emit-find-links "${extras[@]}" \
    --output-file "requirements/$target.txt" pyproject.toml
done
echo "requirements/app.txt and requirements/test.txt refreshed; run ./scripts/test.sh before committing."
