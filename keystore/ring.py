"""The case keys unwrapped for one unit of work (a request, a Celery task, a batch of a command).

A key is read from the key store and unwrapped at most once per unit of work, and kept nowhere else:
never in Redis, the cache, a log or a process-wide variable, so a destroyed key is gone for every
request that starts after its destruction. Outside a unit of work (a shell, a test calling the ORM)
nothing is kept: each use reads the key store again.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from cryptography.fernet import Fernet

from keystore.router import KEYSTORE
from keystore.wrapping import unwrap


class KeyRing:
    """Case id -> the Fernet of its data key, or None when the key store holds no key for it."""

    def __init__(self) -> None:
        self._keys: dict[int, Fernet | None] = {}
        # The blind-index keys (keystore/index_keys.py), loaded at first use.
        self.index_keys: list[tuple[int, bytes]] | None = None

    def fernet(self, case_id: int) -> Fernet | None:
        if case_id not in self._keys:
            self.load([case_id])
        return self._keys[case_id]

    def load(self, case_ids: Iterable[int]) -> None:
        """The keys of these cases, in one query for all that are not held yet."""
        from keystore.models import CaseKey

        missing = {int(case_id) for case_id in case_ids if case_id is not None} - self._keys.keys()
        if not missing:
            return
        rows = CaseKey.objects.using(KEYSTORE).filter(case_id__in=missing)
        for case_id, master_key_id, wrapped in rows.values_list("case_id", "master_key_id", "wrapped"):
            self.add(case_id, unwrap(case_id, master_key_id, bytes(wrapped)))
        for case_id in missing - self._keys.keys():
            self._keys[case_id] = None

    def add(self, case_id: int, data_key: bytes) -> None:
        self._keys[case_id] = Fernet(base64.urlsafe_b64encode(data_key))

    def forget(self, case_id: int) -> None:
        """After the key was destroyed: this unit of work no longer opens the case either."""
        self._keys[case_id] = None

    def __len__(self) -> int:
        return len(self._keys)


_current: ContextVar[KeyRing | None] = ContextVar("caseflow_key_ring", default=None)


def current() -> KeyRing:
    """The unit of work's key ring; outside one, a ring that is thrown away after this use."""
    ring = _current.get()
    return ring if ring is not None else KeyRing()


def active() -> KeyRing | None:
    return _current.get()


@contextmanager
def unit_of_work() -> Iterator[KeyRing]:
    """Keys unwrapped inside are kept until the block ends, then dropped."""
    token = _current.set(KeyRing())
    try:
        yield _current.get()  # type: ignore[misc]
    finally:
        _current.reset(token)


class KeyRingMiddleware:
    """One unit of work per request."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        with unit_of_work():
            return self.get_response(request)


_tokens: dict[str, Any] = {}


def _task_started(task_id: str | None = None, **kwargs: Any) -> None:
    if task_id is not None:
        _tokens[task_id] = _current.set(KeyRing())


def _task_finished(task_id: str | None = None, **kwargs: Any) -> None:
    token = _tokens.pop(task_id, None) if task_id is not None else None
    if token is not None:
        _current.reset(token)
    else:
        _current.set(None)


def connect_celery() -> None:
    from celery.signals import task_postrun, task_prerun

    task_prerun.connect(_task_started, weak=False, dispatch_uid="keystore-ring-start")
    task_postrun.connect(_task_finished, weak=False, dispatch_uid="keystore-ring-end")
