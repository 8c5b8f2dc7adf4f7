"""The Train form's classifier-only rows: pooling, length buckets, pretrained word vectors, a teacher's soft labels
and the fine-tuning schedule of ``from``.

Why a section of its own: these options mean nothing to a generator, so the Train pane shows them only for the
classifier task, and the fine-tuning rows (freeze, unfreeze, learning-rate decay per layer) only act on layers
transferred from a generator, so they are enabled only while the form's "from" field names one. Option lists and
defaults come from hangul_rnn.config, as the CLI's ``hangul-rnn train classifier`` options do; the learning-rate
decay's range is ``TrainConfig.validate``'s, whose one-line errors the pane shows under its buttons.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Checkbox, Input, Label, Select

from hangul_rnn.config import POOLINGS, TASK_DEFAULTS, UNFREEZE_MODES, TrainConfig

from .forms import float_value, int_field

#: How the pooling modes read. None (the config's "not chosen") is the model's default, the last real token's
#: output; "last" itself would train the same network, so the list shows it once, as None, and the form left
#: untouched gives the CLI's default config.
_POOLING_LABELS = {None: "last token", "max": "max over time", "mean": "mean over time",
                   "concat": "concat (ULMFiT)"}
_UNFREEZE_LABELS = {"all": "then all", "gradual": "then gradual"}
#: The rows that only act with a generator in "from".
TRANSFER_IDS = ("train-freeze", "train-unfreeze", "train-lr-decay")
#: Every field of the section, for the pane's remembered form.
REMEMBERED = ("train-pooling", "train-bucket", "train-embeddings", "train-soft-labels", *TRANSFER_IDS)


def _pooling_value(pooling: str | None) -> str:
    return "none" if pooling is None else pooling


class ClassifierOptions(Vertical):
    """The classifier's own rows of the Train form (shown by the pane for that task only)."""

    def compose(self) -> ComposeResult:
        start = TrainConfig(task="classifier", **TASK_DEFAULTS["classifier"])

        def field(label: str, *widgets) -> Horizontal:
            return Horizontal(Label(label), *widgets, classes="field")

        yield field("pool", Select([(_POOLING_LABELS[v], _pooling_value(v)) for v in POOLINGS if v != "last"],
                                     value=_pooling_value(start.pooling), allow_blank=False, compact=True,
                                     id="train-pooling",
                                     tooltip="how the last layer's outputs become one vector per text"))
        yield field("bucket", Checkbox("batch by length", start.bucket, compact=True, id="train-bucket",
                                       tooltip="batches of similar length, each padded to its longest text: the "
                                               "same model, fewer padded steps"))
        yield field("vectors", Input(start.embeddings or "", placeholder="word-vector file (optional)", compact=True,
                                     id="train-embeddings",
                                     tooltip="start the embedding from word2vec/fastText text vectors of the same "
                                             "tokens (hangul-rnn pretrain-embeddings writes them)"))
        yield field("teacher", Input(start.soft_labels or "", placeholder="soft-label file (optional)",
                                     compact=True, id="train-soft-labels",
                                     tooltip="also learn a teacher's probabilities for unlabelled texts, training "
                                             "side only (hangul-rnn label writes them)"))
        yield field("freeze", Input(str(start.freeze_epochs), compact=True, id="train-freeze", classes="num",
                                    disabled=True, tooltip="with from: epochs that train the new head alone"),
                    Select([(_UNFREEZE_LABELS[v], v) for v in UNFREEZE_MODES], value=start.unfreeze,
                           allow_blank=False, compact=True, id="train-unfreeze", disabled=True,
                           tooltip="with from, after the frozen epochs: unfreeze every layer at once, or one "
                                   "more per epoch from the top (ULMFiT)"))
        yield field("decay", Input(f"{start.lr_decay_per_layer:g}", compact=True, id="train-lr-decay",
                                      classes="num", disabled=True,
                                      tooltip="with from: learning-rate decay per layer; each transferred layer "
                                              "down from the head learns this many times slower (1: off; ULMFiT: 2.6)"))

    def enable_transfer(self, enabled: bool) -> None:
        """The fine-tuning rows follow the "from" field: they act only on a generator's transferred layers."""
        for wid in TRANSFER_IDS:
            self.query_one(f"#{wid}").disabled = not enabled

    def values(self, *, transfer: bool) -> dict[str, Any]:
        """The TrainConfig fields the section sets (FormError on a field that is not a number); the fine-tuning
        ones only with ``transfer`` (a generator in "from"), else they keep the config's defaults."""
        pooling = self.query_one("#train-pooling", Select).value
        vectors = self.query_one("#train-embeddings", Input).value.strip()
        soft = self.query_one("#train-soft-labels", Input).value.strip()
        values: dict[str, Any] = {"pooling": None if pooling == "none" else str(pooling),
                                  "bucket": self.query_one("#train-bucket", Checkbox).value,
                                  "embeddings": vectors or None, "soft_labels": soft or None}
        if transfer:
            values.update(freeze_epochs=int_field(self.query_one("#train-freeze", Input), "freeze epochs",
                                                  minimum=0),
                          unfreeze=str(self.query_one("#train-unfreeze", Select).value),
                          lr_decay_per_layer=float_value(self.query_one("#train-lr-decay", Input), "decay"))
        return values
