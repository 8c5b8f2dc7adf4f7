"""Named recipes, the textbook options and the non-recurrent classifiers: each runs tiny, bad values are one line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from hangul_rnn.cli import main
from hangul_rnn.config import TrainConfig, default_config
from hangul_rnn.errors import UsageError
from hangul_rnn.recipes import RECIPES, recipe_config, recipe_names

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLES = REPO_ROOT / "corpora" / "samples"
TINY = ["--units", "8", "--embedding-dim", "4", "--batch-size", "16", "--epochs", "1"]


def one_line_error(capsys: pytest.CaptureFixture) -> str:
    err = capsys.readouterr().err.strip()
    assert err.startswith("hangul-rnn: error:") and "\n" not in err and "Traceback" not in err, err
    return err


def hyperparameters(name: str) -> dict:
    from hangul_rnn.bundle import load_bundle

    return load_bundle(name).config["hyperparameters"]


# --------------------------------------------------------------------------------------------------- the table


def test_every_recipe_is_a_valid_config_of_its_task() -> None:
    for name, recipe in RECIPES.items():
        cfg = recipe_config(name, recipe.task)
        for field, value in recipe.overrides.items():
            assert getattr(cfg, field) == value, (name, field)
        assert name in recipe_names(recipe.task)


def test_the_textbook_nsmc_recipe_is_the_book_setup() -> None:
    cfg = recipe_config("textbook-nsmc", "classifier")
    assert (cfg.stem, cfg.truncate_to, cfg.max_vocab, cfg.max_len) == ("truncate", 5, 20000, 25)
    assert (cfg.padding, cfg.truncating, cfg.drop_unknown, cfg.mask_padding) == ("post", "post", True, False)
    assert (cfg.embedding_dim, cfg.cell, cfg.units, cfg.dropout, cfg.hidden_units) == (300, "lstm", 50, 0.0, 0)
    assert (cfg.validation_fraction, cfg.epochs, cfg.patience, cfg.clipnorm) == (0.2, 5, 0, 0.0)


def test_a_recipe_of_another_task_or_unknown_is_a_one_line_error() -> None:
    with pytest.raises(UsageError, match="trains a classifier"):
        recipe_config("textbook-nsmc", "generator")
    with pytest.raises(UsageError, match="unknown recipe"):
        recipe_config("no-such-recipe", "classifier")


def test_recipes_are_listed_in_help(capsys: pytest.CaptureFixture) -> None:
    assert main(["train", "classifier", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "--recipe {textbook-nsmc}" in out and "80.1% test" in out
    assert main(["train", "generator", "--help"]) == 0
    assert "textbook-annals-words" in capsys.readouterr().out


@pytest.mark.parametrize("changes, words", [
    (dict(padding="middle"), "padding"),
    (dict(truncating="both"), "truncating"),
    (dict(optimizer="sgd"), "optimizer"),
    (dict(hidden_units=-1), "--hidden-units"),
    (dict(hidden_dropout=1.5), "--hidden-dropout"),
    (dict(layer_dropout=-0.1), "--layer-dropout"),
    (dict(sample_temperature=-1.0), "--sample-temperature"),
    (dict(task="classifier", targets="last"), "--targets last"),
    (dict(task="classifier", cell="bag", bidirectional=True), "not recurrent"),
    (dict(cell="bag"), "cell"),  # a generator needs a recurrent cell
    (dict(task="classifier", tie_embeddings=True), "--tie-embeddings only applies to generators"),
    (dict(tie_embeddings=True, embeddings="v.txt", freeze_embeddings=True), "would freeze the output layer"),
])
def test_bad_option_values_are_one_line_errors(changes: dict, words: str) -> None:
    with pytest.raises(UsageError, match=words) as caught:
        TrainConfig(**changes).validate()
    assert "\n" not in str(caught.value)


def test_greedy_sample_temperature_is_allowed() -> None:
    assert default_config("generator", sample_temperature=0.0).sample_temperature == 0.0


# --------------------------------------------------------------------------------------------------- the CLI


def test_textbook_nsmc_runs_tiny_and_an_explicit_option_beats_the_recipe(sample_corpora: Path,
                                                                         capsys: pytest.CaptureFixture) -> None:
    # --dropout 0.2 is the classifier's default typed explicitly: it must still beat the recipe's 0
    assert main(["train", "classifier", "--recipe", "textbook-nsmc", "--epochs", "2", "--units", "6",
                 "--embedding-dim", "4", "--dropout", "0.2"]) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert "epoch 2/2" in out  # no early stopping: both epochs run
    hp = hyperparameters("textbook-nsmc")  # the recipe names the model
    assert (hp["units"], hp["embedding_dim"], hp["dropout"], hp["epochs"]) == (6, 4, 0.2, 2)
    assert (hp["padding"], hp["drop_unknown"], hp["mask_padding"], hp["validation_fraction"]) == \
        ("post", True, False, 0.2)
    assert main(["evaluate", "textbook-nsmc", "--json"]) == 0  # the NumPy runtime scores it as trained
    assert 0.0 <= json.loads(capsys.readouterr().out)["accuracy"] <= 1.0


def test_the_annals_word_recipe_runs_tiny_with_a_greedy_sample(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    text = tmp_path / "words.txt"
    text.write_text("\n".join((SAMPLES / "annals_sample.txt").read_text(encoding="utf-8").splitlines()[:60]),
                    encoding="utf-8")
    assert main(["train", "generator", "--recipe", "textbook-annals-words", "--corpus", f"text:{text}",
                 "--epochs", "1", "--units", "6", "--embedding-dim", "4", "--batch-size", "8",
                 "--seq-len", "5", "--stride", "6", "--sample-chars", "4", "--name", "words"]) == 0, \
        capsys.readouterr().err
    out = capsys.readouterr().out
    assert "sample:" in out
    hp = hyperparameters("words")
    assert (hp["level"], hp["stem"], hp["targets"], hp["layers"], hp["layer_dropout"]) == ("word", None, "last", 2, 0.2)
    assert hp["sample_temperature"] == 0.0


def test_a_bad_padding_on_the_command_line_is_a_usage_error(capsys: pytest.CaptureFixture) -> None:
    assert main(["train", "classifier", "--padding", "middle"]) == 2
    assert "invalid choice" in capsys.readouterr().err


def test_a_recipe_for_the_other_task_is_refused(capsys: pytest.CaptureFixture) -> None:
    assert main(["train", "generator", "--recipe", "textbook-nsmc"]) == 2
    assert "invalid choice" in capsys.readouterr().err


# --------------------------------------------------------------------------------------------------- the pieces


def test_cut_ids_cuts_first_then_drops_unknown_words() -> None:
    from hangul_rnn.scoring import cut_ids
    from hangul_rnn.tokenizers import UNK_ID

    ids = [5, UNK_ID, 6, 7, UNK_ID, 8]
    assert cut_ids(ids, 4, "post", drop_unknown=True) == [5, 6, 7]  # the book's first 25 words, then the drop
    assert cut_ids(ids, 4, "pre", drop_unknown=False) == [6, 7, UNK_ID, 8]
    assert cut_ids(ids, 10, "post", drop_unknown=True) == [5, 6, 7, 8]


def test_the_last_step_view_is_the_generator_at_its_last_step_with_the_same_weights() -> None:
    import keras

    from hangul_rnn.models import build_generator, last_step_view

    keras.utils.set_random_seed(0)
    full = build_generator(30, layers=2, units=5, embedding_dim=4, layer_dropout=0.2)
    view = last_step_view(full)
    ids = np.random.default_rng(0).integers(1, 30, size=(3, 6)).astype("int32")
    np.testing.assert_allclose(np.asarray(view(ids)), np.asarray(full(ids))[:, -1], atol=1e-6)
    assert len(view.weights) == len(full.weights)
    assert all(a is b for a, b in zip(view.weights, full.weights))  # training the view trains the saved model


@pytest.mark.parametrize("units", [4, 6])
def test_the_last_step_view_of_a_tied_generator(units: int) -> None:
    """The tied output (the embedding called in reverse, after a projection when units != embedding_dim) is the
    view's head too."""
    import keras

    from hangul_rnn.models import build_generator, last_step_view

    keras.utils.set_random_seed(1)
    full = build_generator(30, units=units, embedding_dim=4, tie_embeddings=True)
    full.set_weights([w * 3 for w in full.get_weights()])
    view = last_step_view(full)
    ids = np.random.default_rng(1).integers(1, 30, size=(3, 6)).astype("int32")
    np.testing.assert_allclose(np.asarray(view(ids)), np.asarray(full(ids))[:, -1], atol=1e-6)
    assert view.output.shape == (None, 30) and all(a is b for a, b in zip(view.weights, full.weights, strict=True))


@pytest.mark.parametrize("cell, extra", [
    ("bag", []),
    ("flatten", ["--hidden-units", "4", "--hidden-dropout", "0.2"]),
    ("conv", ["--conv-kernel", "3", "--pool-size", "2", "--optimizer", "rmsprop"]),
])
def test_non_recurrent_classifiers_train_and_score(cell: str, extra: list[str], capsys: pytest.CaptureFixture) -> None:
    tsv = SAMPLES / "nsmc_sample.tsv"
    assert main(["train", "classifier", "--corpus", f"tsv:{tsv}", "--name", cell, "--level", "syllable",
                 "--max-len", "20", "--validation", "0.2", "--cell", cell, *extra, *TINY]) == 0, \
        capsys.readouterr().err
    capsys.readouterr()
    assert main(["score", "--model", cell, "재미있어요", "별로"]) == 0, capsys.readouterr().err
    assert hyperparameters(cell)["cell"] == cell


def test_a_conv_encoder_too_long_for_its_texts_is_a_one_line_error(capsys: pytest.CaptureFixture) -> None:
    tsv = SAMPLES / "nsmc_sample.tsv"
    assert main(["train", "classifier", "--corpus", f"tsv:{tsv}", "--cell", "conv", "--max-len", "6",
                 "--conv-kernel", "5", "--name", "short", *TINY]) == 2
    assert "--max-len" in one_line_error(capsys)


# --------------------------------------------------------------------------------------------------- hashing


def test_hashed_vocabulary_ids_are_stable_in_range_and_survive_json() -> None:
    from hangul_rnn.tokenizers import PAD_ID, UNK_ID, HashedVocabulary, Tokenizer, WordTokenizer

    vocab = HashedVocabulary(50, ("<bos>", "<eos>", "<nl>"))
    ids = vocab.encode(["재미있", "영화", "재미있", "<pad>"])
    assert ids[0] == ids[2] and ids[3] == PAD_ID and UNK_ID not in ids
    assert all(5 <= i < 55 for i in ids[:3]) and len(vocab) == 55
    assert ids[0] == 5 + 2053208505 % 50  # CRC-32 of the UTF-8 bytes: the same on every machine and run
    tok = WordTokenizer(stem=None)
    tok.vocab = vocab
    again = Tokenizer.from_dict(tok.to_dict())
    assert again.vocab == vocab and again.encode("재미있 영화") == tok.encode("재미있 영화")
    with pytest.raises(UsageError):
        HashedVocabulary(0)


def test_a_hashed_classifier_trains_and_scores(capsys: pytest.CaptureFixture) -> None:
    tsv = SAMPLES / "nsmc_sample.tsv"
    assert main(["train", "classifier", "--corpus", f"tsv:{tsv}", "--name", "hashed", "--level", "word",
                 "--stem", "none", "--hash-buckets", "97", "--max-len", "20", "--validation", "0.2", *TINY]) == 0, \
        capsys.readouterr().err
    capsys.readouterr()
    assert main(["score", "--model", "hashed", "처음 보는 단어들"]) == 0
    from hangul_rnn.bundle import load_bundle

    assert load_bundle("hashed").tokenizer.vocab_size == 97 + 5
    assert main(["train", "generator", "--hash-buckets", "10"]) == 2  # no such option for generators
