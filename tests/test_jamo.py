"""hangul_rnn.jamo: exact round trip, agreement with the `jamo` package, lenient compose, helpers, real corpora."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import jamo as jamo_pkg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hangul_rnn import jamo as J

ALL_SYLLABLES = "".join(chr(cp) for cp in range(0xAC00, 0xD7A4))


def _conjoining(cp: int) -> bool:
    return 0x1100 <= cp <= 0x11FF or 0xA960 <= cp <= 0xA97F or 0xD7B0 <= cp <= 0xD7FF


def _has_conjoining(text: str) -> bool:
    return any(_conjoining(ord(c)) for c in text)


def _translate_only(text: str) -> str:
    """The reference path of decompose (no NumPy), to check the NumPy path against."""
    return text.translate(J._DECOMPOSE_TABLE)


MODERN_JAMO = frozenset(J.LEADS + J.VOWELS + J.TAILS)

# Any code point at all, surrogates and archaic jamo included, except the 67 modern conjoining jamo (the round
# trip is promised without them); archaic jamo are drawn often, as NSMC uses ᆞ and ᆢ as dots after syllables.
any_char = st.one_of(
    st.characters(exclude_categories=()).filter(lambda c: c not in MODERN_JAMO),
    st.characters(min_codepoint=0x1100, max_codepoint=0x11FF).filter(lambda c: c not in MODERN_JAMO),
    st.sampled_from(list("가한값ᆞᆢ\ua960\ud7b0\ud7cb")),
)
hangul_heavy_char = st.one_of(
    st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3),
    st.characters(min_codepoint=0x3131, max_codepoint=0x318E),  # compatibility jamo: ㅋㅋ ㅠㅠ ㄱㅏ
    st.sampled_from(list(" .,!?~\n\tabcXYZ019😀👍\u200b\ufeff")),
)
modern_jamo = st.sampled_from(list(J.LEADS + J.VOWELS + J.TAILS))
stream_char = st.one_of(modern_jamo, modern_jamo, st.sampled_from(list(" a.ㅋ😀\n가")))
lenient_char = st.one_of(
    modern_jamo,
    st.characters(min_codepoint=0x1100, max_codepoint=0x11FF),
    st.sampled_from(list("ab ㅋㅠ😀값\ud800\ua960\ud7b0\ud7cb")),
)


# --- round trip -----------------------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=any_char))
def test_round_trip_any_text(s: str) -> None:
    assert J.compose(J.decompose(s)) == s


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=hangul_heavy_char))
def test_round_trip_hangul_heavy(s: str) -> None:
    d = J.decompose(s)
    assert J.compose(d) == s
    assert not any(0xAC00 <= ord(c) <= 0xD7A3 for c in d)


@settings(max_examples=40, deadline=None)
@given(st.text(alphabet=hangul_heavy_char, min_size=1), st.text(alphabet=any_char))
def test_long_inputs_take_the_numpy_path_and_agree(s: str, extra: str) -> None:
    big = s * (3000 // len(s) + 1) + extra  # above the NumPy threshold, spread over more than one chunk boundary
    assert len(big) >= J._NUMPY_MIN_CHARS
    assert J.decompose(big) == _translate_only(big)
    assert J.compose(J.decompose(big)) == big


@settings(max_examples=40, deadline=None)
@given(st.text(alphabet=lenient_char, min_size=1))
def test_long_compose_numpy_path_matches_regex_path(s: str) -> None:
    big = s * (3000 // len(s) + 1)  # chunk boundaries land inside runs of every kind
    parts = J._SYLLABLE_SPLIT_RE.split(big)
    parts[1::2] = map(J._COMPOSE_TABLE.__getitem__, parts[1::2])
    expected = "".join(parts)
    got = J._compose_numpy(big)
    assert got is None or got == expected  # None only for lone surrogates
    assert got is not None or any(0xD800 <= ord(c) <= 0xDFFF for c in big)


def test_long_input_with_lone_surrogates_and_astral_chars() -> None:
    s = ("한글\ud800 a😀\udc00ㅋ" * 2000) + "\ud800\udc00"  # two lone surrogates side by side must not pair up
    assert J.decompose(s) == _translate_only(s)
    assert J.compose(J.decompose(s)) == s
    assert J.decompose("\x00가\x00" * 1000) == "\x00\u1100\u1161\x00" * 1000


def test_archaic_jamo_after_syllables_round_trip() -> None:
    s = "넘조아요ᆞᆢ가족애 ᅀ가 ᄒᆞ"  # archaic vowels used as dots, an archaic lead before a syllable
    assert J.compose(J.decompose(s)) == s


def test_non_hangul_passes_through() -> None:
    s = "ㅋㅋㅋ ㅠㅠ abc 😀 漢字 \u3164 ᄀᆞ"
    assert J.decompose(s) == s
    assert J.decompose("") == "" and J.compose("") == ""


# --- agreement with the `jamo` package ------------------------------------------------------------------------


def test_all_syllables_match_jamo_package() -> None:
    for ch in ALL_SYLLABLES:
        ref = jamo_pkg.h2j(ch)
        assert J.decompose(ch) == ref, ch
        assert J.compose(ref) == ch
        assert J.to_compat(ref) == jamo_pkg.j2hcj(ref), ch
        assert "".join(J.split_syllable(ch)) == ref
        assert J.join_syllable(*J.split_syllable(ch)) == ch
    assert J.decompose(ALL_SYLLABLES) == jamo_pkg.h2j(ALL_SYLLABLES)
    assert J.compose(J.decompose(ALL_SYLLABLES)) == ALL_SYLLABLES


def test_constants_match_jamo_package() -> None:
    assert len(J.LEADS) == 19 and len(J.VOWELS) == 21 and len(J.TAILS) == 27
    assert all(jamo_pkg.is_jamo_modern(c) for c in J.LEADS + J.VOWELS + J.TAILS)
    assert [jamo_pkg.get_jamo_class(c) for c in J.LEADS] == ["lead"] * 19
    assert [jamo_pkg.get_jamo_class(c) for c in J.VOWELS] == ["vowel"] * 21
    assert [jamo_pkg.get_jamo_class(c) for c in J.TAILS] == ["tail"] * 27


# --- lenient compose ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("jamo_in", "expected"),
    [
        ("\u1161", "ㅏ"),  # vowel with no lead
        ("\u11a8", "ㄱ"),  # tail alone
        ("\u1100", "ㄱ"),  # lone lead
        ("\u1100\u1161\u11a8\u11a8", "각ㄱ"),  # double tail
        ("\u1161\u1100\u1161", "ㅏ가"),  # vowel first
        ("\u1100\u11a8", "ㄱㄱ"),  # lead then tail, no vowel
        ("\u1100\u1100\u1161\u11ab", "ㄱ간"),  # two leads
        ("\u1100\u1161\u1161", "가ㅏ"),  # two vowels
        ("ㅋㅋ\u1100\u1161 abc😀\u11af", "ㅋㅋ가 abc😀ㄹ"),  # mixed with Latin, emoji, compatibility jamo
        ("\u1112\u119e\u11ab", "\u1112\u119e\u11ab"),  # old Hangul (ᄒᆞᆫ) kept as one cluster
        ("\u1100\u1161 \u1112\u119e\u11ab\u1100", "가 \u1112\u119e\u11abㄱ"),
    ],
)
def test_compose_lenient_cases(jamo_in: str, expected: str) -> None:
    assert J.compose(jamo_in) == expected


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=stream_char))
def test_compose_never_leaves_loose_modern_jamo(s: str) -> None:
    out = J.compose(s)
    assert not any(0x1100 <= ord(c) <= 0x11FF for c in out)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=lenient_char))
def test_compose_never_raises_and_keeps_archaic_jamo(s: str) -> None:
    out = J.compose(s)
    archaic = [c for c in s if _conjoining(ord(c)) and c not in J.LEADS + J.VOWELS + J.TAILS]
    assert [c for c in out if _conjoining(ord(c)) and c not in J.LEADS + J.VOWELS + J.TAILS] == archaic
    assert J.decompose(out) == J.decompose(J.compose(J.decompose(out)))  # compose output is a fixed point
    if not archaic:
        assert not any(_conjoining(ord(c)) for c in out)


def test_existing_conjoining_input_documented_behaviour() -> None:
    # A well-formed conjoining sequence already in the input composes: the identity is for decompose's output.
    assert J.decompose("\u1100\u1161") == "\u1100\u1161"
    assert J.compose("\u1100\u1161") == "가"


# --- helpers --------------------------------------------------------------------------------------------------


def test_split_and_join() -> None:
    assert J.split_syllable("값") == ("\u1100", "\u1161", "\u11b9")
    assert J.split_syllable("가") == ("\u1100", "\u1161", "")
    assert J.join_syllable("ㄱ", "ㅏ", "ㅄ") == "값"
    assert J.join_syllable("\u1112", "\u1161", "\u11ab") == "한"
    assert J.join_syllable("ㅎ", "\u1161") == "하"
    for bad in ["", "ㄱ", "ab", "a", "\u1100", "가나"]:
        with pytest.raises(ValueError, match="Hangul syllable"):
            J.split_syllable(bad)
    with pytest.raises(ValueError, match="trailing consonant"):
        J.join_syllable("ㄱ", "ㅏ", "ㄸ")
    with pytest.raises(ValueError, match="leading consonant"):
        J.join_syllable("ㄳ", "ㅏ")
    with pytest.raises(ValueError, match="vowel"):
        J.join_syllable("ㄱ", "ㄱ")


def test_predicates_and_to_compat() -> None:
    assert J.is_hangul_syllable("가") and J.is_hangul_syllable("힣")
    assert not any(J.is_hangul_syllable(c) for c in ["ㄱ", "\u1100", "a", "", "가나", "\uabff", "\ud7a4"])
    assert all(J.is_conjoining_jamo(c) for c in ["\u1100", "\u11ff", "\ua960", "\ud7fb", "\u119e"])
    assert not any(J.is_conjoining_jamo(c) for c in ["ㄱ", "가", "a", "", "\u1100\u1161"])
    assert J.to_compat("\u1100\u1161\u11a8 가 ㅋ \u119e") == "ㄱㅏㄱ 가 ㅋ \u119e"


def test_complete_prefix_cases() -> None:
    d = J.decompose
    assert J.complete_prefix("") == ("", "")
    assert J.complete_prefix(d("한")) == (d("한"), "")  # L V T: complete
    assert J.complete_prefix(d("하")) == ("", d("하"))  # L V: may still take a tail
    assert J.complete_prefix(d("한") + "\u1100") == (d("한"), "\u1100")  # trailing lead
    assert J.complete_prefix("ab \u1161") == ("ab \u1161", "")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=stream_char, max_size=4), max_size=30))
def test_complete_prefix_streaming_matches_whole(pieces: list[str]) -> None:
    shown, buffer = [], ""
    for piece in pieces:
        buffer += piece
        ready, buffer = J.complete_prefix(buffer)
        shown.append(J.compose(ready))
    shown.append(J.compose(buffer))
    assert "".join(shown) == J.compose("".join(pieces))


# --- real corpora ---------------------------------------------------------------------------------------------


def _nsmc_text(path: Path) -> str:
    lines = path.read_text(encoding="utf-8").splitlines()[1:]
    return "\n".join(line.split("\t")[1] for line in lines if line)


@pytest.mark.parametrize("name", ["ratings_test.txt", "ratings_train.txt"])
def test_nsmc_round_trip(shared_corpora: Path, name: str) -> None:
    text = _nsmc_text(shared_corpora / "nsmc" / name)
    assert len(text) > 1_000_000
    d = J.decompose(text)
    assert J.compose(d) == text
    sample = text[:200_000]
    assert J.decompose(sample) == jamo_pkg.h2j(sample)


def _annals_chunks(path: Path, limit: int | None) -> list[str]:
    """Read the Annals line-chunked (about a megabyte of text per chunk), optionally stopping after `limit` chars."""
    chunks, buf, size = [], [], 0
    total = 0
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            buf.append(line)
            size += len(line)
            if size >= 1_000_000:
                chunks.append("".join(buf))
                total += size
                buf, size = [], 0
                if limit is not None and total >= limit:
                    return chunks
    if buf:
        chunks.append("".join(buf))
    return chunks


@pytest.mark.slow
@pytest.mark.ci
def test_annals_whole_round_trip(shared_corpora: Path) -> None:
    """All 57M characters, streamed in ~1M-character chunks (about 5 s: in CI's slow subset)."""
    total = 0
    for chunk in _annals_chunks(shared_corpora / "annals" / "annals_subset_ko.txt.gz", limit=None):
        assert J.compose(J.decompose(chunk)) == chunk
        total += len(chunk)
    assert total > 50_000_000


# --- import cost ----------------------------------------------------------------------------------------------


def test_import_does_not_pull_tensorflow_or_numpy() -> None:
    code = "import sys, hangul_rnn.jamo; assert 'tensorflow' not in sys.modules; assert 'numpy' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
