"""hangul_rnn.morph: Kiwi stems, batching, the disk cache, and a cheap import."""

from __future__ import annotations

import gzip
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from hangul_rnn import morph  # noqa: E402
from hangul_rnn.errors import UsageError  # noqa: E402

SENTENCES = [
    "재미있을 것 같아요!!",
    "이 영화 정말 재미없었다 ㅋㅋㅋ",
    "배우들의 연기가 너무 좋았고 음악도 훌륭했다.",
    "",
    "   ",
    "추워서 도와줬다",
    "GDNTOPCLASSINTHECLUB",
    "최고의 영화 😀👍 10점 만점에 10점!!",
    "Good movie. 強推 ♥♥",
]


@pytest.fixture(scope="module")
def kiwi():
    """Load Kiwi once for the module (a few seconds)."""
    return morph.get_kiwi()


def test_lemma_of_adjective(kiwi) -> None:
    assert "재미있다" in morph.stem("재미있을 것 같아요")


def test_irregular_verbs_become_lemmas(kiwi) -> None:
    out = morph.stem("추워서 도와줬다")
    assert "춥다" in out and "돕다" in out


def test_particles_endings_and_punctuation_dropped(kiwi) -> None:
    out = morph.stem("배우들의 연기가 너무 좋았다.")
    assert "연기" in out and "좋다" in out and "너무" in out
    for dropped in ("가", "의", "었", "다", ".", "들"):
        assert dropped not in out


def test_stop_tags_parameter(kiwi) -> None:
    default = morph.stem("영화가 좋다")
    assert "가" not in default
    keep_subject = morph.stem("영화가 좋다", stop_tags=morph.DEFAULT_STOP_TAGS - {"JKS"})
    assert keep_subject[:2] == ["영화", "가"]
    no_nouns = morph.stem("영화가 좋다", stop_tags=morph.DEFAULT_STOP_TAGS | {"NNG"})
    assert "영화" not in no_nouns and "좋다" in no_nouns
    # a base tag stops its irregular variants too (돕 is VV-I)
    assert "돕다" not in morph.stem("도와줬다", stop_tags=morph.DEFAULT_STOP_TAGS | {"VV"})


def test_stop_tags_must_not_be_one_string(kiwi) -> None:
    with pytest.raises(UsageError):
        morph.stem("영화", stop_tags="JKS")


def test_empty_and_whitespace(kiwi) -> None:
    assert morph.stem("") == []
    assert morph.stem("  \t\n ") == []
    assert morph.stem_batch([]) == []
    assert morph.stem_batch(["", " ", "좋다", "\n"]) == [[], [], ["좋다"], []]


def test_emoji_and_mixed_scripts(kiwi) -> None:
    out = morph.stem("최고의 영화 😀👍 Good movie 強推 123 ㅋㅋ ㅠㅠ")
    assert "영화" in out and "최고" in out
    assert all(isinstance(s, str) and s for s in out)
    morph.stem("\u200b\ufeff\U0001F600")  # zero-width and BOM only: no crash


def test_batch_equals_single_in_order(kiwi) -> None:
    batch = morph.stem_batch(SENTENCES)
    assert len(batch) == len(SENTENCES)
    assert batch == [morph.stem(s) for s in SENTENCES]
    assert morph.stem_batch(reversed(SENTENCES)) == batch[::-1]  # a plain iterator works too


def test_batch_single_thread(kiwi) -> None:
    assert morph.stem_batch(SENTENCES, num_workers=1) == morph.stem_batch(SENTENCES)


def test_bad_input_types(kiwi) -> None:
    with pytest.raises(TypeError):
        morph.stem(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        morph.stem_batch(["좋다", 3])  # type: ignore[list-item]
    with pytest.raises(UsageError):
        morph.get_kiwi(0)


def test_progress_reports(kiwi, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(morph, "PROGRESS_EVERY", 3)
    seen: list[int] = []
    morph.stem_batch(["좋다"] * 7, progress=seen.append)
    assert seen == [3, 6, 7]


def _count_tokenize_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = morph.stem_batch

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(morph, "stem_batch", counting)
    return calls


def test_cache_hit_on_second_call(kiwi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _count_tokenize_calls(monkeypatch)
    first = morph.cached_stem_batch(SENTENCES, cache_dir=tmp_path)
    files = list(tmp_path.glob("*.jsonl.gz"))
    assert len(files) == 1 and calls == [1]
    assert not list(tmp_path.glob("*.tmp"))

    def no_kiwi(*args, **kwargs):
        raise AssertionError("Kiwi must not run on a cache hit")

    monkeypatch.setattr(morph, "get_kiwi", no_kiwi)
    seen: list[int] = []
    second = morph.cached_stem_batch(SENTENCES, cache_dir=tmp_path, progress=seen.append)
    assert second == first
    assert calls == [1] and seen == [len(SENTENCES)]


def test_cache_default_dir_and_key(kiwi, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HANGUL_RNN_CACHE", str(tmp_path / "c"))
    morph.cached_stem_batch(["좋다", "싫다"])
    morph.cached_stem_batch(["좋다", "싫다"], stop_tags=morph.DEFAULT_STOP_TAGS - {"EF"})
    morph.cached_stem_batch(["좋다싫다"])  # same characters, different split: another key
    assert len(list((tmp_path / "c" / "stems").glob("*.jsonl.gz"))) == 3


@pytest.mark.parametrize(
    "damage",
    [
        lambda p: p.write_bytes(b"not gzip at all"),
        lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),
        lambda p: p.write_bytes(gzip.compress(b'{"format": "x"}\n[1, 2]\n')),
        lambda p: p.write_bytes(gzip.compress(b"{not json\n")),
        lambda p: p.write_bytes(b""),
    ],
    ids=["not-gzip", "truncated", "wrong-header", "bad-json", "empty"],
)
def test_corrupt_cache_is_rebuilt(kiwi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage) -> None:
    good = morph.cached_stem_batch(SENTENCES, cache_dir=tmp_path)
    (path,) = tmp_path.glob("*.jsonl.gz")
    damage(path)
    calls = _count_tokenize_calls(monkeypatch)
    with pytest.warns(RuntimeWarning, match="damaged stem cache"):
        rebuilt = morph.cached_stem_batch(SENTENCES, cache_dir=tmp_path)
    assert rebuilt == good and calls == [1]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # rebuilt file reads cleanly
        assert morph.cached_stem_batch(SENTENCES, cache_dir=tmp_path) == good
    assert calls == [1]


def test_cache_never_pickles(kiwi, tmp_path: Path) -> None:
    morph.cached_stem_batch(["재미있을 것 같아요"], cache_dir=tmp_path)
    (path,) = tmp_path.glob("*.jsonl.gz")
    lines = gzip.decompress(path.read_bytes()).decode("utf-8").splitlines()
    assert lines[1] == '["재미있다", "같다"]'


def test_cache_pruned_least_recently_used_first(kiwi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    morph.cached_stem_batch(["재미있다"], cache_dir=tmp_path)
    (first,) = tmp_path.glob("*.jsonl.gz")
    morph.cached_stem_batch(["지루하다"], cache_dir=tmp_path)
    (second,) = set(tmp_path.glob("*.jsonl.gz")) - {first}
    os.utime(first, (1_000_000, 1_000_000))
    os.utime(second, (2_000_000, 2_000_000))
    morph.cached_stem_batch(["재미있다"], cache_dir=tmp_path)  # a hit marks the first file as used now
    assert first.stat().st_mtime > second.stat().st_mtime
    # The budget holds two files: writing a third removes the least recently used one (the second).
    budget = first.stat().st_size + second.stat().st_size + 10
    monkeypatch.setattr(morph, "CACHE_MAX_BYTES", budget)
    morph.cached_stem_batch(["좋았다"], cache_dir=tmp_path)
    left = set(tmp_path.glob("*.jsonl.gz"))
    assert first in left and second not in left and len(left) == 2
    assert morph.prune_cache(tmp_path, max_bytes=0) > 0 and not list(tmp_path.glob("*.jsonl.gz"))


def test_one_kiwi_serves_threads_at_once(kiwi) -> None:
    """Live scoring stems single sentences while a training run stems a corpus on the same Kiwi: no lock (which
    would stall the scorer for the whole batch), so Kiwi's analysis must be re-entrant. This checks it stays so."""
    import threading

    texts = SENTENCES * 60
    expected_batch = morph.stem_batch(texts)
    expected_single = [morph.stem(t) for t in SENTENCES]
    problems: list[object] = []

    def batch() -> None:
        for _ in range(3):
            if morph.stem_batch(texts) != expected_batch:
                problems.append("batch")

    def single() -> None:
        for _ in range(20):
            if [morph.stem(t) for t in SENTENCES] != expected_single:
                problems.append("single")

    threads = [threading.Thread(target=batch), threading.Thread(target=single), threading.Thread(target=single)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not problems


def test_import_is_cheap() -> None:
    code = (
        "import sys, hangul_rnn.morph\n"
        "bad = [m for m in ('tensorflow', 'kiwipiepy', 'keras') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_nsmc_first_2000_reviews(kiwi, shared_corpora: Path) -> None:
    path = shared_corpora / "nsmc" / "ratings_test.txt"
    if not path.is_file():
        pytest.skip(f"{path} is not present")
    with path.open(encoding="utf-8") as f:
        next(f)  # header: id, document, label
        texts = [line.rstrip("\n").split("\t")[1] for _, line in zip(range(2000), f)]
    assert len(texts) == 2000
    seen: list[int] = []
    stems = morph.stem_batch(texts, progress=seen.append)
    assert len(stems) == 2000 and seen[-1] == 2000
    assert stems[:50] == [morph.stem(t) for t in texts[:50]]
    non_empty = [s for t, s in zip(texts, stems) if t.strip()]
    assert sum(1 for s in non_empty if s) / len(non_empty) > 0.98
    vocab = {w for s in stems for w in s}
    assert {"영화", "재미있다", "좋다"} <= vocab
    particles = {"은", "는", "이", "가", "을", "를"}
    count = sum(len(s) for s in stems)
    assert sum(1 for s in stems for w in s if w in particles) / count < 0.01  # 이 as a determiner may stay
