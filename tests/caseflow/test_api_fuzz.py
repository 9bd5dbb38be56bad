"""The API fuzzed from its own OpenAPI schema: no operation answers with a server error, and no object of
one centre can be read (or written) by a counsellor of another."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.db import transaction
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.meta import TestPhase

from accounts.models import User
from cases.actions.cases import do_update_case
from cases.actions.guardians import do_set_guardian
from cases.actions.safety import do_add_crisis_line, do_add_oncall_shift
from cases.models import CaseEvent, CrisisLine, OnCallShift
from tests.caseflow.conftest import World

# The schema exactly as /api/schema/ serves it (test_it_fuzzes_the_schema_that_is_served holds them
# equal). Built here rather than fetched: the endpoint wants a signed-in user, and there is no database
# while pytest collects.
SCHEMA: dict[str, Any] = json.loads(
    OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True))
)
schema = schemathesis.openapi.from_dict(SCHEMA)
# The project's WSGI application (caseflow/wsgi.py without its django.setup(), which would configure
# logging again and detach tests/logscrub.py's recorder), called in process: no server, no network.
schema.app = WSGIHandler()

_PARAMETER = re.compile(r"\{(\w+)\}")
# Paths whose objects belong to no centre, and why they may be read across centres.
SHARED = {
    "/api/v1/platforms/{id}/": "the platform directory is reference data shared by every centre",
}
# The centre's rota: only its supervisors and administrators reach it (counsellors get 403, whatever
# the centre), so the one-centre-from-another check is in tests/cases/test_rota_api.py, by a supervisor.
ROTA = ("/api/v1/oncall-shifts/", "/api/v1/crisis-lines/")
OPERATIONS = [(method, path) for path, item in SCHEMA["paths"].items() for method in item]
WITH_IDS = [
    (method, path)
    for method, path in OPERATIONS
    if _PARAMETER.search(path) and path not in SHARED and not path.startswith(ROTA)
]


def _ids(path: str, world: World) -> dict[str, int]:
    """Alice's real ids for the path parameters of `path`; an unknown parameter fails the test."""
    resource = path.removeprefix("/api/v1/").split("/")[0]
    by_resource = {
        "cases": world.case.pk,
        "takedowns": world.takedown.pk,
        "platforms": world.sighting.platform_id,
        "partners": world.partner.pk,
        "referrals": world.referral.pk,
        "replies": world.reply.pk,
    }
    if path.startswith(ROTA):
        by_resource["oncall-shifts"], by_resource["crisis-lines"] = _rota_of(world)
    values: dict[str, int] = {}
    for name in _PARAMETER.findall(path):
        if name == "id" and resource in by_resource:
            values[name] = by_resource[resource]
        elif name == "sighting_id":
            values[name] = world.sighting.pk
        else:
            pytest.fail(f"no object of alice's for {{{name}}} in {path}: add one to _ids() and to World")
    return values


def _fill(path: str, world: World) -> str:
    ids = _ids(path, world)
    return _PARAMETER.sub(lambda match: str(ids[match.group(1)]), path)


@pytest.fixture
def _unthrottled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Throttles would answer most generated requests with 429 and hide what is behind them."""
    rates = dict.fromkeys(SimpleRateThrottle.THROTTLE_RATES, "100000/min")
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)


def test_it_fuzzes_the_schema_that_is_served(client_as: Callable[[User], Client], alice: User) -> None:
    response = client_as(alice).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    assert json.loads(response.content) == SCHEMA


def test_it_found_the_operations() -> None:
    assert {("get", "/api/v1/cases/{id}/"), ("post", "/api/v1/cases/"), ("post", "/api/v1/auth/token/")} <= set(
        OPERATIONS
    )
    assert {("get", "/api/v1/cases/{id}/notes/"), ("get", "/api/v1/takedowns/{id}/")} <= set(WITH_IDS)
    assert set(SHARED) <= set(SCHEMA["paths"]), "a shared path that no longer exists"


def _rota_of(world: World) -> tuple[int, int]:
    """A shift and a crisis number of alice's centre (made by _with_a_rota): their ids."""
    centre = world.case.centre_id
    shift = OnCallShift.objects.filter(centre_id=centre, removed_at__isnull=True).values_list("pk", flat=True).first()
    line = CrisisLine.objects.filter(centre_id=centre).values_list("pk", flat=True).first()
    if shift is None or line is None:
        pytest.fail("no rota of alice's centre: _with_a_rota() makes one")
    return shift, line


def _with_a_rota(carol: User) -> None:
    """Carol on call on Mondays and one crisis number for her centre (once)."""
    if not OnCallShift.objects.filter(centre_id=carol.centre_id).exists():
        do_add_oncall_shift(actor=carol, supervisor=carol, weekday=0, start_hour=9, end_hour=18)
        do_add_crisis_line(actor=carol, number="1388", label_ko="청소년 상담전화", label_en="Youth line")


def _with_a_guardian(world: World, alice: User) -> None:
    """Only a minor's case has a guardian: alice's becomes one, with her guardian recorded (once)."""
    if world.case.is_minor:
        return
    do_update_case(actor=alice, case=world.case, version=world.case.version, changes={"is_minor": True})
    do_set_guardian(actor=alice, case=world.case, version=0, details={"name": "김보호"})
    world.case.refresh_from_db()


@pytest.fixture
def send_case(
    world: World,
    alice: User,
    carol: User,
    dave: User,
    erin: User,
    token_of: Callable[[User], dict[str, str]],
    wsgi_in_transaction: None,
) -> Callable[[schemathesis.Case], None]:
    """Sends one generated case to the real WSGI application, checking each answer for a server error.

    As alice (erin, the administrator, for writes to the platform and partner directories, which only she
    may make, and for everything of the centre's rota, which counsellors do not reach),
    with the generated path parameters; then with alice's real ids, so that bodies and queries reach
    the code behind the 404; in the fuzzing phase also with those ids as dave, of another centre.
    A coverage case that varies a path parameter is sent with that value only, and one that varies
    anything else only with the real ids: its generated id would stop it at the 404.
    Each call runs in a savepoint that is rolled back, so every example meets the same data (a
    generated `revoke-all` or `transition` does not change what the next one finds).
    """
    owner, outsider, administrator = token_of(alice), token_of(dave), token_of(erin)

    def send(case: schemathesis.Case, headers: dict[str, str]) -> None:
        with transaction.atomic():
            case.call_and_validate(headers=headers, checks=[not_a_server_error])
            transaction.set_rollback(True)

    def run(case: schemathesis.Case) -> None:
        operation = case.operation
        if operation.path.endswith("/guardian/"):
            _with_a_guardian(world, alice)  # else every example stops at the 404 of an adult's case
        directory = operation.path.startswith(("/api/v1/platforms/", "/api/v1/partners/"))
        rota = operation.path.startswith(ROTA)
        if rota:
            _with_a_rota(carol)
        actor = administrator if rota or (directory and operation.method != "get") else owner
        if not operation.path_parameters:
            send(case, actor)
            return
        phase = case.meta.phase if case.meta is not None else None
        coverage = phase is not None and phase.name == TestPhase.COVERAGE
        target = getattr(phase.data, "parameter_location", None) if phase is not None else None
        varies_path = coverage and target == ParameterLocation.PATH
        if varies_path or not coverage:
            send(case, actor)
        if varies_path:
            return
        generated = case.path_parameters
        case.path_parameters = {**(generated or {}), **_ids(operation.path, world)}
        try:
            send(case, actor)
            if not coverage:
                send(case, outsider)
        finally:
            case.path_parameters = generated

    return run


@pytest.mark.usefixtures("_unthrottled")
@schema.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    # Fixtures are made once per operation on purpose; big or slow inputs are what a fuzzer is for.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
def test_it_answers_every_operation_without_a_server_error(
    case: schemathesis.Case, send_case: Callable[[schemathesis.Case], None]
) -> None:
    send_case(case)


@pytest.mark.usefixtures("platforms")
@pytest.mark.parametrize(("method", "path"), WITH_IDS)
def test_it_hides_every_object_of_one_centre_from_another(
    method: str,
    path: str,
    world: World,
    alice: User,
    dave: User,
    token_of: Callable[[User], dict[str, str]],
) -> None:
    url = _fill(path, world)
    api = APIClient()
    if path.endswith("/guardian/"):
        _with_a_guardian(world, alice)
    if method == "get":
        # The ids are real: their owner reads them.
        assert api.get(url, headers=token_of(alice)).status_code == 200
    events, version = CaseEvent.objects.count(), world.case.version
    response = api.generic(method.upper(), url, "{}", content_type="application/json", headers=token_of(dave))
    assert response.status_code == 404, f"{method.upper()} {url} as another centre: {response.status_code}"
    assert CaseEvent.objects.count() == events
    world.case.refresh_from_db()
    assert world.case.version == version


def _documented(method: str, path: str) -> set[str]:
    return {p["name"] for p in SCHEMA["paths"][path][method].get("parameters", []) if p["in"] == "query"}


def test_it_documents_only_the_parameters_an_operation_reads() -> None:
    """The case list's filters belong to the list; a case's children and the search read none of them,
    and only the operations that answer in pages document `page`."""
    paging = {"page", "page_size"}
    case_filters = _documented("get", "/api/v1/cases/") - paging
    assert {"status", "priority", "assigned_to", "is_minor", "ordering"} <= case_filters
    reads = {
        ("get", "/api/v1/cases/{id}/events/"): paging,
        ("get", "/api/v1/cases/{id}/notes/"): paging,
        ("post", "/api/v1/cases/search/"): paging,
        ("get", "/api/v1/cases/{id}/sightings/"): set(),
        ("post", "/api/v1/cases/{id}/draft-takedowns/"): set(),
    }
    for (method, path), expected in reads.items():
        assert _documented(method, path) == expected, f"{method.upper()} {path} documents {_documented(method, path)}"
