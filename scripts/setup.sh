#!/usr/bin/env bash
# Everything `make run` and `make test` need before they start: system packages, the virtualenv,
# PostgreSQL and Redis (reused when running, started when not), the database role and schema.
# Idempotent and quick on a second run. Pass --browser to install Chromium for browser tests.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/system-packages.sh "$@"

python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "setup: Python 3.11 or newer is needed (found $("$python" --version 2>&1))." >&2
    echo "setup: install it, or run with PYTHON=/path/to/python3.11" >&2
    exit 1
fi
if [[ ! -x .venv/bin/python ]]; then
    echo "setup: creating the virtualenv in .venv"
    "$python" -m venv .venv
fi
# Reinstall only when the lock file changes.
if [[ ! -f .venv/.installed ]] || ! cmp -s requirements.lock .venv/.installed; then
    echo "setup: installing Python packages from requirements.lock"
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet --require-hashes -r requirements.lock
    cp requirements.lock .venv/.installed
fi

scripts/services.sh up
.venv/bin/python manage.py migrate --no-input | grep -v "^  No migrations to apply" || true
