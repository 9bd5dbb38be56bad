"""The shared cast (STYLE.md habit 8) and clients.

alice and bob are counsellors of one centre, carol their supervisor, dave a counsellor of another
centre, and erin an administrator of the first centre (who may see no case content).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import Centre, Role, User
from caseflow.celery import app as celery_app
from tests.factories import PASSWORD, CentreFactory, UserFactory, sign_in

# Each test run sends to and consumes from a queue of its own on the shared broker (tests/services.py).
celery_app.conf.task_default_queue = f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    """Throttle counters live in the cache; one test's requests must not count against the next.

    On the shared Redis only this run's keys go (its own KEY_PREFIX): a FLUSHDB would also wipe the
    Celery broker's queues of the same database.
    """
    from django.conf import settings

    if not settings.REDIS_URL:
        cache.clear()
        return
    client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def centre(db: None) -> Centre:
    return CentreFactory.create(name="Seoul Centre")


@pytest.fixture
def other_centre(db: None) -> Centre:
    return CentreFactory.create(name="Busan Centre")


@pytest.fixture
def alice(centre: Centre) -> User:
    return UserFactory.create(email="alice@seoul.test", full_name="Alice Kim", centre=centre, role=Role.COUNSELLOR)


@pytest.fixture
def bob(centre: Centre) -> User:
    return UserFactory.create(email="bob@seoul.test", full_name="Bob Lee", centre=centre, role=Role.COUNSELLOR)


@pytest.fixture
def carol(centre: Centre) -> User:
    return UserFactory.create(email="carol@seoul.test", full_name="Carol Park", centre=centre, role=Role.SUPERVISOR)


@pytest.fixture
def dave(other_centre: Centre) -> User:
    return UserFactory.create(email="dave@busan.test", full_name="Dave Choi", centre=other_centre, role=Role.COUNSELLOR)


@pytest.fixture
def erin(centre: Centre) -> User:
    return UserFactory.create(email="erin@seoul.test", full_name="Erin Jung", centre=centre, role=Role.ADMIN)


@pytest.fixture
def platforms(db: None) -> None:
    """The platform directory and letters that migration 0003 seeds, again if a transactional test
    flushed them (pytest-django runs those tests last, but they may come first when selected)."""
    import importlib

    from django.apps import apps

    from cases.models import Platform

    if not Platform.objects.exists():
        importlib.import_module("cases.migrations.0003_seed_platforms_and_letters").seed(apps, None)


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def api_as() -> Callable[[User], APIClient]:
    """`api_as(alice)`: an API client signed in as that user (session authentication), code entered if owed."""

    def make(user: User) -> APIClient:
        client = APIClient()
        sign_in(client, user)
        return client

    return make


@pytest.fixture
def client_as() -> Callable[[User], Client]:
    """`client_as(alice)`: a browser-like client signed in as that user, code entered if owed."""

    def make(user: User) -> Client:
        client = Client()
        sign_in(client, user)
        return client

    return make


def _missing_services(item: pytest.Item) -> list[str]:
    """What a test marked `services(needs=…)` lacks here; `needs` defaults to both."""
    from django.conf import settings
    from django.db import connection

    marker = item.get_closest_marker("services")
    if marker is None:
        return []
    needs = marker.kwargs.get("needs", ("redis", "postgresql"))
    missing = []
    if "redis" in needs and not settings.REDIS_URL:
        missing.append("REDIS_URL")
    if "postgresql" in needs and connection.vendor != "postgresql":
        missing.append("DATABASE_URL pointing at PostgreSQL")
    return missing


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Tests marked `services` need the real PostgreSQL and Redis.

    Without them they are skipped, unless CASEFLOW_REQUIRE_SERVICES=1 (CI), where a skip would hide
    exactly what CI exists to prove, so they fail instead.
    """
    missing = _missing_services(item)
    if not missing:
        return
    message = "needs " + " and ".join(missing)
    if os.environ.get("CASEFLOW_REQUIRE_SERVICES") == "1":
        pytest.fail(message + " (CASEFLOW_REQUIRE_SERVICES=1)", pytrace=False)
    pytest.skip(message)
