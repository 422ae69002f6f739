#!/usr/bin/env bash
# `make bench`: measurements, never pass/fail. Runs in its own database so the demo data in the
# development database is left alone.
#
#   make bench                         # county-scale seeding (and the other benchmarks)
#   BENCH_SCALES="county national" make bench   # national takes several minutes
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/setup.sh >/dev/null
export PATH="$PWD/.venv/bin:$PATH"
export DATABASE_NAME=${BENCH_DATABASE_NAME:-attendance_tracker_bench}
export PGPASSWORD=${DATABASE_PASSWORD:-attendance_tracker}
db_user=${DATABASE_USER:-attendance_tracker}
db_host=${DATABASE_HOST:-127.0.0.1}
db_port=${DATABASE_PORT:-5432}

psql -h "$db_host" -p "$db_port" -U "$db_user" -d postgres -Atqc \
    "SELECT 1 FROM pg_database WHERE datname = '$DATABASE_NAME'" | grep -q 1 \
    || psql -h "$db_host" -p "$db_port" -U "$db_user" -d postgres -qc \
        "CREATE DATABASE $DATABASE_NAME"
python manage.py migrate --no-input >/dev/null

echo "== Seeding (python manage.py seed_demo --scale S --reset) =="
for scale in ${BENCH_SCALES:-county}; do
    echo "-- $scale"
    /usr/bin/time -f "   wall %e s, peak memory %M KB" \
        python manage.py seed_demo --scale "$scale" --reset -v 0 2>&1 | tail -1
done

for bench in benchmarks/bench_*.py; do
    [[ -e $bench ]] || continue
    echo "== $(basename "$bench" .py) =="
    python "$bench"
done
