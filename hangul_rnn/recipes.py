"""Named recipes: the textbook experiments as data, a table of :class:`~hangul_rnn.config.TrainConfig` overrides.

A recipe is what a reader of the book types instead of twenty options (``hangul-rnn train classifier --recipe
textbook-nsmc``); options given explicitly beside it still win, so a recipe is a starting point, not a lock. The
CLI lists the recipes in ``train TASK --help`` from this table; the library applies one with :func:`recipe_config`.
No TensorFlow here.

How each book setting maps onto the options (and where the toolkit cannot be exactly the book) is written beside
the entries; the measured figures are in ``benchmarks/textbook.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hangul_rnn.config import TASK_DEFAULTS, TrainConfig
from hangul_rnn.errors import UsageError

__all__ = ["RECIPES", "Recipe", "apply_recipe", "recipe_config", "recipe_names"]


@dataclass(frozen=True)
class Recipe:
    """A named training setup: its task, one line for ``--help`` and the config fields it sets."""

    task: str
    summary: str
    overrides: dict[str, Any] = field(default_factory=dict)


RECIPES: dict[str, Recipe] = {
    # TensorFlow 2.0 book, ch. 7 (NSMC sentiment): reviews cut to their first 25 words of at most 5 characters,
    # Tokenizer(num_words=20000) (unknown words dropped, not marked), pad_sequences(padding="post"), no mask;
    # Embedding(20000, 300) -> LSTM(50) -> Dense(2, softmax); Adam 1e-3 (Keras' defaults: no clipping);
    # fit(epochs=5, batch_size=128, validation_split=0.2), no early stopping.
    "textbook-nsmc": Recipe(
        task="classifier",
        summary="TF2 book ch. 7 NSMC: 5-char words, 20K vocabulary, 25 words post-padded, Emb 300 → LSTM 50, "
                "5 epochs, 20% validation (book: 80.1% test)",
        overrides=dict(
            corpus="nsmc", level="word", stem="truncate", truncate_to=5, max_vocab=20000, min_count=1,
            max_len=25, padding="post", truncating="post", drop_unknown=True, mask_padding=False,
            cell="lstm", layers=1, units=50, embedding_dim=300, dropout=0.0, recurrent_dropout=0.0,
            bidirectional=False, conv_filters=0, hidden_units=0, pooling="last",
            validation_fraction=0.2, epochs=5, batch_size=128, learning_rate=1e-3, optimizer="adam",
            clipnorm=0.0, lr_schedule=None, patience=0,
        ),
    ),
    # TensorFlow 2.0 book, ch. 7 (Annals, word level): the text split on spaces, windows of 25 words cut one after
    # another (26 ids each: 25 in, the next word out), batch 512; Embedding(100) -> LSTM(100) -> Dropout(0.2) ->
    # LSTM(100) -> Dense(softmax); Adam; a greedy 100-word sample after epochs. The book trains 50 epochs with no
    # validation; here 5% of the text is held out so the run reports bits per character like every generator.
    "textbook-annals-words": Recipe(
        task="generator",
        summary="TF2 book ch. 7 Annals word generator: Emb 100 → LSTM 100 → Dropout → LSTM 100, one next word "
                "per 25-word window, greedy sample each epoch",
        overrides=dict(
            corpus="annals", level="word", stem=None, max_vocab=None, min_count=1, seq_len=25, stride=26,
            targets="last", cell="lstm", layers=2, units=100, embedding_dim=100, dropout=0.0, recurrent_dropout=0.0,
            layer_dropout=0.2, batch_size=512, epochs=50, learning_rate=1e-3, optimizer="adam", clipnorm=0.0,
            lr_schedule=None, patience=0, stateful=False, sample_chars=100, sample_temperature=0.0,
        ),
    ),
}


def recipe_names(task: str) -> list[str]:
    """The recipes of ``task``, in table order."""
    return [name for name, recipe in RECIPES.items() if recipe.task == task]


def _recipe(name: str, task: str) -> Recipe:
    recipe = RECIPES.get(name)
    if recipe is None:
        raise UsageError(f"unknown recipe {name!r}; choose one of: {', '.join(RECIPES)}")
    if recipe.task != task:
        raise UsageError(f"recipe {name!r} trains a {recipe.task}, not a {task}: use `train {recipe.task} --recipe "
                         f"{name}`")
    return recipe


def recipe_config(name: str, task: str, **changes: Any) -> TrainConfig:
    """The TrainConfig of recipe ``name`` for ``task``: the task's defaults, the recipe, then ``changes``."""
    recipe = _recipe(name, task)
    merged = {**TASK_DEFAULTS[task], **recipe.overrides, **changes}
    return TrainConfig(task=task, **merged).validate()


def apply_recipe(name: str, task: str, values: dict[str, Any], explicit: set[str] | frozenset[str]) -> dict[str, Any]:
    """``values`` (config fields, e.g. from the command line) with recipe ``name`` laid over every field not in
    ``explicit`` (the fields the user set), so an explicit option beats the recipe and the recipe beats defaults."""
    recipe = _recipe(name, task)
    return {**values, **{k: v for k, v in recipe.overrides.items() if k not in explicit}}
