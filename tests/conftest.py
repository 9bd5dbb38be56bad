"""The shared cast (STYLE.md habit 8) and clients.

alice and bob are counsellors of one centre, carol their supervisor, dave a counsellor of another
centre, and erin an administrator of the first centre (who may see no case content).

Every log record of the run is checked for victim details (tests/logscrub.py): a leak fails the run.
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
from tests import logscrub
from tests.factories import PASSWORD, CentreFactory, UserFactory, sign_in

# Each test run sends to and consumes from a queue of its own on the shared broker (tests/services.py).
celery_app.conf.task_default_queue = f"test-{uuid.uuid4().hex[:12]}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that uses the database may use both: the case data and the key store that opens it."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        fixtures = getattr(item, "fixturenames", ())
        if marker is None and not {"db", "transactional_db", "live_server"} & set(fixtures):
            continue
        kwargs = dict(marker.kwargs) if marker is not None else {}
        kwargs.setdefault("databases", "__all__")
        item.add_marker(pytest.mark.django_db(*(marker.args if marker is not None else ()), **kwargs), append=False)


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


def ensure_platforms() -> None:
    """The platform directory and letters that migrations 0003 and 0011 seed, again if a transactional test
    flushed them (pytest-django runs those tests last, but they may come first when selected)."""
    import importlib

    from django.apps import apps

    from cases.models import LetterTemplate, Platform

    seeding = importlib.import_module("cases.migrations.0003_seed_platforms_and_letters")
    if not Platform.objects.exclude(is_fallback=True).exists():
        Platform.objects.filter(is_fallback=True, sightings__isnull=True).delete()
        LetterTemplate.objects.all().delete()
        seeding.seed(apps, None)
        importlib.import_module("cases.migrations.0011_letters_quote_the_request_token").forwards(apps, None)


@pytest.fixture
def platforms(db: None) -> None:
    ensure_platforms()


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


_LOGS = pytest.StashKey[logscrub.Installed]()


def pytest_collection_finish(session: pytest.Session) -> None:
    """From here on every log record, from every logger at DEBUG, is checked for victim details.

    After collection: importing a module that calls django.setup() configures logging anew, which
    would detach the recorder (and the run would fail saying so).
    """
    session.config.stash[_LOGS] = logscrub.install(logscrub.sentinels())


def pytest_runtest_logstart(nodeid: str) -> None:
    """Names the running test in any leak the recorder finds."""
    recorder = logscrub.current()
    if recorder is not None:
        recorder.test = nodeid


def pytest_sessionfinish(session: pytest.Session) -> None:
    """A run whose logs carried a victim detail fails, whatever its tests said."""
    installed = session.config.stash.get(_LOGS, None)
    if installed is None:
        return
    attached = logscrub.uninstall(installed)
    if installed.recorder.leaks or not attached:
        installed.detached = not attached
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    installed = config.stash.get(_LOGS, None)
    if installed is None:
        return
    recorder = installed.recorder
    if installed.detached:
        terminalreporter.section("victim details in logs", red=True)
        terminalreporter.line("The log recorder was removed from the root logger during the run: logs went unchecked.")
    if recorder.leaks:
        terminalreporter.section("victim details in logs", red=True)
        for leak in recorder.leaks[:50]:
            terminalreporter.line(f"{leak.test}: {leak.needle!r} in {leak.line}")
        terminalreporter.line(f"{len(recorder.leaks)} leak(s) in {recorder.records} log records: the run fails.")
    else:
        terminalreporter.line(f"logs: {recorder.records} records checked, no victim detail")


@pytest.fixture
def log_recorder() -> logscrub.Recorder:
    """The session's log recorder (tests/logscrub.py)."""
    recorder = logscrub.current()
    assert recorder is not None, "the log recorder is not installed"
    return recorder


@pytest.fixture
def smtp(settings):
    """A real SMTP server (tests/smtp.py) that Django's default mailer sends to, for this test."""
    from tests.smtp import smtp_server

    with smtp_server() as server:
        settings.MAILERS = server.mailers()
        yield server
