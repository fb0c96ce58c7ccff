#!/usr/bin/env bash
# Refresh the English catalog after changing user-facing text: new Chinese msgids appear in
# webapp/translations/en/LC_MESSAGES/messages.po with an empty msgstr to translate.
set -euo pipefail
cd "$(dirname "$0")/.."
pot="$(mktemp --suffix=.pot)"
.venv/bin/pybabel extract -q --ignore-dirs ".* __pycache__" -F babel.cfg -k _l -k _lp:1c,2 --no-location --sort-output -o "$pot" . 2>/dev/null \
  || .venv/bin/pybabel extract --ignore-dirs ".* __pycache__" -F babel.cfg -k _l -k _lp:1c,2 --no-location --sort-output -o "$pot" . >/dev/null
.venv/bin/pybabel update -i "$pot" -d webapp/translations --width 100 --ignore-obsolete --no-fuzzy-matching
rm -f "$pot"
.venv/bin/pybabel compile -d webapp/translations --statistics
