"""A backup of the case data restored with the current key store reads every live case and no erased one."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connections

from accounts.models import User
from cases.actions.cases import do_add_note
from cases.actions.keys import do_destroy_case_key
from cases.models import Case, Note
from keystore.models import CaseKey
from tests.cases.conftest import open_case

# Committed rows: pg_dump sees only what other sessions can see.
pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")


def _backup(what: str, directory: Path) -> Path:
    out = StringIO()
    call_command("backup", what, to=str(directory), stdout=out)
    path = Path(out.getvalue().strip())
    assert path.is_file() and path.stat().st_size > 0
    return path


def test_it_restores_the_case_data_without_the_cases_whose_key_was_destroyed(
    alice: User, carol: User, tmp_path: Path, api_as
) -> None:
    live = open_case(alice, victim_name="김민지")
    do_add_note(actor=alice, case=live, body="Called her back")
    purged = open_case(alice, victim_name="이하은", contact_phone="010-7777-1111")
    do_add_note(actor=alice, case=purged, body="Asked for erasure")
    cases_dump = _backup("cases", tmp_path / "cases")
    keys_dump = _backup("keystore", tmp_path / "keys")

    do_destroy_case_key(actor=carol, case=purged, reason="She asked for erasure")
    later = open_case(alice, victim_name="박서연")  # its key is in the store, its rows not in the dump

    call_command("restore", "cases", str(cases_dump), yes=True)

    assert set(Case.objects.values_list("pk", flat=True)) == {live.pk, purged.pk}
    assert Case.objects.get(pk=live.pk).victim_name == "김민지"
    assert Note.objects.get(case_id=live.pk).body == "Called her back"
    api = api_as(carol)
    old = api.get(f"/api/v1/cases/{purged.pk}/").json()
    assert (old["erased"], old["victim_name"], old["contact_phone"]) == (True, "", "")
    assert [n["body"] for n in api.get(f"/api/v1/cases/{purged.pk}/notes/").json()["results"]] == [""]
    assert api.get(f"/api/v1/cases/{live.pk}/").json()["victim_name"] == "김민지"
    # The key of the case created after the dump opens nothing now: an orphan, cleaned.
    call_command("clean_case_keys", older_than_minutes=0)
    assert not CaseKey.objects.filter(case_id=later.pk).exists()
    assert CaseKey.objects.filter(case_id=live.pk).exists()

    # Why the key store's backups must expire before the purge delay: an older one brings the key back.
    call_command("restore", "keystore", str(keys_dump), yes=True)
    assert Case.objects.get(pk=purged.pk).victim_name == "이하은"


def test_it_refuses_to_restore_without_being_told_twice(tmp_path: Path) -> None:
    dump = tmp_path / "cases.pgdump"
    dump.write_bytes(b"not a dump")
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", "cases", str(dump))
    with pytest.raises(CommandError):
        call_command("restore", "cases", str(dump), yes=True)
    assert connections["default"].vendor  # the database is still there and answers
    assert Case.objects.count() == 0
