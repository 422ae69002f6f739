"""Dashboard benchmark: the LA dashboard under 8 concurrent users, against a minimal page.

    DATABASE_NAME=attendance_tracker_bench python benchmarks/bench_dashboard.py
    BENCH_DASHBOARD_SECONDS=10 python benchmarks/bench_dashboard.py    # a quicker run

Run by `make bench` (scripts/bench.sh) after `seed_demo --scale county`. It reports:

1. How long computing every measure LA-wide takes (reports.measures.compute, in this process,
   without the cache): the first run, and the median of the next three; then for each later
   term of the year, as on its last day (more periods: each term so far and the year to date).
2. The LA dashboard's latency with 8 concurrent users against gunicorn (3 sync workers, as in
   the Dockerfile, production settings over plain HTTP) with a Celery worker on this machine:
   the first request after the data changed (a worker works out the figures; the page waits up
   to REPORTS_WAIT_SECONDS for them) and how long until the page shows them, then p50, p95 and
   requests per second over BENCH_DASHBOARD_SECONDS, and the same for /healthz (a minimal page of
   the same app, which asks PostgreSQL and Redis if they answer) measured in the same run, with
   the ratio of the two. Server and worker use Redis database 11, apart from any other server.

The manager's session is made in the database, so no sign-in is timed. It writes nothing else
and refuses any database but attendance_tracker_bench (or BENCH_DATABASE_NAME).
"""

import http.client
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "attendance_tracker.settings")
DATABASE = os.environ.get("BENCH_DATABASE_NAME", "attendance_tracker_bench")  # as scripts/bench.sh
os.environ.setdefault("DATABASE_NAME", DATABASE)
# The server and this process share the key: the manager's session made here is signed with it.
SECRET_KEY = "benchmark-only-" + "x" * 40
os.environ["SECRET_KEY"] = SECRET_KEY

import django  # noqa: E402

django.setup()

import redis  # noqa: E402
from celery import Celery  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402

from accounts.models import User  # noqa: E402
from reports import cache, measures  # noqa: E402
from schools.models import Term  # noqa: E402

USERS = 8
SECONDS = float(os.environ.get("BENCH_DASHBOARD_SECONDS", "30"))
WORKERS = "3"  # as the Dockerfile runs it
REDIS_URL = "redis://127.0.0.1:6379/11"  # broker and cache of this run's server and worker
PENDING = 'data-testid="figures-pending"'


def say(line: str) -> None:
    sys.stdout.write(f"   {line}\n")
    sys.stdout.flush()


def check_database() -> None:
    name = settings.DATABASES["default"]["NAME"]
    if name != DATABASE:
        raise SystemExit(f"bench_dashboard: refusing to run in database {name!r}; use {DATABASE}.")


def computation() -> None:
    term = Term.objects.current()
    if term is None:
        raise SystemExit("bench_dashboard: no term dates; run seed_demo first.")
    timings = []
    for _ in range(4):
        start = time.perf_counter()
        figures = measures.compute(term)
        timings.append(time.perf_counter() - start)
    severe = figures.get("severe_at_term_end", term.slug)
    say(
        f"LA-wide figures ({term}, {len(figures.rows)} rows, "
        f"{severe.numerator if severe else '?'} severely absent): first {timings[0]:.2f} s, "
        f"then median {statistics.median(timings[1:]):.2f} s"
    )
    # Each later term reports more periods (its own, each earlier term, the year to date and
    # last year's): computed as on its last day, on the data there is now.
    for later in Term.objects.filter(
        academic_year=term.academic_year, starts_on__gt=term.starts_on
    ).order_by("starts_on"):
        timings = []
        for _ in range(2):
            start = time.perf_counter()
            figures = measures.compute(later, today=later.ends_on)
            timings.append(time.perf_counter() - start)
        say(
            f"  as on the last day of {later} ({len(figures.periods)} periods): first "
            f"{timings[0]:.2f} s, then {timings[1]:.2f} s"
        )


def manager_session() -> str:
    user = User.objects.filter(is_manager=True, is_active=True).order_by("pk").first()
    if user is None:
        raise SystemExit("bench_dashboard: no manager; run seed_demo first.")
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return str(session.session_key)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_env() -> dict[str, str]:
    return {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "REQUIRE_TWO_FACTOR": "false",
        "LOG_LEVEL": "WARNING",
        # whitenoise warns that static files were never collected: pages alone are timed.
        "PYTHONWARNINGS": "ignore::UserWarning",
        "REDIS_URL": REDIS_URL,
    }


def start_worker() -> subprocess.Popen[bytes]:
    """A Celery worker, as `make run` starts one, for the figures pages ask for; once it
    answers a ping."""
    worker = subprocess.Popen(  # noqa: S603 - our own virtualenv's celery, fixed arguments
        [str(Path(sys.executable).parent / "celery"), "-A", "attendance_tracker", "worker",
         "--concurrency=1", "--loglevel=WARNING"],
        cwd=ROOT,
        env=server_env(),
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    app = Celery(broker=REDIS_URL, set_as_current=False)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if app.control.ping(timeout=1):
            return worker
    worker.terminate()
    raise SystemExit("bench_dashboard: the Celery worker did not start")


def start_gunicorn(port: int) -> subprocess.Popen[bytes]:
    env = server_env()
    server = subprocess.Popen(  # noqa: S603 - our own virtualenv's gunicorn, fixed arguments
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "attendance_tracker.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            WORKERS,
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if get(port, "/healthz")[0] == 200:
                return server
        except OSError:
            pass
        time.sleep(0.5)
    server.terminate()
    raise SystemExit("bench_dashboard: gunicorn did not start")


def get(port: int, path: str, cookie: str = "") -> tuple[int, float, str]:
    start = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}"} if cookie else {}
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, time.perf_counter() - start, body.decode(errors="replace")


def load(port: int, path: str, cookie: str = "") -> tuple[list[float], int]:
    """USERS threads requesting the page back to back for SECONDS; latencies and failures."""
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    stop = time.monotonic() + SECONDS

    def user() -> None:
        while time.monotonic() < stop:
            status, seconds, _ = get(port, path, cookie)
            with lock:
                if status == 200:
                    latencies.append(seconds)
                else:
                    failures[0] += 1

    threads = [threading.Thread(target=user) for _ in range(USERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, failures[0]


def report(name: str, latencies: list[float], failures: int) -> float:
    latencies.sort()
    p50 = statistics.median(latencies)
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    say(
        f"{name}: p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
        f"{len(latencies) / SECONDS:.1f} requests/s, {len(latencies)} requests"
        + (f", {failures} failed" if failures else "")
    )
    return p95


def forget_cached_figures() -> None:
    """So that the first request computes the figures, as after a change of data: otherwise a
    run after another on the same data finds them in Redis."""
    redis.Redis.from_url(REDIS_URL).flushdb()


def main() -> None:
    check_database()
    computation()
    cookie = manager_session()
    port = free_port()
    forget_cached_figures()
    worker = start_worker()
    server = start_gunicorn(port)
    try:
        version = cache.data_version()
        started = time.perf_counter()
        status, first, page = get(port, "/reports/dashboard/", cookie)
        if status != 200:
            raise SystemExit(f"bench_dashboard: the dashboard answered {status}")
        pending = PENDING in page
        while PENDING in page:
            time.sleep(0.5)
            status, _, page = get(port, "/reports/dashboard/", cookie)
        say(
            f"first dashboard request (a worker works out the figures): answered in {first:.2f} s"
            + (" saying they are being worked out" if pending else " with them")
            + f"; figures shown after {time.perf_counter() - started:.2f} s"
        )
        healthz = report(f"/healthz, {USERS} users", *load(port, "/healthz"))
        dashboard = report(
            f"LA dashboard, {USERS} users", *load(port, "/reports/dashboard/", cookie)
        )
        say(f"ratio of p95s, dashboard to /healthz: {dashboard / healthz:.1f}")
        if cache.data_version() != version:
            say("(the data changed during the run: figures were recomputed)")
    finally:
        server.terminate()
        worker.terminate()
        server.wait(timeout=30)
        worker.wait(timeout=30)
        SessionStore(session_key=cookie).delete()


if __name__ == "__main__":
    main()
