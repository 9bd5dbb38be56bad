"""Korean particles follow the word before them: by its final consonant, and for Latin letters and digits
by how they are read aloud; over HTTP, the messages a counsellor reads carry the right ones."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from accounts.models import User
from caseflow.korean import PAIRS, final_consonant, particle, with_particles
from cases.models import Case
from tests.caseflow.test_i18n import _entries


@pytest.mark.parametrize(
    ("word", "pair", "expected"),
    [
        ("사건", "이/가", "이"),
        ("서류", "이/가", "가"),
        ("진행 중", "으로/로", "으로"),
        ("삭제됨", "으로/로", "으로"),
        ("모니터링", "으로/로", "으로"),
        ("종결", "으로/로", "로"),  # ㄹ takes 로
        ("접수", "으로/로", "로"),
        ("“진행 중”", "으로/로", "으로"),  # a closing quote is skipped
        ("김민지", "을/를", "를"),
        ("박준", "을/를", "을"),
        ("요청", "은/는", "은"),
        ("센터", "과/와", "와"),
        # Latin letters and digits as Koreans read them
        ("K7QM-3XPA", "이/가", "가"),  # 에이
        ("K7QM-3XPL", "이/가", "이"),  # 엘
        ("K7QM-3XPL", "으로/로", "로"),  # 엘로
        ("K7QM-3XPM", "으로/로", "으로"),  # 엠으로
        ("k7qm-3xpn", "이/가", "이"),  # 엔, lower case too
        ("2026", "이/가", "이"),  # 육
        ("2027", "으로/로", "로"),  # 칠로
        ("2029", "을/를", "를"),  # 구
        ("TD-7F3K9Q2XW3", "은/는", "은"),  # 삼
        ("", "이/가", "가"),
        ("Ω", "이/가", "가"),  # unreadable: the vowel form
    ],
)
def test_it_chooses_the_particle_by_the_last_sound(word: str, pair: str, expected: str) -> None:
    assert particle(word, pair) == expected


def test_it_reads_every_hangul_syllable_by_its_final_consonant() -> None:
    # 가 (no final), 각 (ㄱ), 갈 (ㄹ): the three kinds of ending, across the whole Hangul block.
    assert final_consonant("가") is None
    assert final_consonant("각") == "other"
    assert final_consonant("갈") == "ㄹ"
    assert final_consonant("힣") == "other"
    assert final_consonant("하") is None


def test_it_replaces_each_marker_by_the_word_before_it() -> None:
    text = "“진행 중”{으로/로} 바꾸고 “종결”{으로/로} 옮긴 사건 K7QM-3XPL{이/가} 있고 K7QM-3XPA{이/가} 있다"
    assert with_particles(text) == "“진행 중”으로 바꾸고 “종결”로 옮긴 사건 K7QM-3XPL이 있고 K7QM-3XPA가 있다"
    assert with_particles("Status changed to closed.") == "Status changed to closed."
    assert with_particles("{없는/짝}") == "{없는/짝}"  # not a known pair: left as written


def test_it_leaves_no_particle_to_the_reader_in_the_catalogues() -> None:
    """No `(으)로`, `이(가)`, `와(과)` in a Korean text; every braced pair is one the helper knows."""
    for language_entries in (_entries("ko"),):
        for _flags, msgid, msgstr in language_entries:
            assert not re.search(r"\((으|이|을|은|과|와|가|를|는|로)\)|이\(가\)|와\(과\)", msgstr), msgid
            for pair in re.findall(r"\{([^{}]*/[^{}]*)\}", msgstr):
                assert pair in PAIRS, (msgid, pair)


@pytest.mark.django_db
def test_it_says_which_case_was_opened_with_the_right_particle(alice: User, client_as) -> None:
    client: Client = client_as(alice)
    response = client.post(
        "/cases/new/",
        {"victim_name": "김민지", "preferred_language": "ko", "priority": "normal", "summary": "합성 이미지"},
        HTTP_ACCEPT_LANGUAGE="ko",
        follow=True,
    )
    assert response.status_code == 200
    case = Case.objects.get(created_by=alice)
    reference = case.display_reference
    expected = f"사건 {reference}{particle(reference, '이/가')} 접수되었습니다."
    assert expected in response.content.decode()
    assert "이(가)" not in response.content.decode()


@pytest.mark.django_db
def test_it_names_the_new_status_with_the_right_particle(alice: User, client_as) -> None:
    client: Client = client_as(alice)
    client.post("/cases/new/", {"victim_name": "이서연", "preferred_language": "ko", "priority": "normal"})
    case = Case.objects.get(created_by=alice)
    response = client.post(
        f"/cases/{case.pk}/transition/",
        {"status": "in_progress", "version": case.version},
        HTTP_ACCEPT_LANGUAGE="ko",
        follow=True,
    )
    assert "상태가 진행 중으로 바뀌었습니다." in response.content.decode()


@pytest.mark.django_db
def test_it_refuses_an_illegal_move_in_korean_with_the_right_particle(alice: User, api_as) -> None:
    client = api_as(alice)
    created = client.post("/api/v1/cases/", {"victim_name": "최지우"}, format="json")
    assert created.status_code == 201
    case = created.json()
    response = client.post(
        f"/api/v1/cases/{case['id']}/transition/",
        {"status": "closed", "version": case["version"]},
        format="json",
        HTTP_ACCEPT_LANGUAGE="ko",
    )
    assert response.status_code == 400
    text = str(response.json())
    # The states by their codes, which API clients send (DESIGN: the message names both); the particle
    # follows the code as it is read: closed ends in 디, so 로.
    assert "“new”에서 “closed”로 바꿀 수 없습니다" in text, text
    assert "(으)로" not in text


@pytest.mark.django_db
def test_it_shows_quiet_hours_as_one_range(alice: User, client_as) -> None:
    from datetime import time

    from tests.cases.conftest import open_case

    case = open_case(alice, quiet_start=time(22, 0), quiet_end=time(8, 0))
    page = client_as(alice).get(f"/cases/{case.pk}/", HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "<dt>연락 금지 시간</dt><dd>22:00–08:00</dd>" in page
