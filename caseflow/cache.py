"""A Redis cache that answers like an empty one while Redis is unreachable, so no request fails on it.

Everything caseflow keeps in the cache can be lost: throttle counters (DRF's throttles read and write
the default cache) and hints. During a Redis outage a read is a miss and a write is dropped, so
throttles let every request through (they fail open) while cases, notes and follow-ups, which live in
PostgreSQL, are saved as usual. Brute force on sign-in stays bounded meanwhile: django-axes counts
failures in the database, not in the cache.

After a failure a process leaves Redis alone for a few seconds, so that requests during an outage do
not each wait for a refused or timed-out connection, and it says so in the log once a minute at
most, with the kind of error only: never a key (keys hold user ids and addresses) or a value.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.utils.functional import cached_property
from redis.exceptions import RedisError

logger = logging.getLogger("caseflow.cache")

T = TypeVar("T")

# How long a process skips Redis after a failed operation before it tries again.
RETRY_AFTER_SECONDS = 5.0
# While Redis stays unreachable, the warning is repeated at most this often.
WARN_EVERY_SECONDS = 60.0


class Outage:
    """Whether one Redis location is usable, shared by every thread of the process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.down_since: float | None = None
        self._retry_at = 0.0
        self._warned_at = 0.0
        self._skipped = 0

    def allows(self) -> bool:
        """False while Redis is known to be down and the retry time has not come."""
        if self.down_since is None:
            return True
        with self._lock:
            if time.monotonic() >= self._retry_at:
                return True
            self._skipped += 1
            return False

    def failed(self, error: Exception) -> None:
        """Notes a failed operation; warns at the start of an outage and once a minute during it."""
        now = time.monotonic()
        with self._lock:
            first = self.down_since is None
            if self.down_since is None:
                self.down_since = now
            self._retry_at = now + RETRY_AFTER_SECONDS
            if not first and now - self._warned_at < WARN_EVERY_SECONDS:
                return
            self._warned_at = now
            skipped, self._skipped = self._skipped, 0
            down_for = round(now - self.down_since)
        logger.warning(
            "cache unreachable: reads miss, writes are dropped, throttles are not enforced",
            extra={"error": type(error).__name__, "down_seconds": down_for, "skipped_operations": skipped},
        )

    def recovered(self) -> None:
        """Notes a successful operation; logs the end of an outage."""
        if self.down_since is None:
            return
        with self._lock:
            if self.down_since is None:
                return
            down_for = round(time.monotonic() - self.down_since)
            self.down_since = None
            self._skipped = 0
        logger.warning("cache reachable again", extra={"down_seconds": down_for})


_outages: dict[tuple[str, ...], Outage] = {}
_outages_lock = threading.Lock()


def outage_of(servers: Iterable[str]) -> Outage:
    """The one Outage of these servers in this process (Django makes a cache object per thread)."""
    key = tuple(servers)
    with _outages_lock:
        return _outages.setdefault(key, Outage())


class ResilientRedisCacheClient(RedisCacheClient):
    """Django's Redis client, with every operation answered as by an empty cache when Redis fails."""

    def __init__(self, servers: list[str], **options: Any) -> None:
        super().__init__(servers, **options)
        self.outage = outage_of(servers)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        """One redis-py client per connection pool, not a new one per operation as Django's does:
        building a client (its table of response callbacks) cost more than a throttle's GET. A
        client holds no connection of its own (the pool does) and is safe to share between threads."""
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        index = id(pool)
        client = self._clients.get(index)
        if client is None:
            client = self._clients.setdefault(index, self._client(connection_pool=pool))  # type: ignore[attr-defined]
        return client

    def _guard(self, operation: Callable[[], T], fallback: T) -> T:
        if not self.outage.allows():
            return fallback
        try:
            result = operation()
        except RedisError as error:
            self.outage.failed(error)
            return fallback
        self.outage.recovered()
        return result

    def reachable(self) -> bool:
        """Asks Redis itself, even during a known outage: the readiness probe must see a recovery."""
        try:
            self.get_client(write=True).ping()
        except RedisError as error:
            self.outage.failed(error)
            return False
        self.outage.recovered()
        return True

    def add(self, key: Any, value: Any, timeout: Any) -> bool:
        return self._guard(lambda: RedisCacheClient.add(self, key, value, timeout), False)

    def get(self, key: Any, default: Any) -> Any:
        return self._guard(lambda: RedisCacheClient.get(self, key, default), default)

    def set(self, key: Any, value: Any, timeout: Any) -> None:
        self._guard(lambda: RedisCacheClient.set(self, key, value, timeout), None)

    def touch(self, key: Any, timeout: Any) -> bool:
        return self._guard(lambda: RedisCacheClient.touch(self, key, timeout), False)

    def delete(self, key: Any) -> bool:
        return self._guard(lambda: RedisCacheClient.delete(self, key), False)

    def get_many(self, keys: Iterable[Any]) -> dict[Any, Any]:
        return self._guard(lambda: RedisCacheClient.get_many(self, keys), {})

    def has_key(self, key: Any) -> bool:
        return self._guard(lambda: RedisCacheClient.has_key(self, key), False)

    def incr(self, key: Any, delta: int) -> Any:
        missing = object()
        result = self._guard(lambda: RedisCacheClient.incr(self, key, delta), missing)
        if result is missing:
            # What an empty cache answers: there is nothing to increment.
            raise ValueError("Key not found (the cache is unreachable).")
        return result

    def count_and_read(self, current: Any, previous: Any, timeout: int) -> tuple[int, int] | None:
        """Adds one to the counter `current` (made with this expiry if new) and reads the counter
        `previous`, in one round trip; None while Redis is unreachable."""

        def operation() -> tuple[int, int]:
            pipeline = self.get_client(current, write=True).pipeline(transaction=False)
            pipeline.incr(current)
            pipeline.expire(current, timeout)
            pipeline.get(previous)
            now, _expiry, before = pipeline.execute()
            return int(now), int(before or 0)

        return self._guard(operation, None)

    def set_many(self, data: Mapping[Any, Any], timeout: Any) -> None:
        self._guard(lambda: RedisCacheClient.set_many(self, data, timeout), None)

    def delete_many(self, keys: Iterable[Any]) -> None:
        self._guard(lambda: RedisCacheClient.delete_many(self, keys), None)

    def clear(self) -> bool:
        return self._guard(lambda: RedisCacheClient.clear(self), False)


class ResilientRedisCache(RedisCache):
    """The CACHES backend when REDIS_URL is set: Django's RedisCache that degrades instead of raising."""

    @cached_property
    def _cache(self) -> ResilientRedisCacheClient:
        return ResilientRedisCacheClient(self._servers, **self._options)  # type: ignore[attr-defined]

    def reachable(self) -> bool:
        """Whether Redis answers a PING now."""
        return self._cache.reachable()

    def count_and_read(self, current: str, previous: str, timeout: int) -> tuple[int, int] | None:
        """Two counters of caseflow.throttling, in one round trip (the keys made as for any entry)."""
        return self._cache.count_and_read(
            self.make_and_validate_key(current), self.make_and_validate_key(previous), timeout
        )
