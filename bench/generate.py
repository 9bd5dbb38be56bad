"""Fills the bench database: 5 centres, 60 staff, 100,000 cases with 500,000 notes and one event each.

    .venv/bin/python -m bench.generate [--reset]

Staff are written through the ORM; cases, notes and events with PostgreSQL COPY from two processes,
each filling its own range of case ids. Victim details, summaries and note bodies are really encrypted
and the blind indexes are real keyed hashes, so the API reads this data exactly as it reads its own.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"

import django

django.setup()

import psycopg  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.db.models import Model  # noqa: E402
from psycopg import sql  # noqa: E402
from psycopg.conninfo import make_conninfo  # noqa: E402

from accounts.models import Centre, Role, User  # noqa: E402
from bench.settings import BENCH_PASSWORD  # noqa: E402
from cases import actions  # noqa: E402
from cases.crypto import EncryptedTextField, encrypt  # noqa: E402
from cases.models import (  # noqa: E402
    REFERENCE_ALPHABET,
    REFERENCE_LENGTH,
    Case,
    CaseEvent,
    HarmType,
    Note,
    NoteKind,
    Priority,
    Status,
)

CENTRES = 5
STAFF_PER_CENTRE = 12  # 10 or 11 counsellors and 1 or 2 supervisors: 60 in all
CHUNK = 2000  # cases per COPY transaction; even, so notes pair up to exactly 5 a case
CASE_TABLES = ["cases_accesslog", "cases_caseevent", "cases_note", "cases_case"]

# --- Plausible content ------------------------------------------------------------------------------

_SURNAMES = "김이박최정강조윤장임한오서신권황안송류홍"
_SYLLABLES = "민서지현수영하은준우예진도윤채원유나시연주아성호다혜경"
_ENGLISH_FIRST = ["Alex", "Sam", "Jordan", "Taylor", "Morgan", "Casey", "Riley", "Jamie", "Avery", "Quinn"]
_ENGLISH_LAST = ["Kim", "Lee", "Park", "Smith", "Brown", "Garcia", "Nguyen", "Wilson", "Clark", "Lopez"]
_SUMMARY = [
    "합성 이미지가 텔레그램 방에 유포되었다는 신고.",
    "전 연인이 촬영한 영상이 성인 사이트에 게시됨.",
    "SNS 계정으로 협박 메시지를 받고 있음.",
    "Deepfake images shared in a group chat at school.",
    "개인정보와 함께 사진이 검색 결과에 노출됨.",
    "Video reposted on three adult sites after a takedown.",
    "가해자가 금전을 요구하며 유포를 예고함.",
    "피해자가 직접 발견한 게시물 링크 12건을 전달함.",
]
_NOTES = [
    "전화 상담: 현재 상황과 심리 상태를 확인하고 삭제 지원 절차를 안내함.",
    "플랫폼 신고 결과 공유. 두 건은 삭제 완료, 한 건은 답변 대기.",
    "Counselling session: talked through the police report and what to expect.",
    "피해자가 추가로 발견한 URL 3건을 접수하고 모니터링 목록에 추가함.",
    "Called back as agreed; victim prefers text messages after 6 pm.",
    "법률 지원 기관 연계에 동의함. 다음 주 상담 일정 확정.",
    "검색엔진 삭제 요청서 작성 지원. 증거 자료 보관 방법 안내.",
    "Message: the site answered that the content has been removed.",
]
_ROLE_NAMES = {Role.COUNSELLOR: "Counsellor", Role.SUPERVISOR: "Supervisor"}
_SAFE_CONTACT = ["평일 오후 6시 이후 문자만", "Only by e-mail", "가족이 전화를 받을 수 있음: 이름을 밝히지 말 것"]


@dataclass(frozen=True)
class CentreStaff:
    centre_id: int
    counsellors: tuple[int, ...]
    supervisors: tuple[int, ...]


@dataclass(frozen=True)
class Task:
    first_id: int
    references: tuple[str, ...]
    seed: int
    staff: tuple[CentreStaff, ...]
    now: datetime


def _weighted(rng: random.Random, choices: list[tuple[str, int]]) -> str:
    return rng.choices([value for value, _ in choices], weights=[weight for _, weight in choices])[0]


def _victim_name(rng: random.Random, english: bool) -> str:
    if english:
        return f"{rng.choice(_ENGLISH_FIRST)} {rng.choice(_ENGLISH_LAST)}"
    return rng.choice(_SURNAMES) + rng.choice(_SYLLABLES) + rng.choice(_SYLLABLES)


# How old a case of each status is, in days: new cases are recent, closed ones from any time in two years.
_AGE_DAYS = {
    Status.NEW.value: (0, 30),
    Status.IN_PROGRESS.value: (0, 365),
    Status.MONITORING.value: (30, 540),
    Status.CLOSED.value: (60, 730),
}
# Statuses of assigned cases, and priorities (plain strings: COPY gets values, never enum members).
_STATUS_WEIGHTS = [
    (Status.NEW.value, 5),
    (Status.IN_PROGRESS.value, 35),
    (Status.MONITORING.value, 20),
    (Status.CLOSED.value, 40),
]
_PRIORITY_WEIGHTS = [
    (Priority.LOW.value, 15),
    (Priority.NORMAL.value, 55),
    (Priority.HIGH.value, 22),
    (Priority.URGENT.value, 8),
]
_VERSION = {Status.NEW.value: 1, Status.IN_PROGRESS.value: 2, Status.MONITORING.value: 3, Status.CLOSED.value: 4}
_CASE_COLUMNS = [
    "id",
    "reference",
    "status",
    "priority",
    "is_minor",
    "harm_types",
    "summary",
    "victim_name",
    "contact_email",
    "contact_phone",
    "safe_contact_notes",
    "preferred_language",
    "name_index",
    "email_index",
    "phone_index",
    "consent_contact",
    "consent_share_with_police",
    "consent_hash_matching",
    "contact_channel",
    "created_at",
    "updated_at",
    "closed_at",
    "retention_until",
    "version",
    "assigned_to_id",
    "centre_id",
    "created_by_id",
]
_NOTE_COLUMNS = ["case_id", "author_id", "kind", "visibility", "body", "created_at"]
_EVENT_COLUMNS = ["case_id", "actor_kind", "actor_id", "kind", "old", "new", "reason", "created_at"]


def _copy(
    cursor: psycopg.Cursor[tuple[object, ...]], model: type[Model], columns: list[str], rows: list[tuple]
) -> None:
    """COPY the rows in, encrypting the columns the model encrypts, as EncryptedTextField would on save."""
    secret = {i for i, column in enumerate(columns) if column in _encrypted_columns(model)}
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(model._meta.db_table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    with cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([encrypt(value) if i in secret else value for i, value in enumerate(row)])


def _encrypted_columns(model: type[Model]) -> set[str | None]:
    return {field.column for field in model._meta.concrete_fields if isinstance(field, EncryptedTextField)}


def _blind_indexes(scratch: Case, centre_id: int, name: str, email: str, phone: str) -> tuple[str, str, str]:
    """The keyed hashes exactly as cases/actions.py computes them when a case is opened (on an unsaved case)."""
    scratch.centre_id, scratch.victim_name, scratch.contact_email, scratch.contact_phone = centre_id, name, email, phone
    actions._refresh_indexes(scratch)
    return scratch.name_index, scratch.email_index, scratch.phone_index


def _fill(task: Task) -> tuple[int, int, int]:
    """Writes one range of cases with their notes and `created` events, in one transaction."""
    rng = random.Random(task.seed)
    cases: list[tuple] = []
    notes: list[tuple] = []
    events: list[tuple] = []
    harm_values = [str(value) for value in HarmType.values]
    note_kinds = [str(value) for value in NoteKind.values]
    previous_phone = ""
    scratch = Case()
    # Five notes a case on average, and exactly: the two cases of a pair have k and 10 - k.
    note_counts: list[int] = []
    for _pair in range(len(task.references) // 2):
        k = rng.randint(0, 10)
        note_counts += [k, 10 - k]
    for offset, reference in enumerate(task.references):
        case_id = task.first_id + offset
        staff = rng.choice(task.staff)
        if rng.random() < 0.08:  # the intake queue: opened by a supervisor, nobody assigned yet
            assignee = None
            creator = rng.choice(staff.supervisors)
            status = Status.NEW.value if rng.random() < 0.8 else Status.IN_PROGRESS.value
        else:
            assignee = rng.choice(staff.counsellors) if rng.random() < 0.93 else rng.choice(staff.supervisors)
            creator = assignee
            status = _weighted(rng, _STATUS_WEIGHTS)
        low, high = _AGE_DAYS[status]
        created_at = task.now - timedelta(days=rng.uniform(low, high))
        closed_at = None
        if status == Status.CLOSED.value:
            closed_at = created_at + (task.now - created_at) * rng.uniform(0.3, 0.95)
        english = rng.random() < 0.15
        victim_name = _victim_name(rng, english)
        email = f"v{case_id}.{rng.randrange(10**6)}@example.org" if rng.random() < 0.7 else ""
        if previous_phone and rng.random() < 0.03:  # the same person, back with a new report
            phone = previous_phone
        else:
            phone = f"010-{rng.randrange(10**4):04d}-{rng.randrange(10**4):04d}" if rng.random() < 0.85 else ""
        previous_phone = phone or previous_phone
        priority = _weighted(rng, _PRIORITY_WEIGHTS)
        is_minor = rng.random() < 0.12
        harm_types = sorted(rng.sample(harm_values, rng.choice((1, 1, 2))))

        end = closed_at or task.now
        times = sorted(created_at + (end - created_at) * rng.random() for _ in range(note_counts[offset]))
        for moment in times:
            author = assignee if assignee is not None and rng.random() < 0.8 else rng.choice(staff.supervisors)
            visibility = "shared" if rng.random() < 0.2 else "internal"
            notes.append((case_id, author, rng.choice(note_kinds), visibility, rng.choice(_NOTES), moment))
        cases.append(
            (
                case_id,
                reference,
                status,
                priority,
                is_minor,
                json.dumps(harm_types),
                " ".join(rng.sample(_SUMMARY, rng.randint(1, 3))),
                victim_name,
                email,
                phone,
                rng.choice(_SAFE_CONTACT) if rng.random() < 0.3 else "",
                "en" if english else "ko",
                *_blind_indexes(scratch, staff.centre_id, victim_name, email, phone),
                rng.random() < 0.7,
                rng.random() < 0.3,
                rng.random() < 0.2,
                rng.choice(("none", "none", "sms", "email")),
                created_at,
                max([created_at, *times]),
                closed_at,
                None,
                _VERSION[status] + rng.choice((0, 0, 1, 2)),
                assignee,
                staff.centre_id,
                creator,
            )
        )
        opened = {"status": Status.NEW.value, "priority": priority, "assigned_to": assignee, "is_minor": is_minor}
        events.append((case_id, "user", creator, "created", "{}", json.dumps(opened), "", created_at))

    with psycopg.connect(_conninfo()) as conn, conn.cursor() as cursor:
        _copy(cursor, Case, _CASE_COLUMNS, cases)
        _copy(cursor, Note, _NOTE_COLUMNS, notes)
        _copy(cursor, CaseEvent, _EVENT_COLUMNS, events)
    return len(cases), len(notes), len(events)


# --- Setup ------------------------------------------------------------------------------------------


def _conninfo(dbname: str | None = None) -> str:
    db = settings.DATABASES["default"]
    return make_conninfo(
        host=db["HOST"], port=db["PORT"], user=db["USER"], password=db["PASSWORD"] or None, dbname=dbname or db["NAME"]
    )


def ensure_database() -> None:
    """Creates the bench database if it does not exist yet."""
    name = str(settings.DATABASES["default"]["NAME"])
    if "bench" not in name:
        raise SystemExit(f"Refusing to fill {name!r}: the bench database's name must contain 'bench'.")
    with psycopg.connect(_conninfo("postgres"), autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")


def ensure_staff() -> tuple[CentreStaff, ...]:
    """Five centres with 12 staff each, all with the bench password; updated in place if they exist."""
    password = make_password(BENCH_PASSWORD)  # Argon2 once, the same hash for all 60
    result = []
    for c in range(1, CENTRES + 1):
        centre, _ = Centre.objects.get_or_create(name=f"Bench centre {c}")
        supervisors = 2 if c % 2 else 1
        ids: dict[str, list[int]] = {Role.COUNSELLOR: [], Role.SUPERVISOR: []}
        for role, count in ((Role.COUNSELLOR, STAFF_PER_CENTRE - supervisors), (Role.SUPERVISOR, supervisors)):
            for n in range(1, count + 1):
                user, _ = User.objects.update_or_create(
                    email=f"{role}{n}@centre{c}.bench",
                    defaults={
                        "full_name": f"{_ROLE_NAMES[role]} {n}, centre {c}",
                        "centre": centre,
                        "role": role,
                        "is_active": True,
                        "password": password,
                    },
                )
                ids[role].append(user.pk)
        result.append(CentreStaff(centre.pk, tuple(ids[Role.COUNSELLOR]), tuple(ids[Role.SUPERVISOR])))
    return tuple(result)


def unique_references(count: int, rng: random.Random) -> list[str]:
    seen: set[str] = set()
    while len(seen) < count:
        seen.add("".join(rng.choices(REFERENCE_ALPHABET, k=REFERENCE_LENGTH)))
    return sorted(seen, key=lambda _: rng.random())


def counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        result = {}
        for table in ["accounts_centre", "accounts_user", "cases_case", "cases_note", "cases_caseevent"]:
            cursor.execute(f"SELECT count(*) FROM {table}")
            result[table] = cursor.fetchone()[0]
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reset", action="store_true", help="empty the cases tables first")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    if args.cases % 2:
        parser.error("--cases must be even (notes come in pairs of cases averaging five)")

    started = time.perf_counter()
    ensure_database()
    call_command("migrate", verbosity=0)
    if args.reset:
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {', '.join(CASE_TABLES)} RESTART IDENTITY CASCADE")
    elif (existing := counts())["cases_case"]:
        print(f"already filled: {existing}; run with --reset to fill again")
        return 0
    staff = ensure_staff()
    rng = random.Random(args.seed)
    references = unique_references(args.cases, rng)
    now = datetime.now(UTC)
    tasks = [
        Task(
            first_id=start + 1,
            references=tuple(references[start : start + CHUNK]),
            seed=args.seed * 1_000_003 + start,
            staff=staff,
            now=now,
        )
        for start in range(0, args.cases, CHUNK)
    ]
    prepared = time.perf_counter()
    # The children open their own connections; none may inherit this one.
    connections.close_all()
    with multiprocessing.get_context("fork").Pool(args.processes) as pool:
        written = [0, 0, 0]
        for done in pool.imap_unordered(_fill, tasks):
            written = [a + b for a, b in zip(written, done, strict=True)]
    copied = time.perf_counter()
    with connection.cursor() as cursor:
        for table in ["cases_case", "cases_note", "cases_caseevent"]:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT coalesce(max(id), 1) FROM {table}))"
            )
        # A table loaded in one go has no visibility map yet; autovacuum would build it in production.
        cursor.execute("VACUUM ANALYZE")
    finished = time.perf_counter()
    print(
        f"wrote {written[0]:,} cases, {written[1]:,} notes, {written[2]:,} events in {finished - started:.1f} s "
        f"(setup {prepared - started:.1f} s, encrypt+COPY {copied - prepared:.1f} s, "
        f"VACUUM ANALYZE {finished - copied:.1f} s)"
    )
    print("rows now:", ", ".join(f"{table} {n:,}" for table, n in counts().items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
