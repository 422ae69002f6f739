#!/usr/bin/env bash
# Local PostgreSQL + Redis for development and tests.
#
#   scripts/services.sh up      # reuse or start PostgreSQL and Redis, create role/db
#   scripts/services.sh down    # stop only what `up` started
#   scripts/services.sh status  # one line per service; exit 1 if anything is down
#
# Reads the same environment variables as the Django settings:
#   DATABASE_HOST [127.0.0.1]  DATABASE_PORT [5432]  DATABASE_NAME [attendance_tracker]
#   DATABASE_USER [attendance_tracker]  DATABASE_PASSWORD [attendance_tracker]
#   REDIS_URL [redis://127.0.0.1:6379/0]
# plus, for this script only:
#   PG_SUPERUSER [postgres]  superuser role tried over TCP (non-interactively)
#   PG_CLUSTER   [main]      name of the Debian cluster to create if none serves DATABASE_PORT
#
# Whatever `up` starts is recorded under .run/ in the repository (git-ignored),
# and `down` stops exactly that, even if the environment has changed since.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUN_DIR="$ROOT/.run"
PG_STATE="$RUN_DIR/started-postgres"
REDIS_STATE="$RUN_DIR/started-redis"
REDIS_PIDFILE="$RUN_DIR/redis.pid"
REDIS_LOGFILE="$RUN_DIR/redis.log"

DATABASE_HOST=${DATABASE_HOST:-127.0.0.1}
DATABASE_PORT=${DATABASE_PORT:-5432}
DATABASE_NAME=${DATABASE_NAME:-attendance_tracker}
DATABASE_USER=${DATABASE_USER:-attendance_tracker}
DATABASE_PASSWORD=${DATABASE_PASSWORD:-attendance_tracker}
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/0}
PG_SUPERUSER=${PG_SUPERUSER:-postgres}
PG_CLUSTER=${PG_CLUSTER:-main}
export PGCONNECT_TIMEOUT=${PGCONNECT_TIMEOUT:-5}

say() { echo "$*"; }
die() { echo "services: ERROR: $*" >&2; exit 1; }

is_local_host() {
    case "$1" in
        127.0.0.1|localhost|::1|/*) return 0 ;;
        *) return 1 ;;
    esac
}

# Run a command as root (directly, or through sudo).
as_root() {
    if (( EUID == 0 )); then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "need root (or sudo) to run: $*"
    fi
}

ensure_run_dir() {
    mkdir -p "$RUN_DIR"
    # Self-ignoring directory, so it stays out of git even without the entry below.
    [[ -f "$RUN_DIR/.gitignore" ]] || printf '*\n' > "$RUN_DIR/.gitignore"
    local gi="$ROOT/.gitignore"
    if ! { [[ -f "$gi" ]] && grep -qxE '/?\.run/?' "$gi"; }; then
        # Keep existing lines; make sure we start on a new line.
        if [[ -s "$gi" && -n "$(tail -c1 "$gi")" ]]; then
            printf '\n' >> "$gi"
        fi
        printf '.run/\n' >> "$gi"
    fi
}

# --------------------------------------------------------------------------
# PostgreSQL
# --------------------------------------------------------------------------

pg_ready() {
    pg_isready -q -t 2 -h "$DATABASE_HOST" -p "$DATABASE_PORT" >/dev/null 2>&1
}

# Print "<version> <cluster> <status>" of the Debian cluster on DATABASE_PORT, if any.
pg_cluster_on_port() {
    command -v pg_lsclusters >/dev/null 2>&1 || return 0
    pg_lsclusters -h 2>/dev/null | awk -v port="$DATABASE_PORT" '$3 == port { print $1, $2, $4; exit }'
}

pg_ctl_cluster() {  # <version> <cluster> <start|stop>
    if grep -q -- '--skip-systemctl-redirect' "$(command -v pg_ctlcluster)" 2>/dev/null; then
        as_root pg_ctlcluster --skip-systemctl-redirect "$@"
    else
        as_root pg_ctlcluster "$@"
    fi
}

pg_up() {
    if pg_ready; then
        if [[ -f "$PG_STATE" ]]; then
            say "postgres: running at $DATABASE_HOST:$DATABASE_PORT (cluster $(tr " " / < "$PG_STATE"), started by services.sh)"
        else
            say "postgres: reusing server at $DATABASE_HOST:$DATABASE_PORT"
        fi
        return 0
    fi
    command -v pg_isready >/dev/null 2>&1 || die "pg_isready not found; run scripts/system-packages.sh"
    is_local_host "$DATABASE_HOST" \
        || die "PostgreSQL at $DATABASE_HOST:$DATABASE_PORT is not answering (and it is not local, so not starting one)"
    if ! command -v pg_lsclusters >/dev/null 2>&1 || ! command -v pg_ctlcluster >/dev/null 2>&1; then
        die "PostgreSQL is not installed (pg_lsclusters/pg_ctlcluster missing); run scripts/system-packages.sh"
    fi

    local ver name status
    read -r ver name status <<<"$(pg_cluster_on_port)" || true
    if [[ -z "${ver:-}" ]]; then
        if pg_lsclusters -h 2>/dev/null | awk -v n="$PG_CLUSTER" '$2 == n { f = 1 } END { exit !f }'; then
            die "no PostgreSQL cluster on port $DATABASE_PORT, and cluster(s) named '$PG_CLUSTER' use other ports (see pg_lsclusters); set DATABASE_PORT"
        fi
        # shellcheck disable=SC2012  # version directories only
        ver=$(ls -1 /usr/lib/postgresql 2>/dev/null | sort -V | tail -n1)
        [[ -n "$ver" && -x "/usr/lib/postgresql/$ver/bin/postgres" ]] \
            || die "no PostgreSQL server binaries under /usr/lib/postgresql; run scripts/system-packages.sh"
        name=$PG_CLUSTER
        say "postgres: creating cluster $ver/$name on port $DATABASE_PORT"
        mkdir -p "$RUN_DIR"
        as_root pg_createcluster --port="$DATABASE_PORT" "$ver" "$name" >"$RUN_DIR/pg_createcluster.log" 2>&1 \
            || { cat "$RUN_DIR/pg_createcluster.log" >&2; die "pg_createcluster failed"; }
        status=down
    fi

    local started=0
    if [[ "$status" != online* ]]; then
        say "postgres: starting cluster $ver/$name on port $DATABASE_PORT"
        pg_ctl_cluster "$ver" "$name" start \
            || die "could not start cluster $ver/$name (see /var/log/postgresql/postgresql-$ver-$name.log)"
        started=1
        # Record it at once, so `down` can stop it even if the wait below fails.
        echo "$ver $name" > "$PG_STATE"
    else
        say "postgres: cluster $ver/$name is starting (not started by services.sh); waiting"
    fi
    local i
    for (( i = 0; i < 150; i++ )); do
        pg_ready && break
        sleep 0.2
    done
    pg_ready || die "PostgreSQL $ver/$name did not become ready on $DATABASE_HOST:$DATABASE_PORT"
    if (( started )); then
        say "postgres: cluster $ver/$name ready (will be stopped by 'scripts/services.sh down')"
    fi
}

pg_down() {
    if [[ ! -f "$PG_STATE" ]]; then
        say "postgres: not started by services.sh, leaving it alone"
        return 0
    fi
    local ver name
    read -r ver name < "$PG_STATE" || true
    if [[ -n "${ver:-}" && -n "${name:-}" ]]; then
        if pg_lsclusters -h 2>/dev/null | awk -v v="$ver" -v n="$name" '$1 == v && $2 == n && $4 ~ /^online/ { f = 1 } END { exit !f }'; then
            say "postgres: stopping cluster $ver/$name"
            pg_ctl_cluster "$ver" "$name" stop || die "could not stop cluster $ver/$name"
        else
            say "postgres: cluster $ver/$name already stopped"
        fi
    fi
    rm -f "$PG_STATE"
}

# --- role / database -------------------------------------------------------

# Quote a value for psql's \set (single quotes; backslash and quote escaped).
psql_quote() {
    local v=${1//\\/\\\\}
    v=${v//\'/\'\'}
    printf "'%s'" "$v"
}

# psql as the application role, non-interactively.
app_psql() {  # <dbname> <sql>
    PGPASSWORD="$DATABASE_PASSWORD" psql -X -w -At -v ON_ERROR_STOP=1 \
        -h "$DATABASE_HOST" -p "$DATABASE_PORT" -U "$DATABASE_USER" -d "$1" -c "$2" 2>/dev/null
}

# True if role, database, ownership, CREATEDB and btree_gist are all in place,
# checked as the application role (no superuser or sudo needed).
app_db_ready() {
    local ok
    ok=$(app_psql "$DATABASE_NAME" "
        SELECT (SELECT rolcanlogin AND (rolcreatedb OR rolsuper) FROM pg_roles WHERE rolname = current_user)
           AND (SELECT pg_get_userbyid(datdba) = current_user FROM pg_database WHERE datname = current_database())
           AND EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'btree_gist')") || return 1
    [[ "$ok" == t ]] || return 1
    ok=$(app_psql template1 "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'btree_gist')") || return 1
    [[ "$ok" == t ]]
}

SU_METHOD=
# psql as a PostgreSQL superuser; SQL on stdin.
su_psql() {  # <dbname> [extra psql args...]
    local db=$1 sock=()
    shift
    [[ "$DATABASE_HOST" == /* ]] && sock=(-h "$DATABASE_HOST")
    case "$SU_METHOD" in
        tcp)     psql -X -w -q -v ON_ERROR_STOP=1 -h "$DATABASE_HOST" -p "$DATABASE_PORT" -U "$PG_SUPERUSER" -d "$db" "$@" ;;
        runuser) (cd / && runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 "${sock[@]}" -p "$DATABASE_PORT" -d "$db" "$@") ;;
        sudo)    (cd / && sudo -u postgres psql -X -q -v ON_ERROR_STOP=1 "${sock[@]}" -p "$DATABASE_PORT" -d "$db" "$@") ;;
        *) return 1 ;;
    esac
}

find_su_method() {
    local m
    local candidates=(tcp)
    if is_local_host "$DATABASE_HOST"; then
        if (( EUID == 0 )) && command -v runuser >/dev/null 2>&1; then
            candidates+=(runuser)
        elif (( EUID != 0 )) && command -v sudo >/dev/null 2>&1; then
            candidates+=(sudo)
        fi
    fi
    for m in "${candidates[@]}"; do
        SU_METHOD=$m
        if [[ "$(echo 'SELECT rolsuper FROM pg_roles WHERE rolname = current_user;' | su_psql postgres -At 2>/dev/null)" == t ]]; then
            return 0
        fi
    done
    SU_METHOD=
    return 1
}

db_up() {
    command -v psql >/dev/null 2>&1 || die "psql not found; run scripts/system-packages.sh"
    if app_db_ready; then
        say "database: $DATABASE_NAME ready (role $DATABASE_USER)"
        return 0
    fi
    find_su_method || die "cannot connect to PostgreSQL at $DATABASE_HOST:$DATABASE_PORT as a superuser \
(tried: psql -U $PG_SUPERUSER over TCP, runuser/sudo -u postgres over the socket) to create role '$DATABASE_USER' \
and database '$DATABASE_NAME'; create them yourself (LOGIN CREATEDB, database owned by the role, btree_gist extension)"

    local vars
    vars="\\set role $(psql_quote "$DATABASE_USER")
\\set pw $(psql_quote "$DATABASE_PASSWORD")
\\set db $(psql_quote "$DATABASE_NAME")"

    # Role (with password, so scram auth over TCP works) and database, idempotently.
    su_psql postgres <<SQL || die "creating role/database failed"
$vars
SELECT format('CREATE ROLE %I LOGIN CREATEDB PASSWORD %L', :'role', :'pw')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \\gexec
SELECT format('ALTER ROLE %I LOGIN CREATEDB PASSWORD %L', :'role', :'pw')
  FROM pg_roles WHERE rolname = :'role' AND NOT rolsuper \\gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'role')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \\gexec
SELECT format('ALTER DATABASE %I OWNER TO %I', :'db', :'role')
  FROM pg_database WHERE datname = :'db' AND pg_get_userbyid(datdba) <> :'role' \\gexec
SQL
    # btree_gist in the app database and in template1 (pytest-django creates
    # test_<name> from template1, and the app role need not be a superuser).
    local dbname out
    for dbname in "$DATABASE_NAME" template1; do
        if ! out=$(printf 'SET client_min_messages TO warning;\nCREATE EXTENSION IF NOT EXISTS btree_gist;\n' \
                   | su_psql "$dbname" 2>&1); then
            echo "$out" >&2
            die "CREATE EXTENSION btree_gist failed in $dbname"
        fi
    done

    if app_db_ready; then
        say "database: $DATABASE_NAME ready (role $DATABASE_USER; set up as superuser via $SU_METHOD)"
    else
        die "role/database were set up, but '$DATABASE_USER' still cannot log in to '$DATABASE_NAME' (and template1) \
at $DATABASE_HOST:$DATABASE_PORT with DATABASE_PASSWORD; check pg_hba.conf"
    fi
}

# --------------------------------------------------------------------------
# Redis
# --------------------------------------------------------------------------

REDIS_HOST=127.0.0.1
REDIS_PORT=6379
REDIS_PASSWORD=
parse_redis_url() {
    local re='^rediss?://(([^:@/]*)(:([^@/]*))?@)?(\[[^]]*\]|[^:/]+)?(:([0-9]+))?(/.*)?$'
    [[ "$REDIS_URL" =~ $re ]] || die "cannot parse REDIS_URL=$REDIS_URL"
    REDIS_PASSWORD=${BASH_REMATCH[4]}
    REDIS_HOST=${BASH_REMATCH[5]:-127.0.0.1}
    REDIS_PORT=${BASH_REMATCH[7]:-6379}
}

redis_ping() {
    local reply
    if command -v redis-cli >/dev/null 2>&1; then
        reply=$(timeout 3 redis-cli -u "$REDIS_URL" ping 2>/dev/null) || return 1
    else
        # No redis-cli: speak RESP directly (no AUTH support).
        # shellcheck disable=SC2016  # $1/$2 expand in the inner bash
        reply=$(timeout 3 bash -c 'exec 3<>"/dev/tcp/$1/$2" && printf "PING\r\n" >&3 && head -c5 <&3' _ "$REDIS_HOST" "$REDIS_PORT" 2>/dev/null) || return 1
        reply=${reply#+}
        reply=${reply%$'\r'}
    fi
    [[ "$reply" == PONG ]]
}

# PID of the redis-server that services.sh started, if it is still alive.
our_redis_pid() {
    local pid
    [[ -f "$REDIS_PIDFILE" ]] || return 1
    pid=$(tr -dc '0-9' < "$REDIS_PIDFILE")
    [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
    # Guard against a recycled pid: it must be a redis-server.
    [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == redis-server* ]] || return 1
    echo "$pid"
}

redis_up() {
    parse_redis_url
    if redis_ping; then
        local pid
        if pid=$(our_redis_pid); then
            say "redis: running at $REDIS_HOST:$REDIS_PORT (pid $pid, started by services.sh)"
        else
            say "redis: reusing server at $REDIS_HOST:$REDIS_PORT"
        fi
        return 0
    fi
    is_local_host "$REDIS_HOST" \
        || die "Redis at $REDIS_HOST:$REDIS_PORT is not answering (and it is not local, so not starting one)"
    command -v redis-server >/dev/null 2>&1 || die "redis-server not found; run scripts/system-packages.sh"
    if our_redis_pid >/dev/null; then
        die "a redis-server started by services.sh is already running (pid $(our_redis_pid), see $REDIS_STATE) but does not answer at $REDIS_URL; run 'scripts/services.sh down' first"
    fi
    rm -f "$REDIS_PIDFILE"

    say "redis: starting redis-server on 127.0.0.1:$REDIS_PORT"
    local args=(--daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no
                --dir "$RUN_DIR" --pidfile "$REDIS_PIDFILE" --logfile "$REDIS_LOGFILE")
    [[ -n "$REDIS_PASSWORD" ]] && args+=(--requirepass "$REDIS_PASSWORD")
    redis-server "${args[@]}" >/dev/null || die "redis-server failed to start (see $REDIS_LOGFILE)"
    local i
    for (( i = 0; i < 100; i++ )); do
        redis_ping && break
        sleep 0.1
    done
    redis_ping || { tail -n 20 "$REDIS_LOGFILE" >&2 2>/dev/null || true; die "redis-server did not answer PING on port $REDIS_PORT"; }
    for (( i = 0; i < 20; i++ )); do
        [[ -s "$REDIS_PIDFILE" ]] && break
        sleep 0.05
    done
    echo "$REDIS_PORT" > "$REDIS_STATE"
}

redis_down() {
    if [[ ! -f "$REDIS_STATE" ]]; then
        say "redis: not started by services.sh, leaving it alone"
        return 0
    fi
    local pid i
    if pid=$(our_redis_pid); then
        say "redis: stopping redis-server (pid $pid, port $(cat "$REDIS_STATE"))"
        kill -TERM "$pid"
        for (( i = 0; i < 100; i++ )); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -0 "$pid" 2>/dev/null && die "redis-server (pid $pid) did not exit"
    else
        say "redis: already stopped"
    fi
    rm -f "$REDIS_STATE" "$REDIS_PIDFILE"
}

# --------------------------------------------------------------------------

cmd_status() {
    local rc=0 pid
    if command -v pg_isready >/dev/null 2>&1 && pg_ready; then
        if [[ -f "$PG_STATE" ]]; then
            say "postgres: up at $DATABASE_HOST:$DATABASE_PORT (cluster $(tr " " / < "$PG_STATE"), started by services.sh)"
        else
            say "postgres: up at $DATABASE_HOST:$DATABASE_PORT"
        fi
        if command -v psql >/dev/null 2>&1 && app_db_ready; then
            say "database: $DATABASE_NAME ready (role $DATABASE_USER)"
        else
            say "database: $DATABASE_NAME not ready for role $DATABASE_USER (run scripts/services.sh up)"
            rc=1
        fi
    else
        say "postgres: down at $DATABASE_HOST:$DATABASE_PORT"
        rc=1
    fi
    parse_redis_url
    if redis_ping; then
        if pid=$(our_redis_pid); then
            say "redis: up at $REDIS_HOST:$REDIS_PORT (pid $pid, started by services.sh)"
        else
            say "redis: up at $REDIS_HOST:$REDIS_PORT"
        fi
    else
        say "redis: down at $REDIS_HOST:$REDIS_PORT"
        rc=1
    fi
    return "$rc"
}

case "${1:-}" in
    up)
        ensure_run_dir
        pg_up
        redis_up
        db_up
        ;;
    down)
        redis_down
        pg_down
        ;;
    status)
        cmd_status
        ;;
    *)
        echo "usage: $0 {up|down|status}" >&2
        exit 2
        ;;
esac
