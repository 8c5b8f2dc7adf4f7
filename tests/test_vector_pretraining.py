"""pretrain-embeddings: word vectors learnt from unlabelled text with the classifier's own tokens, read back by
``train --embeddings``; the NSMC test reviews never reach them."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from hangul_rnn.errors import UsageError

pytestmark = pytest.mark.filterwarnings("ignore:.*is not the canonical:UserWarning")

pytest.importorskip("gensim", reason="pretrain-embeddings needs the 'vectors' extra (gensim)")

_TEXT = "\n".join(["왕이 신하에게 말하였다", "신하가 왕에게 아뢰었다", "백성이 왕을 따랐다"] * 40) + "\n"


def test_vectors_have_the_tokenizers_tokens_and_start_a_classifier(tmp_path: Path) -> None:
    from hangul_rnn.embeddings import pretrained_rows, read_vectors
    from hangul_rnn.tokenizers import make_tokenizer
    from hangul_rnn.vector_pretraining import pretrain_vectors

    corpus = tmp_path / "text.txt"
    corpus.write_text(_TEXT, encoding="utf-8")
    seen: list[tuple[str, int, int]] = []
    done = pretrain_vectors(f"text:{corpus}", tmp_path / "v.vec.gz", stem=None, dim=8, min_count=1, epochs=3,
                            workers=1, report=lambda stage, k, n: seen.append((stage, k, n)))
    assert (done.texts, done.dim) == (120, 8) and done.written == done.vocabulary == 9
    vectors = read_vectors(done.path)
    assert vectors.dim == 8 and set(vectors.vectors) == {"왕이", "신하에게", "말하였다", "신하가", "왕에게", "아뢰었다",
                                                          "백성이", "왕을", "따랐다"}
    assert ("training (epochs)", 3, 3) in seen and seen[0][0] == "tokenizing (texts)"
    tokenizer = make_tokenizer("word", clean=None).fit(_TEXT.splitlines())
    rows = pretrained_rows(tokenizer.vocab.tokens, vectors)
    assert len(rows.ids) == 9 and all(t.startswith("<") for t in rows.missing)  # only the specials start at random
    again = pretrain_vectors(f"text:{corpus}", tmp_path / "w.vec", stem=None, dim=8, min_count=1, epochs=3, workers=1)
    assert np.allclose(read_vectors(again.path).vectors["왕이"], vectors.vectors["왕이"], atol=1e-5)  # one seed


def test_nsmc_test_reviews_never_reach_the_vectors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hangul_rnn.embeddings import read_vectors
    from hangul_rnn.vector_pretraining import pretrain_vectors
    from tests.test_nsmc_raw import write_raw_corpora

    monkeypatch.setenv("HANGUL_RNN_CORPORA", str(write_raw_corpora(tmp_path / "corpora")))
    done = pretrain_vectors("nsmc-raw", tmp_path / "raw.vec", stem=None, dim=4, min_count=1, epochs=1, workers=1)
    words = set(read_vectors(done.path).vectors)
    assert "불가사리는" in words and not any(w.startswith("테스트") or w in ("절대", "이것도") for w in words)


def test_the_command_says_how_to_use_the_vectors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from hangul_rnn.cli import main

    corpus = tmp_path / "text.txt"
    corpus.write_text(_TEXT, encoding="utf-8")
    out = tmp_path / "syl.vec"
    assert main(["pretrain-embeddings", str(out), "--corpus", f"text:{corpus}", "--level", "syllable", "--dim", "4",
                 "--min-count", "1", "--epochs", "1"]) == 0
    said = " ".join(capsys.readouterr().out.split())
    assert "--level syllable --embeddings" in said and "--stem" not in said and out.is_file()


def test_bad_settings_and_missing_gensim_are_one_line_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    from hangul_rnn.cli import main
    from hangul_rnn.vector_pretraining import pretrain_vectors

    corpus = tmp_path / "text.txt"
    corpus.write_text(_TEXT, encoding="utf-8")
    with pytest.raises(UsageError, match="--window"):
        pretrain_vectors(f"text:{corpus}", tmp_path / "v.vec", window=0)
    with pytest.raises(UsageError, match="--min-count"):
        pretrain_vectors(f"text:{corpus}", tmp_path / "v.vec", stem=None, min_count=10_000)
    assert main(["pretrain-embeddings", str(tmp_path / "no" / "v.vec"), "--corpus", f"text:{corpus}"]) == 2
    assert capsys.readouterr().err.strip().splitlines()[-1].startswith("hangul-rnn: error: cannot write")
    monkeypatch.setitem(sys.modules, "gensim", None)
    monkeypatch.setitem(sys.modules, "gensim.models", None)
    assert main(["pretrain-embeddings", str(tmp_path / "v.vec"), "--corpus", f"text:{corpus}"]) == 2
    assert "pip install 'hangul-rnn[vectors]'" in capsys.readouterr().err
    assert not (tmp_path / "v.vec").exists()
