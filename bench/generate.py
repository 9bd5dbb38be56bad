"""Fills the bench database: 5 centres, 60 staff, 100,000 cases over ten years, 500,000 notes, one event each.

    .venv/bin/python -m bench.generate [--reset] [--cases 100000] [--years 10] [--takedowns 3000000]

Staff are written through the ORM; cases, notes, events and name pieces with PostgreSQL COPY from two
processes, each filling its own range of case ids. As the app does, each case gets a data key of its
own, committed wrapped to the key store (by COPY, before the case) and sealing the case's victim
details, summary and note bodies; the blind indexes and name pieces are real keyed hashes; so the API
reads this data exactly as it reads its own, and no conversion pass (encrypt_with_case_keys) is needed.
`--cases 1000000` on a database of its own (BENCH_DATABASE_URL) makes the 1,000,000-case data set.

`--takedowns N` then replaces the sightings and takedown requests of the existing cases with N requests,
each about one sighting of its own (N sightings, N requests, N items), also by COPY from two processes.
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
from string import Template

os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"

import django

django.setup()

import psycopg  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.db.models import NOT_PROVIDED, Model  # noqa: E402
from psycopg import sql  # noqa: E402
from psycopg.conninfo import make_conninfo  # noqa: E402

from accounts.models import Centre, Role, User  # noqa: E402
from bench.sealing import exact_indexes, name_gram_indexes, new_case_key, seal  # noqa: E402
from bench.settings import BENCH_PASSWORD  # noqa: E402
from cases.crypto import url_index  # noqa: E402
from cases.models import (  # noqa: E402
    REFERENCE_ALPHABET,
    REFERENCE_LENGTH,
    Case,
    CaseEvent,
    ContentKind,
    FoundBy,
    HarmType,
    LetterTemplate,
    NameGram,
    Note,
    NoteKind,
    Platform,
    Priority,
    Sighting,
    SightingState,
    Status,
    TakedownItem,
    TakedownRequest,
    TakedownStatus,
)
from keystore import index_keys, ring  # noqa: E402
from keystore.models import CaseKey  # noqa: E402

CENTRES = 5
STAFF_PER_CENTRE = 12  # 10 or 11 counsellors and 1 or 2 supervisors: 60 in all
CHUNK = 2000  # cases per COPY transaction; even, so notes pair up to exactly 5 a case
TAKEDOWN_TABLES = ["cases_takedownitem", "cases_takedownrequest", "cases_sighting"]
# The access log with its sealed blocks and sign-offs: a block left without its rows would not verify.
CASE_TABLES = [
    *TAKEDOWN_TABLES,
    "cases_followup",
    "cases_accesslog",
    "cases_accessblock",
    "cases_accessreview",
    "cases_caseevent",
    "cases_note",
    "cases_namegram",
    "cases_case",
]
# The reports' daily summaries count what is replaced here: emptied with it, rebuilt by bench.reports.
SUMMARY_TABLES = ["cases_reportcaseday", "cases_reportplaceday", "cases_reportrequestday", "cases_reportbuild"]

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
    years: int


def _weighted(rng: random.Random, choices: list[tuple[str, int]]) -> str:
    return rng.choices([value for value, _ in choices], weights=[weight for _, weight in choices])[0]


def _victim_name(rng: random.Random, english: bool) -> str:
    if english:
        return f"{rng.choice(_ENGLISH_FIRST)} {rng.choice(_ENGLISH_LAST)}"
    return rng.choice(_SURNAMES) + rng.choice(_SYLLABLES) + rng.choice(_SYLLABLES)


# Cases come in evenly over `--years` (ten by default: the reports read a decade of history). Each is
# worked for a week plus a random time, six months on average, then closed: old cases are closed and the
# open ones recent, as in a centre that has run for years (about 5 % of the cases open at ten years).
CASE_LIFE_DAYS = (7, 180)  # the fixed part, and the mean of the exponential part
INTAKE_DAYS = 14  # a case still waiting in the intake queue was opened in the last two weeks
# Priorities (plain strings: COPY gets values, never enum members).
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
    "phone_last4_index",
    "consent_contact",
    "consent_share_with_police",
    "consent_hash_matching",
    "contact_channel",
    "created_at",
    "updated_at",
    "closed_at",
    "retention_until",
    "version",
    "has_own_key",
    "assigned_to_id",
    "centre_id",
    "created_by_id",
]
_NOTE_COLUMNS = ["case_id", "author_id", "kind", "visibility", "body", "created_at"]
_EVENT_COLUMNS = ["case_id", "actor_kind", "actor_id", "kind", "old", "new", "reason", "created_at"]
_GRAM_COLUMNS = ["case_id", "centre_id", "gram"]
_KEY_COLUMNS = ["case_id", "master_key_id", "wrapped", "created_at", "wrapped_at"]


def _fill(task: Task) -> tuple[int, int, int]:
    """Writes one range of cases with their keys, notes, `created` events and name pieces."""
    with ring.unit_of_work():  # the index keys, read from the key store once
        return _fill_range(task, index_keys.newest())


def _fill_range(task: Task, index_key: bytes) -> tuple[int, int, int]:
    rng = random.Random(task.seed)
    cases: list[tuple] = []
    notes: list[tuple] = []
    events: list[tuple] = []
    grams: list[tuple] = []
    keys: list[tuple] = []
    harm_values = [str(value) for value in HarmType.values]
    note_kinds = [str(value) for value in NoteKind.values]
    previous_phone = ""
    # Five notes a case on average, and exactly: the two cases of a pair have k and 10 - k.
    note_counts: list[int] = []
    for _pair in range(len(task.references) // 2):
        k = rng.randint(0, 10)
        note_counts += [k, 10 - k]
    for offset, reference in enumerate(task.references):
        case_id = task.first_id + offset
        staff = rng.choice(task.staff)
        age = rng.uniform(0, task.years * 365.25)
        life = CASE_LIFE_DAYS[0] + rng.expovariate(1 / CASE_LIFE_DAYS[1])
        created_at = task.now - timedelta(days=age)
        closed_at = None
        if age <= INTAKE_DAYS and rng.random() < 0.25:  # the intake queue: opened by a supervisor, unassigned
            assignee = None
            creator = rng.choice(staff.supervisors)
            status = Status.NEW.value if rng.random() < 0.8 else Status.IN_PROGRESS.value
        else:
            assignee = rng.choice(staff.counsellors) if rng.random() < 0.93 else rng.choice(staff.supervisors)
            creator = assignee
            if life < age:
                status, closed_at = Status.CLOSED.value, created_at + timedelta(days=life)
            elif age < CASE_LIFE_DAYS[0]:
                status = Status.NEW.value if rng.random() < 0.6 else Status.IN_PROGRESS.value
            else:
                status = Status.MONITORING.value if age > 30 and rng.random() < 0.4 else Status.IN_PROGRESS.value
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

        # As Case.save: a data key of its own, wrapped into the key store, that seals every value of
        # the case and of its notes.
        fernet, master_key_id, wrapped = new_case_key(case_id)
        keys.append((case_id, master_key_id, wrapped, created_at, created_at))
        end = closed_at or task.now
        times = sorted(created_at + (end - created_at) * rng.random() for _ in range(note_counts[offset]))
        for moment in times:
            author = assignee if assignee is not None and rng.random() < 0.8 else rng.choice(staff.supervisors)
            visibility = "shared" if rng.random() < 0.2 else "internal"
            body = seal(fernet, rng.choice(_NOTES))
            notes.append((case_id, author, rng.choice(note_kinds), visibility, body, moment))
        grams += [
            (case_id, staff.centre_id, gram) for gram in name_gram_indexes(staff.centre_id, victim_name, index_key)
        ]
        cases.append(
            (
                case_id,
                reference,
                status,
                priority,
                is_minor,
                json.dumps(harm_types),
                seal(fernet, " ".join(rng.sample(_SUMMARY, rng.randint(1, 3)))),
                seal(fernet, victim_name),
                seal(fernet, email),
                seal(fernet, phone),
                seal(fernet, rng.choice(_SAFE_CONTACT) if rng.random() < 0.3 else ""),
                "en" if english else "ko",
                *exact_indexes(staff.centre_id, victim_name, email, phone, index_key),
                rng.random() < 0.7,
                rng.random() < 0.3,
                rng.random() < 0.2,
                rng.choice(("none", "none", "sms", "email")),
                created_at,
                max([created_at, *times]),
                closed_at,
                None,
                _VERSION[status] + rng.choice((0, 0, 1, 2)),
                True,  # has_own_key: its values are sealed with the key above
                assignee,
                staff.centre_id,
                creator,
            )
        )
        opened = {"status": Status.NEW.value, "priority": priority, "assigned_to": assignee, "is_minor": is_minor}
        events.append((case_id, "user", creator, "created", "{}", json.dumps(opened), "", created_at))

    # The keys commit first, as Case.save commits a case's key before the case (keystore/store.py):
    # a range that fails afterwards leaves orphan keys, which open nothing (`--reset` empties them).
    with psycopg.connect(_conninfo(alias="keystore")) as conn, conn.cursor() as cursor:
        _copy_plain(cursor, CaseKey, _KEY_COLUMNS, keys)
    with psycopg.connect(_conninfo()) as conn, conn.cursor() as cursor:
        # Consistent by construction; fill_cases checks every foreign key afterwards (see _fill_takedowns).
        if _is_superuser(cursor):
            cursor.execute("SET LOCAL session_replication_role = replica")
        _copy_plain(cursor, Case, _CASE_COLUMNS, cases)
        _copy_plain(cursor, Note, _NOTE_COLUMNS, notes)
        _copy_plain(cursor, CaseEvent, _EVENT_COLUMNS, events)
        _copy_plain(cursor, NameGram, _GRAM_COLUMNS, grams)
    return len(cases), len(notes), len(events)


# --- Sightings and takedown requests ----------------------------------------------------------------

TAKEDOWN_CHUNK = 1000  # cases per COPY transaction of `--takedowns` (about 30,000 requests at 3,000,000)
LETTER_VARIANTS = 3  # distinct encrypted letters per platform and centre (see _letter_pool)

# What became of a request, by the status of its case: a closed case's requests were all answered;
# open cases still wait for some answers (sent, acknowledged, escalated) and hold a few drafts.
_ANSWERED = [
    (TakedownStatus.REMOVED.value, 70),
    (TakedownStatus.PARTIALLY_REMOVED.value, 10),
    (TakedownStatus.REFUSED.value, 20),
]
_OPEN = [(TakedownStatus.SENT.value, 55), (TakedownStatus.ACKNOWLEDGED.value, 30), (TakedownStatus.ESCALATED.value, 15)]
# (answered, open with a deadline, draft) shares by case status: about 85 %, 12 % and 3 % in all.
_TAKEDOWN_MIX = {
    Status.CLOSED.value: (1.0, 0.0, 0.0),
    Status.MONITORING.value: (0.90, 0.08, 0.02),
    Status.IN_PROGRESS.value: (0.70, 0.24, 0.06),
    Status.NEW.value: (0.40, 0.45, 0.15),
}
# Where content turns up, by platform name (the seeded directory of migration 0003); the fallback
# ("unknown site") takes the addresses on hosts no domain matches.
_PLATFORM_WEIGHTS = {
    "Telegram": 22,
    "X (Twitter)": 14,
    "Instagram": 6,
    "Facebook": 4,
    "YouTube": 3,
    "TikTok": 4,
    "Discord": 5,
    "Reddit": 4,
    "Google Search": 6,
    "Naver": 5,
    "Daum/Kakao": 4,
}
_FALLBACK_WEIGHT = 23
_UNKNOWN_HOSTS = [
    "yadong-tube.example",
    "hiddencam24.example",
    "kr-leak.example",
    "fapshare.example",
    "imgdrop.example",
    "pastebin-kr.example",
    "cdn.videohost.example",
    "bbs.anon-board.example",
    "mirror1.clipstore.example",
    "deepnude-gallery.example",
]
_SIGHTING_COLUMNS = [
    "id",
    "case_id",
    "centre_id",
    "url",
    "url_hash",
    "host",
    "platform_id",
    "found_by",
    "content_kind",
    "is_synthetic",
    "exposes_personal_info",
    "state",
    "last_checked_at",
    "removed_at",
    "created_by_id",
    "created_at",
    "version",
]
_TAKEDOWN_COLUMNS = [
    "id",
    "case_id",
    "centre_id",
    "platform_id",
    "status",
    "language",
    "subject",
    "body",
    "sent_subject",
    "sent_body",
    "channel",
    "sent_at",
    "deadline_at",
    "ticket_number",
    "acknowledged_at",
    "escalated_at",
    "closed_at",
    "created_by_id",
    "created_at",
    "version",
    "token",
    "sent_to",
    "message_id",
    "mail_state",
    "mail_attempts",
    "mail_error",
]
_ITEM_COLUMNS = ["id", "takedown_id", "sighting_id", "is_open"]


@dataclass(frozen=True)
class PlatformInfo:
    id: int
    name: str
    language: str
    channel: str
    hours: int
    domains: tuple[str, ...]  # empty for the fallback: its addresses are on _UNKNOWN_HOSTS


@dataclass(frozen=True)
class TakedownTask:
    # (id, centre_id, assigned_to_id, status, created_at, closed_at) of each case, and its request count
    cases: tuple[tuple[int, int, int | None, str, datetime, datetime | None], ...]
    requests: tuple[int, ...]
    first_id: int  # of the first request; sighting, request and item ids run together
    seed: int
    now: datetime
    platforms: tuple[PlatformInfo, ...]
    weights: tuple[int, ...]
    supervisors: dict[int, tuple[int, ...]]
    # (platform_id, centre_id) -> LETTER_VARIANTS rendered (subject, body), sealed per case when written
    letters: dict[tuple[int, int], tuple[tuple[str, str], ...]]


def _letter_pool(platforms: tuple[PlatformInfo, ...], centres: dict[int, str]) -> dict[tuple[int, int], tuple]:
    """A few real letters per platform and centre, rendered from the seeded templates.

    Encrypting a fresh letter for each of millions of rows would dominate the generator's time, so a
    case seals one of them once per platform (with its own key) and its requests to that platform
    share the ciphertext: every value is a real token of the case's key that opens to a real letter,
    but a row's letter lists example addresses, not its own sighting's, and a pooled token."""
    templates = {(t.platform_id, t.language): t for t in LetterTemplate.objects.all()}
    rng = random.Random(7)
    pool = {}
    for platform in platforms:
        template = templates.get((platform.id, platform.language)) or templates[(None, platform.language)]
        host = platform.domains[0] if platform.domains else _UNKNOWN_HOSTS[0]
        for centre_id, centre_name in centres.items():
            variants = []
            for _variant in range(LETTER_VARIANTS):
                urls = [f"https://{host}/p/{rng.randrange(10**9)}" for _ in range(rng.randint(1, 3))]
                values = {
                    "platform": platform.name,
                    "urls": "\n".join(urls),
                    "count": str(len(urls)),
                    "legal_basis": template.legal_basis,
                    "centre": centre_name,
                    "token": "TD-" + "".join(rng.choices(REFERENCE_ALPHABET, k=10)),
                    "hours": str(platform.hours),
                }
                subject = Template(template.subject).safe_substitute(values)
                body = Template(template.body).safe_substitute(values)
                variants.append((subject, body))
            pool[(platform.id, centre_id)] = tuple(variants)
    return pool


def _url(rng: random.Random, platform: PlatformInfo, sighting_id: int) -> tuple[str, str]:
    """A canonical address (as cases/canonical.py would store it) and its host; unique by the sighting id."""
    if not platform.domains:
        host = rng.choice(_UNKNOWN_HOSTS)
        return f"https://{host}/view/{sighting_id}/{rng.randrange(10**6)}.html", host
    domain = rng.choice(platform.domains)
    host = domain if rng.random() < 0.8 or domain.count(".") > 1 else f"m.{domain}"
    if domain in ("t.me", "telegram.me"):
        path = f"/c/{rng.randrange(10**9, 10**10)}/{sighting_id}"
    elif domain in ("x.com", "twitter.com"):
        path = f"/user{rng.randrange(10**5)}/status/{10**17 + sighting_id}"
    elif domain in ("youtube.com",):
        return f"https://{host}/watch?v=v{sighting_id:010d}", host
    else:
        path = f"/p/{sighting_id}{rng.choice(('', '/photo', '/video', '/'))}"
    return f"https://{host}{path}", host


def _fill_takedowns(task: TakedownTask) -> tuple[int, int, int]:
    """Writes the sightings, requests and items of one range of cases, in one transaction, sealed
    with their cases' keys (read from the key store in one query)."""
    with ring.unit_of_work() as held:
        held.load(case[0] for case in task.cases)
        return _fill_takedown_range(task, held)


def _fill_takedown_range(task: TakedownTask, held: ring.KeyRing) -> tuple[int, int, int]:
    rng = random.Random(task.seed)
    sightings: list[tuple] = []
    requests: list[tuple] = []
    items: list[tuple] = []
    next_id = task.first_id
    now = task.now
    for (case_id, centre_id, assignee, case_status, created, closed), count in zip(
        task.cases, task.requests, strict=True
    ):
        answered, open_share, _draft = _TAKEDOWN_MIX[case_status]
        fernet = held.fernet(case_id)
        if fernet is None:
            raise SystemExit(f"case {case_id} has no key in the key store: run bench.generate --reset")
        letters: dict[int, tuple[str, str]] = {}  # platform id -> this case's sealed letter to it
        end = closed or now
        staff = [assignee] if assignee is not None else list(task.supervisors[centre_id])
        for platform in rng.choices(task.platforms, weights=task.weights, k=count):
            rid = next_id
            next_id += 1
            author = staff[0] if rng.random() < 0.85 else rng.choice(task.supervisors[centre_id])
            draw = rng.random()
            hours = timedelta(hours=platform.hours)
            sent_at = deadline = acknowledged = escalated = answered_at = None
            ticket, channel, version = "", platform.channel, 2
            if draw < answered:
                status = _weighted(rng, _ANSWERED)
                # Sent at any time in the case's life (ten years ago for the oldest), answered after it.
                sent_at = created + (end - created) * rng.uniform(0.02, 0.9)
                deadline = sent_at + hours
                if rng.random() < 0.6:
                    acknowledged = sent_at + hours * rng.uniform(0.05, 0.5)
                    ticket = f"T-{rng.randrange(10**8):08d}"
                if rng.random() < 0.1 and status != TakedownStatus.PARTIALLY_REMOVED:
                    escalated = deadline + timedelta(hours=rng.uniform(1, 48))
                answered_at = min((escalated or sent_at) + hours * rng.expovariate(1.2), end)
                answered_at = max(answered_at, escalated or sent_at)
                version = 3 + (acknowledged is not None) + (escalated is not None)
            elif draw < answered + open_share:
                status = _weighted(rng, _OPEN)
                if status == TakedownStatus.ESCALATED:  # only once overdue: sent well before the deadline
                    sent_at = now - hours - timedelta(days=rng.uniform(0.5, 10))
                    escalated = sent_at + hours + timedelta(hours=rng.uniform(1, 12))
                else:  # mostly within the last few days: some past their deadline (overdue), most not yet
                    sent_at = now - timedelta(days=min(rng.expovariate(1 / 1.2), 14))
                sent_at = max(sent_at, created + timedelta(minutes=5))
                deadline = sent_at + hours
                if status == TakedownStatus.ACKNOWLEDGED or (escalated is not None and rng.random() < 0.5):
                    acknowledged = sent_at + hours * rng.uniform(0.05, 0.5)
                    ticket = f"T-{rng.randrange(10**8):08d}"
                if escalated is not None and escalated > now:
                    escalated = now
                version = 2 + (acknowledged is not None) + (escalated is not None)
            else:
                status, channel, version = TakedownStatus.DRAFT.value, "", rng.choice((1, 1, 2))
            request_created = (
                sent_at - timedelta(hours=rng.uniform(0.1, 24))
                if sent_at is not None
                else now - timedelta(days=rng.uniform(0, 3))
            )
            request_created = max(request_created, created)
            if sent_at is not None and sent_at < request_created:  # a case opened after the drawn time
                sent_at = request_created
                deadline = sent_at + hours
                if escalated is not None and escalated < deadline:
                    escalated = deadline + timedelta(hours=1)
                if status == TakedownStatus.ESCALATED and (escalated is None or escalated > now):
                    status, escalated = TakedownStatus.SENT.value, None  # not overdue yet: still waiting
            if platform.id not in letters:
                plain = rng.choice(task.letters[(platform.id, centre_id)])
                letters[platform.id] = (seal(fernet, plain[0]), seal(fernet, plain[1]))
            subject, body = letters[platform.id]
            sent = (subject, body) if sent_at is not None else ("", "")
            url, host = _url(rng, platform, rid)
            removed = status in (TakedownStatus.REMOVED, TakedownStatus.PARTIALLY_REMOVED)
            sightings.append(
                (
                    rid,
                    case_id,
                    centre_id,
                    seal(fernet, url),  # real and distinct: addresses are what a case is searched by
                    url_index(centre_id, url),
                    host,
                    platform.id,
                    _weighted(rng, [(FoundBy.COUNSELLOR.value, 60), (FoundBy.VICTIM.value, 25), ("monitoring", 15)]),
                    rng.choice(ContentKind.values),
                    rng.random() < 0.35,
                    rng.random() < 0.15,
                    SightingState.REMOVED.value if removed else SightingState.ONLINE.value,
                    answered_at or request_created,
                    answered_at if removed else None,
                    author,
                    max(created, request_created - timedelta(minutes=rng.uniform(1, 600))),
                    2 if removed else 1,  # marked removed once, by the platform's answer
                )
            )
            requests.append(
                (
                    rid,
                    case_id,
                    centre_id,
                    platform.id,
                    status,
                    platform.language,
                    subject,
                    body,
                    sent[0],
                    sent[1],
                    channel,
                    sent_at,
                    deadline,
                    ticket,
                    acknowledged,
                    escalated,
                    answered_at,
                    author,
                    request_created,
                    version,
                    f"TD-B{rid:09d}",  # unique by the request id; real tokens are random (new_letter_token)
                    "",
                    "",
                    "",
                    0,
                    "",
                )
            )
            items.append((rid, rid, rid, status not in dict(_ANSWERED)))
    with psycopg.connect(_conninfo()) as conn, conn.cursor() as cursor:
        # The rows are consistent by construction (fill_takedowns checks every foreign key afterwards):
        # without the per-row foreign-key triggers, COPY is about three times as fast. Needs a superuser,
        # as the bench's `postgres` is; anyone else gets the triggers, and the same rows, more slowly.
        if _is_superuser(cursor):
            cursor.execute("SET LOCAL session_replication_role = replica")
        # Already encrypted above (real addresses) or from the letter pool: written as they are.
        _copy_plain(cursor, Sighting, _SIGHTING_COLUMNS, sightings)
        _copy_plain(cursor, TakedownRequest, _TAKEDOWN_COLUMNS, requests)
        _copy_plain(cursor, TakedownItem, _ITEM_COLUMNS, items)
    return len(sightings), len(requests), len(items)


def _is_superuser(cursor: psycopg.Cursor[tuple[object, ...]]) -> bool:
    row = cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()
    return bool(row and row[0])


def _defaults(model: type[Model], columns: list[str]) -> tuple[list[str], tuple[object, ...]]:
    """The model's NOT NULL columns that the generator does not fill and the database has no default
    for, with the model's default: a column added by a later migration does not break the COPY."""
    names: list[str] = []
    values: list[object] = []
    for field in model._meta.concrete_fields:
        column = field.column
        if column is None or column in columns or field.null or not field.has_default():
            continue
        if field.db_default is not NOT_PROVIDED:
            continue
        value = field.get_default()
        names.append(column)
        values.append(json.dumps(value) if isinstance(value, dict | list) else value)
    return names, tuple(values)


def _copy_plain(
    cursor: psycopg.Cursor[tuple[object, ...]], model: type[Model], columns: list[str], rows: list[tuple]
) -> None:
    extra, filler = _defaults(model, columns)
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(model._meta.db_table), sql.SQL(", ").join(map(sql.Identifier, [*columns, *extra]))
    )
    with cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row((*row, *filler))


# Every foreign key of the loaded tables, checked in one pass each since COPY ran without the triggers.
_CASE_REFERENCES = [
    ("cases_case", "centre_id", "accounts_centre"),
    ("cases_case", "assigned_to_id", "accounts_user"),
    ("cases_case", "created_by_id", "accounts_user"),
    ("cases_note", "case_id", "cases_case"),
    ("cases_note", "author_id", "accounts_user"),
    ("cases_caseevent", "case_id", "cases_case"),
    ("cases_caseevent", "actor_id", "accounts_user"),
    ("cases_namegram", "case_id", "cases_case"),
]
_TAKEDOWN_REFERENCES = [
    ("cases_sighting", "case_id", "cases_case"),
    ("cases_sighting", "centre_id", "accounts_centre"),
    ("cases_sighting", "platform_id", "cases_platform"),
    ("cases_sighting", "created_by_id", "accounts_user"),
    ("cases_takedownrequest", "case_id", "cases_case"),
    ("cases_takedownrequest", "centre_id", "accounts_centre"),
    ("cases_takedownrequest", "platform_id", "cases_platform"),
    ("cases_takedownrequest", "created_by_id", "accounts_user"),
    ("cases_takedownitem", "takedown_id", "cases_takedownrequest"),
    ("cases_takedownitem", "sighting_id", "cases_sighting"),
]


def _check_references(references: list[tuple[str, str, str]], same_centre: tuple[str, ...] = ()) -> None:
    with connection.cursor() as cursor:
        for table, column, target in references:
            cursor.execute(
                f"SELECT count(*) FROM {table} t WHERE t.{column} IS NOT NULL"
                f" AND NOT EXISTS (SELECT 1 FROM {target} r WHERE r.id = t.{column})"
            )
            if missing := cursor.fetchone()[0]:
                raise SystemExit(f"{missing} rows of {table}.{column} point to no {target} row")
        # A request's or a place's centre is its case's centre (the due list and the reports rely on it).
        for table in same_centre:
            cursor.execute(
                f"SELECT count(*) FROM {table} t JOIN cases_case c ON c.id = t.case_id WHERE t.centre_id <> c.centre_id"
            )
            if wrong := cursor.fetchone()[0]:
                raise SystemExit(f"{wrong} rows of {table} have another centre than their case")


def _request_counts(total: int, cases: int, rng: random.Random) -> list[int]:
    """`total` requests over `cases` cases, spread like the notes: pairs of cases with k and 2*base - k."""
    base, extra = divmod(total, cases)
    counts: list[int] = []
    for _pair in range(cases // 2):
        k = rng.randint(0, 2 * base)
        counts += [k, 2 * base - k]
    counts += [base] * (cases - len(counts))
    for index in rng.sample(range(cases), extra):
        counts[index] += 1
    return counts


def fill_takedowns(total: int, processes: int, seed: int) -> None:
    """Replaces every sighting and takedown request with `total` of each, spread over the existing cases."""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        # CASCADE: the tables that hang off requests (letter attempts, replies, checks) go with them.
        cursor.execute(f"TRUNCATE {', '.join([*TAKEDOWN_TABLES, *SUMMARY_TABLES])} RESTART IDENTITY CASCADE")
    platforms = []
    for platform in Platform.objects.prefetch_related("domains").order_by("pk"):
        domains = tuple(sorted(d.domain for d in platform.domains.all()))
        platforms.append(
            PlatformInfo(
                platform.pk,
                platform.name,
                platform.request_language,
                platform.channel,
                platform.response_hours,
                domains,
            )
        )
    weights = tuple(_FALLBACK_WEIGHT if not p.domains else _PLATFORM_WEIGHTS.get(p.name, 2) for p in platforms)
    centres = dict(Centre.objects.values_list("id", "name"))
    supervisors: dict[int, list[int]] = {}
    for user_id, centre_id in User.objects.filter(role=Role.SUPERVISOR).values_list("id", "centre_id"):
        supervisors.setdefault(centre_id, []).append(user_id)
    cases = list(
        Case.objects.order_by("pk").values_list(
            "id", "centre_id", "assigned_to_id", "status", "created_at", "closed_at"
        )
    )
    if not cases:
        raise SystemExit("no cases: run bench.generate without --takedowns first")
    rng = random.Random(seed + 17)
    counts = _request_counts(total, len(cases), rng)
    letters = _letter_pool(tuple(platforms), centres)
    now = datetime.now(UTC)
    tasks = []
    first_id = 1
    for start in range(0, len(cases), TAKEDOWN_CHUNK):
        chunk = counts[start : start + TAKEDOWN_CHUNK]
        tasks.append(
            TakedownTask(
                cases=tuple(cases[start : start + TAKEDOWN_CHUNK]),
                requests=tuple(chunk),
                first_id=first_id,
                seed=seed * 1_000_033 + start,
                now=now,
                platforms=tuple(platforms),
                weights=weights,
                supervisors={c: tuple(ids) for c, ids in supervisors.items()},
                letters=letters,
            )
        )
        first_id += sum(chunk)
    prepared = time.perf_counter()
    connections.close_all()
    written = [0, 0, 0]
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        for done in pool.imap_unordered(_fill_takedowns, tasks):
            written = [a + b for a, b in zip(written, done, strict=True)]
    copied = time.perf_counter()
    _check_references(_TAKEDOWN_REFERENCES, ("cases_takedownrequest", "cases_sighting"))
    with connection.cursor() as cursor:
        for table in TAKEDOWN_TABLES:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT coalesce(max(id), 1) FROM {table}))"
            )
        cursor.execute(f"VACUUM ANALYZE {', '.join(TAKEDOWN_TABLES)}")
    finished = time.perf_counter()
    print(
        f"wrote {written[0]:,} sightings, {written[1]:,} takedown requests, {written[2]:,} items in "
        f"{finished - started:.1f} s (setup {prepared - started:.1f} s, encrypt+COPY {copied - prepared:.1f} s, "
        f"VACUUM ANALYZE {finished - copied:.1f} s)"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT status, count(*) FROM cases_takedownrequest GROUP BY 1 ORDER BY 2 DESC")
        mix = ", ".join(f"{status} {n:,}" for status, n in cursor.fetchall())
        cursor.execute(
            "SELECT count(*) FROM cases_takedownrequest"
            " WHERE status IN ('sent', 'acknowledged') AND deadline_at < now()"
        )
        overdue = cursor.fetchone()[0]
    print(f"statuses: {mix}; overdue now: {overdue:,}")


# --- Setup ------------------------------------------------------------------------------------------


def _conninfo(dbname: str | None = None, *, alias: str = "default") -> str:
    db = settings.DATABASES[alias]
    return make_conninfo(
        host=db["HOST"], port=db["PORT"], user=db["USER"], password=db["PASSWORD"] or None, dbname=dbname or db["NAME"]
    )


def ensure_database() -> None:
    """Creates the bench database if it does not exist yet."""
    for alias in ("default", "keystore"):
        name = str(settings.DATABASES[alias]["NAME"])
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
        for table in [
            "accounts_centre",
            "accounts_user",
            "cases_case",
            "cases_note",
            "cases_caseevent",
            "cases_namegram",
            *TAKEDOWN_TABLES,
        ]:
            cursor.execute(f"SELECT count(*) FROM {table}")
            result[table] = cursor.fetchone()[0]
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reset", action="store_true", help="empty the cases tables first")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--years", type=int, default=10, help="cases come in evenly over this many years")
    parser.add_argument(
        "--takedowns",
        type=int,
        default=0,
        help="then replace all sightings and takedown requests with this many of each (e.g. 3000000)",
    )
    args = parser.parse_args(argv)
    if args.cases % 2:
        parser.error("--cases must be even (notes come in pairs of cases averaging five)")
    if args.takedowns < 0:
        parser.error("--takedowns must not be negative")
    if args.years < 1:
        parser.error("--years must be at least 1")

    ensure_database()
    call_command("migrate", verbosity=0)
    call_command("migrate", database="keystore", verbosity=0)
    if args.reset:
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {', '.join([*CASE_TABLES, *SUMMARY_TABLES])} RESTART IDENTITY CASCADE")
        with connections["keystore"].cursor() as cursor:
            cursor.execute("TRUNCATE keystore_casekey")
        fill_cases(args)
    elif (existing := counts())["cases_case"]:
        print(f"cases already filled: {existing}; run with --reset to fill them again")
    else:
        fill_cases(args)
    if args.takedowns:
        fill_takedowns(args.takedowns, args.processes, args.seed)
    print("rows now:", ", ".join(f"{table} {n:,}" for table, n in counts().items()))
    return 0


def fill_cases(args: argparse.Namespace) -> None:
    started = time.perf_counter()
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
            years=args.years,
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
    _check_references(_CASE_REFERENCES, ("cases_namegram",))
    keys = CaseKey.objects.using("keystore").count()
    if keys != written[0]:
        raise SystemExit(f"the key store holds {keys:,} case keys for {written[0]:,} cases")
    with connection.cursor() as cursor:
        for table in ["cases_case", "cases_note", "cases_caseevent", "cases_namegram"]:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT coalesce(max(id), 1) FROM {table}))"
            )
        # A table loaded in one go has no visibility map yet; autovacuum would build it in production.
        cursor.execute("VACUUM ANALYZE")
    with connections["keystore"].cursor() as cursor:
        cursor.execute("VACUUM ANALYZE keystore_casekey")
    finished = time.perf_counter()
    print(
        f"wrote {written[0]:,} cases, {written[1]:,} notes, {written[2]:,} events in {finished - started:.1f} s "
        f"(setup {prepared - started:.1f} s, encrypt+COPY {copied - prepared:.1f} s, "
        f"checks and VACUUM ANALYZE {finished - copied:.1f} s)"
    )


if __name__ == "__main__":
    sys.exit(main())
