#!/usr/bin/env bash
# `make run`: set up, load the demo data once, then serve the web app, a Celery worker and Celery
# beat together. Ctrl-C stops them, and stops PostgreSQL or Redis only if this run started them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

stop_started_services() { scripts/services.sh down || true; }
trap stop_started_services EXIT

scripts/setup.sh
.venv/bin/python manage.py seed_demo --scale demo --if-empty

port=${PORT:-8000}
cat <<TEXT

  Attendance tracker is starting at http://127.0.0.1:${port}/

  Demo logins (password for each: demo-password; fictional data only):
    admin@council.example               Administrator
    manager@council.example             Manager
    link.coordinator@council.example    Link co-ordinator
    pastoral.lead@council.example       School pastoral lead
    other.pastoral.lead@council.example School pastoral lead at another school
    early.help@council.example          Early help worker

  Press Ctrl-C to stop.

TEXT
PATH="$PWD/.venv/bin:$PATH" PORT=$port .venv/bin/honcho start --no-prefix -f Procfile 2>&1 || true
