"""Everyday Korean text helpers built on :mod:`hangul_rnn.jamo`: 받침, particle allomorphs, "is it Hangul".

Korean particles change shape with the sound before them (사과**를**, 책**을**; 물**로**, 밥**으로**), so code that
builds Korean sentences from data ("{name}이/가 …") needs to know whether a word ends in a final consonant (받침)
when read aloud. For Hangul that is the last syllable's tail. For digits and capital letters it is the tail of
their Korean reading, where that reading is fixed: numbers are read in Sino-Korean (3 → 삼, 10 → 십, 1,000 →
천), capital-letter acronyms letter by letter (PC → 피씨, KBS → 케이비에스). Anything else (English words, R
read 아르 or 알, symbols) raises ValueError rather than guessing, because a wrong particle is worse than an error.
"""

from __future__ import annotations

import re
import unicodedata

from hangul_rnn import jamo as J
from hangul_rnn.jamo_forms import split_jamo

__all__ = ["PARTICLES", "attach_particle", "final_consonant", "has_batchim", "is_all_hangul"]

# Closing marks a particle follows without reading them: "사과"를, (책)을.
_CLOSERS = ")]}>\"'»›」』》〉】〕”’"
# The tail of each digit's Sino-Korean reading: 영 일 이 삼 사 오 육 칠 팔 구.
_DIGIT_TAIL = ("ㅇ", "ㄹ", "", "ㅁ", "", "", "ㄱ", "ㄹ", "ㄹ", "")
# A number ending in k zeros ends in the unit for 10^k: 십 백 천, then 만 억 조 경 해 each cover four powers.
_ZEROS_TAIL = {1: "ㅂ", 2: "ㄱ", 3: "ㄴ", **dict.fromkeys(range(4, 8), "ㄴ"), **dict.fromkeys(range(8, 12), "ㄱ"),
               **dict.fromkeys(range(12, 16), ""), **dict.fromkeys(range(16, 20), "ㅇ"),
               **dict.fromkeys(range(20, 24), "")}
# English letter names as Korean reads them (에이 비 씨 … 엘 엠 엔 …); R (아르 or 알) has no single reading.
_LETTER_TAIL = {**dict.fromkeys("ABCDEFGHIJKOPQSTUVWXYZ", ""), "L": "ㄹ", "M": "ㅁ", "N": "ㄴ"}

PARTICLES: dict[str, tuple[str, str]] = {
    "은/는": ("은", "는"),
    "이/가": ("이", "가"),
    "을/를": ("을", "를"),
    "과/와": ("과", "와"),
    "아/야": ("아", "야"),
    "이나/나": ("이나", "나"),
    "이랑/랑": ("이랑", "랑"),
    "이며/며": ("이며", "며"),
    "으로/로": ("으로", "로"),
    "으로서/로서": ("으로서", "로서"),
    "으로써/로써": ("으로써", "로써"),
    "으로부터/로부터": ("으로부터", "로부터"),
}
"""Each particle pair as (after a final consonant, after a vowel); the 으로 family also takes the vowel form after
ㄹ (물로, not 물으로)."""

# Syllables and every assigned jamo (tests/test_hangul.py checks this against jamo_forms.is_jamo on the whole BMP).
_HANGUL_RUN_RE = re.compile(
    "[\uac00-\ud7a3\u1100-\u11ff\u3131-\u318e\ua960-\ua97c\ud7b0-\ud7c6\ud7cb-\ud7fb"
    "\uffa0-\uffbe\uffc2-\uffc7\uffca-\uffcf\uffd2-\uffd7\uffda-\uffdc]+"
)
_FORMS = {form: pair for pair in PARTICLES.values() for form in (*pair, "/".join(pair), "/".join(pair[::-1]))}


def final_consonant(word: str) -> str:
    """The final consonant (받침) of ``word`` read aloud, as a compatibility jamo, or ``""`` when it ends in a vowel.

    ``final_consonant("닭") == "ㄺ"``, ``final_consonant("사과") == ""``, ``final_consonant("10") == "ㅂ"`` (십),
    ``final_consonant("KBS") == ""`` (에스). Closing quotes and brackets at the end are skipped. A compatibility
    jamo is read by its name (ㄱ 기역 → ㄱ, ㄳ 기역시옷 → ㅅ, ㅏ 아 → ""). Raises ValueError for an empty word and
    for endings without one fixed reading: lower- or mixed-case Latin (a word, not letters), R, symbols.
    """
    J.require_str(word, "final_consonant", "word")
    text = word.rstrip(_CLOSERS)
    if not text:
        raise ValueError(f"final_consonant: {word!r} has no letter or digit to read")
    last = text[-1]
    if J.is_hangul_syllable(last):
        tail = J.split_syllable(last)[2]
        return J.to_compat(tail)
    if 0x3131 <= ord(last) <= 0x3163:  # a letter read by its name, which ends in its last consonant
        return "" if last in J._VOWELS_COMPAT else split_jamo(last)[-1]
    if last.isdecimal():
        return _number_tail(text)
    if last.isascii() and last.isalpha():
        return _acronym_tail(word, text)
    raise ValueError(f"final_consonant: cannot tell how {word!r} ends when read in Korean")


def _number_tail(text: str) -> str:
    """The 받침 of the number at the end of ``text``, read in Sino-Korean."""
    start = len(text)
    while start > 0 and (text[start - 1].isdecimal() or (text[start - 1] == "," and start - 1 > 0
                                                         and text[start - 2].isdecimal())):
        start -= 1
    number = text[start:].replace(",", "")
    digits = [unicodedata.decimal(c) for c in number]
    after_point = start >= 2 and text[start - 1] == "." and text[start - 2].isdecimal()
    if after_point or (len(digits) > 1 and digits[0] == 0):  # read digit by digit: 3.14, 007, 010
        return _DIGIT_TAIL[digits[-1]] if digits[-1] else "ㅇ"
    if not any(digits):
        return "ㅇ"  # 영
    zeros = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    if zeros == 0:
        return _DIGIT_TAIL[digits[-1]]
    if zeros not in _ZEROS_TAIL:
        raise ValueError(f"final_consonant: {number!r} is beyond the Korean number units this reads (up to 해)")
    return _ZEROS_TAIL[zeros]


def _acronym_tail(word: str, text: str) -> str:
    """The 받침 of a trailing run of capital Latin letters read letter by letter (PC → 피씨)."""
    start = len(text)
    while start > 0 and text[start - 1].isascii() and text[start - 1].isalpha():
        start -= 1
    run = text[start:]
    if not run.isupper():
        raise ValueError(f"final_consonant: {word!r} ends in a Latin word; its Korean reading is not fixed, "
                         "pass the reading (e.g. 구글 for Google) instead")
    tail = _LETTER_TAIL.get(run[-1])
    if tail is None:
        raise ValueError(f"final_consonant: {word!r} ends in R, read 아르 or 알; pass the reading instead")
    return tail


def has_batchim(word: str) -> bool:
    """True when ``word`` (one syllable or a whole word) ends in a final consonant read aloud; see
    :func:`final_consonant` for digits, acronyms and the endings that raise ValueError."""
    return final_consonant(word) != ""


def attach_particle(word: str, particle: str) -> str:
    """``word`` followed by the right form of ``particle``: ``attach_particle("사과", "을") == "사과를"``.

    ``particle`` is either form or the pair ("은", "는", "은/는"), one of :data:`PARTICLES`. The form after a final
    consonant is used when :func:`final_consonant` finds one, except that the 으로 family takes 로 after ㄹ (물로,
    서울로; but 닭으로, since ㄺ is not ㄹ). Raises ValueError for an unknown particle or an unreadable ending.
    """
    J.require_str(word, "attach_particle", "word")
    J.require_str(particle, "attach_particle", "particle")
    pair = _FORMS.get(particle)
    if pair is None:
        known = ", ".join(PARTICLES)
        raise ValueError(f"attach_particle: unknown particle {particle!r}; known: {known}")
    tail = final_consonant(word)
    use_vowel_form = tail == "" or (tail == "ㄹ" and pair[0].startswith("으로"))
    return word + (pair[1] if use_vowel_form else pair[0])


def is_all_hangul(text: str, *, ignore: str = "") -> bool:
    """True when ``text`` is not empty and every character is Hangul: a syllable or a jamo of any form (modern or
    archaic, conjoining, compatibility or half-width). Characters in ``ignore`` are skipped, e.g.
    ``is_all_hangul("안녕 하세요", ignore=" ")``; a text of only ignored characters is not Hangul."""
    J.require_str(text, "is_all_hangul")
    J.require_str(ignore, "is_all_hangul", "ignore")
    if ignore:
        text = text.translate(dict.fromkeys(map(ord, ignore)))
    return _HANGUL_RUN_RE.fullmatch(text) is not None
