"""The dashboard's figures, laid out, kept in Redis until the data they come from changes.

Computing every measure LA-wide reads the year's raw attendance records (a few seconds at county
scale); many managers opening the dashboard between two imports would each pay for it. The
figures are stored under a key naming everything they depend on: the database, the term, the
schools counted, the filters and breakdown, today's date, and a version of the data, which
changes whenever any record of children's data changes:

- every tracked model's history table (django-pghistory: cases, plans, pupils, enrolments,
  schools, terms, targets…) gains a row on each insert, update or delete, so the greatest event
  id of each changes;
- attendance records are tracked only on update and delete: an import's inserts raise the
  greatest record id.

Each of those is one index lookup, so checking costs about a millisecond. An entry also expires
after REPORTS_CACHE_SECONDS (default 15 minutes) whatever happens. Only aggregate figures are
kept, never a list of pupils. Any Redis failure computes the figures afresh.

Figures not yet stored for the data as it is now are worked out by a Celery worker (`answer`):
at national scale that takes longer than a page may wait. The page waits up to
REPORTS_WAIT_SECONDS (default 5) for them; if they are not ready by then it shows the last
figures worked out for the same choices, saying when. With none to show it waits up to
REPORTS_FIRST_WAIT_SECONDS (default 20), then says that they are being worked out.
One worker at a time works out the figures for one set of choices.
"""

import contextlib
import dataclasses
import datetime
import hashlib
import json
import time
from collections.abc import Callable
from typing import Any

import pghistory.models
import redis
from django.apps import apps
from django.conf import settings
from django.db import connection
from kombu.exceptions import OperationalError as BrokerError

from reports.measures import Filters

DEFAULT_SECONDS = 15 * 60
DEFAULT_WAIT_SECONDS = 5.0
# With no earlier figures to show, a page waits longer: within gunicorn's 30-second timeout.
DEFAULT_FIRST_WAIT_SECONDS = 20.0
# The last figures for a set of choices are kept this long, to show while newer ones are worked
# out; a worker that dies while working them out holds their lock at most WORKING_SECONDS.
LATEST_SECONDS = 7 * 24 * 60 * 60
WORKING_SECONDS = 10 * 60
POLL_SECONDS = 0.05


def _client() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)


def _history_tables() -> list[str]:
    return sorted(
        model._meta.db_table
        for model in apps.get_models()
        if issubclass(model, pghistory.models.Event)
        and not model._meta.proxy
        and model._meta.managed
        and any(field.name == "pgh_id" for field in model._meta.concrete_fields)
    )


def data_version() -> str:
    """Changes whenever any of children's data changes (see the module's docstring)."""
    parts = ["(SELECT max(id) FROM attendance_attendancerecord)"] + [
        f"(SELECT max(pgh_id) FROM {connection.ops.quote_name(table)})"  # noqa: S608 - models'
        for table in _history_tables()
    ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))
        row = cursor.fetchone()
    return hashlib.sha256(repr(row).encode()).hexdigest()[:16]


def _choices(
    term_id: int, schools: tuple[int, ...] | None, filters: Filters, breakdown: str
) -> list[Any]:
    scope = "la" if schools is None else ",".join(map(str, sorted(schools)))
    return [
        settings.DATABASES["default"]["NAME"],
        term_id,
        scope,
        [filters.phase, filters.school, filters.link_coordinator, filters.characteristic],
        breakdown,
    ]


def _hashed(kind: str, described: list[Any]) -> str:
    return f"reports:{kind}:" + hashlib.sha256(json.dumps(described).encode()).hexdigest()


def key(
    *,
    term_id: int,
    schools: tuple[int, ...] | None,
    filters: Filters,
    breakdown: str,
    today: datetime.date,
    version: str,
    kind: str = "dashboard",
) -> str:
    """The figures for these choices on this day and this version of the data."""
    choices = _choices(term_id, schools, filters, breakdown)
    return _hashed(kind, [*choices, today.isoformat(), version])


def latest_key(
    *, term_id: int, schools: tuple[int, ...] | None, filters: Filters, breakdown: str
) -> str:
    """The last figures worked out for these choices, whatever the day or the data."""
    return _hashed("dashboard-latest", _choices(term_id, schools, filters, breakdown))


def cached(cache_key: str, make: Callable[[], str]) -> str:
    """The text stored under the key, or `make()`'s, stored for next time.

    The dashboard stores its figures already laid out as HTML: decoding them and laying them
    out again costs more than the rest of a page view.
    """
    seconds = int(getattr(settings, "REPORTS_CACHE_SECONDS", DEFAULT_SECONDS))
    if seconds <= 0:
        return make()
    try:
        client = _client()
        stored = client.get(cache_key)
    except redis.RedisError:
        return make()
    if stored:
        return stored.decode() if isinstance(stored, bytes) else str(stored)
    text = make()
    # Storing is a courtesy: the figures are shown all the same.
    with contextlib.suppress(redis.RedisError):
        client.set(cache_key, text.encode(), ex=seconds)
    return text


@dataclasses.dataclass(frozen=True)
class Answer:
    """What the dashboard can show now: the figures' HTML (None: none yet) and, when they are
    older than the data, when they were worked out."""

    html: str | None
    worked_out_at: datetime.datetime | None = None


def store(fresh_key: str, latest: str, html: str) -> None:
    """Keep figures just worked out, as the current ones and as the last ones for their choices."""
    seconds = int(getattr(settings, "REPORTS_CACHE_SECONDS", DEFAULT_SECONDS))
    if seconds <= 0:
        return
    at = datetime.datetime.now(datetime.UTC).isoformat()
    with contextlib.suppress(redis.RedisError):
        client = _client()
        client.set(fresh_key, html.encode(), ex=seconds)
        client.set(latest, json.dumps({"html": html, "at": at}).encode(), ex=LATEST_SECONDS)


def done_working(latest: str) -> None:
    """Let the next page that finds no current figures ask a worker for them."""
    with contextlib.suppress(redis.RedisError):
        _client().delete(latest + ":working")


def answer(
    fresh_key: str,
    latest: str,
    make: Callable[[], str],
    start_working: Callable[[], None],
) -> Answer:
    """The figures stored under `fresh_key`; else, once a worker has been asked to work them out
    (`start_working`, unless one already is), those figures if they are ready within
    REPORTS_WAIT_SECONDS (REPORTS_FIRST_WAIT_SECONDS if there are no earlier ones); else the
    last ones for the same choices; else none yet.

    With caching turned off, or Redis or the broker unavailable, `make()` works them out here.
    """
    if int(getattr(settings, "REPORTS_CACHE_SECONDS", DEFAULT_SECONDS)) <= 0:
        return Answer(make())
    try:
        client = _client()
        stored = client.get(fresh_key)
        if stored:
            return Answer(_text(stored))
        if client.exists(latest):
            wait = float(getattr(settings, "REPORTS_WAIT_SECONDS", DEFAULT_WAIT_SECONDS))
        else:
            wait = float(getattr(settings, "REPORTS_FIRST_WAIT_SECONDS",
                                 DEFAULT_FIRST_WAIT_SECONDS))  # fmt: skip
        if client.set(latest + ":working", b"1", nx=True, ex=WORKING_SECONDS):
            try:
                start_working()
            except Exception:
                client.delete(latest + ":working")
                raise
        deadline = time.monotonic() + wait
        while True:
            stored = client.get(fresh_key)
            if stored:
                return Answer(_text(stored))
            if time.monotonic() >= deadline:
                break
            time.sleep(POLL_SECONDS)
        last = client.get(latest)
    except (redis.RedisError, BrokerError):
        return Answer(make())
    if not last:
        return Answer(None)
    kept = json.loads(_text(last))
    return Answer(kept["html"], datetime.datetime.fromisoformat(kept["at"]))


def _text(stored: Any) -> str:
    return stored.decode() if isinstance(stored, bytes) else str(stored)
