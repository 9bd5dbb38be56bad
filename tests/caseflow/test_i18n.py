"""The Korean catalogue is complete and the compiled catalogue matches it."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parents[2] / "locale"
_ENTRY = re.compile(
    r'(?P<flags>(?:#,.*\n)?)(?:msgctxt "(?P<ctx>.*)"\n)?msgid (?P<id>(?:".*"\n)+)msgstr (?P<str>(?:".*"\n?)+)'
)


def _join(block: str) -> str:
    """The text of a possibly multi-line .po string, with its escapes undone."""
    return "".join(re.findall(r'"(.*)"', block)).encode().decode("unicode_escape").encode("latin-1").decode()


def _entries(language: str) -> list[tuple[str, str, str]]:
    text = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    return [(m["flags"], _join(m["id"]), _join(m["str"])) for m in _ENTRY.finditer(text) if _join(m["id"])]


def test_it_translates_every_string_into_korean() -> None:
    entries = _entries("ko")
    assert len(entries) > 30
    untranslated = [msgid for _, msgid, msgstr in entries if not msgstr]
    fuzzy = [msgid for flags, msgid, _ in entries if "fuzzy" in flags]
    assert untranslated == []
    assert fuzzy == []


@pytest.mark.parametrize("language", ["ko", "en"])
def test_it_ships_a_compiled_catalogue_that_matches_the_source(language: str) -> None:
    compiled = gettext.GNUTranslations((LOCALE / language / "LC_MESSAGES" / "django.mo").open("rb"))
    text = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    # A string with a context ("From" of the access log, "From" of a letter) is looked up in its context.
    entries = [(m["ctx"], _join(m["id"]), _join(m["str"])) for m in _ENTRY.finditer(text) if _join(m["id"])]
    stale = [
        msgid
        for ctx, msgid, msgstr in entries
        if msgstr and (compiled.pgettext(ctx, msgid) if ctx else compiled.gettext(msgid)) != msgstr
    ]
    assert stale == [], "run `make messages` to recompile the catalogue"
