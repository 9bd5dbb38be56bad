"""A worker keeps its database connection across tasks (CELERY_DB_REUSE_MAX), yet replaces it once the
database has dropped it, as Django does around a request (caseflow/celery.py), with a real worker."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from accounts.models import User
from notifications.dispatcher import dispatch_due
from tests.notifications.conftest import add
from tests.notifications.test_guarantees import _sent
from tests.services import celery_worker, wait_until

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _worker_backends() -> set[int]:
    """The PostgreSQL server processes of this test database's other clients (the worker's)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return {pid for (pid,) in cursor.fetchall()}


def _deliver_one(user: User) -> int:
    with transaction.atomic():
        pk = add(recipient=user).pk
    assert dispatch_due().handed_out == [pk]
    return pk


def test_a_worker_replaces_a_connection_that_the_database_closed(alice: User) -> None:
    with celery_worker():
        first = _deliver_one(alice)
        assert wait_until(lambda: _sent([first]) == 1, timeout=60), "the worker never delivered"
        kept = _worker_backends()
        assert kept, "the worker kept no connection between tasks"

        second = _deliver_one(alice)
        assert wait_until(lambda: _sent([second]) == 1, timeout=60)
        # One connection served both tasks: the worker did not open a new one per task.
        assert _worker_backends() == kept

        # The database drops the worker's connection, as a restart or a failover would.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) AS pid", [sorted(kept)])
        assert wait_until(lambda: not (_worker_backends() & kept), timeout=30)

        third = _deliver_one(alice)
        assert wait_until(lambda: _sent([third]) == 1, timeout=60), "the worker kept its dead connection"
