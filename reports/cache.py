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
"""

import contextlib
import datetime
import hashlib
import json
from collections.abc import Callable

import pghistory.models
import redis
from django.apps import apps
from django.conf import settings
from django.db import connection

from reports.measures import Filters

DEFAULT_SECONDS = 15 * 60


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
    scope = "la" if schools is None else ",".join(map(str, sorted(schools)))
    described = json.dumps(
        [
            settings.DATABASES["default"]["NAME"],
            term_id,
            scope,
            [filters.phase, filters.school, filters.link_coordinator, filters.characteristic],
            breakdown,
            today.isoformat(),
            version,
        ]
    )
    return f"reports:{kind}:" + hashlib.sha256(described.encode()).hexdigest()


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
