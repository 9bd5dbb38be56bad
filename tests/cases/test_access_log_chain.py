"""The access log's chain: sealed every minute into blocks per centre; editing, deleting or adding a row
of a sealed block, or deleting a block, makes verify_access_log fail and name that block; a purge
(which unlinks the case) does not."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from accounts.models import User
from cases import chain
from cases.actions.access_log import seal_access_log
from cases.actions.purge import purge_case
from cases.models import AccessBlock, AccessLog, Case, PurgeKind
from cases.tasks import seal_access_log as seal_task
from tests.cases.conftest import open_case

pytestmark = pytest.mark.django_db


def reads(client, case: Case, times: int) -> None:
    for _ in range(times):
        assert client.get(f"/cases/{case.pk}/").status_code == 200


def three_blocks(client, case: Case) -> list[AccessBlock]:
    """Three sealed blocks of the Seoul centre: reads, a minute's seal, more reads, another seal …"""
    for _ in range(3):
        reads(client, case, 2)
        assert seal_access_log() == 1
    return list(AccessBlock.objects.filter(centre_id=case.centre_id).order_by("number"))


def verify() -> str:
    out = StringIO()
    call_command("verify_access_log", stdout=out)
    return out.getvalue()


def broken_at() -> str:
    with pytest.raises(CommandError) as failure:
        verify()
    return str(failure.value)


def test_it_seals_each_centres_new_reads_into_a_chain(client_as, alice: User, dave: User, alices_case: Case) -> None:
    blocks = three_blocks(client_as(alice), alices_case)
    assert [b.number for b in blocks] == [1, 2, 3]
    assert blocks[0].previous_hash == chain.GENESIS
    assert [b.previous_hash for b in blocks[1:]] == [b.hash for b in blocks[:2]]
    assert not AccessLog.objects.filter(block__isnull=True).exists()
    daves_case = open_case(dave, victim_name="최지우")
    reads(client_as(dave), daves_case, 1)
    assert seal_task() == 1  # Busan's own chain starts at 1
    assert AccessBlock.objects.get(centre_id=dave.centre_id).number == 1
    assert seal_access_log() == 0  # nothing new: no empty block
    out = verify()
    assert f"centre {alice.centre_id}: 3 block(s) verified, head {blocks[2].hash}" in out
    assert "access log verified" in out


def test_it_names_the_block_of_an_edited_row(client_as, alice: User, bob: User, alices_case: Case) -> None:
    blocks = three_blocks(client_as(alice), alices_case)
    row = AccessLog.objects.filter(block=blocks[1]).first()
    assert row is not None
    AccessLog.objects.filter(pk=row.pk).update(user=bob)  # "it was bob who read it"
    assert f"centre {alice.centre_id}, block 2" in broken_at()


@pytest.mark.parametrize(
    "change",
    [
        {"ip_address": "10.9.9.9"},
        {"action": "list"},
        {"case_reference": "ZZZZZZZZ"},
        {"created_at_shift": 1},
    ],
)
def test_it_names_the_block_whatever_is_edited(client_as, alice: User, alices_case: Case, change: dict) -> None:
    blocks = three_blocks(client_as(alice), alices_case)
    rows = AccessLog.objects.filter(block=blocks[0])
    row = rows.first()
    assert row is not None
    if "created_at_shift" in change:
        rows.filter(pk=row.pk).update(created_at=row.created_at + timedelta(microseconds=1))
    else:
        rows.filter(pk=row.pk).update(**change)
    assert "block 1" in broken_at()


def test_it_names_the_block_of_a_deleted_row(client_as, alice: User, alices_case: Case) -> None:
    blocks = three_blocks(client_as(alice), alices_case)
    AccessLog.objects.filter(pk=AccessLog.objects.filter(block=blocks[2]).values("pk")[:1]).delete()
    assert "block 3" in broken_at()


def test_it_names_the_block_a_row_was_slipped_into(client_as, alice: User, carol: User, alices_case: Case) -> None:
    blocks = three_blocks(client_as(alice), alices_case)
    first = AccessLog.objects.filter(block=blocks[1]).order_by("id").first()
    assert first is not None
    AccessLog.objects.create(
        case=alices_case,
        case_reference=alices_case.reference,
        user=carol,
        centre_id=carol.centre_id,
        ip_address="10.0.0.1",
        created_at=first.created_at,
        block=blocks[1],
    )
    assert "block 2" in broken_at()


def test_it_names_a_deleted_block(client_as, alice: User, alices_case: Case) -> None:
    blocks = three_blocks(client_as(alice), alices_case)
    AccessLog.objects.filter(block=blocks[1]).delete()
    AccessBlock.objects.filter(pk=blocks[1].pk).delete()
    message = broken_at()
    assert "block 2" in message


def test_it_names_a_block_whose_hash_was_recomputed_without_the_next(client_as, alice: User, alices_case: Case) -> None:
    """Rewriting a row and its block's hash still breaks the link of the block after it."""
    blocks = three_blocks(client_as(alice), alices_case)
    rows = AccessLog.objects.filter(block=blocks[0])
    rows.filter(pk=rows.order_by("id").values("pk")[:1]).update(ip_address="10.9.9.9")
    digest, _count = chain.block_hash(
        centre_id=alice.centre_id, number=1, previous=chain.GENESIS, rows=rows.order_by("id").values(*chain.HASHED)
    )
    AccessBlock.objects.filter(pk=blocks[0].pk).update(hash=digest)
    assert "block 2" in broken_at()


def test_it_stays_whole_when_a_case_is_purged(client_as, api_as, alice: User, carol: User, alices_case: Case) -> None:
    three_blocks(client_as(alice), alices_case)
    purge_case(case_id=alices_case.pk, kind=PurgeKind.ERASURE, requested_by=carol, reason="She asked.")
    assert not AccessLog.objects.filter(case__isnull=False, case_reference=alices_case.reference).exists()
    assert "access log verified" in verify()
    listed = api_as(carol).get("/api/v1/access-log/").json()["results"]
    assert alices_case.display_reference in {row["case_reference"] for row in listed}


def test_it_seals_every_minute() -> None:
    entry = next(e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "cases.tasks.seal_access_log")
    assert entry["schedule"] == timedelta(minutes=1)
