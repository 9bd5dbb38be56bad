"""A recorder of every log record of the test session, as the project writes it, checked for victim details.

tests/conftest.py installs it once collection is done, at DEBUG on every logger, and fails the run at
its end if any record carried a victim's name, phone, e-mail address or the address of her content
(DESIGN.md, "No victim detail in logs"). The victim details are those the tests use
(tests/cases/conftest.py and the tests' literals) and those of a victim planted through the real API
by tests/caseflow/test_log_scrubbing.py, which are found nowhere else.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass

from caseflow.logging import JsonFormatter, RedactRequestFilter

# The planted victim: values distinctive enough that finding one in a log can only be a leak.
PLANTED = {
    "victim_name": "윤누리솔",
    "contact_phone": "010-4821-7395",
    "contact_email": "nuri.canary.q7x@victim-canary.kr",
    "safe_contact_notes": "Only through her aunt, canary-notes-q7x",
    "summary": "Sextortion in a channel; canary-summary-q7x",
    "url": "https://t.me/canary_room_q7x/4821",
    "note": "Session about the channel, canary-note-q7x",
}

# What the tests write as victim details (names, phones, e-mails, addresses of content).
COMMON = [
    *("김민지", "박서연", "이하은", "최지우", "김민수", "정다은", "이서윤", "한지민", "오하늘"),
    *("010-1234-5678", "01012345678", "010-5555-0000", "010-7777-1111", "010-2222-3333", "010-9999-0000"),
    *("010-1111-2222", "010-4444-5555", "minji@example.kr", "haeun@example.kr", "jiwoo@example.kr"),
    *("other@example.kr", "new-safe@example.kr", "t.me/room/", "t.me/joinchat/abcdef123_xyz"),
    *("open.kakao.com/o/gabcdef", "mega.nz/file/abcdefgh", "discord.gg/abcdef", "x.com/u/status/"),
]


def _variants(value: str) -> set[str]:
    """The forms a value may take in a log line: as written, digits only for a phone, the canary token."""
    forms = {value.lower()}
    digits = "".join(c for c in value if c.isdigit())
    if value.startswith("010") and len(digits) == 11:
        forms |= {digits, "+82" + digits[1:], "+82 " + value[1:]}
    forms |= {word for word in value.lower().replace(",", " ").split() if "canary" in word}
    return forms


def sentinels() -> list[str]:
    needles: set[str] = set()
    for value in [*PLANTED.values(), *COMMON]:
        needles |= _variants(value)
    return sorted(needles)


@dataclass
class Leak:
    """A log line that carried a victim detail, and the test that was running."""

    test: str
    needle: str
    line: str


class Recorder(logging.Handler):
    """Formats each record as the project's stdout handler would write it, and checks the line."""

    def __init__(self, needles: list[str]) -> None:
        super().__init__(level=logging.DEBUG)
        self.needles = needles
        self.test = "(outside any test)"
        self.records = 0
        self.leaks: list[Leak] = []
        self._redact = RedactRequestFilter()
        self._format = JsonFormatter()

    def line(self, record: logging.LogRecord) -> str:
        """The JSON line the project would write for this record (on a copy: its filter changes the record)."""
        written = copy.copy(record)
        self._redact.filter(written)
        return self._format.format(written)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.line(record)
        except Exception:  # a record that cannot be formatted is still checked, by its raw parts
            line = f"{record.msg!r} {record.args!r}"
        self.records += 1
        lowered = line.lower()
        self.leaks.extend(Leak(self.test, needle, line[:800]) for needle in self.needles if needle in lowered)


@dataclass
class Installed:
    recorder: Recorder
    levels: dict[logging.Logger, int]
    handlers: dict[logging.Handler, int]
    detached: bool = False


def current() -> Recorder | None:
    """The recorder attached to the root logger, if any."""
    return next((h for h in logging.getLogger().handlers if isinstance(h, Recorder)), None)


def install(needles: list[str]) -> Installed:
    """Every logger at DEBUG into the recorder; the project's own handlers keep writing what they wrote."""
    root = logging.getLogger()
    recorder = Recorder(needles)
    handlers = {h: h.level for h in root.handlers}
    for handler in handlers:
        if handler.level == logging.NOTSET:
            handler.setLevel(root.getEffectiveLevel())
    loggers = [root, *(logging.getLogger(n) for n in list(logging.root.manager.loggerDict))]
    levels = {logger: logger.level for logger in loggers if logger.level != logging.NOTSET}
    for logger in levels:
        logger.setLevel(logging.DEBUG)
    root.setLevel(logging.DEBUG)
    root.addHandler(recorder)
    return Installed(recorder, levels, handlers)


def uninstall(installed: Installed) -> bool:
    """Puts the levels back; False if someone removed the recorder during the run."""
    root = logging.getLogger()
    attached = installed.recorder in root.handlers
    root.removeHandler(installed.recorder)
    for logger, level in installed.levels.items():
        logger.setLevel(level)
    for handler, level in installed.handlers.items():
        handler.setLevel(level)
    return attached
