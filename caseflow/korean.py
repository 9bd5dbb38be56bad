"""Korean particles chosen by the word before them, at run time.

A Korean particle depends on whether the word before it ends in a consonant: 사건이 / 요청이, but
서류가; 종결로 (ㄹ) / 진행 중으로 / 모니터링으로 / 삭제됨으로. When that word is a value (a status, a
case reference, a name), a translation cannot know it, so a Korean msgstr writes both forms in braces
after the placeholder, `%(status)s{으로/로}`, and the code that formats the message passes it through
`with_particles()`, which keeps the right one. `(으)로` and `이(가)` never reach a reader.

Latin letters and digits are read as Koreans say them: "3XPA" ends in 에이 (no final consonant),
"K7QL" in 엘 (ㄹ), "2026" in 육 (ㄱ), so references and codes get the particle a person would say.
"""

from __future__ import annotations

import re

_HANGUL_FIRST, _HANGUL_LAST = 0xAC00, 0xD7A3
_RIEUL = 8  # the index of ㄹ among final consonants (jongseong)

# The Korean reading of each Latin letter and digit, by its final consonant: None (none), "ㄹ" or "other".
_LATIN_FINALS: dict[str, str | None] = {
    # 에이 비 씨 디 이 에프 지 에이치 아이 제이 케이 엘 엠 엔 오 피 큐 알 에스 티 유 브이 더블유 엑스 와이 제트
    **dict.fromkeys("ABCDEFGHIJKOPQSTUVWXYZ", None),
    "L": "ㄹ",
    "R": "ㄹ",
    "M": "other",
    "N": "other",
    # 영 일 이 삼 사 오 육 칠 팔 구
    "0": "other",
    "1": "ㄹ",
    "2": None,
    "3": "other",
    "4": None,
    "5": None,
    "6": "other",
    "7": "ㄹ",
    "8": "ㄹ",
    "9": None,
}
# What may stand between the word and its particle: closing quotes and brackets, spaces are not.
_CLOSERS = "”’\"')]」』》〉"
# A pair written in a msgstr: the form after a final consonant first, then the form after a vowel.
PAIRS = {
    "이/가": ("이", "가"),
    "을/를": ("을", "를"),
    "은/는": ("은", "는"),
    "과/와": ("과", "와"),
    "으로/로": ("으로", "로"),
    "이라/라": ("이라", "라"),
    "이나/나": ("이나", "나"),
}
_MARKER = re.compile(r"\{(" + "|".join(re.escape(pair) for pair in PAIRS) + r")\}")


def final_consonant(word: str) -> str | None:
    """The final consonant the word ends with as it is read: None (a vowel), "ㄹ", or "other"; None for
    an empty word or one that ends in something unreadable (then the vowel form is used)."""
    stripped = word.rstrip(_CLOSERS)
    if not stripped:
        return None
    last = stripped[-1]
    code = ord(last)
    if _HANGUL_FIRST <= code <= _HANGUL_LAST:
        final = (code - _HANGUL_FIRST) % 28
        if final == 0:
            return None
        return "ㄹ" if final == _RIEUL else "other"
    return _LATIN_FINALS.get(last.upper())


def particle(word: str, pair: str) -> str:
    """The particle of `pair` ("이/가", "으로/로", …) that follows `word`: 사건 → 이, 서류 → 가, 종결 → 로."""
    after_consonant, after_vowel = PAIRS[pair]
    final = final_consonant(word)
    if pair == "으로/로":
        # ㄹ takes 로 like a vowel: 종결로, 서울로.
        return after_consonant if final == "other" else after_vowel
    return after_vowel if final is None else after_consonant


def with_particles(text: str) -> str:
    """The text with every `{이/가}`-style marker replaced by the particle that suits the word before it."""
    return _MARKER.sub(lambda match: particle(text[: match.start()], match.group(1)), text)
