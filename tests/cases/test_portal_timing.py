"""Portal sign-in takes the same time whatever was wrong: an unknown reference, a wrong passphrase and
revoked access are measured over many tries each and compared as distributions."""

from __future__ import annotations

import statistics
import time

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from cases.actions.portal import do_issue_portal_access, do_revoke_portal_access
from cases.models import Case
from tests.cases.conftest import open_case

pytestmark = pytest.mark.django_db

TRIES = 250


def test_it_takes_the_same_time_and_queries_for_every_kind_of_failure(settings, alice: User, alices_case: Case) -> None:
    settings.PORTAL_ADDRESS_FAILURE_LIMIT = 10**6
    live = do_issue_portal_access(actor=alice, case=alices_case)
    other = open_case(alice, victim_name="박서연", contact_phone="010-5555-0000")
    revoked = do_issue_portal_access(actor=alice, case=other)
    do_revoke_portal_access(actor=alice, case=other)
    kinds = {
        "unknown": ("ZZZZ-ZZZZ", live.passphrase),
        "wrong": (live.reference, "none of these are the words"),
        "revoked": (revoked.reference, revoked.passphrase),
    }
    client = Client()
    timings: dict[str, list[float]] = {kind: [] for kind in kinds}
    queries: dict[str, set[int]] = {kind: set() for kind in kinds}
    for n in range(TRIES):
        # Interleaved, so that the machine's ups and downs fall on all three alike; a new address each
        # time, so that no pair reaches its lock.
        for kind, (reference, passphrase) in kinds.items():
            address = f"10.{n // 250}.{n % 250}.{list(kinds).index(kind) + 1}"
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.post(
                    "/portal/", {"reference": reference, "passphrase": passphrase}, REMOTE_ADDR=address
                )
                timings[kind].append(time.perf_counter() - started)
            assert response.status_code == 400
            queries[kind].add(len(captured))
    # The same work, query for query.
    assert queries["unknown"] == queries["wrong"] == queries["revoked"]
    medians = {kind: statistics.median(values) for kind, values in timings.items()}
    spreads = {kind: statistics.quantiles(values, n=4) for kind, values in timings.items()}
    slowest, fastest = max(medians.values()), min(medians.values())
    # Within a few milliseconds of each other (and a fifth of the time, on a loaded machine).
    assert slowest - fastest < max(0.003, 0.2 * fastest), (medians, spreads)
    iqr = {kind: q[2] - q[0] for kind, q in spreads.items()}
    assert max(iqr.values()) < 3 * min(iqr.values()) + 0.003, iqr
