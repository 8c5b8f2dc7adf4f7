"""Start a classifier from a generator: its tokenizer, embedding and recurrent layers, then a new head (ULMFiT).

Why: a generator learns Korean from unlabelled text (nsmc-raw: 662K reviews), a classifier has few labels; starting
the classifier's encoder from the generator's weights carries what the generator learned into the classifier.

What is taken, and how contradictions are handled (one rule for the CLI, the TUI and the library):

- **Tokenizer**: the generator's, as it is (vocabulary, level, stems, cleaning); the classifier fits none. Its
  level/stem/truncate_to/max_vocab/min_count/clean are recorded as the generator's. An option *given explicitly*
  (CLI) or, from the library, a value that is neither the generator's nor a default, is a one-line
  :class:`~hangul_rnn.errors.UsageError`: a vocabulary cannot be re-levelled.
- **Network**: cell, layers, units and embedding size are the generator's (the weights only fit that shape), with
  the same rule for contradictions. A bidirectional encoder or a Conv1D front is refused: the generator's recurrent
  layers read the embedding left to right and nothing else.
- **Fine-tuning** (ULMFiT's recipe, each part an option so that each can be measured): ``freeze_epochs`` N trains
  the head alone for N epochs (encoder frozen), then everything (``unfreeze="all"``) or one more transferred layer
  per epoch from the top, the embedding last (``unfreeze="gradual"``). Freezing is done inside one Keras ``fit``
  (:class:`Unfreeze` callback), so early stopping, checkpoints and the history span every phase; Adam is built for
  every weight first, so unfreezing needs no new optimizer. ``lr_decay_per_layer`` F gives the top recurrent layer
  the rate lr/F, the next lower lr/F², …, the embedding the lowest (:func:`layer_rate_factors`,
  :mod:`hangul_rnn.layer_rates`). The schedule is a function of the epoch number and is kept in the bundle's
  hyperparameters (saved values win on resume), so ``--resume`` takes it up where it stopped.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from typing import Any

from hangul_rnn.config import TASK_DEFAULTS, TrainConfig
from hangul_rnn.errors import FormatError, UsageError

#: Config fields a classifier started from a generator takes from it.
INHERITED_TOKENIZER = ("level", "stem", "truncate_to", "clean", "max_vocab", "min_count")
INHERITED_NETWORK = ("cell", "layers", "units", "embedding_dim")
INHERITED = INHERITED_TOKENIZER + INHERITED_NETWORK

_CELL_OF_CLASS = {"LSTM": "lstm", "GRU": "gru", "SimpleRNN": "rnn"}

__all__ = ["INHERITED", "InitSource", "Unfreeze", "check_coverage", "copy_encoder", "encoder_layers", "inherit",
           "layer_rate_factors", "load_generator", "set_encoder_trainable", "trainable_count"]


@dataclass
class InitSource:
    """The generator a classifier starts from: what the bundle records (``record``) and what training needs."""

    tokenizer: Any
    model: Any
    values: dict[str, Any]
    record: dict[str, Any]


def load_generator(spec: str) -> InitSource:
    """The generator bundle ``spec`` names (a model name or a bundle folder), checked to be one, as an InitSource."""
    from hangul_rnn.bundle import Bundle, load_bundle

    try:
        bundle = load_bundle(spec)
    except (FileNotFoundError, FormatError, UsageError) as exc:
        raise UsageError(f"--init-from {spec!r}: cannot load it as a bundle ({_one_line(exc)})") from None
    if not isinstance(bundle, Bundle):
        raise UsageError(f"--init-from {spec!r} is an ensemble; start from one generator")
    if bundle.task != "generator":
        raise UsageError(f"--init-from {spec!r} is a {bundle.task}, not a generator; name a generator bundle")
    values = _generator_values(bundle)
    record = {"name": bundle.name, "corpus": bundle.config.get("corpus"),
              "params": int(bundle.model.count_params()), "path": str(bundle.path) if bundle.path else None}
    return InitSource(tokenizer=bundle.tokenizer, model=bundle.model, values=values, record=record)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _generator_values(bundle: Any) -> dict[str, Any]:
    """The inherited fields of a generator: the network shape read from the model itself (so a bundle whose config
    and weights disagree cannot slip through), the tokenizer fields from its config."""
    from hangul_rnn.config import train_config_from_bundle

    model = bundle.model
    saved = train_config_from_bundle(bundle)
    try:
        embedding = model.get_layer("embedding")
        rnns: list[Any] = []
        while any(layer.name == f"rnn_{len(rnns)}" for layer in model.layers):
            rnns.append(model.get_layer(f"rnn_{len(rnns)}"))
    except ValueError:
        rnns = []
    if not rnns:
        raise UsageError(f"--init-from {bundle.name!r}: its network has no embedding and rnn_0 layers to start from")
    cell = _CELL_OF_CLASS.get(type(rnns[0]).__name__)
    if cell is None:
        raise UsageError(f"--init-from {bundle.name!r}: unknown recurrent layer {type(rnns[0]).__name__}")
    tok = bundle.config.get("tokenizer") or {}
    values = {name: getattr(saved, name) for name in INHERITED_TOKENIZER}
    values.update(level=tok.get("level", saved.level), stem=tok.get("stem", saved.stem),
                  truncate_to=tok.get("truncate_to", saved.truncate_to),
                  cell=cell, layers=len(rnns), units=int(rnns[0].units), embedding_dim=int(embedding.output_dim))
    if int(embedding.input_dim) != int(bundle.tokenizer.vocab_size):
        raise UsageError(f"--init-from {bundle.name!r}: its embedding has {embedding.input_dim} rows but its "
                         f"tokenizer {bundle.tokenizer.vocab_size} tokens")
    return values


def _defaults(name: str) -> list[Any]:
    """Values of a field that mean "not chosen": the dataclass default and the classifier's task default."""
    return [getattr(TrainConfig(), name), TASK_DEFAULTS["classifier"].get(name, getattr(TrainConfig(), name))]


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def inherit(cfg: TrainConfig, source: InitSource, explicit: Collection[str] | None = None) -> TrainConfig:
    """``cfg`` with the generator's tokenizer and network fields; a contradiction is a one-line UsageError.

    ``explicit`` names the fields the user set (the CLI knows); None (the library, the TUI) treats a value that is
    neither a default nor the generator's as set. Applying it twice changes nothing, so the CLI may check early.
    """
    if cfg.task != "classifier":
        raise UsageError("--init-from applies to classifiers (a generator starts from scratch or --resume)")
    name = source.record["name"]
    if cfg.bidirectional:
        raise UsageError(f"--init-from {name!r} cannot be --bidirectional: the generator's recurrent layers read "
                         "left to right only")
    if cfg.conv_filters:
        raise UsageError(f"--init-from {name!r} cannot take --conv-filters: the generator's recurrent layers read "
                         "its embedding directly")
    changes = {}
    for field, theirs in source.values.items():
        mine = getattr(cfg, field)
        if mine == theirs:
            continue
        given = field in explicit if explicit is not None else mine not in _defaults(field)
        if given:
            shown = "none" if theirs is None else theirs
            raise UsageError(f"{_flag(field)} {'none' if mine is None else mine} contradicts --init-from {name!r}, "
                             f"whose {field.replace('_', ' ')} is {shown}; drop the option (the classifier takes "
                             "the generator's tokenizer and recurrent layers)")
        changes[field] = theirs
    return replace(cfg, **changes).validate()


#: Above this share of ``<unk>`` tokens in the classifier's texts the generator's vocabulary cannot serve them.
MAX_UNKNOWN_SHARE = 0.5


def check_coverage(source: InitSource, corpus_spec: str, *, sample: int = 2000) -> float:
    """The share of the classifier corpus's tokens (first ``sample`` documents) the generator's vocabulary does not
    know; above :data:`MAX_UNKNOWN_SHARE` a one-line UsageError (e.g. a word-level generator of the Annals asked to
    read movie reviews: most of their words would be one and the same ``<unk>``)."""
    from itertools import islice

    from hangul_rnn.corpora import get_corpus
    from hangul_rnn.vocabulary import UNK_ID

    texts = [text for text, _label in islice(get_corpus(corpus_spec).examples("train"), sample)]
    ids = [i for seq in source.tokenizer.encode_batch(texts) for i in seq]
    share = sum(i == UNK_ID for i in ids) / len(ids) if ids else 0.0
    if share > MAX_UNKNOWN_SHARE:
        raise UsageError(f"--init-from {source.record['name']!r}: its vocabulary does not know {share:.0%} of the "
                         f"tokens of {corpus_spec}; start from a generator trained on similar text")
    source.record["unknown_share"] = round(share, 4)
    return share


# ----------------------------------------------------------------------------------------------------- weights


def encoder_layers(model: Any) -> list[Any]:
    """The layers a classifier takes from a generator: ``embedding`` and ``rnn_0`` … in order."""
    layers = [model.get_layer("embedding")]
    while any(layer.name == f"rnn_{len(layers) - 1}" for layer in model.layers):
        layers.append(model.get_layer(f"rnn_{len(layers) - 1}"))
    return layers


def copy_encoder(generator: Any, classifier: Any) -> int:
    """Copy the embedding and recurrent weights of ``generator`` into ``classifier``; returns the weights copied.

    Both must have the same vocabulary, embedding size, cell, units and layer count (:func:`inherit` sees to it);
    a mismatch here is a one-line UsageError, never a half-initialised model.
    """
    source, target = encoder_layers(generator), encoder_layers(classifier)
    if len(source) != len(target):
        raise UsageError(f"the generator has {len(source) - 1} recurrent layers, the classifier {len(target) - 1}")
    copied = 0
    for src, dst in zip(source, target):
        weights = src.get_weights()
        if src.name == "embedding":  # a tied embedding also holds its output bias, which a classifier has no use for
            weights = weights[:1]
        try:
            dst.set_weights(weights)
        except ValueError as exc:
            raise UsageError(f"cannot start layer {dst.name} from the generator's: {_one_line(exc)}") from None
        copied += sum(int(w.size) for w in weights)
    return copied


def set_encoder_trainable(model: Any, trainable: bool | int) -> None:
    """Freeze or unfreeze the transferred layers (the head always trains); an int N: the top N train, the rest
    are frozen (``rnn_{L-1}`` is the top, the embedding the bottom)."""
    layers = encoder_layers(model)
    count = (len(layers) if trainable else 0) if isinstance(trainable, bool) else trainable
    for i, layer in enumerate(layers):
        layer.trainable = i >= len(layers) - count


def trainable_count(epoch: int, freeze_epochs: int, unfreeze: str, total: int) -> int:
    """How many of the ``total`` transferred layers train in ``epoch`` (0-based), counted from the top: none during
    the ``freeze_epochs`` warm-up, then all (``unfreeze="all"``) or one more each epoch (``"gradual"``)."""
    if epoch < freeze_epochs:
        return 0
    return total if unfreeze == "all" else min(total, epoch - freeze_epochs + 1)


def layer_rate_factors(model: Any, decay: float) -> dict[str, float]:
    """Learning-rate factors of the transferred layers (ULMFiT's discriminative rates): ``1/decay`` for the top
    recurrent layer, ``1/decay²`` for the next lower, …, the embedding lowest; {} when ``decay`` is 1 (off)."""
    if decay == 1.0:
        return {}
    layers = encoder_layers(model)
    return {layer.name: float(decay) ** -(len(layers) - i) for i, layer in enumerate(layers)}


def freeze_for_warmup(model: Any, count: int = 0) -> None:
    """Freeze all but the top ``count`` transferred layers for the start of the run, after building Adam for
    *every* weight.

    Why build first: Keras 3 optimizers know the variables they were built with and refuse new ones; built with
    all of them, the same optimizer updates the head alone now and more after each :class:`Unfreeze`.
    """
    optimizer = model.optimizer
    if not optimizer.built:
        optimizer.build(model.trainable_variables)
    set_encoder_trainable(model, count)
    model.train_function = None  # traced again at fit, with the trainable variables only


def _unfreeze_callback_class():
    import keras

    class Unfreeze(keras.callbacks.Callback):
        """At the start of every epoch, make the layers :func:`trainable_count` names trainable (the top ones);
        the training step is traced again only when that changes."""

        def __init__(self, freeze_epochs: int, unfreeze: str = "all") -> None:
            super().__init__()
            self.freeze_epochs, self.unfreeze = freeze_epochs, unfreeze
            self.trainable_by_epoch: dict[int, list[str]] = {}  # what trained in each epoch (tests, reports)

        def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
            layers = encoder_layers(self.model)
            want = trainable_count(epoch, self.freeze_epochs, self.unfreeze, len(layers))
            if any(layer.trainable != (i >= len(layers) - want) for i, layer in enumerate(layers)):
                set_encoder_trainable(self.model, want)
                self.model.make_train_function(force=True)
            self.trainable_by_epoch[epoch] = [layer.name for layer in layers if layer.trainable]

    return Unfreeze


def Unfreeze(freeze_epochs: int, unfreeze: str = "all") -> Any:
    """The callback that unfreezes the transferred layers as :func:`trainable_count` says (see
    :func:`freeze_for_warmup` for the start)."""
    return _unfreeze_callback_class()(freeze_epochs, unfreeze)
