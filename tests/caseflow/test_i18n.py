"""The Korean catalogue is complete and the compiled catalogue matches it."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parents[2] / "locale"
_ENTRY = re.compile(
    r'(?P<flags>(?:#,.*\n)?)(?:msgctxt (?P<ctx>".*")\n)?msgid (?P<id>(?:".*"\n)+)msgstr (?P<str>(?:".*"\n?)+)'
)


def _join(block: str) -> str:
    """The text of a possibly multi-line .po string, with its escapes undone."""
    return "".join(re.findall(r'"(.*)"', block)).encode().decode("unicode_escape").encode("latin-1").decode()


def _entries(language: str) -> list[tuple[str, str, str]]:
    return [(flags, msgid, msgstr) for flags, _context, msgid, msgstr in _entries_in_context(language)]


def _entries_in_context(language: str) -> list[tuple[str, str | None, str, str]]:
    """Each entry's flags, context (`msgctxt`, or None), msgid and msgstr."""
    text = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    return [
        (m["flags"], _join(m["ctx"]) if m["ctx"] else None, _join(m["id"]), _join(m["str"]))
        for m in _ENTRY.finditer(text)
        if _join(m["id"])
    ]


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
    stale = [
        msgid
        for _, context, msgid, msgstr in _entries_in_context(language)
        if msgstr and (compiled.pgettext(context, msgid) if context else compiled.gettext(msgid)) != msgstr
    ]
    assert stale == [], "run `make messages` to recompile the catalogue"
