"""Rotating the blind-index key: the old version is destroyed, so an old dump's hashes match nothing computable."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from accounts.models import User
from cases.actions.sightings import do_add_sightings
from cases.crypto import index_key_versions, normalise_phone, phone_index
from cases.models import Case, NameGram, Sighting
from keystore.models import IndexKey
from tests.cases.conftest import open_case

pytestmark = pytest.mark.django_db(databases="__all__")


def _dump_hashes() -> set[str]:
    """Every keyed hash a copy of the case database holds."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT name_index, email_index, phone_index, phone_last4_index FROM cases_case")
        found = {h for row in cursor.fetchall() for h in row if h}
        cursor.execute("SELECT gram FROM cases_namegram UNION SELECT url_hash FROM cases_sighting")
        return found | {row[0] for row in cursor.fetchall()}


def test_it_rotates_the_index_key_and_destroys_the_old_one(alice: User, api_as) -> None:
    case = open_case(alice, victim_name="김민지", contact_phone="010-1234-5678")
    do_add_sightings(actor=alice, case=case, lines=["https://t.me/some_room/12"])
    first_dump = _dump_hashes()  # made with CASEFLOW_INDEX_KEY (version 0)

    call_command("rebuild_search_index")
    second_dump = _dump_hashes()  # version 1
    call_command("rebuild_search_index")

    assert list(IndexKey.objects.values_list("version", flat=True)) == [2]
    assert first_dump.isdisjoint(_dump_hashes()) and second_dump.isdisjoint(_dump_hashes())
    # Every key the system can still compute with, the environment's included, misses the old hashes.
    computable = {*index_key_versions(), str(settings.CASEFLOW_INDEX_KEY).encode()}
    for key in computable:
        assert phone_index(case.centre_id, "010-1234-5678", key=key) not in second_dump
    digits = normalise_phone("010-1234-5678")
    for key in index_key_versions():
        guess = hmac.new(key, f"phone:{case.centre_id}:{digits}".encode(), hashlib.sha256).hexdigest()
        assert guess not in first_dump | second_dump
    # Search still finds her, by phone, last four digits, whole and partial name, and the place still links.
    api = api_as(alice)
    for query in ("010-1234-5678", "5678", "김민지", "민지"):
        rows = api.post("/api/v1/cases/search/", {"q": query}, format="json").json()["results"]
        assert [row["id"] for row in rows] == [case.pk], query
    assert NameGram.objects.filter(case=case).count() == 2
    assert Sighting.objects.get(case=case).url_hash in _dump_hashes()


def test_it_finds_cases_of_both_versions_while_a_rebuild_runs(alice: User, api_as) -> None:
    from keystore import index_keys

    before = open_case(alice, victim_name="김민지", contact_phone="010-1234-5678")
    index_keys.begin_rotation()  # the rebuild has started, and not reached this case yet
    after = open_case(alice, victim_name="김민수", contact_phone="010-1234-9999")
    assert Case.objects.get(pk=before.pk).phone_index != phone_index(before.centre_id, "010-1234-5678")
    api = api_as(alice)
    found = api.post("/api/v1/cases/search/", {"q": "김민"}, format="json").json()["results"]
    assert {row["id"] for row in found} == {before.pk, after.pk}
    assert [
        r["id"] for r in api.post("/api/v1/cases/search/", {"q": "010-1234-5678"}, format="json").json()["results"]
    ] == [before.pk]
