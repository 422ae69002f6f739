#!/usr/bin/env bash
# `make test`: the same set-up as `make run` (plus Chromium), then lint, Django's checks, the
# migrations check and the whole pytest suite against the real PostgreSQL, Redis and browser.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

stop_started_services() { scripts/services.sh down || true; }
trap stop_started_services EXIT

scripts/setup.sh --browser
export PATH="$PWD/.venv/bin:$PATH"

echo "test: ruff"
ruff check .
ruff format --check .
echo "test: mypy"
mypy .
echo "test: Django checks"
python manage.py check --fail-level WARNING
python manage.py makemigrations --check --dry-run
echo "test: pytest"
pytest "$@"
