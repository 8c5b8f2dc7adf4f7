"""The NumPy encoding path gives exactly the ids and vocabularies of the token-list path; the id cache is keyed
right and survives damage."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hangul_rnn import id_cache, lru
from hangul_rnn import text as T
from hangul_rnn.config import TrainConfig
from hangul_rnn.corpus_ids import generator_ids
from hangul_rnn.preparation import (
    _make_tokenizer,
    generator_text,
    load_corpus,
    split_tail,
)
from hangul_rnn.tokenizers import (
    JamoTokenizer,
    SyllableTokenizer,
    Tokenizer,
    WordTokenizer,
    make_tokenizer,
)

CLEANS = (None, "annals", "nsmc", "plain")
CHAR_KINDS = (JamoTokenizer, SyllableTokenizer)

#: Characters that exercise every branch: syllables (with and without tails), compatibility and conjoining jamo
#: (modern and archaic), Hanja, Latin, digits, the punctuation and brackets the cleaning rules treat specially,
#: whitespace of several kinds, an emoji, a lone surrogate, NUL, and anything else Unicode has.
_ALPHABET = st.one_of(
    st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3),
    st.sampled_from(list("가각간힣ㄱㅋㅠㅏㅣ각ᆞᄒ漢字李大王")),
    st.characters(min_codepoint=0x1100, max_codepoint=0x11FF),
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
    st.sampled_from(list("abcXYZ0123456789 .,:;!?~-()[]【】《》「」…·'\"\n\n\t\r\u3000\u00a0\x00\ud800😀")),
    st.characters(),
)
TEXTS = st.text(alphabet=_ALPHABET, max_size=120)
FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _list_fit(tok: Tokenizer, texts: list[str], **kwargs) -> list[int]:
    """The token-list fit (the base class's), returning the progress calls it made."""
    calls: list[int] = []
    Tokenizer.fit(tok, texts, progress=calls.append, **kwargs)
    return calls


# --------------------------------------------------------------------------------------------------- encode_array


@FAST
@given(fit_text=TEXTS, text=TEXTS, kind=st.sampled_from(CHAR_KINDS), clean=st.sampled_from(CLEANS))
def test_encode_array_equals_encode(fit_text: str, text: str, kind: type[Tokenizer], clean: str | None) -> None:
    tok = kind(clean=clean)
    _list_fit(tok, fit_text.split("\n"))  # fitted on other text: the text to encode has unknown characters
    got = tok.encode_array(text)
    assert got.dtype == np.uint8
    assert np.array_equal(got, np.array(tok.encode(text), dtype=np.int64))
    assert np.array_equal(tok.encode_array(text, dtype=np.int32), got)


def test_encode_array_long_text_in_chunks_and_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    from hangul_rnn import char_ids

    monkeypatch.setattr(char_ids, "CHUNK_CHARS", 7)
    monkeypatch.setattr(T, "PIECE_CHARS", 11)
    text = "\n".join(f"임금이 잠저(潛邸)에 있을 때 {i}번, 꿈에 신인(神人)이 ㅋㅋ!!" for i in range(40))
    for kind in CHAR_KINDS:
        for clean in CLEANS:
            tok = kind(clean=clean)
            _list_fit(tok, ["임금 꿈"])
            progress: list[tuple[int, int]] = []
            got = tok.encode_array(text, progress=lambda d, t, calls=progress: calls.append((d, t)))
            assert np.array_equal(got, tok.encode(text))
            assert progress[-1][0] == progress[-1][1] == len(text)


def test_encode_array_word_level_falls_back_and_large_vocab_dtype() -> None:
    tok = WordTokenizer(stem=None).fit(["가 나 다", "가 나"])
    assert np.array_equal(tok.encode_array("가 다 라\n나"), tok.encode("가 다 라\n나"))
    big = SyllableTokenizer().fit(["".join(chr(0xAC00 + i) for i in range(300))])
    assert big.encode_array("가각").dtype == np.uint16


# --------------------------------------------------------------------------------------------------- fitting


@FAST
@given(
    texts=st.lists(TEXTS, max_size=8),
    kind=st.sampled_from(CHAR_KINDS),
    clean=st.sampled_from(CLEANS),
    max_size=st.sampled_from([None, 5, 12]),
    min_count=st.sampled_from([1, 2]),
)
def test_vectorised_fit_equals_list_fit(texts, kind, clean, max_size, min_count) -> None:
    old, new = kind(clean=clean), kind(clean=clean)
    old_calls = _list_fit(old, texts, max_size=max_size, min_count=min_count)
    new_calls: list[int] = []
    new.fit(texts, max_size=max_size, min_count=min_count, progress=new_calls.append)
    assert new.to_dict() == old.to_dict()  # same tokens in the same order (ties too), same counts
    assert new_calls == old_calls


def test_fit_progress_per_chunk_of_texts() -> None:
    texts = ["가나"] * 4500
    old, new = JamoTokenizer(), JamoTokenizer()
    old_calls = _list_fit(old, texts)
    new_calls: list[int] = []
    new.fit(texts, progress=new_calls.append)
    assert new_calls == old_calls == [2000, 4000, 4500]


@FAST
@given(
    text=TEXTS,
    kind=st.sampled_from((JamoTokenizer, SyllableTokenizer, WordTokenizer)),
    clean=st.sampled_from(CLEANS),
)
def test_fit_encode_array_equals_fit_on_lines_then_encode(text: str, kind, clean) -> None:
    old, new = (kind(clean=clean) if kind is not WordTokenizer else kind(stem=None, clean=clean) for _ in "ab")
    _list_fit(old, text.split("\n"))
    lines: list[int] = []
    got = new.fit_encode_array(text, fit_progress=lines.append)
    assert new.to_dict() == old.to_dict()
    assert np.array_equal(got, np.array(old.encode(text), dtype=np.int64))
    assert lines and lines[-1] == text.count("\n") + 1


# --------------------------------------------------------------------------------------------------- cleaning


@FAST
@given(text=TEXTS, rules=st.sampled_from(sorted(T.LINE_LOCAL_RULES)))
def test_line_local_rules_clean_line_by_line(text: str, rules: str) -> None:
    per_line = [T.clean(line, rules) for line in text.split("\n")]
    assert T.clean(text, rules) == "\n".join(c for c in per_line if c)


@FAST
@given(text=TEXTS, rules=st.sampled_from(T.rule_names()), piece_chars=st.integers(1, 40))
def test_clean_pieces_join_to_clean(text: str, rules: str, piece_chars: int) -> None:
    assert "".join(T.clean_pieces(text, rules, piece_chars=piece_chars)) == T.clean(text, rules)
    assert list(T.iter_lines(text)) == text.split("\n")


# --------------------------------------------------------------------------------------------------- id cache


def _corpus_file(tmp_path: Path, text: str, name: str = "c.txt") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return f"text:{path}"


ANNALS_LINES = [
    "임금이 잠저(潛邸)에 있을 때, 꿈에 신인(神人)이 금자[金尺]를 가지고 하늘에서 내려와 주면서 말하였다.",
    "시좌궁(時坐宮)001) 에 나아가 조회를 받았다. 【상왕(上王)의 구휘(舊諱).】",
    "경인1023) 2월에 비가 내렸다...",
] * 30


def _prepare(spec: str, level: str = "jamo", **kwargs):
    cfg = TrainConfig(corpus=spec, level=level, clean="annals", seq_len=8, batch_size=4, **kwargs)
    corpus = load_corpus(spec)
    stages: list[tuple[str, int, int | None]] = []
    out = generator_ids(cfg, corpus, None, lambda *a: stages.append(a), lambda: _make_tokenizer(cfg, corpus))
    return cfg, corpus, out, stages


def _old_ids(cfg, corpus):
    text = generator_text(corpus, cfg.limit)
    train_text, val_text = split_tail(text, cfg.validation_fraction)
    tok = _make_tokenizer(cfg, corpus)
    Tokenizer.fit(tok, train_text.split("\n"), max_size=cfg.max_vocab, min_count=cfg.min_count)
    return tok, tok.encode(train_text), tok.encode(val_text), (len(val_text), len(tok.clean_text(val_text)))


@pytest.mark.parametrize("level", ["jamo", "syllable", "word"])
def test_generator_ids_equal_old_path_and_hit_the_cache(tmp_path: Path, level: str) -> None:
    spec = _corpus_file(tmp_path, "\n".join(ANNALS_LINES))
    cfg, corpus, first, stages = _prepare(spec, level)
    tok, train, val, val_chars = _old_ids(cfg, corpus)
    assert first.tokenizer.to_dict() == tok.to_dict()
    assert np.array_equal(first.train_ids, train) and np.array_equal(first.val_ids, val)
    assert (first.val_chars, first.val_clean_chars) == val_chars and not first.cached
    assert stages[0][0] == "reading the corpus"
    assert any(s == "fitting the tokenizer" and d == t for s, d, t in stages)
    _, _, second, stages = _prepare(spec, level)
    assert second.cached and second.tokenizer.to_dict() == tok.to_dict()
    assert np.array_equal(second.train_ids, train) and np.array_equal(second.val_ids, val)
    assert (second.val_chars, second.val_clean_chars) == val_chars and stages[-1][0] == "loading cached ids"


def test_cache_misses_on_other_text_tokenizer_or_split(tmp_path: Path) -> None:
    spec = _corpus_file(tmp_path, "\n".join(ANNALS_LINES))
    assert not _prepare(spec)[2].cached
    assert _prepare(spec)[2].cached
    assert not _prepare(spec, "syllable")[2].cached
    assert not _prepare(spec, validation_fraction=0.1)[2].cached
    assert not _prepare(spec, limit=50)[2].cached
    assert not _prepare(spec, max_vocab=20)[2].cached
    (tmp_path / "c.txt").write_text("\n".join(ANNALS_LINES[:-1]), encoding="utf-8")
    assert not _prepare(spec)[2].cached
    # A given (fitted) tokenizer is part of the key: another vocabulary misses.
    cfg, corpus, _, _ = _prepare(spec)
    other = make_tokenizer("jamo", clean="annals").fit(["가나다"])
    again = generator_ids(cfg, corpus, other, lambda *a: None, lambda: None)
    assert not again.cached and again.tokenizer is other
    assert generator_ids(cfg, corpus, other, lambda *a: None, lambda: None).cached


def test_resumed_run_with_its_fitted_tokenizer_hits_the_same_entry(tmp_path: Path) -> None:
    spec = _corpus_file(tmp_path, "\n".join(ANNALS_LINES))
    cfg, corpus, first, _ = _prepare(spec)
    fitted = make_tokenizer("jamo", clean="annals")
    fitted.vocab = first.tokenizer.vocab
    resumed = generator_ids(cfg, corpus, fitted, lambda *a: None, lambda: None)
    assert resumed.cached and resumed.tokenizer is fitted
    assert np.array_equal(resumed.train_ids, first.train_ids) and np.array_equal(resumed.val_ids, first.val_ids)
    assert len(list(id_cache.cache_folder().glob("*.npy"))) == 1


def test_damaged_fit_record_is_ignored(tmp_path: Path) -> None:
    spec = _corpus_file(tmp_path, "\n".join(ANNALS_LINES))
    _, _, first, _ = _prepare(spec)
    (record,) = id_cache.cache_folder().glob("*.record.json")
    record.write_text("[]", encoding="utf-8")
    with pytest.warns(RuntimeWarning, match="damaged id cache record"):
        _, _, again, stages = _prepare(spec)
    assert not again.cached and any(s == "fitting the tokenizer" for s, _, _ in stages)
    assert again.tokenizer.to_dict() == first.tokenizer.to_dict()
    assert np.array_equal(again.train_ids, first.train_ids)
    assert _prepare(spec)[2].cached  # the record was rewritten


@pytest.mark.parametrize("damage", ["truncate", "flip", "meta"])
def test_damaged_cache_entry_is_ignored_and_rebuilt(tmp_path: Path, damage: str) -> None:
    spec = _corpus_file(tmp_path, "\n".join(ANNALS_LINES))
    _, _, first, _ = _prepare(spec)
    (npy,) = id_cache.cache_folder().glob("*.npy")
    meta = npy.with_suffix(".json")
    data = npy.read_bytes()
    if damage == "truncate":
        npy.write_bytes(data[: len(data) - 10])
    elif damage == "flip":
        npy.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    else:
        meta.write_text("{not json", encoding="utf-8")
    with pytest.warns(RuntimeWarning, match="damaged id cache"):
        _, _, rebuilt, _ = _prepare(spec)
    assert not rebuilt.cached and np.array_equal(rebuilt.train_ids, first.train_ids)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _, _, hit, _ = _prepare(spec)
    assert hit.cached and np.array_equal(hit.train_ids, first.train_ids)


def test_cache_pruned_whole_entries_least_recently_used_first(tmp_path: Path) -> None:
    import os

    for i, name in enumerate(["old", "mid", "new"]):
        for suffix in (".npy", ".json"):
            f = tmp_path / f"{name}{suffix}"
            f.write_bytes(b"x" * 100)
            os.utime(f, (1000 + i, 1000 + i))
    (tmp_path / ".new.npy.123.tmp").write_bytes(b"x" * 1000)  # a write in progress is never touched
    assert lru.prune(tmp_path, ("*.npy", "*.json"), max_bytes=400) == 200
    assert sorted(p.name for p in tmp_path.iterdir()) == [".new.npy.123.tmp", "mid.json", "mid.npy", "new.json",
                                                          "new.npy"]


# The patterns as they were before they were reordered to start with a character class (faster, same matches).
_OLD_PATTERNS = {
    "space_punctuation": rf"(?:(?<!\d)|(?![.,:]\d))([{T._PUNCT}])\1*",
    "drop_footnote_markers": r"(?<![\d(])\d{3,4}(?:-\d+)?\)",
    "join_footnote_markers": rf"(?<![\d(])\d{{3,4}}(?:-\d+)?\)[^\S\n]*(?=[{T._JOIN_SYLLABLES}])",
}
_DIGITS_AND_PUNCT = st.text(
    alphabet=st.one_of(st.sampled_from(list("0123456789٣(-)).,:;!?…·【】 \n의가x")), _ALPHABET), max_size=60
)


@FAST
@given(text=_DIGITS_AND_PUNCT)
def test_reordered_patterns_match_like_the_old_ones(text: str) -> None:
    import re

    rules = {r.name: r for r in T.ANNALS_RULES}
    for name, old in _OLD_PATTERNS.items():
        assert rules[name].apply(text) == re.compile(old).sub(rules[name].replacement, text)


def test_reordered_patterns_on_corpus_text() -> None:
    import os
    import re

    corpus = Path(os.environ.get("HANGUL_RNN_CORPORA", "/nonexistent")) / "annals" / "annals_subset_ko.txt.gz"
    if not corpus.is_file():
        pytest.skip("no local annals corpus")
    import gzip

    with gzip.open(corpus, "rt", encoding="utf-8") as f:
        text = f.read(1_000_000)
    rules = {r.name: r for r in T.ANNALS_RULES}
    for name, old in _OLD_PATTERNS.items():
        assert rules[name].apply(text) == re.compile(old).sub(rules[name].replacement, text)
