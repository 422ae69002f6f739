"""Progress of a running import, kept in Redis so the page can show it while the import's own
transaction (which nothing outside can see until it commits) is still running."""

import json
from typing import Any

import redis
from django.conf import settings

EXPIRES_SECONDS = 24 * 60 * 60


def _client() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)


def _key(import_id: int) -> str:
    return f"attendance-import:{import_id}:progress"


def report(import_id: int, **fields: Any) -> None:
    try:
        client = _client()
        current = json.loads(client.get(_key(import_id)) or "{}")
        current.update(fields)
        client.set(_key(import_id), json.dumps(current), ex=EXPIRES_SECONDS)
    except redis.RedisError:
        pass  # progress is a courtesy; the import itself must not fail for it


def read(import_id: int) -> dict[str, Any]:
    try:
        return dict(json.loads(_client().get(_key(import_id)) or "{}"))
    except redis.RedisError:
        return {}
