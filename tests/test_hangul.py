"""hangul: 받침, particle allomorphs (with the ㄹ rule of 으로/로), readings of digits and acronyms, is_all_hangul."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hangul_rnn import hangul as H
from hangul_rnn import jamo as J
from hangul_rnn import jamo_forms as F


@pytest.mark.parametrize(
    ("word", "tail"),
    [
        ("사과", ""), ("책", "ㄱ"), ("물", "ㄹ"), ("닭", "ㄺ"), ("값", "ㅄ"), ("가", ""), ("힣", "ㅎ"),
        ('"사과"', ""), ("(책)", "ㄱ"), ("「물」", "ㄹ"),  # closing marks are skipped
        ("ㄱ", "ㄱ"), ("ㄳ", "ㅅ"), ("ㄲ", "ㄱ"), ("ㅏ", ""),  # letter names: 기역, 기역시옷, 쌍기역, 아
        ("0", "ㅇ"), ("1", "ㄹ"), ("2", ""), ("3", "ㅁ"), ("4", ""), ("5", ""), ("6", "ㄱ"), ("7", "ㄹ"),
        ("8", "ㄹ"), ("9", ""),  # 영 일 이 삼 사 오 육 칠 팔 구
        ("10", "ㅂ"), ("100", "ㄱ"), ("1000", "ㄴ"), ("10000", "ㄴ"), ("120000", "ㄴ"), ("10000000", "ㄴ"),
        ("100000000", "ㄱ"), ("1" + "0" * 11, "ㄱ"), ("1" + "0" * 12, ""), ("1" + "0" * 16, "ㅇ"),  # 십 … 경
        ("1,000", "ㄴ"), ("2,500", "ㄱ"), ("3.14", ""), ("3.0", "ㅇ"), ("007", "ㄹ"), ("010", "ㅇ"), ("00", "ㅇ"),
        ("2024년", "ㄴ"), ("제3", "ㅁ"), ("１０", "ㅂ"),  # full-width digits read the same
        ("PC", ""), ("KBS", ""), ("HTML", "ㄹ"), ("MM", "ㅁ"), ("CNN", "ㄴ"), ("카카오T", ""),
    ],
)
def test_final_consonant(word: str, tail: str) -> None:
    assert H.final_consonant(word) == tail
    assert H.has_batchim(word) is (tail != "")


@pytest.mark.parametrize(
    ("word", "reason"),
    [("", "no letter or digit"), ('"")', "no letter or digit"), ("Google", "Latin word"), ("iPhone", "Latin word"),
     ("R", "아르 or 알"), ("BMR", "아르 or 알"), ("!", "cannot tell"), ("사과 ", "cannot tell"), ("😀", "cannot tell"),
     ("1" + "0" * 24, "beyond")],
)
def test_final_consonant_refuses_what_has_no_fixed_reading(word: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        H.final_consonant(word)


@pytest.mark.parametrize(
    ("word", "particle", "expected"),
    [
        ("사과", "은", "사과는"), ("책", "는", "책은"), ("사과", "이/가", "사과가"), ("책", "가/이", "책이"),
        ("사과", "을", "사과를"), ("책", "를", "책을"), ("사과", "과", "사과와"), ("책", "와", "책과"),
        ("철수", "아", "철수야"), ("영숙", "야", "영숙아"), ("커피", "이나", "커피나"), ("밥", "나", "밥이나"),
        ("친구", "이랑", "친구랑"), ("동생", "랑", "동생이랑"), ("학생", "며", "학생이며"),
        ("학교", "으로", "학교로"), ("집", "로", "집으로"), ("물", "으로", "물로"), ("서울", "으로/로", "서울로"),
        ("닭", "로", "닭으로"), ("삶", "로", "삶으로"),  # the ㄹ rule is for ㄹ alone, not clusters ending in it
        ("교사", "으로서", "교사로서"), ("칼", "으로써", "칼로써"), ("부산", "로부터", "부산으로부터"),
        ("물", "을", "물을"), ("물", "이", "물이"),  # the ㄹ rule belongs to 으로 only
        ("1", "로", "1로"), ("3", "로", "3으로"), ("10", "을", "10을"), ("2", "을", "2를"), ("PC", "을", "PC를"),
        ("HTML", "로", "HTML로"), ('"책"', "를", '"책"을'),
    ],
)
def test_attach_particle(word: str, particle: str, expected: str) -> None:
    assert H.attach_particle(word, particle) == expected


def test_attach_particle_refuses_unknown_particles_and_unreadable_words() -> None:
    with pytest.raises(ValueError, match="unknown particle '의'; known: 은/는, 이/가"):
        H.attach_particle("사과", "의")
    with pytest.raises(ValueError, match="Latin word"):
        H.attach_particle("Google", "을")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3), min_size=1),
       st.sampled_from(sorted(H.PARTICLES)))
def test_particle_follows_the_last_tail(word: str, pair: str) -> None:
    with_tail, without = H.PARTICLES[pair]
    tail = J.split_syllable(word[-1])[2]
    expected = without if not tail or (tail == "ᆯ" and with_tail.startswith("으로")) else with_tail
    assert H.attach_particle(word, pair) == word + expected
    assert H.has_batchim(word) is bool(tail)


def test_is_all_hangul() -> None:
    assert H.is_all_hangul("안녕")
    assert H.is_all_hangul("ㅋㅋㅠㅠ") and H.is_all_hangul("ᄒᆞᆫ") and H.is_all_hangul("ﾡￂ")
    assert not H.is_all_hangul("안녕 하세요")
    assert H.is_all_hangul("안녕 하세요", ignore=" ")
    assert not H.is_all_hangul("")
    assert not H.is_all_hangul(" ", ignore=" ")
    assert not H.is_all_hangul("한글a") and not H.is_all_hangul("漢字") and not H.is_all_hangul("\u3130")


def test_is_all_hangul_agrees_with_is_jamo_on_the_whole_bmp() -> None:
    for cp in range(0x10000):
        ch = chr(cp)
        assert H.is_all_hangul(ch) == (J.is_hangul_syllable(ch) or F.is_jamo(ch)), hex(cp)


@pytest.mark.parametrize("func", [H.final_consonant, H.has_batchim, H.is_all_hangul])
def test_wrong_types_raise_type_error(func: object) -> None:
    for bad in (None, b"abc", 3):
        with pytest.raises(TypeError, match=f"expects \\w+ as str, got {type(bad).__name__}"):
            func(bad)  # type: ignore[operator]


def test_attach_particle_wrong_types() -> None:
    with pytest.raises(TypeError, match=r"attach_particle\(\) expects word as str, got NoneType"):
        H.attach_particle(None, "을")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"attach_particle\(\) expects particle as str, got bytes"):
        H.attach_particle("사과", b"x")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"is_all_hangul\(\) expects ignore as str, got list"):
        H.is_all_hangul("가", ignore=[" "])  # type: ignore[arg-type]


def test_preprocessing_page_examples_run() -> None:
    """docs/preprocessing.md's examples are assertions; they run as written."""
    page = Path(__file__).resolve().parent.parent / "docs" / "preprocessing.md"
    blocks = re.findall(r"```python\n(.*?)```", page.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) == 3
    for block in blocks:
        exec(compile(block, str(page), "exec"), {})
