"""Streaming text generation: one sampler for the CLI, the TUI and the training loop's per-epoch sample.

The prompt is read once (:meth:`hangul_rnn.models.GeneratorStepper.read`), then every new token costs one
``step`` of the recurrent cells carrying their states — never a re-run over a window and never ``model.predict``.
Each token is drawn by :func:`sample_next` from the :class:`SamplingOptions` object *as it is at that moment*: the
TUI changes temperature, top-k or top-p while text streams and the next token uses the new values.

Text comes out as pieces, ready to print as they arrive:

- syllable models: one character per token;
- jamo models: only text whose syllables are complete (:func:`hangul_rnn.jamo.complete_prefix`); the tail that a
  later jamo may still join waits, and is flushed, composed, when the sample ends — so the screen never shows loose
  conjoining jamo, and the pieces of one sample concatenate to ``compose`` of all its generated jamo (less a lead
  consonant left dangling when ``max_tokens`` cuts a syllable short);
- word models: ``" word"`` (a space before each word except at the start of a line or right after a prompt that
  ends in whitespace), and ``"\\n"`` for the newline token.

Pieces are the generated text only; callers print the prompt themselves.

Typical use::

    stream = generate(bundle, "태조가", temperature=0.8, max_tokens=300, seed=1)
    for piece in stream:
        print(piece, end="", flush=True)
    print(stream.unknown, stream.stats.tokens_per_second)
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from hangul_rnn.errors import UsageError

__all__ = [
    "STOP_AT",
    "GenerationStats",
    "SamplingOptions",
    "StreamingDecoder",
    "TextStream",
    "generate",
    "generate_batch",
    "sample_next",
]

#: Values of ``stop_at``: stop after a line end, or after a sentence end (. ! ? or a line end).
STOP_AT: tuple[str, ...] = ("line", "sentence")

_PAD_ID = 0  # mirrors hangul_rnn.tokenizers.PAD_ID without importing it at module load
_SENTENCE_END = frozenset(".!?。…")


# --------------------------------------------------------------------------------------------------- options


@dataclass
class SamplingOptions:
    """How the next token is drawn. Mutable on purpose: the decoder reads it again before every token.

    ``temperature`` 0 means greedy (argmax); ``top_k`` 0 means no top-k cut; ``top_p`` 1.0 means no nucleus cut.
    """

    temperature: float = 1.0
    top_k: int = 0
    top_p: float = 1.0

    def validate(self) -> SamplingOptions:
        """Raise a one-line :class:`UsageError` for values out of range; return ``self``."""
        t, k, p = self.temperature, self.top_k, self.top_p
        if not isinstance(t, (int, float)) or isinstance(t, bool) or not np.isfinite(t) or t < 0:
            raise UsageError(f"temperature must be a number >= 0 (0 = greedy), got {t!r}")
        if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 0:
            raise UsageError(f"top-k must be a whole number >= 0 (0 = off), got {k!r}")
        if not isinstance(p, (int, float)) or isinstance(p, bool) or not (0.0 < p <= 1.0):
            raise UsageError(f"top-p must be in (0, 1] (1 = off), got {p!r}")
        return self


def sample_next(
    logits: np.ndarray,
    options: SamplingOptions | None = None,
    rng: np.random.Generator | None = None,
    *,
    banned: Sequence[int] = (_PAD_ID,),
) -> np.ndarray:
    """Draw one token id per row of ``logits [B, V]`` (a 1-D ``[V]`` gives a 0-d array).

    Works in float64 with the max subtracted before ``exp``, so no temperature overflows. ``banned`` ids (by
    default ``<pad>``) are never drawn. Temperature 0 is argmax; otherwise top-k keeps exactly the ``k`` largest
    logits, then top-p keeps the smallest set of most probable tokens whose mass reaches ``p`` (always at least
    one), and one token is drawn from what is left, renormalised.
    """
    options = options or SamplingOptions()
    rng = rng if rng is not None else np.random.default_rng()
    x = np.array(logits, dtype=np.float64, copy=True)
    one = x.ndim == 1
    if one:
        x = x[None, :]
    if x.ndim != 2 or x.shape[1] == 0:
        raise ValueError(f"logits must be [batch, vocab], got shape {np.shape(logits)}")
    n, v = x.shape
    ban = [i for i in banned if 0 <= i < v]
    if ban and len(ban) < v:
        x[:, ban] = -np.inf
    x[np.isnan(x)] = -np.inf
    if options.temperature == 0:
        out = np.argmax(x, axis=1)
        return out[0] if one else out
    x /= float(options.temperature)
    k = int(options.top_k)
    if 0 < k < v:
        drop = np.argpartition(-x, k - 1, axis=1)[:, k:]
        np.put_along_axis(x, drop, -np.inf, axis=1)
    x -= x.max(axis=1, keepdims=True)
    p = np.exp(x)
    p /= p.sum(axis=1, keepdims=True)
    if options.top_p < 1.0:
        order = np.argsort(-p, axis=1, kind="stable")
        sorted_p = np.take_along_axis(p, order, axis=1)
        before = np.cumsum(sorted_p, axis=1) - sorted_p  # mass of the more probable tokens
        drop_sorted = before >= options.top_p
        drop_sorted[:, 0] = False
        drop_mask = np.zeros_like(drop_sorted)
        np.put_along_axis(drop_mask, order, drop_sorted, axis=1)
        p[drop_mask] = 0.0
        p /= p.sum(axis=1, keepdims=True)
    cdf = np.cumsum(p, axis=1)
    u = rng.random(n)[:, None] * cdf[:, -1:]
    out = np.minimum((cdf <= u).sum(axis=1), v - 1)
    return out[0] if one else out


# --------------------------------------------------------------------------------------------------- stats


@dataclass
class GenerationStats:
    """Numbers about one run of the decoder (filled in while it streams)."""

    prompt_tokens: int = 0
    steps: int = 0  # tokens generated per sample (decoder steps taken)
    tokens: int = 0  # tokens generated over all samples
    time_to_first_token: float | None = None  # seconds from the call to the first sampled token, prompt read included
    elapsed: float = 0.0  # seconds from the call to the last sampled token

    @property
    def tokens_per_second(self) -> float:
        """Generated tokens (all samples) per second of decoding, prompt read included."""
        return self.tokens / self.elapsed if self.elapsed > 0 else 0.0


# --------------------------------------------------------------------------------------------------- steppers

_STEPPERS: OrderedDict[int, tuple[Any, Any]] = OrderedDict()
_STEPPER_CACHE_SIZE = 4


def _stepper_for(model: Any) -> Any:
    """A cached :class:`GeneratorStepper` per model (its tf.functions trace once; it follows later weight updates)."""
    from hangul_rnn.models import GeneratorStepper

    key = id(model)
    hit = _STEPPERS.get(key)
    if hit is not None and hit[0] is model:
        _STEPPERS.move_to_end(key)
        return hit[1]
    stepper = GeneratorStepper(model)
    _STEPPERS[key] = (model, stepper)
    while len(_STEPPERS) > _STEPPER_CACHE_SIZE:
        _STEPPERS.popitem(last=False)
    return stepper


def _unpack(source: Any) -> tuple[Any, Any]:
    """(model, tokenizer) from a Bundle, anything with ``.model``/``.tokenizer``, or a ``(model, tokenizer)`` pair."""
    if isinstance(source, tuple) and len(source) == 2:
        return source
    task = getattr(source, "task", None)
    if task and task != "generator":
        name = getattr(source, "name", "") or "this model"
        raise UsageError(f"model {name!r} is a {task}, not a generator; pick a generator model to generate text")
    try:
        return source.model, source.tokenizer
    except AttributeError:
        raise UsageError("generate needs a generator bundle (or a (model, tokenizer) pair)") from None


# --------------------------------------------------------------------------------------------------- decoder


def _is_conjoining_non_lead(ch: str) -> bool:
    """A conjoining vowel or trailing consonant: it would attach to the syllable before it."""
    return len(ch) == 1 and 0x1160 <= ord(ch) <= 0x11FF


def _without_dangling_leads(jamo_text: str) -> str:
    """``jamo_text`` minus trailing conjoining lead consonants: the start of a syllable that the cut left unfinished,
    which would otherwise show as a stray compatibility jamo (태조ㄱ)."""
    end = len(jamo_text)
    while end and 0x1100 <= ord(jamo_text[end - 1]) <= 0x115F:
        end -= 1
    return jamo_text[:end]


class StreamingDecoder:
    """Stateful streaming decoder over a generator bundle; :meth:`stream` yields one list of pieces per step.

    ``source`` is a :class:`hangul_rnn.bundle.Bundle` (task "generator"), or any object with ``.model`` and
    ``.tokenizer``, or a ``(model, tokenizer)`` pair (the training loop samples a model that is not saved yet).
    ``options`` is read at every step; ``seed`` makes the draws reproducible; ``num_samples`` streams run in one
    batch from the same prompt. ``on_unknown`` is called once with the prompt's tokens the vocabulary lacks (they
    reach the model as ``<unk>``); they are also kept in :attr:`unknown`. :attr:`stats` fills in while streaming.
    """

    def __init__(
        self,
        source: Any,
        *,
        options: SamplingOptions | None = None,
        seed: int | None = None,
        num_samples: int = 1,
        on_unknown: Callable[[list[str]], None] | None = None,
    ) -> None:
        self.model, self.tokenizer = _unpack(source)
        if self.tokenizer.vocab is None:
            raise UsageError("the model's tokenizer has no vocabulary; it was never fitted")
        self.options = (options if options is not None else SamplingOptions()).validate()
        if isinstance(num_samples, bool) or not isinstance(num_samples, (int, np.integer)) or num_samples < 1:
            raise UsageError(f"the number of samples must be at least 1, got {num_samples!r}")
        self.num_samples = int(num_samples)
        self.rng = np.random.default_rng(seed)
        self.on_unknown = on_unknown
        self.unknown: list[str] = []
        self.stats = GenerationStats()
        self._stepper = _stepper_for(self.model)
        self._build_tables()

    # ---- vocabulary tables, built once

    def _build_tables(self) -> None:
        from hangul_rnn.tokenizers import BOS, EOS, PAD, UNK, UNK_MARKER

        vocab = self.tokenizer.vocab
        self.kind: str = self.tokenizer.kind
        newline = "\n"
        if self.kind == "word":
            from hangul_rnn.text import NEWLINE_TOKEN

            newline = NEWLINE_TOKEN
        tokens = vocab.tokens
        self._texts: list[str] = []
        self._newline = np.zeros(len(tokens), dtype=bool)
        self._sentence_end = np.zeros(len(tokens), dtype=bool)
        for i, t in enumerate(tokens):
            if t in (PAD, BOS, EOS):
                text = ""
            elif t == UNK:
                text = UNK_MARKER
            elif t == newline:
                text = "\n"
            else:
                text = t
            self._texts.append(text)
            self._newline[i] = text == "\n"
            stripped = text.rstrip()
            self._sentence_end[i] = text == "\n" or (bool(stripped) and stripped[-1] in _SENTENCE_END)
        self.eos_id: int | None = vocab.id(EOS) if EOS in vocab else None
        #: Ids never drawn: padding, unknown, the start marker (they carry no text worth generating) and tokens
        #: never seen in training (reserved ids such as an unused ``<eos>``: the model cannot have learnt them).
        banned = {vocab.id(t) for t in (PAD, UNK, BOS) if t in vocab}
        counts = vocab.counts
        if any(counts.values()):
            unseen = {i for i, t in enumerate(tokens) if not counts.get(t)}
            if len(banned | unseen) < len(tokens):
                banned |= unseen
        self.banned: list[int] = sorted(banned)
        #: Ids not drawn as the first token after a jamo prompt: a typed prompt ends in a finished syllable, so a
        #: vowel or trailing consonant would not join it (it would show as a loose compatibility jamo).
        self._after_prompt_banned = self.banned
        if self.kind == "jamo":
            extra = [i for i, t in enumerate(tokens) if _is_conjoining_non_lead(t)]
            if len(extra) + len(self.banned) < len(tokens):
                self._after_prompt_banned = sorted(set(self.banned) | set(extra))
        if newline in vocab:
            self.start_id = vocab.id(newline)
        elif BOS in vocab:
            self.start_id = vocab.id(BOS)
        else:
            self.start_id = 1

    # ---- streaming

    def prompt_ids(self, prompt: str) -> list[int]:
        """The ids the model reads first: the prompt's, or the start token (newline) for an empty prompt."""
        ids = self.tokenizer.encode(prompt) if prompt else []
        return ids or [self.start_id]

    def stream(self, prompt: str = "", *, max_tokens: int = 200, stop_at: str | None = None) -> Iterator[list[str]]:
        """Validate, encode the prompt (reporting unknown tokens now), and return the step iterator.

        Each item is one piece per sample (``""`` where a sample produced no displayable text this step or has
        already stopped); the last item also carries each sample's flushed jamo tail.
        """
        if isinstance(max_tokens, bool) or not isinstance(max_tokens, (int, np.integer)) or max_tokens < 1:
            raise UsageError(f"max tokens must be at least 1, got {max_tokens!r}")
        if stop_at not in (None, *STOP_AT):
            raise UsageError(f"unknown stop condition {stop_at!r}; choose one of: {', '.join(STOP_AT)}")
        prompt = prompt or ""
        ids = self.prompt_ids(prompt)
        self.unknown = self.tokenizer.unknown_tokens(prompt) if prompt.strip() else []
        if self.unknown and self.on_unknown is not None:
            self.on_unknown(list(self.unknown))
        return self._run(prompt, ids, int(max_tokens), stop_at)

    def _run(self, prompt: str, ids: list[int], max_tokens: int, stop_at: str | None) -> Iterator[list[str]]:
        from hangul_rnn.jamo import complete_prefix, compose

        n = self.num_samples
        kind = self.kind
        texts, is_newline, is_sentence_end = self._texts, self._newline, self._sentence_end
        has_prompt = bool(prompt.strip())
        last_line = prompt.rsplit("\n", 1)[-1]
        content = [bool(last_line.strip())] * n  # text on the current line, so a stop can trigger
        glued = [not prompt or prompt[-1].isspace()] * n  # word level: no space before the next word
        pending = [""] * n  # jamo level: decomposed tail not yet safe to compose
        done = [False] * n
        self.stats = stats = GenerationStats(prompt_tokens=len(ids))

        t0 = time.perf_counter()
        logits, states = self._stepper.read(np.tile(np.asarray(ids, dtype=np.int32), (n, 1)))
        for step in range(max_tokens):
            banned = self._after_prompt_banned if (step == 0 and has_prompt) else self.banned
            next_ids = sample_next(logits, self.options, self.rng, banned=banned)
            now = time.perf_counter()
            if stats.time_to_first_token is None:
                stats.time_to_first_token = now - t0
            stats.elapsed = now - t0
            stats.steps += 1
            pieces = [""] * n
            for b in range(n):
                if done[b]:
                    continue
                stats.tokens += 1
                tid = int(next_ids[b])
                if tid == self.eos_id:
                    done[b] = True
                    continue
                text = texts[tid]
                if kind == "jamo":
                    safe, pending[b] = complete_prefix(pending[b] + text)
                    piece = compose(safe) if safe else ""
                elif kind == "word" and text and text != "\n":
                    piece = text if glued[b] else " " + text
                else:
                    piece = text
                glued[b] = text == "\n"
                pieces[b] = piece
                if is_newline[tid]:
                    if stop_at is not None and content[b]:
                        done[b] = True
                    content[b] = False
                else:
                    content[b] = content[b] or bool(text.strip())
                    if stop_at == "sentence" and is_sentence_end[tid]:
                        done[b] = True
            last = all(done) or step == max_tokens - 1
            if last:
                for b in range(n):
                    # cut by max_tokens: a lead consonant the model had just begun a syllable with is dropped
                    tail = pending[b] if done[b] else _without_dangling_leads(pending[b])
                    if tail:
                        pieces[b] += compose(tail)
                    pending[b] = ""
                yield pieces
                return
            # done samples keep stepping with the rest of the batch; their output is ignored
            for b in range(n):
                if pending[b] and done[b]:
                    pieces[b] += compose(pending[b])
                    pending[b] = ""
            yield pieces
            logits, states = self._stepper.step(next_ids.astype(np.int32), states)


class TextStream(Iterator[str]):
    """The text pieces of one sample (empty pieces skipped); ``.stats``, ``.unknown``, ``.decoder`` alongside."""

    def __init__(self, decoder: StreamingDecoder, steps: Iterator[list[str]]) -> None:
        self.decoder = decoder
        self._steps = steps

    def __iter__(self) -> TextStream:
        return self

    def __next__(self) -> str:
        while True:
            piece = next(self._steps)[0]
            if piece:
                return piece

    @property
    def stats(self) -> GenerationStats:
        return self.decoder.stats

    @property
    def unknown(self) -> list[str]:
        return self.decoder.unknown


def _options(
    options: SamplingOptions | None, temperature: float | None, top_k: int | None, top_p: float | None
) -> SamplingOptions:
    """``options`` as given (the very object, so later changes are seen) unless single values are passed too."""
    if options is None:
        options = SamplingOptions()
    if temperature is not None:
        options.temperature = temperature
    if top_k is not None:
        options.top_k = top_k
    if top_p is not None:
        options.top_p = top_p
    return options.validate()


def _start(bundle, prompt, options, temperature, top_k, top_p, max_tokens, stop_at, seed, on_unknown, *,
           num_samples: int) -> tuple[StreamingDecoder, Iterator[list[str]]]:
    """A decoder and its started stream: what :func:`generate` and :func:`generate_batch` wrap differently."""
    decoder = StreamingDecoder(bundle, options=_options(options, temperature, top_k, top_p), seed=seed,
                               num_samples=num_samples, on_unknown=on_unknown)
    return decoder, decoder.stream(prompt, max_tokens=max_tokens, stop_at=stop_at)


def generate(
    bundle: Any,
    prompt: str = "",
    *,
    options: SamplingOptions | None = None,
    temperature: float | None = None,
    top_k: int | None = None,
    top_p: float | None = None,
    max_tokens: int = 200,
    stop_at: str | None = None,
    seed: int | None = None,
    on_unknown: Callable[[list[str]], None] | None = None,
) -> TextStream:
    """Stream one sample's text pieces after ``prompt``. Errors in the arguments raise here, not at first ``next``.

    ``temperature``/``top_k``/``top_p`` set fields of ``options`` (a new :class:`SamplingOptions` when None); the
    options object is read before every token, so changing it while iterating changes the next token.
    """
    return TextStream(*_start(bundle, prompt, options, temperature, top_k, top_p, max_tokens, stop_at, seed,
                              on_unknown, num_samples=1))


def generate_batch(
    bundle: Any,
    prompt: str = "",
    *,
    num_samples: int,
    options: SamplingOptions | None = None,
    temperature: float | None = None,
    top_k: int | None = None,
    top_p: float | None = None,
    max_tokens: int = 200,
    stop_at: str | None = None,
    seed: int | None = None,
    on_unknown: Callable[[list[str]], None] | None = None,
) -> Iterator[list[str]]:
    """``num_samples`` samples from one prompt in one batch; each step yields one piece per sample.

    The returned iterator has ``.decoder`` (with ``.stats`` and ``.unknown``) like :func:`generate`'s.
    """
    return _BatchStream(*_start(bundle, prompt, options, temperature, top_k, top_p, max_tokens, stop_at, seed,
                                on_unknown, num_samples=num_samples))


class _BatchStream(Iterator[list[str]]):
    def __init__(self, decoder: StreamingDecoder, steps: Iterator[list[str]]) -> None:
        self.decoder = decoder
        self._steps = steps

    def __iter__(self) -> _BatchStream:
        return self

    def __next__(self) -> list[str]:
        return next(self._steps)

    @property
    def stats(self) -> GenerationStats:
        return self.decoder.stats

    @property
    def unknown(self) -> list[str]:
        return self.decoder.unknown
