"""The accounts app's own catalogue (accounts/locale) is complete in Korean and compiled."""

from __future__ import annotations

import gettext
from pathlib import Path

import pytest
from django.test import Client

from tests.accounts.test_lockout import in_the_middle_of_a_window
from tests.caseflow.test_i18n import _ENTRY, _join  # the same reading of .po files as the project catalogue's

LOCALE = Path(__file__).resolve().parents[2] / "accounts" / "locale"


def _entries(language: str) -> list[tuple[str, str, str]]:
    text = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    return [(m["flags"], _join(m["id"]), _join(m["str"])) for m in _ENTRY.finditer(text) if _join(m["id"])]


def test_it_translates_every_accounts_string_into_korean() -> None:
    entries = _entries("ko")
    assert len(entries) > 20
    assert [msgid for _, msgid, msgstr in entries if not msgstr] == []
    assert [msgid for flags, msgid, _ in entries if "fuzzy" in flags] == []


@pytest.mark.parametrize("language", ["ko", "en"])
def test_it_ships_a_compiled_accounts_catalogue_that_matches_the_source(language: str) -> None:
    compiled = gettext.GNUTranslations((LOCALE / language / "LC_MESSAGES" / "django.mo").open("rb"))
    stale = [msgid for _, msgid, msgstr in _entries(language) if msgstr and compiled.gettext(msgid) != msgstr]
    assert stale == [], "run `make messages` to recompile the catalogue"


@pytest.mark.django_db
def test_it_shows_the_address_pause_in_korean(settings, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.SIGNIN_ADDRESS_FAILURE_LIMIT = 1
    in_the_middle_of_a_window(monkeypatch)
    client = Client(headers={"accept-language": "ko"})
    client.post("/accounts/login/", {"username": "nobody@seoul.test", "password": "x"})
    page = client.post("/accounts/login/", {"username": "nobody@seoul.test", "password": "x"})
    assert page.status_code == 429
    assert "이 주소에서 로그인 실패가 너무 많았습니다" in page.content.decode()
