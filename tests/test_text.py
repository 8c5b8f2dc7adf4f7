"""Cleaning rules: real NSMC reviews and Annals lines with expected output, corpus-wide properties, and
Hypothesis checks of idempotence and of the split/join round trip."""

from __future__ import annotations

import functools
import gzip
import itertools
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hangul_rnn.errors import UsageError
from hangul_rnn.text import (
    CLEANING_RULES,
    NEWLINE_TOKEN,
    Rule,
    clean,
    clean_annals,
    clean_nsmc,
    join_words,
    rule_names,
    split_words,
)

HANJA = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]")
#: Every character NSMC cleaning may leave: Hangul syllables, compatibility jamo, ASCII printable, space.
NSMC_ALLOWED = re.compile(r"[\uac00-\ud7a3\u3131-\u3163\u3165-\u318e\x20-\x7e]*")
SAMPLE_LINES = 20_000


# --- corpus fixtures ------------------------------------------------------------------------------------------------


@functools.cache
def _read_nsmc(path: Path) -> dict[str, str]:
    reviews: dict[str, str] = {}
    with path.open(encoding="utf-8") as handle:
        next(handle)  # header
        for line in handle:
            review_id, document, _label = line.rstrip("\n").split("\t")
            reviews[review_id] = document
    return reviews


@functools.cache
def _read_annals(path: Path) -> tuple[str, ...]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return tuple(line.rstrip("\n") for line in itertools.islice(handle, SAMPLE_LINES))


@pytest.fixture
def nsmc_reviews(shared_corpora: Path) -> dict[str, str]:
    """id -> document of every review of the official NSMC test split (50,000; read once), in file order."""
    return _read_nsmc(shared_corpora / "nsmc" / "ratings_test.txt")


@pytest.fixture
def annals_lines(shared_corpora: Path) -> tuple[str, ...]:
    """The first SAMPLE_LINES lines of the Korean Annals subset, without their newline (read once)."""
    return _read_annals(shared_corpora / "annals" / "annals_subset_ko.txt.gz")


# --- NSMC: real reviews ---------------------------------------------------------------------------------------------

NSMC_EXAMPLES = [
    # punctuation runs stay together and are split from the word
    ("2968565", "최고 !!!!!!!!!!!!!!!!"),
    ("9029890", "이건뭐 노답이네 80 ~ 90년대 어린이 영화좀 보고 본받아라 !"),
    # already spaced; compatibility jamo ㅋㅋ kept
    ("4174028", "별 재미도없는거 우려먹어 .... 챔프에서 방송 몇번했더라 ? ㅋㅋㅋㅋㅋㅋㅋㅋㅋㅋㅋ"),
    ("6270596", "굳 ㅋ"),
    # symbols dropped, emoticon ^^ kept as one token
    ("8640970", "완전 매력만점 차대표 국승현 요즘 살맛납니다 !! ^^"),
    # Hanja dropped
    ("7332659", "중의 ... 안보면 후회함"),
    # stars dropped, 3.8 kept whole (dot between digits)
    ("8142916", "나름 탄탄한 구성력과 연출로 영화를 잘 사렷지만 마지막 부분에서 아쉬움이 남는다 . 3.8"),
    # ideographic full stop mapped to "."
    ("5470082", "커처형의 킬러스를 보기전에 꼭 봐야할 영화 . 맥형님 완전 우껴 !! 굿잡"),
    # nothing but symbols
    ("7907852", ""),
    # Latin kept, comma spaced
    ("6242223", "이별의 아픔뒤에 찾아오는 새로운 인연의 기쁨 But , 모든 사람이 그렇지는 않네 .."),
]


@pytest.mark.parametrize(("review_id", "expected"), NSMC_EXAMPLES)
def test_nsmc_real_reviews(nsmc_reviews: dict[str, str], review_id: str, expected: str) -> None:
    assert clean_nsmc(nsmc_reviews[review_id]) == expected


def test_nsmc_properties_over_sample(nsmc_reviews: dict[str, str]) -> None:
    documents = list(itertools.islice(nsmc_reviews.values(), SAMPLE_LINES))
    cleaned = [clean_nsmc(document) for document in documents]
    for before, after in zip(documents, cleaned):
        assert NSMC_ALLOWED.fullmatch(after), (before, after)
        assert "  " not in after and "\n" not in after and after == after.strip()
        assert clean_nsmc(after) == after, before
    # the Hangul itself survives: cleaning drops symbols, not text
    hangul_before = sum(len(re.findall(r"[가-힣]", d)) for d in documents)
    hangul_after = sum(len(re.findall(r"[가-힣]", d)) for d in cleaned)
    assert hangul_after == hangul_before


def test_nsmc_emoji_and_mixed_scripts() -> None:
    assert clean_nsmc("재밌다😂😂 👍👍") == "재밌다"
    assert clean_nsmc("재밌다!!") == "재밌다 !!"
    assert clean_nsmc("ㅠㅠ 별로...ㅡㅡ") == "ㅠㅠ 별로 ... ㅡㅡ"
    assert clean_nsmc("ㅠ_ㅠ") == "ㅠ_ㅠ"
    assert clean_nsmc("ＧＯＯＤ！") == "GOOD !"  # fullwidth forms folded to ASCII
    assert clean_nsmc("なにこれ 映画 Кино 영화") == "영화"
    assert clean_nsmc("1,000원 10:30 3.5점") == "1,000원 10:30 3.5점"
    assert clean_nsmc("좋아요\n정말\t좋아요") == "좋아요 정말 좋아요"  # reviews are one line
    assert clean_nsmc("?!") == "? !"
    # decomposed Hangul (NFD) is composed before the filter instead of being dropped as loose jamo
    assert clean_nsmc("\u1112\u1161\u11ab\u1100\u1173\u11af") == "한글"
    assert clean_nsmc("\u3164ㅋ") == "ㅋ"  # HANGUL FILLER is a blank, not a letter


# --- Annals: real lines ---------------------------------------------------------------------------------------------

ANNALS_EXAMPLES = [
    # Hanja in () and [] dropped and joined to the word they gloss
    (
        "임금이 잠저(潛邸)에 있을 때, 꿈에 신인(神人)이 금자[金尺]를 가지고 하늘에서 내려와 주면서 말하기를,",
        "임금이 잠저에 있을 때 , 꿈에 신인이 금자를 가지고 하늘에서 내려와 주면서 말하기를 ,",
    ),
    # footnote marker followed by a particle: joined
    (
        '"목자(木子)005) 가 돼지를 타고 내려와서 다시 삼한(三韓)의 강토를 바로잡을 것이다."',
        '" 목자가 돼지를 타고 내려와서 다시 삼한의 강토를 바로잡을 것이다 . "',
    ),
    ('"비의(非衣)006) ·주초(走肖)007) ·삼전 삼읍(三奠三邑)008) "', '" 비의 · 주초 · 삼전 삼읍 "'),
    # footnote marker followed by a new word: a space
    (
        "하였다. 일찍이 상명사(相命師)009) 혜징(惠澄)이 사사로이 그 친한 사람에게 이르기를,",
        "하였다 . 일찍이 상명사 혜징이 사사로이 그 친한 사람에게 이르기를 ,",
    ),
    # four-digit footnote number; a year in parentheses is kept
    (
        "경인1023) 2월에 대행 대왕을 창릉(昌陵)에 장사하였다. 그 애책문(哀冊文)은 이러하였다.",
        "경인 2월에 대행 대왕을 창릉에 장사하였다 . 그 애책문은 이러하였다 .",
    ),
    (
        "원종 공신(原從功臣)으로 과전(科田)을 받은 자도 무진년(1388)의 회군 공신전(回軍功臣田)을 받으므로 "
        "헌사에서 중지하기를 청하니, 임금이 윤허하였다.",
        "원종 공신으로 과전을 받은 자도 무진년 ( 1388 ) 의 회군 공신전을 받으므로 "
        "헌사에서 중지하기를 청하니 , 임금이 윤허하였다 .",
    ),
    # Hangul in brackets is kept; nested Hanja removed from inside
    (
        "참찬문하부사(參贊門下府事) 최영지(崔永沚)를 보내어 서북면[평안도]을 안무(安撫)하게 하였다.",
        "참찬문하부사 최영지를 보내어 서북면 [ 평안도 ] 을 안무하게 하였다 .",
    ),
    ("임금이 옛 서울[개성(開城)]에 이르렀다.", "임금이 옛 서울 [ 개성 ] 에 이르렀다 ."),
    # book titles keep their 《》, spaced like punctuation
    (
        "임금이 조회를 받는 예를 마치고 난 후에, 성균 대사성(成均大司成) 유경(劉敬)에게 명하여 "
        "《대학연의(大學衍義)》를 강론(講論)하게 하였다.",
        "임금이 조회를 받는 예를 마치고 난 후에 , 성균 대사성 유경에게 명하여 《 대학연의 》 를 강론하게 하였다 .",
    ),
    # a line of Classical Chinese (no Hangul once Hanja are gone) is dropped
    ('〔○〕 司憲府啓: "黃衡以親病辭職, 仍留妓家, 不卽歸覲罪, 律該子孫奉養有缺, 杖一百、告身盡行追奪。"', ""),
]


@pytest.mark.parametrize(("line", "expected"), ANNALS_EXAMPLES)
def test_annals_real_lines(annals_lines: tuple[str, ...], line: str, expected: str) -> None:
    if not line.startswith("〔○〕"):  # that one lies past the sample; the rest are checked to be real lines
        assert line in annals_lines
    assert clean_annals(line) == expected


def test_annals_editorial_note_dropped(annals_lines: tuple[str, ...]) -> None:
    line = next(text for text in annals_lines if "이방과(李芳果) 【상왕(上王)의 구휘(舊諱).】 는" in text)
    cleaned = clean_annals(line)
    assert "이방과 는 영안군이라 하여" in cleaned
    assert "【" not in cleaned and "구휘" not in cleaned


def test_annals_keeps_lines(annals_lines: tuple[str, ...]) -> None:
    text = "\n".join(annals_lines[:40]) + "\n"
    cleaned = clean_annals(text)
    assert cleaned.split("\n") == [clean_annals(line) for line in annals_lines[:40]]
    assert cleaned.count("\n") == 39  # every one of these lines keeps some Hangul; no trailing newline


def test_annals_properties_over_sample(annals_lines: tuple[str, ...]) -> None:
    text = "\n".join(annals_lines)
    cleaned = clean_annals(text)
    assert not HANJA.search(cleaned)
    assert "  " not in cleaned and "\n\n" not in cleaned and " \n" not in cleaned and "\n " not in cleaned
    assert not re.search(r"(?<![\d(])\d{3,4}\)", cleaned)  # no footnote markers left
    assert not re.search(r"\(\s*\)|\[\s*\]|《\s*》", cleaned)
    assert all(re.search(r"[가-힣]", line) for line in cleaned.split("\n"))
    assert clean_annals(cleaned) == cleaned


def test_annals_synthetic_edge_cases() -> None:
    assert clean_annals("대왕(太祖康獻至仁啓運聖文神武大王)의") == "대왕의"
    assert clean_annals("가  나\t다\r\n\n\n라 ") == "가 나 다\n라"
    assert clean_annals("《大典》에 있다") == "에 있다"
    assert clean_annals("중[(漢)字]이다") == "중이다"  # nested glosses
    assert clean_annals("왕(( ))이다") == "왕이다"  # nested emptied brackets


# --- plain ----------------------------------------------------------------------------------------------------------


def test_plain_rules() -> None:
    assert clean("  가   나 \n\n 다\t\t라  ") == "가 나\n\n다 라"
    assert clean("e\u0301 \u1112\u1161\u11ab") == "\u00e9 한"  # NFC
    assert clean("漢字 ♥ 😂!") == "漢字 ♥ 😂!"  # nothing dropped


# --- API ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rules", ["nsmc", "annals", "plain"])
@pytest.mark.parametrize("text", ["", " ", "\n", " \t\n \r\n\u3000\u00a0 "])
def test_empty_and_whitespace_only(rules: str, text: str) -> None:
    assert clean(text, rules) == ""


def test_unknown_rule_name() -> None:
    with pytest.raises(UsageError) as caught:
        clean("가", "nsmcc")
    message = str(caught.value)
    assert "\n" not in message and "'nsmcc'" in message
    assert "annals, nsmc, plain" in message
    assert caught.value.exit_code == 2


def test_rule_names_and_rule_sets() -> None:
    assert rule_names() == ["annals", "nsmc", "plain"]
    for name, rule_set in CLEANING_RULES.items():
        assert rule_set and all(isinstance(rule, Rule) for rule in rule_set), name
        assert all(rule.name and (rule.pattern is not None or callable(rule.replacement)) for rule in rule_set)
    with pytest.raises(AttributeError):
        CLEANING_RULES["plain"][0].name = "x"  # type: ignore[misc]


def test_import_does_not_pull_tensorflow() -> None:
    code = (
        "import sys, hangul_rnn.text; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.strip() == "[]"


# --- split / join ---------------------------------------------------------------------------------------------------


def test_split_and_join_words() -> None:
    assert split_words("가 나\n다\t라\n\n") == ["가", "나", NEWLINE_TOKEN, "다", "라", NEWLINE_TOKEN, NEWLINE_TOKEN]
    assert join_words(["가", "나", NEWLINE_TOKEN, "다", "라", NEWLINE_TOKEN]) == "가 나\n다 라\n"
    assert split_words("") == [] and join_words([]) == ""
    assert split_words(" \n ") == [NEWLINE_TOKEN]
    assert join_words([NEWLINE_TOKEN, "가"]) == "\n가"


def test_split_join_on_cleaned_annals(annals_lines: tuple[str, ...]) -> None:
    cleaned = clean_annals("\n".join(annals_lines[:200]))
    assert join_words(split_words(cleaned)) == cleaned  # cleaned text is already in join_words' normal form


# --- Hypothesis -----------------------------------------------------------------------------------------------------

# Characters that exercise every rule: brackets, footnote digits, Hanja, Hangul (syllables, compatibility and
# conjoining jamo), punctuation, whitespace of several kinds, emoji, combining marks and NFC singletons.
_INTERESTING = list(
    "()[]【】《》〈〉「」（）〔〕0123456789-.,:;!?~^_'\"‘’·…。、漢字太祖가나다의에을ㅋㅠㅡ\u3164"
    "ab \t\n\r\u3000\u00a0\u2028😂♥★e\u0301\u0338=<\u037e\u0387\uf900\u1100\u1161\u11a8"
)
texts = st.text(alphabet=st.sampled_from(_INTERESTING) | st.characters(codec="utf-8"), max_size=40)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts, rules=st.sampled_from(sorted(CLEANING_RULES)))
def test_cleaning_is_idempotent(text: str, rules: str) -> None:
    once = clean(text, rules)
    assert clean(once, rules) == once
    assert once == once.strip() and "  " not in once


@settings(max_examples=300, deadline=None)
@given(text=texts)
def test_split_join_round_trip(text: str) -> None:
    words = split_words(text)
    assert split_words(join_words(words)) == words
    assert all(word and not any(c.isspace() for c in word) for word in words)
