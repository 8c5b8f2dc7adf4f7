"""Pretrained word vectors: reading word2vec/fastText/GloVe text files, ``train --embeddings``, freezing, resuming
and ``export-embeddings`` (hangul_rnn.embeddings)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest

from hangul_rnn.cli import main
from hangul_rnn.config import TrainConfig
from hangul_rnn.embeddings import (
    pretrained_rows,
    read_vectors,
    vector_dimension,
    with_file_dimension,
    write_vectors,
)
from hangul_rnn.errors import FormatError, UsageError

SAMPLES = Path(__file__).resolve().parent.parent / "corpora" / "samples"
TSV = f"tsv:{SAMPLES / 'nsmc_sample.tsv'}"
TINY = ["--corpus", TSV, "--level", "syllable", "--max-len", "20", "--units", "8", "--batch-size", "16",
        "--epochs", "1", "--patience", "0", "--validation", "0.2"]


def _write(path: Path, lines: list[str]) -> Path:
    text = "\n".join(lines) + "\n"
    if path.name.endswith(".gz"):
        path.write_bytes(gzip.compress(text.encode("utf-8")))
    else:
        path.write_text(text, encoding="utf-8")
    return path


def one_line_error(capsys: pytest.CaptureFixture) -> str:
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("hangul-rnn: error:") and "Traceback" not in err, err
    return err


# ----------------------------------------------------------------------------------------------- the file format


@pytest.mark.parametrize("name", ["v.vec", "v.txt.gz"])
def test_reads_word2vec_with_header_and_glove_without(tmp_path: Path, name: str) -> None:
    rows = ["영화 0.1 0.2 0.3", "재미 1 2 3 ", "영화 9 9 9", "별로 -1e-1 0 4.5"]  # trailing space: fastText .vec
    with_header = read_vectors(_write(tmp_path / f"h-{name}", ["4 3", *rows]))
    glove = read_vectors(_write(tmp_path / f"g-{name}", rows))
    for vectors in (with_header, glove):
        assert vectors.dim == 3 and vectors.words_in_file == 4
        assert vectors.vectors["영화"].tolist() == pytest.approx([0.1, 0.2, 0.3])  # a repeated word keeps its first
        assert vectors.vectors["별로"].tolist() == pytest.approx([-0.1, 0.0, 4.5])
    only = read_vectors(tmp_path / f"g-{name}", {"재미", "없는말"})
    assert set(only.vectors) == {"재미"}


@pytest.mark.parametrize("lines, message", [
    (["a 1 2 3", "b 1 2"], "line 2: 'b' has 2 numbers, not 3"),
    (["a 1 2 3", "unwanted 1 2 3 4"], "line 2: 'unwanted' has 4 numbers, not 3"),
    (["2 3", "a 1 2"], "line 2: 'a' has 2 numbers, not 3"),
    (["a 1 2 3", "b 1 x 3"], "line 2: 'b' has 'x', which is not a number"),
    (["a 1 nope"], "line 1: 'a' has 'nope', which is not a number"),
    (["just-words"], "its first line has no numbers"),
])
def test_bad_vector_files_are_one_line_format_errors(tmp_path: Path, lines: list[str], message: str) -> None:
    path = _write(tmp_path / "bad.vec", lines)
    with pytest.raises(FormatError, match=message) as info:
        read_vectors(path, {"a", "b"})
    assert "\n" not in str(info.value) and str(path) in str(info.value)


def test_missing_binary_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file"):
        vector_dimension(tmp_path / "nothing.vec")
    binary = tmp_path / "vectors.bin"
    binary.write_bytes(b"2 3\n\xff\xfe\x00\x01binary word2vec")
    with pytest.raises(FormatError, match="not a word-vector text file"):
        read_vectors(binary)
    (tmp_path / "empty.vec").write_text("", encoding="utf-8")
    with pytest.raises(FormatError, match="empty"):
        read_vectors(tmp_path / "empty.vec")
    (tmp_path / "broken.vec.gz").write_bytes(b"not gzip at all")
    with pytest.raises(FormatError):
        read_vectors(tmp_path / "broken.vec.gz")


def test_rows_for_a_vocabulary_and_the_missing_counted(tmp_path: Path) -> None:
    vectors = read_vectors(_write(tmp_path / "v.vec", ["영화 1 1", "재미 2 2", "<pad> 5 5"]))
    tokens = ["<pad>", "<unk>", " ", "영화", "없다", "재미"]
    rows = pretrained_rows(tokens, vectors, skip={"<pad>", "<unk>"})
    assert rows.ids.tolist() == [3, 5] and rows.vectors.tolist() == [[1, 1], [2, 2]]
    assert rows.missing == ["없다"]  # the space cannot be in the file: neither looked up nor counted
    assert rows.record() == {"file": str(vectors.path), "dim": 2, "found": 2, "missing": 1}
    with pytest.raises(UsageError, match="none of the model's 2 tokens"):
        pretrained_rows(["<pad>", "movie", "good"], vectors, skip={"<pad>"})


def test_written_vectors_read_back(tmp_path: Path) -> None:
    tokens = ["<pad>", "<unk>", "영화", "a b", "재미"]
    table = np.arange(10, dtype=np.float32).reshape(5, 2) / 3
    for name in ("out.vec", "out.vec.gz"):
        assert write_vectors(tmp_path / name, tokens, table, skip={"<pad>", "<unk>"}) == 2  # "a b" cannot be written
        back = read_vectors(tmp_path / name)
        assert back.words_in_file == 2 and back.dim == 2
        assert back.vectors["재미"].tolist() == pytest.approx(table[4].tolist(), rel=1e-5)
    assert (tmp_path / "out.vec").read_text(encoding="utf-8").splitlines()[0] == "2 2"


def test_the_file_decides_the_dimension_and_options_are_checked(tmp_path: Path) -> None:
    path = _write(tmp_path / "v.vec", ["a 1 2 3 4 5"])
    cfg = with_file_dimension(TrainConfig(task="classifier", embeddings=str(path), embedding_dim=64))
    assert cfg.embedding_dim == 5 and cfg.embeddings == str(path.resolve())
    with pytest.raises(UsageError, match="--freeze-embeddings needs --embeddings"):
        TrainConfig(freeze_embeddings=True).validate()
    with pytest.raises(UsageError, match="choose one"):
        TrainConfig(task="classifier", embeddings=str(path), init_from="gen").validate()


# ----------------------------------------------------------------------------------------------- training


def _syllable_vectors(path: Path, dim: int = 6, count: int = 40) -> dict[str, np.ndarray]:
    """Vectors for the most frequent syllables of the sample (as the tokenizer will see them) and one unknown word."""
    from hangul_rnn.corpora import get_corpus
    from hangul_rnn.tokenizers import make_tokenizer

    tokenizer = make_tokenizer("syllable", clean=get_corpus(TSV).cleaning)
    tokenizer.fit([t for t, _ in get_corpus(TSV).examples("train")])
    tokens = [t for t in tokenizer.vocab.tokens if t not in ("<pad>", "<unk>", "<bos>", "<eos>") and not t.isspace()]
    rng = np.random.default_rng(3)
    rows = {t: " ".join(f"{x:.5f}" for x in rng.normal(size=dim)) for t in [*tokens[:count], "없는말"]}
    _write(path, [f"{len(rows)} {dim}", *(f"{t} {numbers}" for t, numbers in rows.items())])
    return {t: np.array(numbers.split(), dtype=np.float32) for t, numbers in rows.items()}


def _table(name: str) -> tuple[np.ndarray, list[str]]:
    from hangul_rnn.bundle import load_bundle

    bundle = load_bundle(name)
    return np.asarray(bundle.runtime.layers[0].table), bundle.tokenizer.vocab.tokens


@pytest.mark.slow  # several seconds each: in CI's bounded slow subset, off the default run
@pytest.mark.ci
def test_train_with_frozen_vectors_resume_and_export(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    vec = tmp_path / "syllables.vec"
    given = _syllable_vectors(vec)
    assert main(["train", "classifier", *TINY, "--embeddings", str(vec), "--freeze-embeddings",
                 "--embedding-dim", "4", "--name", "frozen"]) == 0
    err = capsys.readouterr().err
    assert "word vectors: 40 of" in err and "(6 dimensions, frozen)" in err and "keep a random start" in err
    table, tokens = _table("frozen")
    assert table.shape[1] == 6  # the file's dimension, not --embedding-dim 4
    for token, vector in given.items():
        if token in tokens:  # every row from the file, exactly as the file has it after an epoch: frozen
            np.testing.assert_allclose(table[tokens.index(token)], vector, atol=1e-6)
    start = table.copy()

    config = json.loads((_folder("frozen") / "config.json").read_text(encoding="utf-8"))
    assert config["embeddings"]["found"] == 40 and config["embeddings"]["file"] == str(vec.resolve())
    assert config["hyperparameters"]["freeze_embeddings"] is True

    vec.unlink()  # resuming never reads the file again: the rows are in the bundle
    assert main(["train", "classifier", *TINY, "--name", "frozen", "--resume"]) == 0
    capsys.readouterr()
    after, _ = _table("frozen")
    np.testing.assert_array_equal(after, start)  # still frozen after the resumed epoch

    out = tmp_path / "exported.vec.gz"
    assert main(["export-embeddings", "frozen", str(out)]) == 0
    assert "vectors of 6 dimensions" in capsys.readouterr().out
    back = read_vectors(out)
    assert back.dim == 6 and "<pad>" not in back.vectors and " " not in back.vectors
    for token, vector in back.vectors.items():
        np.testing.assert_allclose(vector, start[tokens.index(token)], rtol=1e-5, atol=1e-6)


def _folder(name: str) -> Path:
    from hangul_rnn.catalog import resolve_bundle_path

    return resolve_bundle_path(name)


@pytest.mark.slow  # several seconds each: in CI's bounded slow subset, off the default run
@pytest.mark.ci
def test_unfrozen_vectors_train_and_generators_take_them_too(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    vec = tmp_path / "syllables.vec"
    given = _syllable_vectors(vec, dim=5)
    assert main(["train", "classifier", *TINY, "--embeddings", str(vec), "--name", "free", "--lr", "0.05"]) == 0
    table, tokens = _table("free")
    moved = [not np.allclose(table[tokens.index(t)], v, atol=1e-6) for t, v in given.items() if t in tokens]
    assert any(moved)  # not frozen: the rows learn (so the frozen test above can fail)
    text = tmp_path / "t.txt"
    text.write_text("이 영화 정말 재미있다\n" * 40, encoding="utf-8")
    assert main(["train", "generator", "--corpus", f"text:{text}", "--embeddings", str(vec), "--name", "gen",
                 "--seq-len", "8", "--units", "8", "--batch-size", "8", "--epochs", "1", "--sample-chars", "0"]) == 0
    assert "word vectors:" in capsys.readouterr().err
    assert _table("gen")[0].shape[1] == 5


def test_a_bad_vector_file_stops_training_before_anything_is_saved(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture) -> None:
    from hangul_rnn.catalog import installed_names

    bad = _write(tmp_path / "bad.vec", ["이 1 2 3", "다 1 2"])
    assert main(["train", "classifier", *TINY, "--embeddings", str(bad), "--name", "never"]) == 1
    assert "line 2: '다' has 2 numbers, not 3" in one_line_error(capsys)
    english = _write(tmp_path / "english.vec", ["movie 1 2", "good 3 4"])
    assert main(["train", "classifier", *TINY, "--embeddings", str(english), "--name", "never"]) == 2
    assert "none of the model's" in one_line_error(capsys)
    assert main(["train", "classifier", *TINY, "--embeddings", str(tmp_path / "none.vec"), "--name", "never"]) == 2
    assert "no such file" in one_line_error(capsys)
    assert main(["train", "classifier", *TINY, "--freeze-embeddings", "--name", "never"]) == 2
    assert "needs --embeddings" in one_line_error(capsys)
    assert "never" not in installed_names()
