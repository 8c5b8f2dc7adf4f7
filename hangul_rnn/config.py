"""What decides a training run, with no TensorFlow import: option lists, :class:`TrainConfig` and its checks.

The CLI (argparse ``choices``/``default``), the TUI form and the library read the option lists and defaults from
here, so that the same task trains the same model from every front end.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from hangul_rnn.errors import UsageError

TASKS = ("generator", "classifier")
LEVELS = ("jamo", "syllable", "word")
STEMS = (None, "truncate", "morph", "morph-all")
CELLS = ("lstm", "gru", "rnn")
STRATEGIES = ("default", "mirrored", "multiworker")
LR_SCHEDULES = (None, "plateau", "cosine")
POOLINGS = (None, "last", "max", "mean", "concat")  # concat: last, max and mean side by side (ULMFiT's)
#: How a classifier started from a generator (``--init-from``) unfreezes it after ``freeze_epochs``: every
#: transferred layer at once, or one per epoch from the top (ULMFiT's gradual unfreezing, embedding last).
UNFREEZE_MODES = ("all", "gradual")
#: Classifier encoders that are not recurrent (Chollet's "baselines first"), picked with ``--cell`` like a cell:
#: a bag of embeddings (masked mean, fastText-like), Embedding -> Flatten (the feed-forward net), a 1D convnet.
ENCODERS = ("bag", "flatten", "conv")
CLASSIFIER_CELLS = CELLS + ENCODERS
PADDINGS = ("pre", "post")
OPTIMIZERS = ("adam", "rmsprop")
#: Generator targets: the next token at every position of a window, or only after its last (the textbook's
#: many-to-one next-word model).
TARGETS = ("all", "last")
#: The chapter-7 toy tasks (:mod:`hangul_rnn.toys`) and the book's settings for each.
TOYS = ("next-number", "multiplication")
TOY_DEFAULTS: dict[str, dict[str, Any]] = {
    "next-number": dict(cell="rnn", units=10, layers=1, epochs=100, examples=6, test=2, steps=4, batch_size=32),
    "multiplication": dict(cell="lstm", units=30, layers=2, epochs=100, examples=3000, test=440, steps=100,
                           batch_size=32),
}

#: Config fields that define the data and the network (and the fine-tuning schedule); on resume the saved values win.
ARCH_FIELDS = (
    "task", "corpus", "level", "stem", "truncate_to", "clean", "cell", "layers", "units", "embedding_dim",
    "dropout", "recurrent_dropout", "bidirectional", "conv_filters", "conv_kernel", "pool_size", "pooling",
    "seq_len", "max_len", "max_vocab", "min_count", "validation_fraction", "limit", "init_from",
    "embeddings", "freeze_embeddings", "soft_labels",
    "padding", "truncating", "drop_unknown", "mask_padding", "hash_buckets", "hidden_units", "hidden_dropout",
    "layer_dropout", "targets", "tie_embeddings",
    "freeze_epochs", "unfreeze", "lr_decay_per_layer",  # a fine-tuning schedule resumes as it began (by epoch)
)


@dataclass
class TrainConfig:
    """Everything that decides a training run; :meth:`validate` checks it before any data is read."""

    task: str = "generator"
    corpus: str = "annals"
    # tokenizer
    level: str = "syllable"
    stem: str | None = None
    truncate_to: int = 5
    clean: str | None = None  # None: the corpus's own cleaning rules
    max_vocab: int | None = None
    min_count: int = 1
    hash_buckets: int = 0  # classifiers: the hashing trick, words hashed into N embedding rows (0: a fitted vocabulary)
    # network
    cell: str = "lstm"
    layers: int = 1
    units: int = 128
    embedding_dim: int = 64
    dropout: float = 0.0
    recurrent_dropout: float = 0.0
    bidirectional: bool = False
    conv_filters: int = 0
    conv_kernel: int = 5
    pool_size: int = 2
    pooling: str | None = None  # classifier pooling as models.build_classifier names it; None: its default
    hidden_units: int = 0  # classifiers: a Dense(relu) layer before the head (0: none)
    hidden_dropout: float = 0.0  # dropout after that hidden layer
    layer_dropout: float = 0.0  # a Dropout layer between stacked recurrent layers (the textbook generator's)
    tie_embeddings: bool = False  # generators: the output layer is the input embedding transposed (hangul_rnn.tied)
    mask_padding: bool = True  # classifiers: the embedding masks id 0 (False: padding is read as input, as Keras'
    #                            default Embedding does; non-recurrent flatten/conv never mask)
    # data shape
    seq_len: int = 100  # generator window, in tokens
    stride: int | None = None  # generator window stride; None: windows.generation_datasets' default
    max_len: int = 64  # classifier sequence length, in tokens
    padding: str = "pre"  # classifiers: where the padding goes ("post": after the text, Keras' textbook choice)
    truncating: str = "pre"  # classifiers: "pre" keeps the end of a long text, "post" its beginning
    bucket: bool = False  # classifiers: batches of similar length, padded to their longest text, not to max_len
    drop_unknown: bool = False  # classifiers: words outside the vocabulary are dropped (Keras' Tokenizer), not <unk>
    targets: str = "all"  # generators: the loss on every next token, or only on the token after the window
    # fitting
    batch_size: int = 64
    epochs: int = 10
    learning_rate: float = 1e-3
    optimizer: str = "adam"
    validation_fraction: float = 0.05
    patience: int = 3  # early-stopping patience on val_loss; 0 turns early stopping off
    clipnorm: float = 5.0  # gradient norm clipping; 0 turns it off
    lr_schedule: str | None = None  # None: constant; "plateau": halve on a flat val_loss; "cosine": decay to 0
    stateful: bool = False  # generators: truncated BPTT, the state carried from window to window of a stream
    steps_per_epoch: int | None = None  # batches per epoch (checkpoint, validation, sample); None: one data pass
    seed: int = 0
    strategy: str = "default"
    limit: int | None = None  # at most this many documents/lines read, for quick runs
    # transfer (classifiers): start from a generator bundle's tokenizer, embedding and recurrent layers
    init_from: str | None = None  # a generator's name or bundle folder; see hangul_rnn.transfer
    freeze_epochs: int = 0  # with init_from: epochs that train the new head alone (encoder frozen) before all
    unfreeze: str = "all"  # with init_from: after freeze_epochs unfreeze every layer, or one per epoch from the top
    lr_decay_per_layer: float = 1.0  # with init_from: each transferred layer down from the head learns F times slower
    # pretrained word vectors (hangul_rnn.embeddings): the file starts the rows of the tokens it has; its dimension
    # becomes embedding_dim; frozen rows stay as the file has them (both kept on resume, as the network is)
    embeddings: str | None = None
    freeze_embeddings: bool = False
    # knowledge distillation (hangul_rnn.soft_labels): a file of a teacher's class probabilities for unlabelled
    # texts, added to the training side only (never to validation); the loss then matches probabilities
    soft_labels: str | None = None
    # per-epoch sample (generators)
    sample_chars: int = 200  # tokens generated for the sample; 0 turns it off
    sample_prompt: str = ""
    sample_temperature: float = 0.8  # 0: greedy (the textbook's argmax)

    def validate(self) -> TrainConfig:  # noqa: C901 - one flat check per option, each a line: splitting hides them
        """Raise UsageError (one line, naming the option) for any bad value; returns self."""

        def choice(name: str, allowed: tuple) -> None:
            value = getattr(self, name)
            if value not in allowed:
                shown = ", ".join("none" if a is None else str(a) for a in allowed)
                raise UsageError(f"unknown {name.replace('_', '-')} {value!r}; choose one of: {shown}")

        def positive(name: str, *, allow_none: bool = False, minimum: int = 1) -> None:
            value = getattr(self, name)
            if value is None and allow_none:
                return
            if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
                raise UsageError(f"--{name.replace('_', '-')} must be an integer ≥ {minimum}, got {value!r}")

        choice("task", TASKS)
        choice("level", LEVELS)
        choice("stem", STEMS)
        choice("cell", CLASSIFIER_CELLS if self.task == "classifier" else CELLS)
        choice("padding", PADDINGS)
        choice("truncating", PADDINGS)
        choice("optimizer", OPTIMIZERS)
        choice("targets", TARGETS)
        choice("strategy", STRATEGIES)
        choice("pooling", POOLINGS)
        choice("lr_schedule", LR_SCHEDULES)
        choice("unfreeze", UNFREEZE_MODES)
        if self.stem is not None and self.level != "word":
            raise UsageError(f"--stem {self.stem} only applies to --level word, not {self.level}")
        if not self.corpus or not isinstance(self.corpus, str):
            raise UsageError("--corpus is empty; give nsmc, annals, text:PATH or tsv:PATH")
        for name in ("layers", "units", "embedding_dim", "seq_len", "max_len", "batch_size", "epochs",
                     "truncate_to", "min_count", "conv_kernel", "pool_size"):
            positive(name)
        for name in ("max_vocab", "limit", "stride", "steps_per_epoch"):
            positive(name, allow_none=True)
        positive("max_vocab", allow_none=True, minimum=3)
        for name in ("conv_filters", "patience", "sample_chars", "seed", "freeze_epochs", "hidden_units",
                     "hash_buckets"):
            positive(name, minimum=0)
        for name in ("dropout", "recurrent_dropout", "hidden_dropout", "layer_dropout"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not 0.0 <= value < 1.0:
                raise UsageError(f"--{name.replace('_', '-')} must be in [0, 1), got {value!r}")
        if not isinstance(self.validation_fraction, (int, float)) or not 0.0 <= self.validation_fraction < 0.9:
            raise UsageError(f"validation fraction must be in [0, 0.9), got {self.validation_fraction!r}")
        if not isinstance(self.learning_rate, (int, float)) or not 0.0 < self.learning_rate < 10.0:
            raise UsageError(f"--lr must be a positive number below 10, got {self.learning_rate!r}")
        if not isinstance(self.clipnorm, (int, float)) or isinstance(self.clipnorm, bool) or self.clipnorm < 0:
            raise UsageError(f"--clipnorm must be ≥ 0 (0: no clipping), got {self.clipnorm!r}")
        if self.stateful and self.task != "generator":
            raise UsageError("--stateful only applies to generators (it carries the state along a text stream)")
        if self.stateful and self.strategy != "default":
            raise UsageError("--stateful trains on one device; use --strategy default")
        if isinstance(self.sample_temperature, bool) or not isinstance(self.sample_temperature, (int, float)) \
                or not self.sample_temperature >= 0:
            raise UsageError(f"--sample-temperature must be ≥ 0 (0: greedy), got {self.sample_temperature!r}")
        if self.targets != "all" and (self.task != "generator" or self.stateful):
            raise UsageError("--targets last applies to stateless generators (one next token per window)")
        if self.init_from is not None and (not isinstance(self.init_from, str) or not self.init_from.strip()):
            raise UsageError(f"--init-from must name a generator bundle, got {self.init_from!r}")
        if self.init_from is not None and self.task != "classifier":
            raise UsageError("--init-from applies to classifiers (a generator starts from scratch or --resume)")
        if self.freeze_epochs and self.init_from is None:
            raise UsageError("--freeze-epochs needs --init-from (only transferred layers are frozen)")
        if self.unfreeze != "all" and self.init_from is None:
            raise UsageError(f"--unfreeze {self.unfreeze} needs --init-from (only transferred layers are frozen)")
        if isinstance(self.lr_decay_per_layer, bool) or not isinstance(self.lr_decay_per_layer, (int, float)) \
                or not 1.0 <= self.lr_decay_per_layer <= 100.0:
            raise UsageError(f"--lr-decay-per-layer must be a number in [1, 100] (1: off), got "
                             f"{self.lr_decay_per_layer!r}")
        if self.lr_decay_per_layer != 1.0 and self.init_from is None:
            raise UsageError("--lr-decay-per-layer needs --init-from (it slows the transferred layers, lowest most)")
        if self.embeddings is not None and (not isinstance(self.embeddings, str) or not self.embeddings.strip()):
            raise UsageError(f"--embeddings must name a word-vector file, got {self.embeddings!r}")
        if self.freeze_embeddings and not self.embeddings:
            raise UsageError("--freeze-embeddings needs --embeddings (it keeps pretrained vectors fixed)")
        if self.soft_labels is not None and (not isinstance(self.soft_labels, str) or not self.soft_labels.strip()):
            raise UsageError(f"--soft-labels must name a file written by 'hangul-rnn label', got {self.soft_labels!r}")
        if self.soft_labels and self.task != "classifier":
            raise UsageError("--soft-labels applies to classifiers (a teacher's class probabilities)")
        if self.embeddings and self.init_from:
            raise UsageError("--embeddings and --init-from both give the embedding its start; choose one")
        if self.hash_buckets and (self.task != "classifier" or self.init_from or self.drop_unknown):
            raise UsageError("--hash-buckets applies to classifiers without --init-from or --drop-unknown (a hashed "
                             "vocabulary has no unknown words, and a generator must turn ids back into words)")
        shortest = self.conv_kernel - 1 + self.pool_size * self.conv_kernel  # two convolutions, pooling between
        if self.cell == "conv" and self.max_len < shortest:
            raise UsageError(f"the conv encoder needs --max-len ≥ {shortest} with --conv-kernel {self.conv_kernel} "
                             f"and --pool-size {self.pool_size}, got {self.max_len}")
        if self.cell in ENCODERS and (self.bidirectional or self.init_from or self.conv_filters):
            raise UsageError(f"--cell {self.cell} is not recurrent: --bidirectional, --init-from and --conv-filters "
                             "apply to recurrent cells")
        if self.bucket and (self.task != "classifier" or self.cell in ENCODERS or self.conv_filters
                            or not self.mask_padding):
            raise UsageError("--bucket applies to recurrent classifiers that mask padding (no --cell bag/flatten/conv, "
                             "--conv-filters or --no-mask): the others read a fixed --max-len or the padding itself")
        if self.tie_embeddings and self.task != "generator":
            raise UsageError("--tie-embeddings only applies to generators (their output scores the same tokens)")
        if self.tie_embeddings and self.freeze_embeddings:
            raise UsageError("--freeze-embeddings with --tie-embeddings would freeze the output layer too; "
                             "choose one")
        if self.task == "generator" and self.bidirectional:
            raise UsageError("--bidirectional only applies to classifiers (a generator reads left to right)")
        from hangul_rnn.limits import check_train_sizes

        check_train_sizes(self)  # seeds numpy takes, sequence lengths, memory: before anything is allocated
        return self

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        """A config from :meth:`to_dict` output; unknown keys (from newer versions) are ignored."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


#: Per-task defaults where the tasks differ, so that ``hangul-rnn train TASK`` with no options, the TUI's Train form
#: untouched and ``default_config(TASK)`` all train the same model. The classifier's are a quick recipe (minutes on
#: a CPU; the shipped classifier's longer one is in its model card: bidirectional by default would also bar --init-from,
#: whose generators read left to right); the generator's suit any text, a small file too (the shipped generator's
#: longer recipe is in its model card).
TASK_DEFAULTS: dict[str, dict[str, Any]] = {
    "generator": dict(corpus="annals", level="syllable", stem=None, units=256, embedding_dim=64, dropout=0.0,
                      epochs=10, learning_rate=2e-3, batch_size=64, seq_len=100, stateful=False,
                      lr_schedule=None, steps_per_epoch=None, patience=3, max_len=64, max_vocab=None),
    "classifier": dict(corpus="nsmc", level="word", stem="morph-all", units=64, embedding_dim=64, dropout=0.2,
                       epochs=5, learning_rate=1e-3, batch_size=128, seq_len=100, stateful=False,
                       lr_schedule=None, steps_per_epoch=None, patience=2, max_len=60, max_vocab=12000),
}


def default_config(task: str, **changes: Any) -> TrainConfig:
    """The TrainConfig of ``task`` with its defaults, then ``changes`` (validated)."""
    if task not in TASK_DEFAULTS:
        raise UsageError(f"unknown task {task!r}; choose one of: {', '.join(TASKS)}")
    merged = {**TASK_DEFAULTS[task], **changes}
    if "stem" not in changes:
        merged["stem"] = default_stem(task, merged["level"])
    return TrainConfig(task=task, **merged).validate()


def default_stem(task: str, level: str) -> str | None:
    """The task's default stems at word level; none at other levels (stems only apply to words)."""
    return TASK_DEFAULTS[task]["stem"] if level == "word" else None


def train_config_from_bundle(bundle: Any) -> TrainConfig:
    """The TrainConfig a bundle was trained with (defaults for anything an older bundle lacks)."""
    return TrainConfig.from_dict(dict(bundle.config.get("hyperparameters") or {}))
